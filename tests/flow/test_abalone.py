"""Both public abalone flows, and the project's copy, against an independent computation.

The project's flow takes the event time ``record_time`` from the prepared ``abalone.csv``; the public
flows it comes from set it from the clock in their last node, and keep doing so here.
"""

from __future__ import annotations

import ast
import copy
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scripts import PROJECT_ROOT, abalone
from scripts.flow import load_flow, run_flow
from scripts.flow.errors import CustomCodeError, SchemaMismatchError

PROJECT_FLOW = PROJECT_ROOT / "data" / "abalone.flow"
SHARED_FLOWS = PROJECT_ROOT.parent / "shared" / "data" / "flows"
PUBLIC_FLOWS = [SHARED_FLOWS / name for name in ("dw-flow.flow", "dw2-flow.flow")]
MEASUREMENTS = list(abalone.MEASUREMENTS)
OUTPUT_COLUMNS = [*MEASUREMENTS, "record_id", "rings", "sex_M", "sex_I", "sex_F", "record_time"]
FIXED_TIME = 1_633_524_902.0
ONE_DAY = 86_400.0
SOURCE_NODE = "ca0245bd-270a-45db-a597-464115684c44"
CAST_NODE = "dc681f4a-e296-48a7-83c3-a2fad429ae8c"
LAST_NODE = "5827674e-d42e-4688-8609-b1aa34cc4954"


def expected_output(abalone_csv: Path) -> pd.DataFrame:
    """What the flow should produce, computed without the runner: z-scores with ddof=0 (sklearn's
    StandardScaler), one-hot sex in the stored label order M, I, F, record_time the file's own column
    (the project's flow) or the fixed clock (the public flows, which read the clock)."""
    raw = pd.read_csv(abalone_csv)
    measurements = raw[MEASUREMENTS].to_numpy(dtype=float)
    expected = pd.DataFrame(
        (measurements - measurements.mean(axis=0)) / measurements.std(axis=0, ddof=0), columns=MEASUREMENTS
    )
    expected["record_id"] = raw["record_id"]
    expected["rings"] = raw["rings"]
    for label in ("M", "I", "F"):
        expected[f"sex_{label}"] = (raw["sex"] == label).astype(float)
    expected["record_time"] = raw.get("record_time", FIXED_TIME)
    return expected


def abalone_flows() -> list[Path]:
    return [PROJECT_FLOW, *(path for path in PUBLIC_FLOWS if path.is_file())]


def public_flows() -> list:
    present = [path for path in PUBLIC_FLOWS if path.is_file()]
    return present or [
        pytest.param(None, marks=pytest.mark.skip(reason=f"no public flows in {SHARED_FLOWS}"))
    ]


@pytest.fixture(params=["", "generated_"], ids=["shared-or-generated", "generated"])
def abalone_input(request: pytest.FixtureRequest):
    """The input file for a flow: the kit's ``abalone.csv`` for the project's flow, the public format
    (no ``record_time``) for the public flows; the same rows either way."""

    def for_flow(flow_path: Path) -> Path:
        kind = "abalone_csv" if flow_path == PROJECT_FLOW else "public_abalone_csv"
        return request.getfixturevalue(request.param + kind)

    return for_flow


def run_twice_a_day_apart(flow_path: Path, source: Path, directory: Path, monkeypatch) -> tuple[Path, Path]:
    """Run the flow with the real clock, then with the clock a day later; no fixed time either time."""
    flow = load_flow(flow_path)
    first = run_flow(flow, {"abalone.csv": source}, directory / "first")
    real_time = time.time
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: real_time() + ONE_DAY)
        second = run_flow(flow, {"abalone.csv": source}, directory / "second")
    return first.path, second.path


