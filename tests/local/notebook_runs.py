"""The walkthrough notebooks run headless against a test module's emulator, as `make notebooks` runs them."""

from __future__ import annotations

from pathlib import Path

from scripts.notebooks.execute import execute, text_outputs
from scripts.project_stack import emulator_environment
from tests.local.conftest import ABALONE_URL

PROJECT = "fs-ingestion-walkthrough"


def kernel_environment(endpoint: str, workspace: Path) -> dict[str, str]:
    """What `make notebooks` gives the kernel (the emulator's variables), plus a work folder and dataset
    cache of the test's own, and the dataset from a local copy, or offline: never the network. None of
    the caller's deployment choices (``""`` unsets)."""
    return {
        **emulator_environment(endpoint, workspace),
        "AWS_PROFILE": "",
        "REGION": "",
        "EXECUTION_ROLE_ARN": "",
        "DELIVERY": "",
        "STACK_NAME": "",
        "WALKTHROUGH_DIR": str(workspace / "work"),
        "DATASET_CACHE": str(workspace / "datasets"),
        "ABALONE_URL": ABALONE_URL,
        "ASSUME_YES": "",
    }


def run(name: str, environment: dict[str, str], **variables: str) -> str:
    """The notebook's text outputs, run with ``environment`` and ``variables``."""
    return text_outputs(execute(name, {**environment, **variables}))
