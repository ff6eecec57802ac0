"""CodeBuild builds run: the buildspec's phases in a shell, the install phase replaced by a check of the
pinned requirements, the log in CloudWatch Logs, the phases in BatchGetBuilds."""

from __future__ import annotations

import io
import textwrap
import time
import zipfile
from importlib import metadata

import pytest

BUCKET = "codebuild-sources"
ROLE = "arn:aws:iam::123456789012:role/service-role/codebuild"
FINISHED = ("SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED")


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def codebuild(emulator):
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    return emulator.client("codebuild")


_count = 0


def _project(emulator, buildspec: str, files: dict[str, str] | None = None, **settings) -> str:
    """A project whose S3 source is a zip of ``files`` and ``buildspec.yml``."""
    global _count
    _count += 1
    name = f"build-{_count}"
    key = f"{name}/source.zip"
    source = {"buildspec.yml": textwrap.dedent(buildspec), **(files or {})}
    emulator.client("s3").put_object(Bucket=BUCKET, Key=key, Body=_zip(source))
    emulator.client("codebuild").create_project(
        name=name,
        source={"type": "S3", "location": f"{BUCKET}/{key}"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": settings.pop("variables", []),
        },
        serviceRole=ROLE,
        **settings,
    )
    return name


def _wait(codebuild, build_id: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        if build["buildStatus"] in FINISHED:
            return build
        time.sleep(0.1)
    raise AssertionError(f"build {build_id} still running: {build}")


def _log(emulator, build: dict) -> list[str]:
    logs = emulator.client("logs")
    events = logs.get_log_events(
        logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"], startFromHead=True
    )["events"]
    return [event["message"] for event in events]


def _phases(build: dict) -> dict[str, str | None]:
    return {phase["phaseType"]: phase.get("phaseStatus") for phase in build["phases"]}


def test_phases_run_in_order_with_the_variables(emulator, codebuild):
    buildspec = """\
        version: 0.2
        env:
          variables:
            FROM_SPEC: spec
        phases:
          pre_build:
            commands:
              - mkdir -p out && cd out
              - export CARRIED=yes
              - echo "pre_build in $(basename $PWD) $GREETING $FROM_SPEC"
          build:
            commands:
              - echo "build sees CARRIED=$CARRIED in $(basename $PWD)"
              - echo "id=$CODEBUILD_BUILD_ID number=$CODEBUILD_BUILD_NUMBER initiator=$CODEBUILD_INITIATOR"
              - echo "region=$AWS_REGION/$AWS_DEFAULT_REGION src=$CODEBUILD_SRC_DIR"
              - echo "endpoint=$AWS_ENDPOINT_URL"
              - echo "python=$(command -v python)"
              - python -c "import boto3; print('buckets', boto3.client('s3').list_buckets()['Buckets'])"
          post_build:
            commands:
              - echo "post_build succeeding=$CODEBUILD_BUILD_SUCCEEDING"
        """
    emulator.client("ssm").put_parameter(Name="/build/secret", Value="from-ssm", Type="String")
    name = _project(
        emulator,
        buildspec,
        variables=[
            {"name": "GREETING", "value": "hello", "type": "PLAINTEXT"},
            {"name": "SECRET", "value": "/build/secret", "type": "PARAMETER_STORE"},
        ],
    )
    started = codebuild.start_build(projectName=name)["build"]
    assert started["buildStatus"] == "IN_PROGRESS"
    build = _wait(codebuild, started["id"])
    assert build["buildStatus"] == "SUCCEEDED", _log(emulator, build)
    assert [phase["phaseType"] for phase in build["phases"]] == [
        "SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD",
        "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED",
    ]  # fmt: skip
    assert all(phase.get("phaseStatus") == "SUCCEEDED" for phase in build["phases"][:-1])
    assert "phaseStatus" not in build["phases"][-1]
    assert all("durationInSeconds" in phase and "endTime" in phase for phase in build["phases"][:-1])
    assert build["currentPhase"] == "COMPLETED" and build["buildComplete"] is True
    assert build["buildNumber"] == 1 and build["resolvedSourceVersion"]
    log = "\n".join(_log(emulator, build))
    assert "pre_build in out hello spec" in log
    assert "build sees CARRIED=yes in out" in log
    assert f"id={build['id']} number=1 initiator=" in log
    assert "region=us-east-1/us-east-1 src=/" in log
    assert f"endpoint={emulator.endpoint}" in log
    assert "python=" + str(__import__("sys").executable).rsplit("/", 1)[0] in log
    assert "buckets" in log and BUCKET in log
    assert "post_build succeeding=1" in log
    assert codebuild.list_builds_for_project(projectName=name)["ids"] == [build["id"]]


def test_parameter_store_and_secrets_manager_variables(emulator, codebuild):
    emulator.client("ssm").put_parameter(Name="/build/value", Value="from-ssm", Type="String")
    emulator.client("secretsmanager").create_secret(Name="build-secret", SecretString='{"token": "s3cr3t"}')
    name = _project(
        emulator,
        'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "value=$VALUE token=$TOKEN"\n',
        variables=[
            {"name": "VALUE", "value": "/build/value", "type": "PARAMETER_STORE"},
            {"name": "TOKEN", "value": "build-secret:token", "type": "SECRETS_MANAGER"},
        ],
    )
    build = _wait(codebuild, codebuild.start_build(projectName=name)["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", _log(emulator, build)
    assert "value=from-ssm token=s3cr3t" in _log(emulator, build)


def test_a_failing_pre_build_fails_the_build_skips_build_and_runs_finally(emulator, codebuild):
    buildspec = """\
        version: 0.2
        phases:
          pre_build:
            commands:
              - echo first
              - "false"
              - echo never
            finally:
              - echo finally ran
          build:
            commands:
              - echo build ran
        """
    name = _project(emulator, buildspec)
    build = _wait(codebuild, codebuild.start_build(projectName=name)["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    phases = _phases(build)
    assert phases["PRE_BUILD"] == "FAILED"
    assert "BUILD" not in phases and "POST_BUILD" not in phases and "UPLOAD_ARTIFACTS" not in phases
    assert phases["FINALIZING"] == "SUCCEEDED" and "COMPLETED" in phases
    pre_build = next(p for p in build["phases"] if p["phaseType"] == "PRE_BUILD")
    assert pre_build["contexts"][0]["statusCode"] == "COMMAND_EXECUTION_ERROR"
    assert (
        "Error while executing command: false. Reason: exit status 1" in pre_build["contexts"][0]["message"]
    )
    log = _log(emulator, build)
    text = "\n".join(log)
    assert "first" in log and "finally ran" in log
    assert "never" not in log and "build ran" not in log
    assert "Phase complete: PRE_BUILD State: FAILED" in text


def test_a_failing_build_still_runs_post_build(emulator, codebuild):
    buildspec = """\
        version: 0.2
        phases:
          build:
            commands:
              - "false"
          post_build:
            commands:
              - echo "post_build succeeding=$CODEBUILD_BUILD_SUCCEEDING"
        """
    name = _project(emulator, buildspec)
    build = _wait(codebuild, codebuild.start_build(projectName=name)["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    phases = _phases(build)
    assert phases["BUILD"] == "FAILED"
    assert phases["POST_BUILD"] == "SUCCEEDED" and phases["UPLOAD_ARTIFACTS"] == "SUCCEEDED"
    assert "post_build succeeding=0" in _log(emulator, build)


def test_on_failure_continue_goes_on(emulator, codebuild):
    buildspec = """\
        version: 0.2
        phases:
          pre_build:
            on-failure: CONTINUE
            commands:
              - "false"
          build:
            commands:
              - echo build ran
        """
    name = _project(emulator, buildspec)
    build = _wait(codebuild, codebuild.start_build(projectName=name)["build"]["id"])
    assert _phases(build)["PRE_BUILD"] == "FAILED"
    assert _phases(build)["BUILD"] == "SUCCEEDED"
    assert "build ran" in _log(emulator, build)
    assert build["buildStatus"] == "FAILED"


def test_install_is_replaced_by_the_check_of_pinned_requirements(emulator, codebuild):
    pytest_version = metadata.version("pytest")
    buildspec = """\
        version: 0.2
        phases:
          install:
            commands:
              - echo install ran as written
          build:
            commands:
              - echo built
        """
    lock = f"# pins\npytest=={pytest_version} \\\n    --hash=sha256:00\nboto3=={metadata.version('boto3')}\n"
    name = _project(emulator, buildspec, {"requirements.lock": lock, "requirements.txt": "pytest==0.0.1\n"})
    build = _wait(codebuild, codebuild.start_build(projectName=name)["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED"
    text = "\n".join(_log(emulator, build))
    assert "install phase replaced: the local environment satisfies 2 pinned requirements" in text
    assert "install ran as written" not in text

    mismatched = _project(emulator, buildspec, {"requirements.txt": "pytest==0.0.1\nno-such-package==1.0\n"})
    build = _wait(codebuild, codebuild.start_build(projectName=mismatched)["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    assert _phases(build)["INSTALL"] == "FAILED" and "BUILD" not in _phases(build)
    install = next(p for p in build["phases"] if p["phaseType"] == "INSTALL")
    message = install["contexts"][0]["message"]
    assert f"pytest==0.0.1 (installed: {pytest_version})" in message
    assert "no-such-package==1.0 (installed: none)" in message
    assert "built" not in _log(emulator, build)


def test_timeout(emulator, codebuild):
    buildspec = """\
        version: 0.2
        phases:
          build:
            commands:
              - echo sleeping
              - sleep 30
          post_build:
            commands:
              - echo post_build ran
        """
    name = _project(emulator, buildspec, timeoutInMinutes=5)
    started = time.monotonic()
    build_id = codebuild.start_build(
        projectName=name,
        environmentVariablesOverride=[{"name": "LOCAL_CODEBUILD_TIMEOUT_SECONDS", "value": "1"}],
    )["build"]["id"]
    build = _wait(codebuild, build_id, 20)
    assert time.monotonic() - started < 10
    assert build["buildStatus"] == "TIMED_OUT"
    assert _phases(build)["BUILD"] == "TIMED_OUT"
    assert "post_build ran" not in _log(emulator, build)
    assert any("Build has timed out" in line for line in _log(emulator, build))


def test_stop_build(emulator, codebuild):
    name = _project(
        emulator, "version: 0.2\nphases:\n  build:\n    commands:\n      - echo started\n      - sleep 30\n"
    )
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    deadline = time.monotonic() + 20
    while _phases(codebuild.batch_get_builds(ids=[build_id])["builds"][0]).get("BUILD", "") is not None:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    started = time.monotonic()
    stopped = codebuild.stop_build(id=build_id)["build"]
    assert time.monotonic() - started < 5
    assert stopped["buildStatus"] == "STOPPED"
    assert _phases(stopped)["BUILD"] == "STOPPED"
    assert stopped["currentPhase"] == "COMPLETED"


def test_logs_go_to_the_configured_group_and_stream_prefix(emulator, codebuild):
    name = _project(
        emulator,
        "version: 0.2\nphases:\n  build:\n    commands:\n      - echo from the build\n",
        logsConfig={"cloudWatchLogs": {"status": "ENABLED", "groupName": "builds", "streamName": "seed"}},
    )
    build = _wait(codebuild, codebuild.start_build(projectName=name)["build"]["id"])
    uuid = build["id"].split(":", 1)[1]
    assert build["logs"]["groupName"] == "builds"
    assert build["logs"]["streamName"] == f"seed/{uuid}"
    assert "group=builds" in build["logs"]["deepLink"]
    log = _log(emulator, build)
    assert "from the build" in log
    containers = [line for line in log if line.startswith("[Container] ")]
    assert any(line.endswith("Entering phase BUILD") for line in containers)
    assert any(line.endswith("Phase complete: BUILD State: SUCCEEDED") for line in containers)
    assert any("Running command echo from the build" in line for line in containers)


def test_default_log_group(emulator, codebuild):
    name = _project(emulator, "version: 0.2\nphases:\n  build:\n    commands:\n      - echo hi\n")
    build = _wait(codebuild, codebuild.start_build(projectName=name)["build"]["id"])
    assert build["logs"]["groupName"] == f"/aws/codebuild/{name}"
    assert build["logs"]["streamName"] == build["id"].split(":", 1)[1]


def test_a_missing_source_fails_download_source(emulator, codebuild):
    codebuild.create_project(
        name="no-source-object",
        source={"type": "S3", "location": f"{BUCKET}/missing.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "x", "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=ROLE,
    )
    build = _wait(codebuild, codebuild.start_build(projectName="no-source-object")["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    assert _phases(build)["DOWNLOAD_SOURCE"] == "FAILED"
    assert "INSTALL" not in _phases(build)


def test_a_codecommit_source_builds_the_branch_head(emulator, codebuild):
    codecommit = emulator.client("codecommit")
    codecommit.create_repository(repositoryName="build-repo")
    commit = codecommit.put_file(
        repositoryName="build-repo",
        branchName="main",
        fileContent=b"version: 0.2\nphases:\n  build:\n    commands:\n      - cat message.txt\n",
        filePath="buildspec.yml",
    )
    commit = codecommit.put_file(
        repositoryName="build-repo",
        branchName="main",
        parentCommitId=commit["commitId"],
        fileContent=b"from the repository\n",
        filePath="message.txt",
    )
    codebuild.create_project(
        name="from-codecommit",
        source={
            "type": "CODECOMMIT",
            "location": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/build-repo",
        },
        sourceVersion="refs/heads/main",
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "x", "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=ROLE,
    )
    build = _wait(codebuild, codebuild.start_build(projectName="from-codecommit")["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", _log(emulator, build)
    assert build["resolvedSourceVersion"] == commit["commitId"]
    assert "from the repository" in _log(emulator, build)


def test_artifacts_are_zipped_to_s3(emulator, codebuild):
    buildspec = """\
        version: 0.2
        phases:
          build:
            commands:
              - mkdir -p dist/sub && echo built > dist/model.txt && echo deep > dist/sub/deep.txt
        artifacts:
          base-directory: dist
          files:
            - "**/*"
        """
    name = _project(emulator, buildspec)
    codebuild.delete_project(name=name)
    codebuild.create_project(
        name=name,
        source={"type": "S3", "location": f"{BUCKET}/{name}/source.zip"},
        artifacts={"type": "S3", "location": BUCKET, "path": "out", "name": "build.zip", "packaging": "ZIP"},
        environment={"type": "LINUX_CONTAINER", "image": "x", "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=ROLE,
    )
    build = _wait(codebuild, codebuild.start_build(projectName=name)["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", _log(emulator, build)
    body = emulator.client("s3").get_object(Bucket=BUCKET, Key="out/build.zip")["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(archive.namelist()) == ["model.txt", "sub/deep.txt"]
        assert archive.read("model.txt") == b"built\n"
