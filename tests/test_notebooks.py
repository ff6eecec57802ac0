"""The walkthrough notebooks as documents: committed without outputs, every step explained before it runs
and what to expect after it, AWS reached only through boto3 and the SageMaker SDK; and `make notebooks`'
JupyterLab serving them with the project's kernel."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import nbformat
import pytest

from scripts.local.process import free_port
from scripts.notebooks.__main__ import kernel_spec, lab_command
from scripts.notebooks.execute import NOTEBOOK_DIR, QUIET, WALKTHROUGH

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
WHAT_YOU_SEE = "**보게 될 것:**"


def test_the_walkthrough_is_the_three_notebooks_in_the_folder():
    assert [path.name for path in NOTEBOOKS] == sorted(WALKTHROUGH)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_step_says_what_and_why_before_it_and_what_you_should_see(path):
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    for before, cell in itertools.pairwise(cells):
        if cell.cell_type == "code":
            assert before.cell_type == "markdown" and WHAT_YOU_SEE in before.source, cell.source[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_calls_no_shell_and_no_studio_only_magic(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert not re.search(r"^\s*[!%]", code, re.MULTILINE), "shell commands or magics (!aws, %store)"
    assert "get_execution_role" not in code and "default_bucket()" not in code  # STS at AWS's own endpoint


def test_make_notebooks_opens_jupyterlab_on_the_walkthrough_with_the_kits_kernel(tmp_path):
    """JupyterLab (.venv-jupyter), started as `make notebooks` starts it, lists the three notebooks and
    offers ``python3`` as this project's Python, not its own."""
    port = free_port()
    jupyter_path = tmp_path / "jupyter"
    kernel_spec(jupyter_path)
    isolated = {
        "JUPYTER_PATH": str(jupyter_path),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "HOME": str(tmp_path),
    }
    command = [*lab_command(), "--no-browser", f"--ServerApp.port={port}", "--IdentityProvider.token=t"]
    server = subprocess.Popen(
        command, env={**os.environ, **QUIET, **isolated}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        specs = wait_for_json(f"http://127.0.0.1:{port}/api/kernelspecs?token=t", server)
        assert specs["default"] == "python3"
        assert specs["kernelspecs"]["python3"]["spec"]["argv"][0] == sys.executable
        contents = wait_for_json(f"http://127.0.0.1:{port}/api/contents?token=t", server)
        assert sorted(item["name"] for item in contents["content"] if item["type"] == "notebook") == sorted(
            WALKTHROUGH
        )
    finally:
        server.terminate()
        server.communicate(timeout=30)


def wait_for_json(url: str, server: subprocess.Popen, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, f"JupyterLab did not answer {url} in {seconds:.0f} s"
            time.sleep(0.2)


def test_studio_installs_the_versions_the_tests_ran():
    """notebooks/requirements.txt (for a Studio kernel) pins what constraints.txt pins for .venv."""
    pins = dict(
        line.split("==")
        for line in (NOTEBOOK_DIR.parent / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    for path in (NOTEBOOK_DIR / "requirements.txt", NOTEBOOK_DIR.parent / "requirements.txt"):
        for line in path.read_text().splitlines():
            if "==" in line and not line.startswith("#"):
                name, version = line.split("==")
                assert pins[name] == version, f"{path.name}: {line} but constraints.txt has {pins[name]}"
