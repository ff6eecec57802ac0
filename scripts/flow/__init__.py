"""Run a SageMaker Data Wrangler ``.flow`` locally with pandas, as its processing job would.

``python -m scripts.flow run|describe`` on the command line; in Python::

    flow = load_flow("data/abalone.flow")
    result = run_flow(flow, {"abalone.csv": "abalone.csv"}, "out")

Sources are mapped by dataset name (the flow's S3 URI is never read), nodes are evaluated through
their input wiring, and any operator without a local implementation stops the run, before any data
is read, naming the node. Importing this package has no side effects.
"""

from scripts.flow.describe import FlowDescription, describe
from scripts.flow.model import Flow, OutputRef, load_flow, parse_flow
from scripts.flow.runner import NodeReport, RunResult, run_flow

__all__ = [
    "Flow",
    "FlowDescription",
    "NodeReport",
    "OutputRef",
    "RunResult",
    "describe",
    "load_flow",
    "parse_flow",
    "run_flow",
]
