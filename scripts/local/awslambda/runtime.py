"""One invocation of a Lambda function, run as Lambda runs it: the deployed code, in a process of its own.

The function's code (its zip, from ``ZipFile`` or the S3 object it was created from) is unpacked once per
``CodeSha256``; each invocation runs :mod:`.bootstrap` there, in a process of its own, with the project's
interpreter (which has boto3, as Lambda's Python runtime does) and an environment built from nothing: the
function's variables, then the ones Lambda's runtime sets, credentials, and ``AWS_ENDPOINT_URL`` pointing
back at the emulator. Lambda keeps its runtime warm between invocations; here each function's next process
is started ahead, when its event source mapping is created and after each invocation, so an invocation
does not wait for Python and boto3 to load (its handler is imported when it runs, as in Lambda's init
phase). The function's ``Timeout`` is enforced by killing the process. Its output, framed by ``START``,
``END`` and ``REPORT`` lines, goes to CloudWatch Logs: the function's ``LoggingConfig.LogGroup``, else
``/aws/lambda/<name>``.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scripts.local import concurrency, endpoint, log_streams

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
LOG_TAIL_BYTES = 4096
_code_root: Path | None = None
_ready: dict[str, tuple[tuple[str, str], subprocess.Popen]] = {}
"""Each function's next process (by ARN), with the code folder and environment it was started with."""
_ready_lock = threading.Lock()


class UnsupportedRuntime(Exception):
    """The function cannot run in the emulator; the message says why."""


@dataclass(frozen=True)
class Outcome:
    request_id: str
    payload: bytes
    function_error: str | None
    """``Unhandled`` when the function failed (the payload then describes the error), else None."""
    log: str

    @property
    def log_tail(self) -> str:
        """The last 4 KB of the log, as ``LogType=Tail`` returns it."""
        return self.log.encode()[-LOG_TAIL_BYTES:].decode(errors="ignore")


def check(function: Any) -> None:
    """Refuse what the emulator cannot run: images, runtimes other than Python."""
    if getattr(function, "package_type", "Zip") == "Image":
        raise UnsupportedRuntime(
            f"function {function.function_name} is a container image, which the local emulator does not run"
        )
    if not str(function.run_time or "").startswith("python3"):
        raise UnsupportedRuntime(
            f"runtime {function.run_time} of function {function.function_name} is not supported by the local "
            "emulator, which runs Python functions only"
        )


def invoke(function: Any, event: bytes) -> Outcome:
    """Run the function on ``event`` (JSON bytes) and wait for it, without the emulator's state lock."""
    check(function)
    request_id = str(uuid.uuid4())
    started_at = datetime.now(UTC)
    stream = f"{started_at:%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
    code = _unpacked(function)
    with tempfile.TemporaryDirectory(prefix="lambda-invocation-") as scratch:
        result_file = Path(scratch) / "result.json"
        invocation = {
            "request_id": request_id,
            "deadline_ms": int(started_at.timestamp() * 1000) + int(float(function.timeout) * 1000),
            "log_stream": stream,
            "result_file": str(result_file),
        }
        process = _process_for(function, code)
        started = time.monotonic()
        with concurrency.released_state():
            finished = _run(process, invocation, event or b"{}", float(function.timeout))
        seconds = time.monotonic() - started
        output, timed_out, exit_code = finished
        memory_mb = 0
        if timed_out:
            message = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z"
            message += f" {request_id} Task timed out after {float(function.timeout):.2f} seconds"
            payload, error, output = (
                json.dumps({"errorMessage": message}),
                "Unhandled",
                output + message + "\n",
            )
        elif result_file.is_file():
            outcome = json.loads(result_file.read_text())
            memory_mb = outcome["max_memory_mb"]
            payload = json.dumps(outcome["error"] if "error" in outcome else outcome["payload"])
            error = "Unhandled" if "error" in outcome else None
        else:
            payload = json.dumps(
                {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status "
                    f"{exit_code}",
                }
            )
            error = "Unhandled"
    log = _log_lines(function, request_id, output, seconds, memory_mb)
    _publish(function, stream, log, started_at)
    return Outcome(request_id, payload.encode(), error, "".join(line + "\n" for line in log))


