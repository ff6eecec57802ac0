"""Loading a flow and planning its evaluation: structure, wiring, outputs, and what is refused."""

from __future__ import annotations

import pytest

from scripts import PROJECT_ROOT
from scripts.flow import describe, load_flow, parse_flow, run_flow
from scripts.flow.errors import (
    FlowCycleError,
    FlowFileNotFoundError,
    MalformedFlowError,
    MissingInputNodeError,
    MissingOutputPortError,
    UnknownFlowVersionError,
    UnknownOutputError,
    UnsupportedOperatorError,
)
from scripts.flow.graph import evaluation_order, readers
from tests.flow.builders import flow_text, source, transform

DROP = {"operator": "Drop column", "drop_column_parameters": {"column_to_drop": "b"}}


def test_the_abalone_flow_loads_with_its_wiring():
    flow = load_flow(PROJECT_ROOT / "data" / "abalone.flow")

    assert [node.family for node in flow.nodes.values()] == [
        "s3_source",
        "infer_and_cast_type",
        "custom_pandas",
        "encode_categorical",
        "custom_pandas",
    ]
    assert str(flow.default_output) == "5827674e-d42e-4688-8609-b1aa34cc4954.default"
    assert flow.node("dc681f4a-e296-48a7-83c3-a2fad429ae8c").inputs[0].name == "default"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"metadata": {"version": 1}, "nodes": [', "invalid JSON at line 1 column 40 (Expecting value)"),
        ("[]", "it has no metadata object"),
        ('{"metadata": {"version": 1}}', "it has no list of nodes"),
        ('{"metadata": {"version": 1}, "nodes": [{"type": "SOURCE"}]}', "node #1 has no node_id"),
        (
            '{"metadata": {"version": 1}, "nodes": '
            '[{"node_id": "a", "type": "T", "operator": "x", "inputs": [{}]}]}',
            "node a has an input without name/node_id/output_name or an output without name",
        ),
    ],
    ids=["truncated-json", "not-an-object", "no-nodes", "node-without-id", "input-without-fields"],
)
def test_a_malformed_flow_is_refused_naming_the_problem(text, problem):
    with pytest.raises(MalformedFlowError) as error:
        parse_flow(text, origin="bad.flow")
    assert (
        str(error.value)
        == f"bad.flow is not a Data Wrangler flow: {problem}: export the flow from Studio again"
    )


def test_a_node_id_used_twice_is_refused():
    with pytest.raises(MalformedFlowError, match="node id source appears twice"):
        parse_flow(flow_text(source(), source()))


@pytest.mark.parametrize("version", [2, "1", None])
def test_an_unknown_version_is_refused(version):
    with pytest.raises(UnknownFlowVersionError) as error:
        parse_flow(flow_text(source(), version=version), origin="new.flow")
    assert str(error.value).startswith(
        f"new.flow has metadata.version {version!r}; the local runner reads version 1"
    )


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FlowFileNotFoundError, match=f"no flow file at {tmp_path / 'absent.flow'}"):
        load_flow(tmp_path / "absent.flow")


def test_an_input_from_a_missing_node_names_both_nodes():
    with pytest.raises(MissingInputNodeError) as error:
        parse_flow(flow_text(source(), transform("drop", "manage_columns", DROP, ["ghost"])))
    assert str(error.value).startswith("node drop reads from node ghost, which is not in the flow")


def test_an_input_from_a_missing_output_names_the_outputs_there_are():
    node = transform("drop", "manage_columns", DROP, ["source"])
    node["inputs"][0]["output_name"] = "Train"
    with pytest.raises(
        MissingOutputPortError, match="reads output 'Train' of node source, which has only default"
    ):
        parse_flow(flow_text(source(), node))


