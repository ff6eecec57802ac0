"""Running the walkthrough notebooks headless, in order, as a person would run them: each in a fresh
kernel of this project's Python (never a kernel a machine happens to have), with the notebook's folder
as its working directory. A failing cell stops the run, naming the notebook and the cell's error.

Each run happens in a child process (``python -m scripts.notebooks.execute NOTEBOOK OUT``): nbclient's
event loop, its kernel's sockets and their clean-up at exit stay out of the caller's process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from scripts import PROJECT_ROOT
from scripts.errors import KitError, run_main

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
WALKTHROUGH = ("00-setup.ipynb", "01-feature-store-ingest-pipeline.ipynb", "99-clean-up.ipynb")
CELL_SECONDS = 1800
"""Per cell: 01 waits for a project build and a processing job, which take minutes on AWS."""
QUIET = {"JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
"""Jupyter's path-migration notice and the debugger's frozen-modules warning, off. Matplotlib keeps
ipykernel's inline backend, so the plots are in the outputs, headless or in JupyterLab."""


class NotebookFailedError(KitError):
    def __init__(self, notebook: str, error: str) -> None:
        super().__init__(f"{notebook} failed: {error} (the failing cell and its traceback are above)")


def execute(name: str, environment: dict[str, str], directory: Path = NOTEBOOK_DIR) -> nbformat.NotebookNode:
    """Run ``directory/name`` top to bottom with ``environment`` added to this process's (``""`` unsets);
    the notebook with its outputs, up to the failing cell if one fails (the file itself is left as it is)."""
    with tempfile.TemporaryDirectory(prefix="notebook-") as scratch:
        executed, error = Path(scratch) / name, Path(scratch) / "error.txt"
        finished = subprocess.run(
            [sys.executable, "-m", __name__, str(directory / name), str(executed), str(error)],
            env=_without_empty({**os.environ, **QUIET, **environment}),
            check=False,
        )
        if finished.returncode != 0:
            cause = error.read_text() if error.is_file() else f"the runner exited with {finished.returncode}"
            raise NotebookFailedError(name, cause)
        return nbformat.read(executed, as_version=4)


def text_outputs(notebook: nbformat.NotebookNode) -> str:
    """Everything the notebook's cells printed or displayed as text, in order."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output["text"])
            elif "data" in output and "text/plain" in output["data"]:
                parts.append(output["data"]["text/plain"])
    return "\n".join(parts)


def _without_empty(environment: dict[str, str]) -> dict[str, str]:
    """``""`` unsets a variable, as in :func:`scripts.target.apply_environment`."""
    return {name: value for name, value in environment.items() if value}


def _run(source: Path, executed: Path, error: Path) -> None:
    """The child's work: run ``source`` in a kernel of this interpreter, write it with its outputs to
    ``executed``; a failing cell's error goes to ``error``."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(source, as_version=4)
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        # Kernel specs of this Python only: ipykernel's ``python3`` in its prefix starts this very
        # interpreter (jupyter_client runs ``python`` in a spec as ``sys.executable``). Local sockets
        # (ipc) rather than TCP on 127.0.0.1: nothing listens on the network.
        kernel = AsyncKernelManager(
            kernel_name="python3",
            kernel_spec_manager=KernelSpecManager(
                kernel_dirs=[str(Path(sys.prefix) / "share/jupyter/kernels")]
            ),
            transport="ipc",
            ip=str(Path(sockets) / "kernel"),
        )
        client = NotebookClient(
            notebook, km=kernel, timeout=CELL_SECONDS, resources={"metadata": {"path": str(source.parent)}}
        )
        try:
            client.execute()
        except CellExecutionError as failed:
            print(failed, file=sys.stderr)  # the cell and its traceback
            error.write_text(f"{failed.ename}: {failed.evalue}")
            raise NotebookFailedError(source.name, error.read_text()) from None
        finally:
            nbformat.write(notebook, executed)


if __name__ == "__main__":
    run_main(lambda: _run(*(Path(argument) for argument in sys.argv[1:4])))
