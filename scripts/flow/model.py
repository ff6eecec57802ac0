"""A ``.flow`` file as data: its nodes, how their inputs are wired, and which outputs it offers.

Only the structure is checked here (JSON, version 1, node fields, wiring to existing nodes and
ports); what each operator's parameters mean is the operators' business.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.flow.errors import (
    FlowFileNotFoundError,
    MalformedFlowError,
    MissingInputNodeError,
    MissingOutputPortError,
    UnknownFlowVersionError,
    UnknownOutputError,
)

SUPPORTED_VERSION = 1
VISUALIZATION = "VISUALIZATION"
SOURCE = "SOURCE"
DESTINATION = "DESTINATION"
DEFAULT_OUTPUT = "default"


@dataclass(frozen=True)
class Input:
    """One input of a node: the operator's argument ``name`` fed by ``node_id``'s ``output_name``."""

    name: str
    node_id: str
    output_name: str


@dataclass(frozen=True)
class Node:
    node_id: str
    type: str
    operator: str
    parameters: Mapping[str, Any]
    trained_parameters: Mapping[str, Any] | None
    inputs: tuple[Input, ...]
    outputs: tuple[str, ...]
    name: str | None = None

    @property
    def family(self) -> str:
        """``sagemaker.spark.encode_categorical_0.1`` -> ``encode_categorical``."""
        return self.operator.rsplit("_", 1)[0].rsplit(".", 1)[-1]

    @property
    def sub_operator(self) -> str | None:
        value = self.parameters.get("operator")
        return value if isinstance(value, str) else None

    @property
    def label(self) -> str:
        return f"{self.family}: {self.sub_operator}" if self.sub_operator else self.family


@dataclass(frozen=True)
class OutputRef:
    """One output port of one node, named ``<node_id>.<output>`` as the processing job names it."""

    node_id: str
    output: str

    def __str__(self) -> str:
        return f"{self.node_id}.{self.output}"


@dataclass(frozen=True)
class Flow:
    origin: str
    nodes: Mapping[str, Node]

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    @property
    def sources(self) -> list[Node]:
        return [node for node in self.nodes.values() if node.type == SOURCE]

    @property
    def default_output(self) -> OutputRef:
        """The last data node's ``default`` output: what DW's own job notebooks export.

        Visualization nodes are left out, since they produce no data."""
        data_nodes = [node for node in self.nodes.values() if node.type != VISUALIZATION]
        if not data_nodes:
            raise MalformedFlowError(self.origin, "it has no node that produces data")
        return OutputRef(data_nodes[-1].node_id, DEFAULT_OUTPUT)

    @property
    def outputs(self) -> list[OutputRef]:
        """The ports no data node reads: the ends of the flow, destinations included."""
        read = {
            (edge.node_id, edge.output_name)
            for node in self.nodes.values()
            if node.type != VISUALIZATION
            for edge in node.inputs
        }
        return [
            OutputRef(node.node_id, output)
            for node in self.nodes.values()
            if node.type != VISUALIZATION
            for output in node.outputs
            if (node.node_id, output) not in read
        ]

    def resolve_output(self, name: str | None) -> OutputRef:
        if name is None:
            return self.default_output
        node_id, _, output = name.partition(".")
        node = self.nodes.get(node_id)
        if node is None or node.type == VISUALIZATION or output not in node.outputs:
            raise UnknownOutputError(name, [str(ref) for ref in self.outputs])
        return OutputRef(node_id, output)


def load_flow(path: str | Path) -> Flow:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FlowFileNotFoundError(path) from None
    return parse_flow(text, origin=str(path))


def parse_flow(text: str, origin: str = "<flow>") -> Flow:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedFlowError(
            origin, f"invalid JSON at line {error.lineno} column {error.colno} ({error.msg})"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
        raise MalformedFlowError(origin, "it has no metadata object")
    version = document["metadata"].get("version")
    if version != SUPPORTED_VERSION:
        raise UnknownFlowVersionError(origin, version)
    raw_nodes = document.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise MalformedFlowError(origin, "it has no list of nodes")

    nodes: dict[str, Node] = {}
    for index, raw in enumerate(raw_nodes):
        node = _parse_node(raw, f"node #{index + 1}", origin)
        if node.node_id in nodes:
            raise MalformedFlowError(origin, f"node id {node.node_id} appears twice")
        nodes[node.node_id] = node
    _check_wiring(nodes)
    return Flow(origin, nodes)


def _parse_node(raw: object, where: str, origin: str) -> Node:
    if not isinstance(raw, dict):
        raise MalformedFlowError(origin, f"{where} is not an object")
    for field in ("node_id", "type", "operator"):
        if not isinstance(raw.get(field), str) or not raw[field]:
            raise MalformedFlowError(origin, f"{where} has no {field}")
    where = f"node {raw['node_id']}"
    parameters = raw.get("parameters", {})
    trained = raw.get("trained_parameters")
    if not isinstance(parameters, dict) or not isinstance(trained, dict | None):
        raise MalformedFlowError(origin, f"{where} has parameters that are not objects")
    try:
        inputs = tuple(Input(i["name"], i["node_id"], i["output_name"]) for i in raw.get("inputs", []))
        outputs = tuple(o["name"] for o in raw.get("outputs", []))
    except (KeyError, TypeError):
        raise MalformedFlowError(
            origin, f"{where} has an input without name/node_id/output_name or an output without name"
        ) from None
    return Node(
        node_id=raw["node_id"],
        type=raw["type"],
        operator=raw["operator"],
        parameters=parameters,
        trained_parameters=trained,
        inputs=inputs,
        outputs=outputs,
        name=raw.get("name"),
    )


def _check_wiring(nodes: Mapping[str, Node]) -> None:
    for node in nodes.values():
        for edge in node.inputs:
            upstream = nodes.get(edge.node_id)
            if upstream is None:
                raise MissingInputNodeError(node.node_id, edge.node_id)
            if edge.output_name not in upstream.outputs:
                raise MissingOutputPortError(node.node_id, edge.node_id, edge.output_name, upstream.outputs)
