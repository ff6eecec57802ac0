"""pytest plugin for moto's own suites (``-p scripts.fidelity.plugin``): installs the emulator's extensions
before any test module is imported, and writes each test's outcome to the JSON file named by
``MOTO_SUITES_OUTCOMES``: ``{"<node id>": "passed" | "failed" | "skipped"}``. A module that cannot be
collected counts as one failed test named after the module."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

_outcomes: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    from scripts.local import extensions

    extensions.install()


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _outcomes[report.nodeid] = "failed"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A test failed when any of its phases failed (setup and teardown included)."""
    if report.failed:
        _outcomes[report.nodeid] = "failed"
    elif report.skipped and report.when in ("setup", "call"):
        _outcomes.setdefault(report.nodeid, "skipped")
    elif report.when == "call":
        _outcomes.setdefault(report.nodeid, "passed")


def pytest_sessionfinish(session: pytest.Session) -> None:
    Path(os.environ["MOTO_SUITES_OUTCOMES"]).write_text(json.dumps(_outcomes, indent=0, sort_keys=True))
