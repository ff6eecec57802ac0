"""The shell a build's phase runs in: one bash session per phase whose exports and folder carry over to the
next phase, as in CodeBuild's buildspec 0.2; each shell in a process group of its own, killed when the
emulator exits."""

from __future__ import annotations

import atexit
import contextlib
import os
import shlex
import signal
import subprocess
import uuid
from pathlib import Path

_running: set[subprocess.Popen] = set()
"""Builds' shells now running, killed when the emulator exits."""


@atexit.register
def _kill_running() -> None:
    for process in list(_running):
        kill(process)


def start(script: Path, cwd: Path, variables: dict[str, str]) -> subprocess.Popen:
    """``bash script`` in a new process group, its output (stderr included) on its stdout."""
    process = subprocess.Popen(
        ["bash", str(script)],
        cwd=cwd,
        env=variables,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    _running.add(process)
    return process


def finished(process: subprocess.Popen) -> None:
    _running.discard(process)


def kill(process: subprocess.Popen) -> None:
    """The shell and everything it started."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def working_folder(work: Path, source_dir: Path) -> Path:
    """Where the previous phase's shell ended, else the source folder."""
    saved = work / "cwd"
    if saved.is_file():
        folder = Path(saved.read_text().strip())
        if folder.is_dir():
            return folder
    return source_dir


def failed_command(work: Path) -> tuple[str, str]:
    """The command that failed in the last phase's shell and its exit status ("" when none failed)."""
    failed = (work / "failed").read_text() if (work / "failed").is_file() else ""
    command, _, status = failed.partition("\n")
    return command, status


def script(commands: list[str], final: list[str], work: Path, variables: dict[str, str]) -> str:
    """One shell session for a phase: the commands in order until one fails, then the ``finally``
    commands; the exports and folder carry over to the next phase."""
    state, cwd, failed = (shlex.quote(str(work / name)) for name in ("env", "cwd", "failed"))
    stamp = "$(date -u +'%Y/%m/%d %H:%M:%S.%6N')"
    succeeding = shlex.quote(variables.get("CODEBUILD_BUILD_SUCCEEDING", "1"))
    out = [
        f"[ -f {state} ] && . {state}",
        f"export CODEBUILD_BUILD_SUCCEEDING={succeeding}",
        "__cb_status=0",
        f"rm -f {failed}",
    ]
    for kind, group in (("c", commands), ("f", final)):
        for number, command in enumerate(group):
            path = work / f"command-{kind}{number}-{uuid.uuid4().hex[:8]}.sh"
            path.write_text(command + "\n")
            quoted = shlex.quote(command)
            guard = "if [ $__cb_status -eq 0 ]; then" if kind == "c" else "if true; then"
            out.append(
                f'{guard} echo "[Container] {stamp} Running command "{quoted}; . {shlex.quote(str(path))}; '
                "__cb_exit=$?; if [ $__cb_exit -ne 0 ]; then "
                f'echo "[Container] {stamp} Command did not exit successfully "{quoted}'
                '" exit status $__cb_exit"; '
                f"if [ $__cb_status -eq 0 ]; then printf '%s\\n%s' {quoted} $__cb_exit > {failed}; "
                "__cb_status=$__cb_exit; fi; fi; fi"
            )
    out.append(f"export -p > {state}; pwd > {cwd}")
    out.append("exit $__cb_status")
    return "\n".join(out) + "\n"
