"""Starting, finding and stopping the emulator process.

Its state file (``build/local/emulator.json``: pid, port, endpoint) exists only while a healthy
server runs; its log is ``build/local/emulator.log``. LOCAL_STATE_DIR moves both (tests use it so
they never touch a user's emulator)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from scripts import PROJECT_ROOT
from scripts.errors import KitError
from scripts.local import DEFAULT_PORT

DEFAULT_STATE_DIR = PROJECT_ROOT / "build" / "local"
START_TIMEOUT_SECONDS = 60


class AlreadyRunningError(KitError):
    def __init__(self, state: EmulatorState) -> None:
        super().__init__(
            f"the local AWS emulator is already running at {state.endpoint} (pid {state.pid}): "
            "use it, or stop it first with `make local-down`"
        )


class PortInUseError(KitError):
    def __init__(self, port: int) -> None:
        super().__init__(
            f"port {port} on 127.0.0.1 is taken by another program: stop it, or choose another port "
            f"with LOCAL_PORT=<port>"
        )


class StartFailedError(KitError):
    def __init__(self, log: Path, why: str) -> None:
        super().__init__(f"the local AWS emulator did not start ({why}): see {log}")


@dataclass(frozen=True)
class EmulatorState:
    pid: int
    port: int
    endpoint: str
    regions: tuple[str, ...] = ()
    """The regions bootstrapped so far (the server's own at start)."""


def configured_port() -> int:
    return int(os.environ.get("LOCAL_PORT") or DEFAULT_PORT)


class Emulator:
    """The emulator process whose files live in ``state_dir``."""

    def __init__(self, state_dir: Path | None = None) -> None:
        self.state_dir = state_dir or Path(os.environ.get("LOCAL_STATE_DIR") or DEFAULT_STATE_DIR)
        self.state_file = self.state_dir / "emulator.json"
        self.log_file = self.state_dir / "emulator.log"
        self._child: subprocess.Popen | None = None
        """The server process when this object started it (kept so it can be reaped)."""

    def state(self) -> EmulatorState | None:
        """The running emulator, or None; a state file left by a dead process is removed."""
        try:
            raw = json.loads(self.state_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        state = EmulatorState(raw["pid"], raw["port"], raw["endpoint"], tuple(raw.get("regions", ())))
        if not _alive(state.pid):
            self.state_file.unlink(missing_ok=True)
            return None
        return state

    def healthy(self, state: EmulatorState) -> bool:
        """Whether the server answers an AWS API call (STS GetCallerIdentity).

        Plain HTTP rather than boto3: every local `make package` pays for this check, and importing
        boto3 for it would add about 0.15 s to each. The emulator does not verify signatures; the
        credential scope only routes the call to STS.
        """
        request = urllib.request.Request(
            state.endpoint,
            data=b"Action=GetCallerIdentity&Version=2011-06-15",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, "
                "SignedHeaders=host, Signature=0",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return b"<Account>" in response.read()
        except OSError:
            return False

    @contextlib.contextmanager
    def _exclusive(self):
        """One start or stop at a time (two `make package` runs may both find no emulator)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.state_dir / "emulator.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def start(self, port: int, region: str) -> EmulatorState:
        with self._exclusive():
            return self._start(port, region)

    def _start(self, port: int, region: str) -> EmulatorState:
        running = self.state()
        if running:
            raise AlreadyRunningError(running)
        if not _port_free(port):
            raise PortInUseError(port)
        print(
            f"Starting the local AWS emulator on 127.0.0.1:{port} (log: {self.log_file})",
            file=sys.stderr,
            flush=True,
        )
        started = time.monotonic()
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "scripts.local",
                    "serve",
                    "--port",
                    str(port),
                    "--region",
                    region,
                    "--state-file",
                    str(self.state_file),
                ],
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_server_environment(),
                start_new_session=True,
            )
        while time.monotonic() - started < START_TIMEOUT_SECONDS:
            if process.poll() is not None:
                raise StartFailedError(self.log_file, f"it exited with code {process.returncode}")
            state = self.state()
            if state and self.healthy(state):
                self._child = process
                print(
                    f"Local AWS emulator ready at {state.endpoint} in {time.monotonic() - started:.1f} s "
                    f"(pid {state.pid})",
                    file=sys.stderr,
                    flush=True,
                )
                return state
            time.sleep(0.1)
        process.terminate()
        raise StartFailedError(self.log_file, f"not healthy after {START_TIMEOUT_SECONDS} s")

    def ensure_running(self, port: int, region: str) -> EmulatorState:
        """The running emulator (bootstrapped for ``region``), started if needed."""
        with self._exclusive():
            state = self.state()
            if state is None:
                return self._start(port, region)
            if region not in state.regions:
                from scripts.local.bootstrap import bootstrap  # boto3: only for a region new to it

                bootstrap(state.endpoint, region)
                raw = json.loads(self.state_file.read_text())
                raw["regions"] = [*state.regions, region]
                self.state_file.write_text(json.dumps(raw))
            return state

    def stop(self) -> EmulatorState | None:
        """Stop the emulator; None when nothing was running."""
        with self._exclusive():
            return self._stop()

    def _stop(self) -> EmulatorState | None:
        state = self.state()
        if state is None:
            return None
        os.kill(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _alive(state.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(state.pid):
            os.kill(state.pid, signal.SIGKILL)
        if self._child is not None:
            self._child.wait()
            self._child = None
        self.state_file.unlink(missing_ok=True)
        return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        finished, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return finished == 0


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now, for an emulator of its own (tests, benchmarks)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _server_environment() -> dict[str, str]:
    """The server talks to itself while bootstrapping: dummy credentials, nothing of the user's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true")
    return env
