"""Running a flow: plan every node the output needs, then evaluate them in order and write the output.

Planning resolves each node's operator and checks its parameters and the dataset mapping, so a
flow that cannot run locally (an unsupported operator, an unmapped dataset) stops before any data
is read. While running, a frame is dropped as soon as its last reader has run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scripts.flow import operators, sources
from scripts.flow.errors import FlowError, NodeError, UnmappedDatasetError, UnusedDatasetError
from scripts.flow.graph import evaluation_order, readers
from scripts.flow.model import SOURCE, Flow, Node, OutputRef
from scripts.flow.operators import cast
from scripts.flow.operators.base import RunContext, Transform, fresh_index
from scripts.flow.operators.destination import CSV, PARQUET, S3_DESTINATION, OutputFormat
from scripts.flow.operators.destination import output_format as destination_format
from scripts.flow.output import write_output


@dataclass(frozen=True)
class Step:
    node: Node
    transform: Transform
    inputs: tuple[str, ...]  # the node ids it reads, in its inputs' order


@dataclass(frozen=True)
class NodeReport:
    """One evaluated node, for progress output."""

    position: int
    total: int
    node: Node
    rows: int
    columns: int
    seconds: float
    notes: tuple[str, ...]


@dataclass(frozen=True)
class RunResult:
    output: OutputRef
    path: Path
    rows: int
    columns: tuple[str, ...]


def run_flow(
    flow: Flow,
    inputs: Mapping[str, str | Path],
    output_dir: str | Path,
    output_name: str | None = None,
    fmt: str | None = None,
    refit: bool = False,
    fixed_time: float | None = None,
    header: bool = True,
    progress: Callable[[NodeReport], None] | None = None,
) -> RunResult:
    """Evaluate what ``output_name`` (default: the last node's ``default``) needs and write it.

    ``inputs`` maps dataset names to local files or folders. ``fmt`` is ``csv`` or ``parquet``
    (default: a destination node's own content type, else CSV). ``refit`` fits stateful operators on
    the data instead of using their stored models; ``fixed_time`` is what ``time.time()`` returns in
    the flow's custom code."""
    target = flow.resolve_output(output_name)
    output_format = _output_format(flow.node(target.node_id), fmt)
    datasets = {name: Path(path) for name, path in inputs.items()}
    steps = plan(flow, target, datasets)
    frame = evaluate(steps, RunContext(datasets=datasets, refit=refit, fixed_time=fixed_time), progress)
    path = write_output(frame, Path(output_dir), target, output_format, header)
    return RunResult(target, path, len(frame), tuple(str(column) for column in frame.columns))


def plan(flow: Flow, target: OutputRef, datasets: Mapping[str, Path]) -> list[Step]:
    """The steps ``target`` needs, each node's operator resolved and every source's dataset mapped."""
    order = evaluation_order(flow, target.node_id)
    readers_of = readers(flow, order)
    steps = []
    for node_id in order:
        node = flow.node(node_id)
        if node.type == SOURCE:
            transform = sources.resolve(node, _parsed_as_numbers(flow, readers_of[node_id]))
        else:
            transform = operators.resolve(node)
        steps.append(Step(node, transform, tuple(edge.node_id for edge in node.inputs)))
    _check_datasets(flow, [step.node for step in steps if step.node.type == SOURCE], datasets)
    return steps


def _check_datasets(flow: Flow, needed: list[Node], datasets: Mapping[str, Path]) -> None:
    for node in needed:
        dataset = sources.DatasetSource.from_node(node).dataset
        if dataset not in datasets:
            raise UnmappedDatasetError(node.node_id, dataset)
    known = sorted(
        {
            sources.DatasetSource.from_node(node).dataset
            for node in flow.sources
            if node.operator == sources.S3_SOURCE
        }
    )
    unused = sorted(set(datasets) - set(known))
    if unused:
        raise UnusedDatasetError(unused, known)


def evaluate(
    steps: Sequence[Step], context: RunContext, progress: Callable[[NodeReport], None] | None = None
) -> pd.DataFrame:
    """Run the steps in order; the last one's frame is the result."""
    frames: dict[str, pd.DataFrame] = {}
    pending_reads: dict[str, int] = {step.node.node_id: 0 for step in steps}
    for step in steps:
        for upstream in step.inputs:
            pending_reads[upstream] += 1
    frame = pd.DataFrame()
    for position, step in enumerate(steps, 1):
        inputs = [frames[upstream] for upstream in step.inputs]
        for upstream in step.inputs:
            pending_reads[upstream] -= 1
            if pending_reads[upstream] == 0:
                frames.pop(upstream, None)
        context.owns_inputs = not any(upstream in frames for upstream in step.inputs)
        context.notes = []
        started = time.perf_counter()
        frame = fresh_index(_run(step, inputs, context))
        del inputs
        frames[step.node.node_id] = frame
        if progress:
            progress(
                NodeReport(
                    position,
                    len(steps),
                    step.node,
                    len(frame),
                    len(frame.columns),
                    time.perf_counter() - started,
                    tuple(context.notes),
                )
            )
    return frame


def _run(step: Step, inputs: list[pd.DataFrame], context: RunContext) -> pd.DataFrame:
    try:
        return step.transform(inputs, context)
    except FlowError:
        raise
    except Exception as error:
        raise NodeError(
            step.node,
            f"it failed with {type(error).__name__}: {error}",
            "check its parameters and its input data; Data Wrangler on SageMaker may still run it",
        ) from error


def _parsed_as_numbers(flow: Flow, reader_ids: list[str]) -> dict[str, str]:
    """The source columns every reader casts to the same number type (see ``sources.read_dataset``)."""
    hints = [
        cast.parsed_as_numbers(flow.node(reader))
        if flow.node(reader).operator == cast.INFER_AND_CAST_TYPE
        else {}
        for reader in reader_ids
    ]
    if not hints:
        return {}
    return {column: dtype for column, dtype in hints[0].items() if all(h.get(column) == dtype for h in hints)}


def _output_format(node: Node, fmt: str | None) -> OutputFormat:
    flow_format = destination_format(node) if node.operator == S3_DESTINATION else OutputFormat()
    if fmt is None or fmt == flow_format.content_type:
        return flow_format
    if fmt not in (CSV, PARQUET):
        raise FlowError(f"output format {fmt!r} is unknown: use {CSV} or {PARQUET}")
    return OutputFormat(content_type=fmt)
