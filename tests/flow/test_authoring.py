"""Flows written from code (scripts.flow.authoring): the abalone flow 00-setup writes is the project's flow,
run the same; a step Data Wrangler would refuse is refused, naming the fix."""

from __future__ import annotations

import itertools
import json

import pytest

from scripts import PROJECT_ROOT, abalone
from scripts.flow import load_flow, run_flow
from scripts.flow.authoring import FlowAuthoringError, FlowBuilder

PROJECT_FLOW = PROJECT_ROOT / "data" / "abalone.flow"
SOURCE = "s3://sagemaker-us-east-1-123456789012/feature-store-ingestion/incoming/abalone.csv"


def without_ids(flow: dict) -> list[dict]:
    """The nodes with their ids and wiring left out (ids are the one thing Studio makes up)."""
    return [{k: v for k, v in node.items() if k not in ("node_id", "inputs")} for node in flow["nodes"]]


def test_the_generated_abalone_flow_is_the_projects_flow_but_for_its_source_and_trained_encoder():
    generated = without_ids(abalone.flow(SOURCE).to_dict())
    written_in_studio = without_ids(json.loads(PROJECT_FLOW.read_text()))
    written_in_studio[0]["parameters"]["dataset_definition"]["s3ExecutionContext"]["s3Uri"] = SOURCE
    del written_in_studio[3]["trained_parameters"]  # the one-hot encoder Studio fitted on its sample
    assert generated == written_in_studio


def test_the_generated_abalone_flow_gives_the_projects_flows_output(abalone_csv, tmp_path):
    path = abalone.flow(SOURCE).write(tmp_path / "abalone.flow")
    generated = run_flow(load_flow(path), {"abalone.csv": abalone_csv}, tmp_path / "generated")
    studio = run_flow(load_flow(PROJECT_FLOW), {"abalone.csv": abalone_csv}, tmp_path / "studio")
    assert generated.columns == studio.columns
    assert generated.path.read_bytes() == studio.path.read_bytes()


def test_the_same_code_writes_the_same_file(tmp_path):
    first = abalone.flow(SOURCE).write(tmp_path / "first.flow").read_bytes()
    assert abalone.flow(SOURCE).write(tmp_path / "second.flow").read_bytes() == first
    other = abalone.flow(SOURCE.replace("incoming", "other")).write(tmp_path / "other.flow").read_bytes()
    assert [n["node_id"] for n in json.loads(other)["nodes"]] == [
        n["node_id"] for n in json.loads(first)["nodes"]
    ]


def test_each_step_reads_the_one_before_it():
    nodes = abalone.flow(SOURCE).to_dict()["nodes"]
    assert nodes[0]["inputs"] == []
    for before, node in itertools.pairwise(nodes):
        [wired] = node["inputs"]
        assert (wired["node_id"], wired["output_name"]) == (before["node_id"], "default")
    assert len({node["node_id"] for node in nodes}) == len(nodes)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: FlowBuilder("f").custom_pandas("df = df"),
            r"^f: sagemaker.spark.custom_pandas_0.1 needs data; call csv_source first$",
        ),
        (lambda: FlowBuilder("f").build(), r"^f: a flow needs a source; call csv_source first$"),
        (
            lambda: FlowBuilder("f").csv_source("a.csv", "s3://b/a.csv").csv_source("b.csv", "s3://b/b.csv"),
            r"^f: the source must be the first step; start a new flow$",
        ),
        (
            lambda: FlowBuilder("f").csv_source("a.csv", "/tmp/a.csv"),
            r"^source a.csv: '/tmp/a.csv' is not an s3:// URI; give one$",
        ),
        (
            lambda: FlowBuilder("f").csv_source("a.csv", "s3://b/a.csv").cast({"x": "int"}),
            r"^cast: unknown types \{'x': 'int'\}; use long, float, string, bool, date, datetime$",
        ),
        (
            lambda: FlowBuilder("f").csv_source("a.csv", "s3://b/a.csv").one_hot_encode("x", invalid="Drop"),
            r"^one-hot encode x: invalid handling 'Drop'; use Keep, Skip, Error$",
        ),
    ],
    ids=["transform-first", "empty", "two-sources", "local-path", "unknown-type", "invalid-handling"],
)
def test_a_step_data_wrangler_would_refuse_is_refused(build, message, tmp_path):
    with pytest.raises(FlowAuthoringError, match=message):
        build().write(tmp_path / "f.flow")
    assert not (tmp_path / "f.flow").exists()
