"""The Makefile is the user interface: every target and every variable it passes on is documented."""

import re
import subprocess

from tests.conftest import PROJECT_ROOT

MAKEFILE = (PROJECT_ROOT / "Makefile").read_text()


def make_help() -> str:
    return subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_help_is_the_default_goal():
    assert ".DEFAULT_GOAL := help" in MAKEFILE


def test_every_documented_target_exists_and_every_required_one_is_documented():
    documented = set(re.findall(r"^  ([a-z-]+) ", make_help().split("Variables")[0], re.MULTILINE))
    assert {"help", "install", "lint", "package", "deploy", "destroy", "test", "clean"} <= documented
    for target in documented:
        assert re.search(rf"^{target}:", MAKEFILE, re.MULTILINE), target


def test_every_exported_variable_is_documented_by_help():
    exported = re.findall(r"^export ([A-Z_]+) \?=", MAKEFILE, re.MULTILINE)
    assert "CFN_BUCKET_NAME" in exported
    variables = make_help().split("Variables")[1]
    for name in [*exported, "PYTHON"]:
        assert re.search(rf"^  {name} ", variables, re.MULTILINE), f"{name} missing from make help"


def test_targets_that_need_python_depend_on_the_environment():
    for target in ("lint", "package", "deploy", "destroy", "demo", "notebooks", "test", "seed-repo"):
        assert re.search(rf"^{target}: install\b", MAKEFILE, re.MULTILINE), target
