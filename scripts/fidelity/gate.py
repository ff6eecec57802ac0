"""Run moto's own suites with the extensions installed and judge the outcome against the expectations file.

The gate fails on any failure the file does not list, on any listed test that now passes and on any listed
test that no longer exists, so the list stays true: after a fix or a moto upgrade it says exactly which
entries to drop or add.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from scripts import PROJECT_ROOT
from scripts.errors import KitError
from scripts.fidelity.suites import SuitesNotFetchedError, suites_root, test_paths

EXPECTATIONS = PROJECT_ROOT / ".moto-expected-failures.yaml"
TEST_TIMEOUT_SECONDS = 120
"""A moto test that runs longer is stopped and counts as failed (a stack waiting forever, say)."""
RUN_TIMEOUT_SECONDS = 1200


class ExpectationsFileError(KitError):
    def __init__(self, problem: str) -> None:
        super().__init__(
            f"{EXPECTATIONS.name}: {problem}: each entry needs `reason`, `aws` (the AWS documentation the "
            "emulator follows where moto's tests disagree) and `tests` (moto test ids)"
        )


class GateFailedError(KitError):
    def __init__(self, verdict: Verdict, log: Path) -> None:
        super().__init__(
            f"{verdict.summary()}, and {len(verdict.problems())} test(s) against {EXPECTATIONS.name} (listed "
            f"above): fix the emulator, or list a test with the AWS behaviour it contradicts (output: {log})"
        )


def load_expectations(path: Path = EXPECTATIONS) -> dict[str, str]:
    """Each listed test id and why it is expected to fail."""
    document = yaml.safe_load(path.read_text()) or {}
    entries = document.get("expected_failures") or []
    if not isinstance(entries, list):
        raise ExpectationsFileError("expected_failures must be a list")
    expected: dict[str, str] = {}
    for number, entry in enumerate(entries, 1):
        fields = entry if isinstance(entry, dict) else {}
        missing = [name for name in ("reason", "aws", "tests") if not fields.get(name)]
        if missing:
            raise ExpectationsFileError(f"entry {number} has no {', '.join(missing)}")
        tests = fields["tests"]
        if not isinstance(tests, list) or not all(isinstance(test, str) and test.strip() for test in tests):
            raise ExpectationsFileError(f"entry {number}: tests must be a list of test ids")
        for test in tests:
            if test in expected:
                raise ExpectationsFileError(f"{test} is listed twice")
            expected[test] = str(fields["reason"])
    return expected


@dataclass(frozen=True)
class Verdict:
    passed: int
    skipped: int
    expected_failures: tuple[str, ...]
    unexpected_failures: tuple[str, ...]
    unexpected_passes: tuple[str, ...]
    not_run: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.unexpected_failures or self.unexpected_passes or self.not_run)

    def summary(self) -> str:
        listed = len(self.expected_failures)
        return f"moto's own suites: {self.passed} passed, {listed} expected failures (listed)"

    def problems(self) -> list[str]:
        return [
            *(f"{test} failed and is not listed" for test in self.unexpected_failures),
            *(f"{test} passes now: drop it from {EXPECTATIONS.name}" for test in self.unexpected_passes),
            *(f"{test} is listed but was not run (renamed or removed?)" for test in self.not_run),
        ]


def judge(outcomes: dict[str, str], expected: dict[str, str]) -> Verdict:
    failed = {test for test, outcome in outcomes.items() if outcome == "failed"}
    return Verdict(
        passed=sum(outcome == "passed" for outcome in outcomes.values()),
        skipped=sum(outcome == "skipped" for outcome in outcomes.values()),
        expected_failures=tuple(sorted(failed & expected.keys())),
        unexpected_failures=tuple(sorted(failed - expected.keys())),
        unexpected_passes=tuple(sorted(t for t in expected if outcomes.get(t) == "passed")),
        not_run=tuple(sorted(t for t in expected if outcomes.get(t) in (None, "skipped"))),
    )


class SuitesRun:
    """One run of the suites in a child process, started at once so it can overlap other work.

    The run leaves its outcomes, then its exit status, in files under ``root``, so any process can wait for
    it: the one that started it, or a pytest-xdist worker whose test judges it."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or suites_root()
        self.outcomes_file = self.root / "outcomes.json"
        self.exit_file = self.root / "exit-status"
        self.log = self.root / "last-run.log"

    @classmethod
    def start(cls, root: Path | None = None) -> SuitesRun:
        run = cls(root)
        if not (run.root / "pytest.ini").is_file():
            raise SuitesNotFetchedError(run.root)
        run.outcomes_file.unlink(missing_ok=True)
        run.exit_file.unlink(missing_ok=True)
        with run.log.open("w") as log:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "pytest", "-q", "-p", "scripts.fidelity.plugin",
                    f"--timeout={TEST_TIMEOUT_SECONDS}", *test_paths(run.root),
                ],
                cwd=run.root,
                env=_environment(run.outcomes_file),
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        threading.Thread(target=run._record_exit, args=(process,), daemon=True).start()
        return run

    def _record_exit(self, process: subprocess.Popen) -> None:
        try:
            status = process.wait(timeout=RUN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            status = "timeout"
        self.exit_file.write_text(str(status))

    def finished(self) -> bool:
        return self.exit_file.is_file()

    def outcomes(self) -> dict[str, str]:
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS + 30
        while not self.finished():
            if time.monotonic() > deadline:
                raise KitError(f"moto's own suites never reported an end: see {self.log}")
            time.sleep(0.25)
        status = self.exit_file.read_text()
        if status == "timeout":
            raise KitError(
                f"moto's own suites ran longer than {RUN_TIMEOUT_SECONDS} s and were stopped: see {self.log}"
            )
        if not self.outcomes_file.is_file():
            raise KitError(f"moto's own suites did not run to the end (exit {status}): see {self.log}")
        return json.loads(self.outcomes_file.read_text())


def _environment(outcomes_file: Path) -> dict[str, str]:
    """Fake credentials, no Docker (its tests are skipped) and no network: any request that escapes
    moto's mocks goes to a closed local port and fails at once."""
    closed = "http://127.0.0.1:9"
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "TESTS_SKIP_REQUIRES_DOCKER": "true",
        "HTTP_PROXY": closed,
        "HTTPS_PROXY": closed,
        "NO_PROXY": "127.0.0.1,localhost",
        "MOTO_SUITES_OUTCOMES": str(outcomes_file),
    }


def main() -> None:
    run = SuitesRun.start()
    print(f"Running moto's own suites from {run.root} (about two minutes)", flush=True)
    verdict = judge(run.outcomes(), load_expectations())
    if not verdict.ok:
        print(*verdict.problems(), sep="\n")
        raise GateFailedError(verdict, run.log)
    print(verdict.summary())
