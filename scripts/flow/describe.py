"""What a flow reads, what it can write, and which of its nodes run locally."""

from __future__ import annotations

from dataclasses import dataclass

from scripts.flow import operators
from scripts.flow.errors import FlowError, UnsupportedOperatorError
from scripts.flow.model import SOURCE, VISUALIZATION, Flow, Node, OutputRef
from scripts.flow.sources import DatasetSource

RUNS_LOCALLY = "runs locally"
SKIPPED = "skipped (visualization)"


@dataclass(frozen=True)
class NodeSupport:
    node: Node
    status: str  # RUNS_LOCALLY, SKIPPED, "SageMaker only: <what>" or "invalid: <problem>"


@dataclass(frozen=True)
class FlowDescription:
    flow: Flow
    sources: list[DatasetSource]
    outputs: list[OutputRef]
    default_output: OutputRef
    nodes: list[NodeSupport]

    def render(self) -> str:
        lines = [
            f"Flow {self.flow.origin}: {len(self.nodes)} nodes",
            "Sources (map each with --input NAME=PATH):",
        ]
        lines += [f"  {source.dataset}  ({_traits(source)})" for source in self.sources]
        lines.append("Outputs (choose with --output-name):")
        lines += [f"  {ref}{'  (default)' if ref == self.default_output else ''}" for ref in self.outputs]
        if self.default_output not in self.outputs:
            lines.append(f"  {self.default_output}  (default)")
        lines.append("Nodes:")
        id_width = max(len(support.node.node_id) for support in self.nodes)
        label_width = max(len(support.node.label) for support in self.nodes)
        lines += [
            f"  {s.node.node_id:<{id_width}}  {s.node.type:<13}  {s.node.label:<{label_width}}  {s.status}"
            for s in self.nodes
        ]
        return "\n".join(lines)


def describe(flow: Flow) -> FlowDescription:
    return FlowDescription(
        flow=flow,
        sources=[DatasetSource.from_node(node) for node in flow.sources if _support(node) == RUNS_LOCALLY],
        outputs=flow.outputs,
        default_output=flow.default_output,
        nodes=[NodeSupport(node, _support(node)) for node in flow.nodes.values()],
    )


def _traits(source: DatasetSource) -> str:
    traits = [source.content_type]
    if source.content_type == "csv":
        traits += ["header" if source.has_header else "no header", f"delimiter {source.delimiter!r}"]
    if source.nested:
        traits.append("nested folders")
    if source.adds_filename_column:
        traits.append("filename column")
    return ", ".join(traits)


def _support(node: Node) -> str:
    if node.type == VISUALIZATION:
        return SKIPPED
    try:
        if node.type == SOURCE:
            DatasetSource.from_node(node)
        else:
            operators.resolve(node)
    except UnsupportedOperatorError as error:
        return f"SageMaker only: {error.what}"
    except FlowError as error:
        return f"invalid: {error}"
    return RUNS_LOCALLY