def test_a_cycle_is_refused_naming_its_nodes(tmp_path):
    flow = parse_flow(
        flow_text(
            source(),
            transform("a", "manage_columns", DROP, ["c"]),
            transform("b", "manage_columns", DROP, ["a"]),
            transform("c", "manage_columns", DROP, ["b"]),
        )
    )
    with pytest.raises(FlowCycleError) as error:
        run_flow(flow, {"data.csv": tmp_path}, tmp_path, output_name="c.default")
    assert str(error.value) == "the nodes c -> b -> a -> c form a cycle: fix the inputs of node c in the flow"


def test_evaluation_follows_the_wiring_not_the_file_order_and_skips_what_is_not_needed():
    flow = parse_flow(
        flow_text(
            transform("last", "manage_columns", DROP, ["middle"]),
            transform("chart", "histogram", {}, ["first"], node_type="VISUALIZATION"),
            transform("middle", "manage_columns", DROP, ["first"]),
            transform("side", "manage_columns", DROP, ["first"]),
            transform("first", "manage_columns", DROP, ["source"]),
            source(),
        )
    )

    order = evaluation_order(flow, "last")

    assert order == ["source", "first", "middle", "last"]
    assert readers(flow, order) == {"source": ["first"], "first": ["middle"], "middle": ["last"], "last": []}


def test_a_join_is_evaluated_after_both_of_its_inputs():
    join = transform("join", "join_tables", {}, ["left", "right"])
    flow = parse_flow(flow_text(join, source("right", "r.csv"), source("left", "l.csv")))

    assert evaluation_order(flow, "join") == ["left", "right", "join"]


def test_the_default_output_is_the_last_node_that_is_not_a_visualization():
    flow = parse_flow(
        flow_text(
            source(),
            transform("drop", "manage_columns", DROP, ["source"]),
            transform("chart", "histogram", {}, ["drop"], node_type="VISUALIZATION"),
        )
    )

    assert str(flow.default_output) == "drop.default"
    assert [str(ref) for ref in flow.outputs] == ["drop.default"]


@pytest.mark.parametrize("name", ["ghost.default", "drop.Train", "chart.default", "drop"])
def test_an_unknown_output_is_refused_listing_the_outputs(name):
    flow = parse_flow(
        flow_text(
            source(),
            transform("drop", "manage_columns", DROP, ["source"]),
            transform("chart", "histogram", {}, ["drop"], node_type="VISUALIZATION"),
        )
    )
    with pytest.raises(UnknownOutputError) as error:
        flow.resolve_output(name)
    assert str(error.value) == f"the flow has no output {name}: use one of drop.default"


def test_an_unsupported_operator_stops_the_run_before_any_data_is_read(tmp_path):
    flow = parse_flow(
        flow_text(
            source(),
            transform("spark", "custom_pyspark", {"code": "df = df"}, ["source"]),
        )
    )
    with pytest.raises(UnsupportedOperatorError) as error:
        run_flow(flow, {"data.csv": tmp_path / "never-read.csv"}, tmp_path)
    assert str(error.value) == (
        "node spark (custom_pyspark): sagemaker.spark.custom_pyspark_0.1 has no local implementation: "
        "run this flow on SageMaker (a Data Wrangler processing job)"
    )


def test_describe_tells_what_runs_locally_node_by_node():
    flow = parse_flow(
        flow_text(
            source(),
            transform("drop", "manage_columns", DROP, ["source"]),
            transform("bad", "manage_columns", {"operator": "Drop column"}, ["drop"]),
            transform("spark", "custom_pyspark", {"code": "df = df"}, ["bad"]),
        )
    )

    statuses = {support.node.node_id: support.status for support in describe(flow).nodes}

    assert statuses == {
        "source": "runs locally",
        "drop": "runs locally",
        "bad": "invalid: node bad (manage_columns: Drop column): parameter "
        "drop_column_parameters.column_to_drop must name one or more columns: fix the node in Data Wrangler",
        "spark": "SageMaker only: sagemaker.spark.custom_pyspark_0.1",
    }