@pytest.mark.parametrize("flow_path", abalone_flows(), ids=lambda path: path.name)
@pytest.mark.parametrize("refit", [False, True], ids=["stored", "refit"])
def test_the_abalone_flow_matches_an_independent_computation(flow_path, refit, abalone_input, tmp_path):
    source = abalone_input(flow_path)
    fixed_time = None if flow_path == PROJECT_FLOW else FIXED_TIME
    result = run_flow(
        load_flow(flow_path), {"abalone.csv": source}, tmp_path, refit=refit, fixed_time=fixed_time
    )

    written = pd.read_csv(result.path)
    assert (result.rows, list(result.columns)) == (4177, OUTPUT_COLUMNS)
    assert list(written.columns) == OUTPUT_COLUMNS
    expected = expected_output(source)
    np.testing.assert_allclose(
        written.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=0, atol=1e-9
    )
    assert written[["record_id", "rings"]].dtypes.tolist() == [np.int64, np.int64]


def test_the_output_lands_where_the_processing_job_puts_it(abalone_csv, tmp_path):
    result = run_flow(load_flow(PROJECT_FLOW), {"abalone.csv": abalone_csv}, tmp_path)

    assert str(result.output) == f"{LAST_NODE}.default"
    assert result.path == tmp_path / LAST_NODE / "default" / "part-00000.csv"


def test_stored_labels_and_a_refit_give_the_same_bytes(abalone_csv, tmp_path):
    flow = load_flow(PROJECT_FLOW)
    stored = run_flow(flow, {"abalone.csv": abalone_csv}, tmp_path / "stored")
    refit = run_flow(flow, {"abalone.csv": abalone_csv}, tmp_path / "refit", refit=True)

    assert stored.path.read_bytes() == refit.path.read_bytes()


def test_a_re_run_of_the_same_file_gives_the_same_bytes_whatever_the_clock(
    abalone_csv, tmp_path, monkeypatch
):
    first, second = run_twice_a_day_apart(PROJECT_FLOW, abalone_csv, tmp_path, monkeypatch)

    assert first.read_bytes() == second.read_bytes()
    written, prepared = pd.read_csv(first), pd.read_csv(abalone_csv)
    assert written["record_time"].tolist() == prepared["record_time"].tolist()
    assert set(written["record_time"]) == {abalone.record_time()}
    assert written["record_id"].tolist() == prepared["record_id"].tolist()


def test_a_fixed_time_changes_nothing_in_the_project_flow(abalone_csv, tmp_path):
    flow = load_flow(PROJECT_FLOW)
    clock = run_flow(flow, {"abalone.csv": abalone_csv}, tmp_path / "clock")
    fixed = run_flow(flow, {"abalone.csv": abalone_csv}, tmp_path / "fixed", fixed_time=1234.0)

    assert fixed.path.read_bytes() == clock.path.read_bytes()


def test_no_node_of_the_project_flow_reads_the_clock():
    document = json.loads(PROJECT_FLOW.read_text())
    codes = [node["parameters"]["code"] for node in document["nodes"] if "code" in node["parameters"]]

    assert len(codes) == 2
    for code in codes:
        imported, called = set(), set()
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                imported |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").partition(".")[0])
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                called.add(node.func.attr)
        assert imported <= {"pandas", "sklearn"}
        assert not called & {"now", "today", "utcnow", "time", "time_ns"}


@pytest.mark.parametrize("flow_path", public_flows(), ids=lambda path: path.name if path else "absent")
def test_the_public_flows_keep_reading_the_clock(flow_path, public_abalone_csv, tmp_path, monkeypatch):
    first, second = run_twice_a_day_apart(flow_path, public_abalone_csv, tmp_path, monkeypatch)

    (earlier,) = set(pd.read_csv(first)["record_time"])
    (later,) = set(pd.read_csv(second)["record_time"])
    assert abs(earlier - pd.Timestamp.now(tz="UTC").timestamp()) < 600
    assert later - earlier == pytest.approx(ONE_DAY, abs=5)
    fixed = run_flow(load_flow(flow_path), {"abalone.csv": public_abalone_csv}, tmp_path, fixed_time=1234.0)
    assert set(pd.read_csv(fixed.path)["record_time"]) == {1234.0}


