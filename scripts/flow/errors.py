"""What can go wrong running a flow locally, each as one line naming the cause and the fix.

Errors about one node start with the node id and its operator, so the message points into the
flow file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from scripts.errors import KitError

if TYPE_CHECKING:
    from scripts.flow.model import Node


class FlowError(KitError):
    """A flow cannot be loaded or run locally."""


class FlowFileNotFoundError(FlowError):
    def __init__(self, path: object) -> None:
        super().__init__(f"no flow file at {path}: check the path (export the .flow from Data Wrangler)")


class MalformedFlowError(FlowError):
    def __init__(self, origin: str, problem: str) -> None:
        super().__init__(
            f"{origin} is not a Data Wrangler flow: {problem}: export the flow from Studio again"
        )


class UnknownFlowVersionError(FlowError):
    def __init__(self, origin: str, version: object) -> None:
        super().__init__(
            f"{origin} has metadata.version {version!r}; the local runner reads version 1 only: "
            "run it on SageMaker, or export it again from Data Wrangler"
        )


class FlowCycleError(FlowError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__(
            f"the nodes {' -> '.join(cycle)} form a cycle: fix the inputs of node {cycle[0]} in the flow"
        )


class MissingInputNodeError(FlowError):
    def __init__(self, node_id: str, missing: str) -> None:
        super().__init__(
            f"node {node_id} reads from node {missing}, which is not in the flow: "
            "restore that node or fix the inputs of the reading node"
        )


class MissingOutputPortError(FlowError):
    def __init__(self, node_id: str, upstream: str, output: str, outputs: Iterable[str]) -> None:
        super().__init__(
            f"node {node_id} reads output {output!r} of node {upstream}, which has only "
            f"{_listing(outputs)}: fix the inputs of node {node_id}"
        )


class UnknownOutputError(FlowError):
    def __init__(self, requested: str, available: Iterable[str]) -> None:
        super().__init__(f"the flow has no output {requested}: use one of {_listing(available)}")


class UnmappedDatasetError(FlowError):
    def __init__(self, node_id: str, dataset: str) -> None:
        super().__init__(
            f"source node {node_id} reads dataset {dataset!r}, which no input maps to a local path: "
            f"pass --input {dataset}=PATH (the flow's s3Uri is never read)"
        )


class UnusedDatasetError(FlowError):
    def __init__(self, names: Iterable[str], datasets: Iterable[str]) -> None:
        super().__init__(
            f"--input {_listing(names)} matches no source of the flow: the flow reads {_listing(datasets)}"
        )


class DatasetNotFoundError(FlowError):
    def __init__(self, dataset: str, path: object, problem: str) -> None:
        super().__init__(f"dataset {dataset!r} at {path} {problem}: point --input {dataset}= at its data")


class NodeError(FlowError):
    """A problem with one node: ``node <id> (<operator>): <problem>: <fix>``."""

    def __init__(self, node: Node, problem: str, fix: str) -> None:
        super().__init__(f"node {node.node_id} ({node.label}): {problem}: {fix}")


class UnsupportedOperatorError(NodeError):
    def __init__(self, node: Node, what: str | None = None) -> None:
        self.what = what or node.operator
        super().__init__(
            node,
            f"{self.what} has no local implementation",
            "run this flow on SageMaker (a Data Wrangler processing job)",
        )


class InvalidParameterError(NodeError):
    def __init__(self, node: Node, parameter: str, problem: str) -> None:
        super().__init__(node, f"parameter {parameter} {problem}", "fix the node in Data Wrangler")


class MissingColumnError(NodeError):
    def __init__(self, node: Node, column: str, available: Iterable[str]) -> None:
        super().__init__(
            node,
            f"its input has no column {column!r} (it has {_listing(available)})",
            "check the nodes upstream of it and the dataset",
        )


class SchemaMismatchError(NodeError):
    def __init__(self, node: Node, missing: list[str], extra: list[str]) -> None:
        parts = [
            f"missing {_listing(missing)}" if missing else "",
            f"extra {_listing(extra)}" if extra else "",
        ]
        super().__init__(
            node,
            "the data does not match the trained schema (" + "; ".join(p for p in parts if p) + ")",
            "map the dataset the flow was built on, or re-create the flow's type step in Data Wrangler",
        )


class InvalidDataError(NodeError):
    """The data breaks a rule the node enforces (e.g. an unseen category under 'Error')."""

    def __init__(self, node: Node, problem: str) -> None:
        super().__init__(node, problem, "fix the data or change the node's handling in Data Wrangler")


class CustomCodeError(NodeError):
    def __init__(self, node: Node, error: BaseException, line_number: int | None, line: str | None) -> None:
        where = f" at line {line_number}: {line.strip()}" if line_number and line else ""
        if isinstance(error, ModuleNotFoundError):
            fix = f"install {error.name} (Data Wrangler's custom code has pandas, numpy, scikit-learn, scipy)"
        else:
            fix = "fix the code in the flow (Data Wrangler runs it on pandas 1.x, this runner on yours)"
        super().__init__(node, f"its code raised {type(error).__name__}: {error}{where}", fix)


class CustomCodeResultError(NodeError):
    def __init__(self, node: Node, result: object) -> None:
        super().__init__(
            node,
            f"its code left df as {type(result).__name__}, not a pandas DataFrame",
            "assign the resulting DataFrame to df",
        )


def _listing(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names) if names else "nothing"
