"""The fidelity gate: moto's own tests, for every service the emulator extends or patches, pass with the
extensions installed, except the tests .moto-expected-failures.yaml lists with the AWS behaviour they
contradict; and the gate's judgement of a run is itself right."""

from __future__ import annotations

import re

import pytest

from scripts.fidelity import gate, suites
from scripts.fidelity.gate import ExpectationsFileError, SuitesRun, judge, load_expectations
from tests.conftest import PROJECT_ROOT


def test_moto_suites_pass_with_the_extensions():
    run = SuitesRun()  # started by tests/conftest.py as the session began
    verdict = judge(run.outcomes(), load_expectations())
    assert verdict.ok, "\n".join([*verdict.problems(), f"output: {run.log}"])
    assert verdict.passed > 800  # the suites ran, not an empty selection


def test_the_suites_are_those_of_the_pinned_moto():
    pinned = re.search(
        r"^moto\[server\]==([\w.]+)$", (PROJECT_ROOT / "requirements-dev.txt").read_text(), re.M
    )
    assert pinned and suites.pinned_version() == pinned[1]
    assert suites.suites_root().name == f"moto-{pinned[1]}"


OUTCOMES = {
    "tests/a.py::test_passes": "passed",
    "tests/a.py::test_listed": "failed",
    "tests/a.py::test_fails": "failed",
    "tests/a.py::test_listed_but_passes": "passed",
    "tests/a.py::test_skipped": "skipped",
}


def test_the_gate_fails_on_an_unlisted_failure_a_listed_pass_and_a_listed_test_not_run():
    expected = dict.fromkeys(
        ["tests/a.py::test_listed", "tests/a.py::test_listed_but_passes", "tests/a.py::test_gone",
         "tests/a.py::test_skipped"],
        "why",
    )  # fmt: skip
    verdict = judge(OUTCOMES, expected)
    assert not verdict.ok
    assert verdict.problems() == [
        "tests/a.py::test_fails failed and is not listed",
        "tests/a.py::test_listed_but_passes passes now: drop it from .moto-expected-failures.yaml",
        "tests/a.py::test_gone is listed but was not run (renamed or removed?)",
        "tests/a.py::test_skipped is listed but was not run (renamed or removed?)",
    ]
    assert verdict.summary() == "moto's own suites: 2 passed, 1 expected failures (listed)"


def test_the_gate_passes_when_every_failure_is_listed():
    outcomes = {test: outcome for test, outcome in OUTCOMES.items() if "but_passes" not in test}
    verdict = judge(outcomes, {"tests/a.py::test_listed": "why", "tests/a.py::test_fails": "why"})
    assert verdict.ok and verdict.problems() == []
    assert verdict.summary() == "moto's own suites: 1 passed, 2 expected failures (listed)"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("expected_failures: {a: b}", "expected_failures must be a list"),
        ("expected_failures:\n  - reason: r\n    tests: [t]", "entry 1 has no aws"),
        (
            "expected_failures:\n  - aws: u\n    reason: r\n    tests: t",
            "entry 1: tests must be a list of test ids",
        ),
        (
            "expected_failures:\n  - {reason: r, aws: u, tests: [t]}\n  - {reason: s, aws: v, tests: [t]}",
            "t is listed twice",
        ),
    ],
)
def test_a_malformed_expectations_file_is_refused_with_what_to_fix(tmp_path, document, problem):
    path = tmp_path / "expected.yaml"
    path.write_text(document)
    with pytest.raises(ExpectationsFileError) as refused:
        load_expectations(path)
    assert str(refused.value).startswith(f".moto-expected-failures.yaml: {problem}: each entry needs")


def test_every_listed_failure_gives_its_reason_and_the_aws_documentation_it_follows():
    expected = load_expectations()
    assert expected and all(reason.strip() for reason in expected.values())
    document = gate.yaml.safe_load(gate.EXPECTATIONS.read_text())
    assert all(
        entry["aws"].startswith("https://docs.aws.amazon.com/") for entry in document["expected_failures"]
    )
