"""`make lint` gives the same answer whatever folders exist: ruff's first-party modules are configured
(pyproject.toml), not guessed from the folders at the root, so the `build/` that `make package` leaves
does not turn the seed's `import build` into a first-party import (I001)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

RUFF = Path(sys.executable).parent / "ruff"
NOT_SOURCES = (
    ".git",
    ".venv",
    ".venv-checkov",
    ".venv-jupyter",
    ".cache",
    "build",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
)


def ruff_check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RUFF), "check", "--no-cache", "--output-format", "concise", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of the sources, without build output or environments."""
    root = tmp_path_factory.mktemp("tree") / "kit"
    shutil.copytree(PROJECT_ROOT, root, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    return root


@pytest.mark.parametrize(
    "folders",
    [
        pytest.param(
            ["build/us-east-1/templates", "build/local", "build/.lint-cache"], id="after-make-package"
        ),
        pytest.param(["build", "pipeline", "moto", "boto3"], id="folders-named-like-modules"),
    ],
)
def test_ruff_finds_the_same_with_and_without_these_folders(tree, folders):
    without = ruff_check(tree)
    created = [tree / folder for folder in folders]
    for folder in created:
        folder.mkdir(parents=True)
    try:
        with_folders = ruff_check(tree)
    finally:
        for top in {tree / Path(folder).parts[0] for folder in folders}:
            shutil.rmtree(top)
    assert (with_folders.returncode, with_folders.stdout) == (without.returncode, without.stdout)
    assert "I001" not in with_folders.stdout
    assert with_folders.returncode == 0, with_folders.stdout