def prepare(function: Any) -> None:
    """Start the function's next process now, so that its first invocation finds it ready (code that
    cannot be unpacked fails then, as an invocation's error)."""
    try:
        code = _unpacked(function)
    except (zipfile.BadZipFile, OSError):
        return
    _process_for(function, code, keep=True)


def _process_for(function: Any, code: Path, keep: bool = False) -> subprocess.Popen:
    """A process ready for this invocation of ``function``, and another started for the next one (with
    ``keep``: only make sure one is ready)."""
    environment = _environment(function, code)
    key = (str(code), json.dumps(environment, sort_keys=True))
    with _ready_lock:
        ready = _ready.pop(function.function_arn, None)
    if ready is not None and (ready[0] != key or ready[1].poll() is not None):
        ready[1].kill()
        ready = None
    process = ready[1] if ready else _start(code, environment)
    with _ready_lock:
        _ready[function.function_arn] = (key, process if keep else _start(code, environment))
    return process


def _start(code: Path, environment: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(BOOTSTRAP)],
        cwd=code,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def forget(function_arn: str) -> None:
    """Stop the ready process of a function that is gone."""
    with _ready_lock:
        ready = _ready.pop(function_arn, None)
    if ready:
        ready[1].kill()


@atexit.register
def _stop_ready_processes() -> None:
    with _ready_lock:
        for _, process in _ready.values():
            process.kill()
        _ready.clear()


def _run(
    process: subprocess.Popen, invocation: dict[str, Any], event: bytes, timeout: float
) -> tuple[str, bool, int]:
    """Output, whether it timed out, and exit code of the bootstrap on ``event``."""
    request = json.dumps(invocation).encode() + b"\n" + event
    try:
        output, _ = process.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        return (output or b"").decode(errors="replace"), True, -9
    return output.decode(errors="replace"), False, process.returncode


def _environment(function: Any, code: Path) -> dict[str, str]:
    """The process's environment (what changes from one invocation to the next comes on its stdin)."""
    runtime = {
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group(function),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "_HANDLER": function.handler,
        "LAMBDA_TASK_ROOT": str(code),
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "_LOCAL_LAMBDA_FUNCTION_ARN": function.function_arn,
    }
    if endpoint.current():
        runtime["AWS_ENDPOINT_URL"] = endpoint.current()
    return {**{str(k): str(v) for k, v in (function.environment_vars or {}).items()}, **runtime}


def log_group(function: Any) -> str:
    """``LoggingConfig.LogGroup``, else Lambda's default ``/aws/lambda/<name>``."""
    configured = (getattr(function, "logging_config", None) or {}).get("LogGroup")
    return configured or f"/aws/lambda/{function.function_name}"


def _unpacked(function: Any) -> Path:
    """The function's code, unpacked once per code hash."""
    global _code_root
    if _code_root is None:
        _code_root = Path(tempfile.mkdtemp(prefix="local-lambda-code-"))
        atexit.register(shutil.rmtree, _code_root, True)
    folder = _code_root / function.code_sha_256.replace("/", "_")
    if not folder.is_dir():
        partial = Path(tempfile.mkdtemp(dir=_code_root))
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(partial)
        partial.rename(folder)
    return folder


def _log_lines(function: Any, request_id: str, output: str, seconds: float, memory_mb: int) -> list[str]:
    milliseconds = seconds * 1000
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {milliseconds:.2f} ms\tBilled Duration: "
        f"{int(milliseconds) + 1} ms\tMemory Size: {function.memory_size} MB\tMax Memory Used: "
        f"{memory_mb} MB"
    )
    return [
        f"START RequestId: {request_id} Version: $LATEST",
        *output.splitlines(),
        f"END RequestId: {request_id}",
        report,
    ]


def _publish(function: Any, stream: str, lines: list[str], started_at: datetime) -> None:
    account, region, group = function.account_id, function.region, log_group(function)
    log_streams.open_stream(account, region, group, stream)
    log_streams.put(account, region, group, stream, log_streams.lines_at(lines, started_at))
