"""Read what the pipeline needs from a SageMaker Data Wrangler `.flow` file (standard library only).

A flow is JSON: `{"metadata": {...}, "nodes": [...]}`. Each node has a `node_id`, a `type`
(SOURCE, TRANSFORM, DESTINATION, DATASET or VISUALIZATION), `inputs` and `outputs`. The pipeline
needs two facts from it:

- the **source dataset names** (`parameters.dataset_definition.name` of SOURCE nodes, e.g.
  `abalone.csv`): the Data Wrangler container replaces a source's data only through a processing
  input of exactly that name, mounted at `/opt/ml/processing/<name>`;
- the **output name** `<node_id>.<output>` (e.g. `5827674e-....default`): the processing output's
  name and the key of the container's `--output-config`. By default it is the last node that is not
  a VISUALIZATION node (visualizations are leaves that produce no data), with its `default` output.

Every problem raises `FlowError` (a `ValueError`) with a one-line message naming the flow and the
problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SOURCE = "SOURCE"
VISUALIZATION = "VISUALIZATION"
DEFAULT_OUTPUT = "default"


class FlowError(ValueError):
    """A flow this template cannot use. The message is one line: the flow, then the problem."""


@dataclass(frozen=True)
class SourceDataset:
    """One SOURCE node of a flow."""

    name: str
    node_id: str


def _output_ports(node: dict) -> list[str]:
    """Names of a node's outputs. Data Wrangler omits nothing here, but a node without an
    `outputs` list is read as having the single conventional `default` output."""
    outputs = node.get("outputs")
    names = []
    if isinstance(outputs, list):
        names = [o["name"] for o in outputs if isinstance(o, dict) and isinstance(o.get("name"), str)]
    return names or [DEFAULT_OUTPUT]


class Flow:
    """A parsed, structurally checked Data Wrangler flow."""

    def __init__(self, document: object, origin: str = "flow") -> None:
        self.origin = origin
        if not isinstance(document, dict):
            raise FlowError(f"{origin}: not a Data Wrangler flow (the top level is not a JSON object)")
        nodes = document.get("nodes")
        if not isinstance(nodes, list) or not nodes:
            raise FlowError(f"{origin}: not a Data Wrangler flow (no 'nodes' list, or it is empty)")
        self._nodes: list[dict] = []
        self._by_id: dict[str, dict] = {}
        for index, node in enumerate(nodes):
            node_id = node.get("node_id") if isinstance(node, dict) else None
            if not isinstance(node_id, str) or not node_id:
                raise FlowError(f"{origin}: node #{index} has no 'node_id'")
            if node_id in self._by_id:
                raise FlowError(f"{origin}: node id {node_id} appears more than once")
            self._nodes.append(node)
            self._by_id[node_id] = node

    @classmethod
    def from_text(cls, text: str | bytes, origin: str = "flow") -> Flow:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FlowError(
                f"{origin}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            ) from None
        except UnicodeDecodeError:
            raise FlowError(f"{origin}: not valid JSON (the file is not UTF-8 text)") from None
        return cls(document, origin)

    @classmethod
    def from_file(cls, path: str | Path) -> Flow:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise FlowError(f"{path}: cannot read the flow file ({exc.strerror})") from None
        return cls.from_text(data, origin=str(path))

    @property
    def node_ids(self) -> list[str]:
        return [node["node_id"] for node in self._nodes]

    def source_datasets(self) -> list[SourceDataset]:
        """The SOURCE nodes, in file order. Raises FlowError if there is none."""
        sources = []
        seen: set[str] = set()
        for node in self._nodes:
            if node.get("type") != SOURCE:
                continue
            parameters = node.get("parameters")
            definition = parameters.get("dataset_definition") if isinstance(parameters, dict) else None
            name = definition.get("name") if isinstance(definition, dict) else None
            if not isinstance(name, str) or not name:
                raise FlowError(
                    f"{self.origin}: SOURCE node {node['node_id']} has no parameters.dataset_definition.name"
                )
            if name in seen:
                raise FlowError(f"{self.origin}: two SOURCE nodes share the dataset name {name!r}")
            seen.add(name)
            # The source's s3Uri is deliberately not read: it points at the flow author's data
            # (often another account); the pipeline feeds the data through the named input instead.
            sources.append(SourceDataset(name=name, node_id=node["node_id"]))
        if not sources:
            raise FlowError(f"{self.origin}: no SOURCE node (the flow reads no dataset)")
        return sources

    def source_dataset_names(self) -> list[str]:
        return [source.name for source in self.source_datasets()]

    def output_names(self) -> list[str]:
        """Every valid output name `<node_id>.<output>` of nodes that produce data."""
        return [
            f"{node['node_id']}.{port}"
            for node in self._nodes
            if node.get("type") != VISUALIZATION
            for port in _output_ports(node)
        ]

    def default_output_name(self) -> str:
        """`<node_id>.default` of the last node that is not a VISUALIZATION node."""
        for node in reversed(self._nodes):
            if node.get("type") == VISUALIZATION:
                continue
            ports = _output_ports(node)
            if DEFAULT_OUTPUT in ports:
                return f"{node['node_id']}.{DEFAULT_OUTPUT}"
            if len(ports) == 1:
                return f"{node['node_id']}.{ports[0]}"
            raise FlowError(
                f"{self.origin}: the last node {node['node_id']} has several outputs "
                f"({', '.join(ports)}); choose one as the output name"
            )
        raise FlowError(f"{self.origin}: no node produces data (only VISUALIZATION nodes)")

    def validate_output_name(self, name: str) -> str:
        """Return `name` if it is `<existing node id>.<one of that node's outputs>`."""
        if not isinstance(name, str) or "." not in name:
            raise FlowError(
                f"{self.origin}: output name {name!r} must look like '<node-id>.<output>', "
                f"e.g. {self._example_output()}"
            )
        node = next((n for n in self._nodes if name.startswith(n["node_id"] + ".")), None)
        if node is None:
            raise FlowError(
                f"{self.origin}: output name {name!r} names no node of this flow "
                f"(the default output is {self._example_output()})"
            )
        if node.get("type") == VISUALIZATION:
            raise FlowError(
                f"{self.origin}: output name {name!r} is a VISUALIZATION node, which produces no data"
            )
        port = name[len(node["node_id"]) + 1 :]
        ports = _output_ports(node)
        if port not in ports:
            raise FlowError(
                f"{self.origin}: node {node['node_id']} has no output {port!r} "
                f"(its outputs: {', '.join(ports)})"
            )
        return name

    def _example_output(self) -> str:
        try:
            return self.default_output_name()
        except FlowError:
            return "'<node-id>.default'"