def test_the_project_flow_is_the_public_one_with_the_event_time_from_the_data():
    """Same nodes, operators, wiring and trained models as the public dw-flow; what differs: a neutral
    source URI, ``record_time`` in the trained schema (last, a float), and the two custom codes."""
    shared = SHARED_FLOWS / "dw-flow.flow"
    if not shared.is_file():
        pytest.skip(f"{shared} is absent")
    project, public = json.loads(PROJECT_FLOW.read_text()), json.loads(shared.read_text())
    nodes = {node["node_id"]: node for node in project["nodes"]}
    public_nodes = {node["node_id"]: node for node in public["nodes"]}
    context = nodes[SOURCE_NODE]["parameters"]["dataset_definition"]["s3ExecutionContext"]
    schema = nodes[CAST_NODE]["trained_parameters"]["schema"]

    assert context["s3Uri"] == "s3://example-bucket/abalone/abalone.csv"
    assert list(schema.items()) == [
        *public_nodes[CAST_NODE]["trained_parameters"]["schema"].items(),
        ("record_time", "float"),
    ]
    assert "time.time()" in public_nodes[LAST_NODE]["parameters"]["code"]

    restored = copy.deepcopy(project)
    for node in restored["nodes"]:
        original = public_nodes[node["node_id"]]
        if node["node_id"] in (SOURCE_NODE, CAST_NODE):
            node["parameters"] = original["parameters"]
            node["trained_parameters"] = original.get("trained_parameters")
            if node["trained_parameters"] is None:
                del node["trained_parameters"]
        if "code" in node["parameters"]:
            node["parameters"]["code"] = original["parameters"]["code"]
    assert restored == public


def test_the_output_columns_are_the_feature_group_s_features():
    definition = json.loads((PROJECT_ROOT / "data" / "abalone.fg.json").read_text())
    assert [feature["FeatureName"] for feature in definition["FeatureDefinitions"]] == OUTPUT_COLUMNS


def test_raw_abalone_data_without_header_and_record_id_is_refused(shared_data, tmp_path):
    with pytest.raises(SchemaMismatchError) as error:
        run_flow(load_flow(PROJECT_FLOW), {"abalone.csv": shared_data / "abalone.data"}, tmp_path)

    message = str(error.value)
    assert message.startswith(f"node {CAST_NODE} (infer_and_cast_type):")
    assert "missing record_id, sex, length" in message
    assert "extra M, 0.455, 0.365" in message


def test_a_file_prepared_without_record_time_is_refused_naming_it(public_abalone_csv, tmp_path):
    with pytest.raises(SchemaMismatchError) as error:
        run_flow(load_flow(PROJECT_FLOW), {"abalone.csv": public_abalone_csv}, tmp_path)

    assert str(error.value).startswith(
        f"node {CAST_NODE} (infer_and_cast_type): the data does not match the trained schema "
        "(missing record_time):"
    )


@pytest.mark.parametrize("value", ["", "yesterday"], ids=["empty", "not-a-number"])
def test_a_row_without_an_event_time_stops_the_run_before_any_output(value, abalone_csv, tmp_path):
    rows = pd.read_csv(abalone_csv, dtype=str, keep_default_na=False)
    rows.loc[7, "record_time"] = value
    broken = tmp_path / "abalone.csv"
    rows.to_csv(broken, index=False)

    with pytest.raises(CustomCodeError) as error:
        run_flow(load_flow(PROJECT_FLOW), {"abalone.csv": broken}, tmp_path / "out")

    assert str(error.value).startswith(
        f"node {LAST_NODE} (custom_pandas): its code raised ValueError: record_time is empty or not a "
        "number in some rows"
    )
    assert not (tmp_path / "out").exists()
