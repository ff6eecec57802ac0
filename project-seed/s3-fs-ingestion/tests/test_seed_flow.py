"""The Data Wrangler flow reader (pipeline/flow.py): what it derives, and every error it raises."""

from __future__ import annotations

import copy
import json
import re

import pytest

from pipeline.flow import Flow, FlowError, SourceDataset


def _flow(document, origin="test.flow") -> Flow:
    return Flow(copy.deepcopy(document), origin=origin)


# --- happy paths ------------------------------------------------------------------------------


def test_tiny_flow_facts(tiny_flow):
    flow = Flow.from_file(tiny_flow.path)
    assert flow.origin == str(tiny_flow.path)
    assert flow.source_dataset_names() == [tiny_flow.dataset]
    assert flow.source_datasets() == [
        SourceDataset(
            name=tiny_flow.dataset,
            node_id=tiny_flow.source_output.split(".")[0],
        )
    ]
    # The last node is a VISUALIZATION: the default output is the transform before it.
    assert flow.default_output_name() == tiny_flow.output
    assert flow.output_names() == [tiny_flow.source_output, tiny_flow.output]
    assert flow.validate_output_name(tiny_flow.output) == tiny_flow.output
    assert flow.validate_output_name(tiny_flow.source_output) == tiny_flow.source_output


@pytest.mark.parametrize(
    ("name", "output"),
    [
        ("dw-flow.flow", "5827674e-d42e-4688-8609-b1aa34cc4954.default"),
        ("dw2-flow.flow", "c8880ed5-b8a0-4375-899b-1c4d86828152.default"),
    ],
)
def test_public_abalone_flows(shared_flow, name, output):
    flow = Flow.from_file(shared_flow(name))
    assert flow.source_dataset_names() == ["abalone.csv"]
    assert flow.default_output_name() == output
    assert flow.validate_output_name(output) == output


def test_from_text_accepts_str_and_bytes(tiny_flow):
    text = json.dumps(tiny_flow.document)
    assert Flow.from_text(text).default_output_name() == tiny_flow.output
    assert Flow.from_text(text.encode()).default_output_name() == tiny_flow.output


def test_node_without_outputs_has_the_default_output(tiny_flow):
    document = copy.deepcopy(tiny_flow.document)
    del document["nodes"][1]["outputs"]
    assert _flow(document).default_output_name() == tiny_flow.output


def test_last_node_with_one_named_output(tiny_flow):
    document = copy.deepcopy(tiny_flow.document)
    document["nodes"][1]["outputs"] = [{"name": "Train"}]
    node_id = document["nodes"][1]["node_id"]
    assert _flow(document).default_output_name() == f"{node_id}.Train"
    assert _flow(document).validate_output_name(f"{node_id}.Train") == f"{node_id}.Train"


def test_source_without_s3_execution_context_is_fine(tiny_flow):
    document = copy.deepcopy(tiny_flow.document)
    del document["nodes"][0]["parameters"]["dataset_definition"]["s3ExecutionContext"]
    assert _flow(document).source_dataset_names() == [tiny_flow.dataset]


def test_flow_with_two_sources_lists_both(tiny_flow):
    document = copy.deepcopy(tiny_flow.document)
    second = copy.deepcopy(document["nodes"][0])
    second["node_id"] = "22222222-bbbb-4bbb-8bbb-000000000001"
    second["parameters"]["dataset_definition"]["name"] = "other.csv"
    document["nodes"].insert(1, second)
    assert _flow(document).source_dataset_names() == [tiny_flow.dataset, "other.csv"]


# --- errors: each one a ValueError with a one-line message naming the problem ------------------


def _raises(match: str):
    return pytest.raises(FlowError, match=match)


def _assert_one_line(excinfo) -> None:
    assert isinstance(excinfo.value, ValueError)
    assert "\n" not in str(excinfo.value)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", r"^bad\.flow: not valid JSON \(.* at line 1 column 2\)$"),
        ("", r"^bad\.flow: not valid JSON"),
        (b"\xff\xfe\x00garbage", r"^bad\.flow: not valid JSON"),
        ("[1, 2]", r"^bad\.flow: not a Data Wrangler flow \(the top level is not a JSON object\)$"),
        ('{"metadata": {}}', r"^bad\.flow: not a Data Wrangler flow \(no 'nodes' list"),
        ('{"nodes": []}', r"^bad\.flow: not a Data Wrangler flow \(no 'nodes' list"),
        ('{"nodes": [{"type": "SOURCE"}]}', r"^bad\.flow: node #0 has no 'node_id'$"),
        ('{"nodes": ["x"]}', r"^bad\.flow: node #0 has no 'node_id'$"),
        (
            '{"nodes": [{"node_id": "a"}, {"node_id": "a"}]}',
            r"^bad\.flow: node id a appears more than once$",
        ),
    ],
    ids=[
        "malformed-json",
        "empty-file",
        "not-utf8",
        "top-level-list",
        "no-nodes",
        "empty-nodes",
        "node-without-id",
        "node-not-object",
        "duplicate-node-id",
    ],
)
def test_malformed_flow(text, match):
    with _raises(match) as excinfo:
        Flow.from_text(text, origin="bad.flow")
    _assert_one_line(excinfo)


