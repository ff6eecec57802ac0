"""Each job is `python -m scripts.<job>` with --help; errors are one line and exit 1."""

import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT


def run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("job", ["package", "deploy", "destroy", "lint", "seed_repo"])
def test_every_job_has_help(job):
    result = run(f"scripts.{job}", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: python -m scripts.{job}")


def test_lint_passes_the_project_templates():
    result = run("scripts.lint", "cfn-templates")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "cfn-lint: 2 template(s), no findings"


def test_lint_lists_each_finding_and_fails_in_one_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n"
        "  Queue:\n"
        "    Type: AWS::SQS::Queue\n"
        "    Properties:\n"
        "      MessageRetentionPeriod: not-a-number\n"
    )
    result = run("scripts.lint", str(broken))
    assert result.returncode == 1
    findings = result.stdout.splitlines()
    assert f"{broken}:6: E3012 'not-a-number' is not of type 'integer'" in findings
    assert result.stderr.splitlines() == [
        f"error: cfn-lint found {len(findings)} problem(s) in the templates (listed above): fix them"
    ]


def test_lint_names_a_template_that_is_not_there(tmp_path):
    missing = tmp_path / "missing.yaml"
    result = run("scripts.lint", str(missing), "cfn-templates")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{missing}:1: E0000 Template file not found: {missing}"]
