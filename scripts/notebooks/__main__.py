"""``python -m scripts.notebooks lab|run`` (``make notebooks``): open the walkthrough in JupyterLab, or
run notebooks headless, against the target ``scripts.target`` chose (its environment is already applied).

On the local emulator, which starts empty, the project template is published first (as
``make package && make deploy``) unless the portfolio stack is there already.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from scripts import PROJECT_ROOT, deploy
from scripts.aws import AwsContext
from scripts.destroy import live_stack_id
from scripts.errors import run_main
from scripts.notebooks.execute import NOTEBOOK_DIR, QUIET, WALKTHROUGH, execute
from scripts.publish import publish

JUPYTER_VENV = PROJECT_ROOT / ".venv-jupyter"
JUPYTER_PATH = PROJECT_ROOT / "build" / "jupyter"


def publish_if_missing(build_dir: Path = PROJECT_ROOT / "build") -> None:
    """On an emulator, the portfolio as ``make package && make deploy`` make it, unless it is deployed."""
    if not os.environ.get("AWS_ENDPOINT_URL"):
        return  # AWS: publishing is the platform engineer's step, never a side effect of opening notebooks
    stack = os.environ.get("STACK_NAME") or deploy.DEFAULT_STACK
    if live_stack_id(AwsContext.from_environment().client("cloudformation"), stack):
        print(f"The project template is published (stack {stack})", flush=True)
        return
    print("The emulator has no project template yet: publishing it (make package && make deploy)", flush=True)
    publish(build_dir)


def kernel_spec(jupyter_path: Path) -> Path:
    """The notebooks' kernel, ``python3``: this interpreter (.venv's), written where JupyterLab, which runs
    from .venv-jupyter, finds it first. A spec saying ``python`` would start JupyterLab's own Python."""
    folder = jupyter_path / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (fs-ingestion kit)",
        "language": "python",
        "env": QUIET,
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return folder


def lab_command() -> list[str]:
    """JupyterLab from .venv-jupyter, on the notebooks folder, listening on 127.0.0.1 only; it never asks
    the internet for updates or extensions. As root (a container), it needs telling that this is meant."""
    return [
        str(JUPYTER_VENV / "bin" / "jupyter-lab"),
        f"--notebook-dir={NOTEBOOK_DIR}",
        "--ServerApp.ip=127.0.0.1",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]


def lab_environment() -> dict[str, str]:
    kernel_spec(JUPYTER_PATH)
    return {**os.environ, **QUIET, "JUPYTER_PATH": str(JUPYTER_PATH)}


def run(names: list[str]) -> None:
    for name in names:
        print(f"==> {name}", flush=True)
        started = time.monotonic()
        execute(name, {})
        print(f"    done in {time.monotonic() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.notebooks", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("lab", help="open the notebooks in JupyterLab, pointed at the target")
    runner = commands.add_parser("run", help="run notebooks headless, in order (99-clean-up asks first)")
    runner.add_argument(
        "notebooks", nargs="*", default=list(WALKTHROUGH), help=f"default: {' '.join(WALKTHROUGH)}"
    )
    args = parser.parse_args()

    publish_if_missing()
    if args.command == "run":
        run(args.notebooks)
        return
    command = lab_command()
    os.execve(command[0], command, lab_environment())


if __name__ == "__main__":
    run_main(main)
