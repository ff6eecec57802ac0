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
    from botocore.handlers import BUILTIN_HANDLERS

    from scripts.local import extensions

    extensions.install()
    BUILTIN_HANDLERS.insert(0, ("before-send", _settle_deliveries))


def _settle_deliveries(**_: object) -> None:
    """EventBridge delivers after the request that produced an event has answered, and moto's tests read
    what was delivered with their very next request: each request first waits for the deliveries already
    under way, so a test sees them whatever the threads' timing (rather than passing or failing by luck)."""
    from scripts.local.events import delivery

    delivery.settle()


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
