"""Run a Data Wrangler flow on this machine, as its processing job would, or describe it.

  python -m scripts.flow describe FLOW
  python -m scripts.flow run FLOW --input NAME=PATH ... --output DIR

A processing job costs minutes of start-up and an ml.m5.4xlarge per run; a flow that breaks is
cheaper to find here. Sources are mapped by their dataset name (see `describe`); the flow's S3 URIs
are never read. Operators without a local implementation stop the run before any data is read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scripts.errors import run_main
from scripts.flow import NodeReport, describe, load_flow, run_flow


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.flow",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a flow and write one of its outputs")
    run.add_argument("flow", type=Path, help="the .flow file")
    run.add_argument(
        "--input",
        dest="inputs",
        action="append",
        default=[],
        metavar="NAME=PATH",
        type=_dataset_mapping,
        help="read the source dataset NAME from PATH, a file or a folder of part files (repeat per source)",
    )
    run.add_argument(
        "--output", required=True, type=Path, metavar="DIR", help="writes DIR/<node id>/<output>/part-*"
    )
    run.add_argument(
        "--output-name", metavar="NODE.OUTPUT", help="the output to write (default: the last node's .default)"
    )
    run.add_argument(
        "--format", choices=("csv", "parquet"), help="default: a destination node's own format, else csv"
    )
    run.add_argument("--no-header", action="store_true", help="write CSV without a header row")
    run.add_argument(
        "--refit",
        action="store_true",
        help="fit encoders and scalers on the data instead of using their stored models",
    )
    run.add_argument(
        "--fixed-time",
        type=float,
        metavar="EPOCH",
        help="time.time() in the flow's custom code returns EPOCH, so record_time columns are reproducible",
    )

    show = commands.add_parser(
        "describe", help="list a flow's sources, outputs and nodes, and what runs locally"
    )
    show.add_argument("flow", type=Path, help="the .flow file")

    args = parser.parse_args()
    flow = load_flow(args.flow)
    if args.command == "describe":
        print(describe(flow).render())
        return

    names = [name for name, _ in args.inputs]
    if len(set(names)) != len(names):
        parser.error("each dataset NAME can be given to --input only once")
    result = run_flow(
        flow,
        dict(args.inputs),
        args.output,
        output_name=args.output_name,
        fmt=args.format,
        refit=args.refit,
        fixed_time=args.fixed_time,
        header=not args.no_header,
        progress=_print_progress,
    )
    print(
        f"Wrote {result.rows} rows, {len(result.columns)} columns of output {result.output} to {result.path}"
    )


def _dataset_mapping(text: str) -> tuple[str, Path]:
    name, equals, path = text.partition("=")
    if not equals or not name or not path:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=PATH")
    return name, Path(path)


def _print_progress(report: NodeReport) -> None:
    print(
        f"[{report.position}/{report.total}] {report.node.node_id} {report.node.label}: "
        f"{report.rows} rows, {report.columns} columns, {report.seconds:.2f}s"
    )
    for note in report.notes:
        print(f"    {note}")


if __name__ == "__main__":
    run_main(main)