def test_unreadable_file(tmp_path):
    missing = tmp_path / "missing.flow"
    with _raises(rf"^{re.escape(str(missing))}: cannot read the flow file \(") as excinfo:
        Flow.from_file(missing)
    _assert_one_line(excinfo)


def test_no_source(tiny_flow):
    document = copy.deepcopy(tiny_flow.document)
    document["nodes"][0]["type"] = "TRANSFORM"
    flow = _flow(document)
    with _raises(r"^test\.flow: no SOURCE node \(the flow reads no dataset\)$") as excinfo:
        flow.source_dataset_names()
    _assert_one_line(excinfo)


@pytest.mark.parametrize(
    "parameters", [{}, {"dataset_definition": {}}, None, {"dataset_definition": {"name": ""}}]
)
def test_source_without_dataset_name(tiny_flow, parameters):
    document = copy.deepcopy(tiny_flow.document)
    document["nodes"][0]["parameters"] = parameters
    with _raises(
        r"^test\.flow: SOURCE node 11111111-aaaa-4aaa-8aaa-000000000001 has no "
        r"parameters\.dataset_definition\.name$"
    ) as excinfo:
        _flow(document).source_datasets()
    _assert_one_line(excinfo)


def test_two_sources_with_the_same_dataset_name(tiny_flow):
    document = copy.deepcopy(tiny_flow.document)
    second = copy.deepcopy(document["nodes"][0])
    second["node_id"] = "22222222-bbbb-4bbb-8bbb-000000000001"
    document["nodes"].insert(1, second)
    with _raises(r"^test\.flow: two SOURCE nodes share the dataset name 'tiny\.csv'$"):
        _flow(document).source_datasets()


@pytest.mark.parametrize(
    ("name", "match"),
    [
        (
            "no-dot-here",
            r"^test\.flow: output name 'no-dot-here' must look like '<node-id>\.<output>', "
            r"e\.g\. 11111111-aaaa-4aaa-8aaa-000000000002\.default$",
        ),
        (
            "",
            r"^test\.flow: output name '' must look like",
        ),
        (
            "99999999-0000-4000-8000-000000000000.default",
            r"^test\.flow: output name '99999999-0000-4000-8000-000000000000\.default' names no "
            r"node of this flow \(the default output is 11111111-aaaa-4aaa-8aaa-000000000002"
            r"\.default\)$",
        ),
        (
            "11111111-aaaa-4aaa-8aaa-000000000002.Train",
            r"^test\.flow: node 11111111-aaaa-4aaa-8aaa-000000000002 has no output 'Train' "
            r"\(its outputs: default\)$",
        ),
        (
            "11111111-aaaa-4aaa-8aaa-000000000003.default",
            r"^test\.flow: output name '11111111-aaaa-4aaa-8aaa-000000000003\.default' is a "
            r"VISUALIZATION node, which produces no data$",
        ),
        (
            "11111111-aaaa-4aaa-8aaa-000000000002",
            r"^test\.flow: output name '11111111-aaaa-4aaa-8aaa-000000000002' must look like",
        ),
    ],
    ids=["no-dot", "empty", "unknown-node", "unknown-output", "visualization", "node-id-only"],
)
def test_unknown_output(tiny_flow, name, match):
    with _raises(match) as excinfo:
        _flow(tiny_flow.document).validate_output_name(name)
    _assert_one_line(excinfo)


def test_last_node_with_several_outputs(tiny_flow):
    document = copy.deepcopy(tiny_flow.document)
    document["nodes"][1]["outputs"] = [{"name": "Train"}, {"name": "Test"}]
    with _raises(
        r"^test\.flow: the last node 11111111-aaaa-4aaa-8aaa-000000000002 has several outputs "
        r"\(Train, Test\); choose one as the output name$"
    ):
        _flow(document).default_output_name()


def test_only_visualizations(tiny_flow):
    document = copy.deepcopy(tiny_flow.document)
    document["nodes"] = [document["nodes"][2]]
    with _raises(r"^test\.flow: no node produces data \(only VISUALIZATION nodes\)$"):
        _flow(document).default_output_name()
    with _raises(r"must look like '<node-id>\.<output>', e\.g\. '<node-id>\.default'$"):
        _flow(document).validate_output_name("nodot")
