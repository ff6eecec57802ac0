"""A CodeBuild build, run as CodeBuild runs it: the source unpacked in a work folder, the buildspec's phases
in a shell, the log in CloudWatch Logs.

Interface for other services (CodePipeline's build stage), all in the emulator's process::

    from scripts.local.codebuild import builds

    build_id = builds.start_build(account, region, project_name,
                                  source=(bucket, key),          # a zip in the emulator's S3, or None
                                  environment_overrides=[{"name": ..., "value": ..., "type": "PLAINTEXT"}],
                                  output=(bucket, key),          # where CODEPIPELINE artifacts go, or None
                                  source_version=commit_id,      # CODEBUILD_RESOLVED_SOURCE_VERSION
                                  initiator="codepipeline/<pipeline>")
    build = builds.wait_for_build(account, region, build_id, timeout=None)  # BatchGetBuilds' build dict
    build = builds.describe_build(account, region, build_id)               # without waiting

``start_build`` returns at once (the build runs on a thread of its own); ``wait_for_build`` waits without
the emulator's state lock and raises :class:`scripts.local.concurrency.Cancelled` when the emulator is reset
meanwhile. ``build["buildStatus"]`` is then ``SUCCEEDED``, ``FAILED``, ``FAULT``, ``TIMED_OUT`` or
``STOPPED``.

Where the source comes from: ``source`` when given (CodePipeline's input artifact); else the project's:
``S3`` (``bucket/key`` of a zip), ``CODECOMMIT`` (the emulator's repository, the branch or commit of
``sourceVersion``, else its default branch), ``NO_SOURCE`` (an empty folder). The buildspec is the project's
``buildspec`` (inline YAML, or a path in the source), else ``buildspec.yml`` in the source.

How it differs from CodeBuild: the commands run on this machine, with the emulator's Python first on
``PATH``, not in a container image; the ``install`` phase does not run as written but checks that the
local environment has the versions the source pins (``requirements.lock``, else ``requirements.txt``).
``LOCAL_CODEBUILD_TIMEOUT_SECONDS`` (a build environment variable, or the emulator's) replaces the
project's ``timeoutInMinutes``; ``LOCAL_CODEBUILD_PROVISIONING_SECONDS`` (the emulator's, default 0.3) is
how long QUEUED/PROVISIONING takes. Phase transitions follow
https://docs.aws.amazon.com/codebuild/latest/userguide/view-build-details-phases.html: a failed
DOWNLOAD_SOURCE, INSTALL or PRE_BUILD goes to FINALIZING; a failed BUILD still runs POST_BUILD; a failed
BUILD or POST_BUILD still runs UPLOAD_ARTIFACTS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from moto.core.utils import iso_8601_datetime_with_milliseconds
from moto.utilities.utils import get_partition

from scripts.local import concurrency, log_streams, s3_objects

from . import environment, install_check, shell, sources
from .errors import BuildError

COMMAND_PHASES = ("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD")
DEFAULT_PROVISIONING_SECONDS = 0.3
FINISHED = ("SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED")


# -- the interface ----------------------------------------------------------------------------------


def start_build(
    account: str,
    region: str,
    project_name: str,
    source: tuple[str, str] | None = None,
    environment_overrides: list[dict[str, str]] | None = None,
    *,
    output: tuple[str, str] | None = None,
    source_version: str | None = None,
    initiator: str = "local-user",
) -> str:
    """Start a build of the project; its id (see the module's docstring)."""
    from moto.codebuild.models import codebuild_backends

    with concurrency.holding_state():
        backend = codebuild_backends[account][region]
        if project_name not in backend.codebuild_projects:
            raise KeyError(f"Project cannot be found: {backend.project_arn(project_name)}")
        build = start(
            backend,
            project_name,
            source_version=source_version,
            environment_overrides=environment_overrides,
            source=source,
            output=output,
            initiator=initiator,
        )
        return build.id


def describe_build(account: str, region: str, build_id: str) -> dict[str, Any]:
    from moto.codebuild.models import codebuild_backends

    with concurrency.holding_state():
        return codebuild_backends[account][region].builds[build_id].described()


def wait_for_build(account: str, region: str, build_id: str, timeout: float | None = None) -> dict[str, Any]:
    """The build once it has finished (or as it is when ``timeout`` seconds have passed)."""
    from moto.codebuild.models import codebuild_backends

    with concurrency.holding_state():
        build = codebuild_backends[account][region].builds[build_id]
        concurrency.wait(build.done, timeout, concurrency.generation())
        return build.described()


# -- a build ------------------------------------------------------------------------------------------


def start(
    backend: Any,
    project_name: str,
    *,
    source_version: str | None = None,
    environment_overrides: list[dict[str, str]] | None = None,
    buildspec_override: str | None = None,
    timeout_override: int | None = None,
    source: tuple[str, str] | None = None,
    output: tuple[str, str] | None = None,
    initiator: str = "local-user",
) -> Build:
    """Create the build in ``backend`` (state lock held) and start its thread."""
    project = backend.codebuild_projects[project_name].project_metadata
    number = backend.build_numbers.get(project_name, 0) + 1
    backend.build_numbers[project_name] = number
    build = Build(
        backend,
        project,
        number,
        source_version=source_version,
        environment_overrides=environment_overrides or [],
        buildspec_override=buildspec_override,
        timeout_override=timeout_override,
        source=source,
        output=output,
        initiator=initiator,
    )
    backend.builds[build.id] = build
    backend.build_history.setdefault(project_name, []).append(build.id)
    threading.Thread(target=build.run, name=f"codebuild {build.id}", daemon=True).start()
    return build


def _now() -> datetime:
    return datetime.now(UTC)


def _timestamp(at: datetime) -> str:
    return iso_8601_datetime_with_milliseconds(at.replace(tzinfo=None))


def _container(message: str) -> str:
    return f"[Container] {_now():%Y/%m/%d %H:%M:%S.%f} {message}"


class Build:
    def __init__(
        self,
        backend: Any,
        project: dict[str, Any],
        number: int,
        *,
        source_version: str | None,
        environment_overrides: list[dict[str, str]],
        buildspec_override: str | None,
        timeout_override: int | None,
        source: tuple[str, str] | None,
        output: tuple[str, str] | None,
        initiator: str,
    ) -> None:
        self.account, self.region = backend.account_id, backend.region_name
        self.project = project
        self.name = project["name"]
        self.uuid = str(uuid.uuid4())
        self.id = f"{self.name}:{self.uuid}"
        self.arn = f"arn:{get_partition(self.region)}:codebuild:{self.region}:{self.account}:build/{self.id}"
        self.number = number
        self.source_version = source_version or project.get("sourceVersion")
        self.environment_overrides = environment_overrides
        self.buildspec_override = buildspec_override
        self.timeout_minutes = int(timeout_override or project.get("timeoutInMinutes") or 60)
        self.given_source, self.output = source, output
        self.unzipped = False
        if output is None:
            self.output, self.unzipped = self._s3_artifacts(project.get("artifacts") or {})
        self.initiator = initiator
        self.generation = concurrency.generation()
        self.done = threading.Event()
        self.stopping = threading.Event()
        self.process: subprocess.Popen | None = None
        self.started_at = _now()
        self.deadline = 0.0
        self.status = "IN_PROGRESS"
        self.resolved_version: str | None = None
        self.phases: list[dict[str, Any]] = []
        self.continued_failure = False
        self.log_group, self.log_stream = self._log_names()
        self._log_ready = False
        self._begin("SUBMITTED")
        self._end("SUCCEEDED")
        self._begin("QUEUED")

    # -- what BatchGetBuilds shows

    def described(self) -> dict[str, Any]:
        project = self.project
        environment = dict(project.get("environment") or {})
        variables = list(environment.get("environmentVariables") or [])
        overridden = {v["name"] for v in self.environment_overrides}
        environment["environmentVariables"] = [v for v in variables if v["name"] not in overridden] + list(
            self.environment_overrides
        )
        group, stream = self.log_group, self.log_stream
        described: dict[str, Any] = {
            "id": self.id,
            "arn": self.arn,
            "buildNumber": self.number,
            "startTime": _timestamp(self.started_at),
            "currentPhase": self.phases[-1]["phaseType"],
            "buildStatus": self.status,
            "projectName": self.name,
            "phases": [dict(phase) for phase in self.phases],
            "source": dict(project.get("source") or {}),
            "secondarySources": [],
            "secondarySourceVersions": [],
            "artifacts": {"location": f"arn:aws:s3:::{self.output[0]}/{self.output[1]}"}
            if self.output
            else {},
            "secondaryArtifacts": [],
            "cache": project.get("cache") or {"type": "NO_CACHE"},
            "environment": environment,
            "serviceRole": project.get("serviceRole"),
            "logs": {
                "groupName": group,
                "streamName": stream,
                "deepLink": f"https://console.aws.amazon.com/cloudwatch/home?region={self.region}#logEvent:"
                f"group={quote(group, safe='')};stream={quote(stream, safe='')}",
                "cloudWatchLogsArn": f"arn:{get_partition(self.region)}:logs:{self.region}:{self.account}:"
                f"log-group:{group}:log-stream:{stream}",
                "cloudWatchLogs": {"status": "ENABLED", "groupName": group, "streamName": stream},
                "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
            },
            "timeoutInMinutes": self.timeout_minutes,
            "queuedTimeoutInMinutes": project.get("queuedTimeoutInMinutes") or 480,
            "buildComplete": self.status != "IN_PROGRESS",
            "initiator": self.initiator,
            "encryptionKey": project.get("encryptionKey"),
        }
        if self.source_version:
            described["sourceVersion"] = self.source_version
        if self.resolved_version:
            described["resolvedSourceVersion"] = self.resolved_version
        if self.status != "IN_PROGRESS":
            described["endTime"] = self.phases[-1]["startTime"]
        return described

    def _s3_artifacts(self, artifacts: dict[str, Any]) -> tuple[tuple[str, str] | None, bool]:
        """Where an ``S3`` artifacts project puts them: ``location``/``path``/(build id)/``name``; with
        ``packaging`` NONE, the files under that prefix."""
        if artifacts.get("type") != "S3" or not artifacts.get("location"):
            return None, False
        parts = [artifacts.get("path"), self.id if artifacts.get("namespaceType") == "BUILD_ID" else None]
        parts.append(artifacts.get("name") or self.name)
        key = "/".join(str(part).strip("/") for part in parts if part)
        return (str(artifacts["location"]), key), artifacts.get("packaging", "NONE") != "ZIP"

    def _log_names(self) -> tuple[str, str]:
        settings = ((self.project.get("logsConfig") or {}).get("cloudWatchLogs")) or {}
        group = settings.get("groupName") or f"/aws/codebuild/{self.name}"
        prefix = settings.get("streamName")
        return group, f"{prefix}/{self.uuid}" if prefix else self.uuid

    # -- phases (state lock held)

    def _begin(self, phase: str) -> None:
        self.phases.append(
            {"phaseType": phase, "startTime": _timestamp(_now()), "_started": time.monotonic()}
        )

    def _end(self, status: str, code: str = "", message: str = "") -> None:
        phase = self.phases[-1]
        phase["phaseStatus"] = status
        phase["endTime"] = _timestamp(_now())
        phase["durationInSeconds"] = int(time.monotonic() - phase.pop("_started"))
        if phase["phaseType"] not in ("SUBMITTED", "QUEUED") or code:
            phase["contexts"] = [{"statusCode": code, "message": message}]

    def stop(self, wait: bool = True) -> None:
        """StopBuild: kill what runs; the build ends STOPPED (with ``wait``, once it has)."""
        if self.status != "IN_PROGRESS":
            return
        self.stopping.set()
        self._kill()
        if wait:
            concurrency.wait(self.done, 10, self.generation)

    def _kill(self) -> None:
        if self.process is not None:
            shell.kill(self.process)

    # -- the run (its own thread)

    def run(self) -> None:
        work = Path(tempfile.mkdtemp(prefix="local-codebuild-"))
        try:
            self._run(work)
        except concurrency.Cancelled:
            self._kill()
        except Exception as error:  # the emulator's own failure: FAULT, as a CodeBuild service error
            with concurrency.holding_state():
                if concurrency.generation() == self.generation:
                    self._log([_container(f"Build failed in the local emulator: {error!r}")])
                    self.status = "FAULT"
                    if "phaseStatus" not in self.phases[-1]:
                        self._end("FAULT", "CLIENT_ERROR", str(error))
                    self._begin("COMPLETED")
        finally:
            shutil.rmtree(work, ignore_errors=True)
            self.done.set()

    def _pause(self, seconds: float) -> None:
        concurrency.wait(self.stopping, seconds, self.generation)

    def _locked(self):
        """The state lock, for a piece of the run; Cancelled when the emulator was reset meanwhile."""
        return _Locked(self.generation)

    def _run(self, work: Path) -> None:
        source_dir = work / "src"
        source_dir.mkdir()
        provisioning = float(
            os.environ.get("LOCAL_CODEBUILD_PROVISIONING_SECONDS", DEFAULT_PROVISIONING_SECONDS)
        )
        self._pause(provisioning / 2)
        with self._locked():
            self._end("SUCCEEDED")
            if self.stopping.is_set():
                return self._finish("STOPPED")
            self._begin("PROVISIONING")
        self._pause(provisioning / 2)
        with self._locked():
            try:
                variables = self._variables(source_dir, work)
            except BuildError as error:
                return self._fail_phase(error, "FAILED")
            if self.stopping.is_set():
                return self._stopped()
            self._log([_container("Waiting for agent ping"), _container("Waiting for DOWNLOAD_SOURCE")])
            self._end("SUCCEEDED")
            self._begin("DOWNLOAD_SOURCE")
            try:
                source = sources.fetch(
                    self.account, self.region, self.project, self.given_source, self.source_version
                )
            except BuildError as error:
                return self._fail_phase(error, "FAILED")
            self.resolved_version = source.resolved_version
        timeout = float(
            variables.get("LOCAL_CODEBUILD_TIMEOUT_SECONDS")
            or os.environ.get("LOCAL_CODEBUILD_TIMEOUT_SECONDS")
            or self.timeout_minutes * 60
        )
        self.deadline = time.monotonic() + timeout
        try:
            sources.unpack(source_dir, source)
            spec = sources.buildspec(
                source_dir, self.buildspec_override or (self.project.get("source") or {}).get("buildspec")
            )
        except BuildError as error:
            with self._locked():
                return self._fail_phase(error, "FAILED")
        variables.update(environment.spec_variables(spec, variables))
        with self._locked():
            try:
                variables.update(environment.spec_parameters(self.account, self.region, spec))
            except BuildError as error:
                return self._fail_phase(error, "FAILED")
            variables["CODEBUILD_RESOLVED_SOURCE_VERSION"] = self.resolved_version or ""
            self._log(
                [
                    _container(f"CODEBUILD_SRC_DIR={source_dir}"),
                    _container(f"YAML location is {spec['_location']}"),
                ]
            )
            self._end("SUCCEEDED")
        phases = spec.get("phases") or {}
        failed_at: str | None = None
        for phase in COMMAND_PHASES:
            if failed_at in ("INSTALL", "PRE_BUILD") or (failed_at and phase != "POST_BUILD"):
                break
            if self.stopping.is_set():
                with self._locked():
                    return self._finish("STOPPED")
            with self._locked():
                self._begin(phase)
                self._log([_container(f"Entering phase {phase}")])
            settings = phases.get(phase.lower()) or {}
            variables["CODEBUILD_BUILD_SUCCEEDING"] = "0" if failed_at else "1"
            if phase == "INSTALL":
                *outcome, line = install_check.check(source_dir)
                with self._locked():
                    self._log([_container(line)])
            else:
                outcome = self._commands(phase, settings, variables, source_dir, work)
            status, code, message = outcome
            with self._locked():
                self._log(
                    [
                        _container(f"Phase complete: {phase} State: {status}"),
                        _container(f"Phase context status code: {code} Message: {message}"),
                    ]
                )
                self._end(status, code, message)
                if status == "TIMED_OUT":
                    return self._finish("TIMED_OUT")
                if status == "STOPPED":
                    return self._finish("STOPPED")
            if status != "SUCCEEDED":
                if str(settings.get("on-failure", "ABORT")).upper() == "CONTINUE" and phase != "INSTALL":
                    self.continued_failure = True
                else:
                    failed_at = phase
        failed = bool(failed_at) or self.continued_failure
        if failed_at in (None, "BUILD", "POST_BUILD"):
            with self._locked():
                self._begin("UPLOAD_ARTIFACTS")
                self._log([_container("Entering phase UPLOAD_ARTIFACTS")])
            try:
                self._upload(spec, source_dir)
                status, code, message = "SUCCEEDED", "", ""
            except BuildError as error:
                status, code, message = "FAILED", error.code, str(error)
                failed = True
            with self._locked():
                self._log(
                    [
                        _container(f"Phase complete: UPLOAD_ARTIFACTS State: {status}"),
                        _container(f"Phase context status code: {code} Message: {message}"),
                    ]
                )
                self._end(status, code, message)
        with self._locked():
            self._finish("FAILED" if failed else "SUCCEEDED")

    def _fail_phase(self, error: BuildError, status: str) -> None:
        self._log(
            [
                _container(f"Phase complete: {self.phases[-1]['phaseType']} State: {status}"),
                _container(f"Phase context status code: {error.code} Message: {error}"),
            ]
        )
        self._end(status, error.code, str(error))
        self._finish("FAILED")

    def _stopped(self) -> None:
        self._end("STOPPED")
        self._finish("STOPPED")

    def _finish(self, status: str) -> None:
        self._begin("FINALIZING")
        self._end("SUCCEEDED")
        self.status = status
        self._begin("COMPLETED")
        self.phases[-1].pop("_started", None)

    # -- logs (state lock held)

    def _log(self, lines: list[str]) -> None:
        if not lines:
            return
        if not self._log_ready:
            log_streams.open_stream(self.account, self.region, self.log_group, self.log_stream)
            self._log_ready = True
        events = log_streams.lines_at(lines, _now())
        log_streams.put(self.account, self.region, self.log_group, self.log_stream, events)

    # -- environment, source, buildspec (state lock held)

    def _variables(self, source_dir: Path, work: Path) -> dict[str, str]:
        home = work / "home"
        home.mkdir()
        variables = environment.base_variables(self, source_dir, home)
        variables.update(
            environment.given_variables(self.account, self.region, self.project, self.environment_overrides)
        )
        return variables

    # -- phases' work (no state lock)

    def _commands(
        self, phase: str, settings: dict[str, Any], variables: dict[str, str], source_dir: Path, work: Path
    ) -> tuple[str, str, str]:
        commands = [str(c) for c in settings.get("commands") or []]
        final = [str(c) for c in settings.get("finally") or []]
        if not commands and not final:
            return "SUCCEEDED", "", ""
        script = work / f"{phase.lower()}.sh"
        script.write_text(shell.script(commands, final, work, variables))
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return (
                "TIMED_OUT",
                "BUILD_TIMED_OUT",
                f"Build has timed out. Build timeout: {self.timeout_minutes} minutes",
            )
        self.process = process = shell.start(script, shell.working_folder(work, source_dir), variables)
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            self._kill()

        timer = threading.Timer(remaining, expire)
        timer.daemon = True
        timer.start()
        try:
            assert process.stdout is not None
            batch: list[str] = []
            last = time.monotonic()
            for raw in process.stdout:
                batch.append(raw.decode(errors="replace").rstrip("\n"))
                if time.monotonic() - last > 0.5:
                    with self._locked():
                        self._log(batch)
                    batch, last = [], time.monotonic()
            exit_code = process.wait()
        finally:
            timer.cancel()
            shell.finished(process)
        with self._locked():
            self._log(batch)
        if self.stopping.is_set():
            return "STOPPED", "", ""
        if timed_out.is_set():
            message = f"Build has timed out. Build timeout: {self.timeout_minutes} minutes"
            with self._locked():
                self._log([_container(message)])
            return "TIMED_OUT", "BUILD_TIMED_OUT", message
        if exit_code != 0:
            command, status = shell.failed_command(work)
            message = f"Error while executing command: {command}. Reason: exit status {status or exit_code}"
            return "FAILED", "COMMAND_EXECUTION_ERROR", message
        return "SUCCEEDED", "", ""

    def _upload(self, spec: dict[str, Any], source_dir: Path) -> None:
        if self.output is None:
            return
        named = sources.artifact_files(spec, source_dir)
        if not named:
            return
        bucket, key = self.output
        if self.unzipped:
            with self._locked():
                for name, path in named.items():
                    s3_objects.write(self.account, f"s3://{bucket}/{key}/{name}", path.read_bytes())
                self._log([_container(f"Uploading artifacts: {len(named)} files to s3://{bucket}/{key}/")])
            return
        archive = sources.zipped(named)
        with self._locked():
            s3_objects.write(self.account, f"s3://{bucket}/{key}", archive)
            self._log([_container(f"Uploading artifacts: {len(named)} files to s3://{bucket}/{key}")])


class _Locked:
    def __init__(self, generation: int) -> None:
        self._generation = generation
        self._holding = concurrency.holding_state()

    def __enter__(self) -> None:
        self._holding.__enter__()
        if concurrency.generation() != self._generation:
            self._holding.__exit__(None, None, None)
            raise concurrency.Cancelled()

    def __exit__(self, *exc: Any) -> None:
        self._holding.__exit__(*exc)
