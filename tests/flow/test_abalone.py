"""Both public abalone flows, and the project's copy, against an independent computation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scripts import PROJECT_ROOT
from scripts.flow import load_flow, run_flow
from scripts.flow.errors import SchemaMismatchError

PROJECT_FLOW = PROJECT_ROOT / "data" / "abalone.flow"
MEASUREMENTS = [
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
]
OUTPUT_COLUMNS = [*MEASUREMENTS, "record_id", "rings", "sex_M", "sex_I", "sex_F", "record_time"]
FIXED_TIME = 1_633_524_902.0


def expected_output(abalone_csv: Path) -> pd.DataFrame:
    """What the flow should produce, computed without the runner: z-scores with ddof=0 (sklearn's
    StandardScaler), one-hot sex in the stored label order M, I, F, record_time the fixed clock."""
    raw = pd.read_csv(abalone_csv)
    measurements = raw[MEASUREMENTS].to_numpy(dtype=float)
    expected = pd.DataFrame(
        (measurements - measurements.mean(axis=0)) / measurements.std(axis=0, ddof=0), columns=MEASUREMENTS
    )
    expected["record_id"] = raw["record_id"]
    expected["rings"] = raw["rings"]
    for label in ("M", "I", "F"):
        expected[f"sex_{label}"] = (raw["sex"] == label).astype(float)
    expected["record_time"] = FIXED_TIME
    return expected


def abalone_flows() -> list[Path]:
    shared = PROJECT_ROOT.parent / "shared" / "data" / "flows"
    return [
        PROJECT_FLOW,
        *(shared / name for name in ("dw-flow.flow", "dw2-flow.flow") if (shared / name).is_file()),
    ]


@pytest.fixture(params=["abalone_csv", "generated_abalone_csv"], ids=["shared-or-generated", "generated"])
def abalone(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("flow_path", abalone_flows(), ids=lambda path: path.name)
@pytest.mark.parametrize("refit", [False, True], ids=["stored", "refit"])
def test_the_abalone_flow_matches_an_independent_computation(flow_path, refit, abalone, tmp_path):
    result = run_flow(
        load_flow(flow_path), {"abalone.csv": abalone}, tmp_path, refit=refit, fixed_time=FIXED_TIME
    )

    written = pd.read_csv(result.path)
    assert (result.rows, list(result.columns)) == (4177, OUTPUT_COLUMNS)
    assert list(written.columns) == OUTPUT_COLUMNS
    expected = expected_output(abalone)
    np.testing.assert_allclose(
        written.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=0, atol=1e-9
    )
    assert written[["record_id", "rings"]].dtypes.tolist() == [np.int64, np.int64]


def test_the_output_lands_where_the_processing_job_puts_it(abalone_csv, tmp_path):
    result = run_flow(load_flow(PROJECT_FLOW), {"abalone.csv": abalone_csv}, tmp_path)

    assert str(result.output) == "5827674e-d42e-4688-8609-b1aa34cc4954.default"
    assert result.path == tmp_path / "5827674e-d42e-4688-8609-b1aa34cc4954" / "default" / "part-00000.csv"


def test_stored_labels_and_a_refit_give_the_same_bytes(abalone_csv, tmp_path):
    flow = load_flow(PROJECT_FLOW)
    stored = run_flow(flow, {"abalone.csv": abalone_csv}, tmp_path / "stored", fixed_time=FIXED_TIME)
    refit = run_flow(
        flow, {"abalone.csv": abalone_csv}, tmp_path / "refit", refit=True, fixed_time=FIXED_TIME
    )

    assert stored.path.read_bytes() == refit.path.read_bytes()


def test_a_fixed_time_makes_record_time_reproducible_and_the_clock_otherwise(abalone_csv, tmp_path):
    flow = load_flow(PROJECT_FLOW)
    fixed = run_flow(flow, {"abalone.csv": abalone_csv}, tmp_path / "fixed", fixed_time=1234.0)
    clock = run_flow(flow, {"abalone.csv": abalone_csv}, tmp_path / "clock")

    assert set(pd.read_csv(fixed.path)["record_time"]) == {1234.0}
    (now,) = set(pd.read_csv(clock.path)["record_time"])
    assert abs(now - pd.Timestamp.now(tz="UTC").timestamp()) < 600


def test_the_project_flow_is_the_public_one_with_a_neutral_source_uri():
    shared = PROJECT_ROOT.parent / "shared" / "data" / "flows" / "dw-flow.flow"
    if not shared.is_file():
        pytest.skip(f"{shared} is absent")
    project, public = json.loads(PROJECT_FLOW.read_text()), json.loads(shared.read_text())
    context = project["nodes"][0]["parameters"]["dataset_definition"]["s3ExecutionContext"]

    assert context["s3Uri"] == "s3://example-bucket/abalone/abalone.csv"
    context["s3Uri"] = public["nodes"][0]["parameters"]["dataset_definition"]["s3ExecutionContext"]["s3Uri"]
    assert project == public


def test_the_output_columns_are_the_feature_group_s_features():
    definition = json.loads((PROJECT_ROOT / "data" / "abalone.fg.json").read_text())
    assert [feature["FeatureName"] for feature in definition["FeatureDefinitions"]] == OUTPUT_COLUMNS


def test_raw_abalone_data_without_header_and_record_id_is_refused(shared_data, tmp_path):
    with pytest.raises(SchemaMismatchError) as error:
        run_flow(load_flow(PROJECT_FLOW), {"abalone.csv": shared_data / "abalone.data"}, tmp_path)

    message = str(error.value)
    assert message.startswith("node dc681f4a-e296-48a7-83c3-a2fad429ae8c (infer_and_cast_type):")
    assert "missing record_id, sex, length" in message
    assert "extra M, 0.455, 0.365" in message
