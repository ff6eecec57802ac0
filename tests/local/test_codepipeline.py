"""CodePipeline executions run in the emulator: a pipeline runs when it is created, its CodeCommit source
stage zips the branch into the artifact store, its build stage runs a CodeBuild build of that zip, and a
commit starts a new execution through the EventBridge rule that targets the pipeline, as the product
template's RepositoryChangeRule does. GetPipelineState, ListPipelineExecutions, GetPipelineExecution and
ListActionExecutions show the real stage and action states."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from scripts.local import concurrency
from scripts.local.codepipeline import models

PIPELINE = "app-pipeline"
REPOSITORY = "app-repo"
PROJECT = "app-build"
ARTIFACTS = "app-pipeline-artifacts"
OUTPUT = "app-build-output"
BUILDSPEC = """\
version: 0.2
phases:
  build:
    commands:
      - python build.py
"""
BUILD_PY = """\
import os, sys, boto3
text = open("app.txt").read()
if text.startswith("fail"):
    sys.exit("the app does not build: " + text)
boto3.client("s3").put_object(
    Bucket="app-build-output", Key="built/" + os.environ["CODEBUILD_RESOLVED_SOURCE_VERSION"], Body=text
)
"""


def _trust(*services: str) -> str:
    statements = [
        {"Effect": "Allow", "Principal": {"Service": s}, "Action": "sts:AssumeRole"} for s in services
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def finished(codepipeline, execution_id: str, seconds: float = 90, pipeline: str = PIPELINE) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        execution = codepipeline.get_pipeline_execution(
            pipelineName=pipeline, pipelineExecutionId=execution_id
        )
        if execution["pipelineExecution"]["status"] != "InProgress" or time.monotonic() > deadline:
            return execution["pipelineExecution"]
        time.sleep(0.3)


def newest(codepipeline, after: set[str], seconds: float = 30) -> dict:
    """The first execution not among ``after``, once it has started."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for summary in codepipeline.list_pipeline_executions(pipelineName=PIPELINE)[
            "pipelineExecutionSummaries"
        ]:
            if summary["pipelineExecutionId"] not in after:
                return summary
        time.sleep(0.3)
    raise AssertionError("no new execution started")


def declaration(name: str, role: str, project: str) -> dict:
    return {
        "name": name,
        "roleArn": role,
        "artifactStore": {"type": "S3", "location": ARTIFACTS},
        "stages": [
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "Source",
                        "actionTypeId": {
                            "category": "Source",
                            "owner": "AWS",
                            "provider": "CodeCommit",
                            "version": "1",
                        },
                        "configuration": {
                            "RepositoryName": REPOSITORY,
                            "BranchName": "main",
                            "PollForSourceChanges": "false",
                        },
                        "outputArtifacts": [{"name": "SourceArtifact"}],
                    }
                ],
            },
            {
                "name": "Build",
                "actions": [
                    {
                        "name": "Build",
                        "actionTypeId": {
                            "category": "Build",
                            "owner": "AWS",
                            "provider": "CodeBuild",
                            "version": "1",
                        },
                        "configuration": {"ProjectName": project},
                        "inputArtifacts": [{"name": "SourceArtifact"}],
                        "outputArtifacts": [{"name": "BuildArtifact"}],
                    }
                ],
            },
        ],
    }


@pytest.fixture(scope="module")
def setup(emulator):
    iam, s3 = emulator.client("iam"), emulator.client("s3")
    pipeline_role = iam.create_role(
        RoleName="app-pipeline-role", AssumeRolePolicyDocument=_trust("codepipeline.amazonaws.com")
    )["Role"]["Arn"]
    events_role = iam.create_role(
        RoleName="app-events-role", AssumeRolePolicyDocument=_trust("events.amazonaws.com")
    )["Role"]["Arn"]
    build_role = iam.create_role(
        RoleName="app-build-role", AssumeRolePolicyDocument=_trust("codebuild.amazonaws.com")
    )["Role"]["Arn"]
    for bucket in (ARTIFACTS, OUTPUT):
        s3.create_bucket(Bucket=bucket)
    codecommit = emulator.client("codecommit")
    codecommit.create_repository(repositoryName=REPOSITORY)
    first = codecommit.create_commit(
        repositoryName=REPOSITORY,
        branchName="main",
        commitMessage="the app",
        putFiles=[
            {"filePath": "buildspec.yml", "fileContent": BUILDSPEC.encode()},
            {"filePath": "build.py", "fileContent": BUILD_PY.encode()},
            {"filePath": "app.txt", "fileContent": b"ok"},
        ],
    )
    emulator.client("codebuild").create_project(
        name=PROJECT,
        # AWS needs no location for CODEPIPELINE sources and artifacts; moto's CreateProject wants one
        source={"type": "CODEPIPELINE", "location": PIPELINE},
        artifacts={"type": "CODEPIPELINE", "location": PIPELINE},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=build_role,
    )
    events = emulator.client("events")
    pattern = {
        "source": ["aws.codecommit"],
        "detail-type": ["CodeCommit Repository State Change"],
        "resources": [codecommit.get_repository(repositoryName=REPOSITORY)["repositoryMetadata"]["Arn"]],
        "detail": {"event": ["referenceCreated", "referenceUpdated"], "referenceName": ["main"]},
    }
    events.put_rule(Name="app-repository-change", EventPattern=json.dumps(pattern))
    codepipeline = emulator.client("codepipeline")
    codepipeline.create_pipeline(pipeline=declaration(PIPELINE, pipeline_role, PROJECT))
    arn = codepipeline.get_pipeline(name=PIPELINE)["metadata"]["pipelineArn"]
    events.put_targets(
        Rule="app-repository-change", Targets=[{"Id": "pipeline", "Arn": arn, "RoleArn": events_role}]
    )
    return {"first_commit": first["commitId"], "pipeline_role": pipeline_role, "build_role": build_role}


@pytest.fixture(scope="module")
def codepipeline(emulator):
    return emulator.client("codepipeline")


@pytest.fixture(scope="module")
def first_run(setup, codepipeline) -> dict:
    [summary] = codepipeline.list_pipeline_executions(pipelineName=PIPELINE)["pipelineExecutionSummaries"]
    return finished(codepipeline, summary["pipelineExecutionId"])


def test_a_new_pipeline_runs_its_source_and_build(emulator, setup, codepipeline, first_run):
    assert first_run["status"] == "Succeeded", first_run
    assert first_run["trigger"]["triggerType"] == "CreatePipeline"
    [revision] = first_run["artifactRevisions"]
    assert revision["revisionId"] == setup["first_commit"] and revision["revisionSummary"] == "the app"
    s3 = emulator.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=ARTIFACTS)["Contents"]]
    [source_key] = [k for k in keys if k.startswith("app-pipeline/SourceArti/")]
    assert len(source_key.rsplit("/", 1)[1]) == 7
    archive = zipfile.ZipFile(io.BytesIO(s3.get_object(Bucket=ARTIFACTS, Key=source_key)["Body"].read()))
    assert sorted(archive.namelist()) == ["app.txt", "build.py", "buildspec.yml"]
    built = s3.get_object(Bucket=OUTPUT, Key=f"built/{setup['first_commit']}")["Body"].read()
    assert built == b"ok"


def test_the_state_and_action_executions_show_each_stage(setup, codepipeline, first_run):
    state = codepipeline.get_pipeline_state(name=PIPELINE)
    stages = {s["stageName"]: s for s in state["stageStates"]}
    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Build"]
    for stage in stages.values():
        assert stage["latestExecution"]["status"] == "Succeeded"
        assert stage["latestExecution"]["pipelineExecutionId"] == first_run["pipelineExecutionId"]
    build = stages["Build"]["actionStates"][0]["latestExecution"]
    assert build["status"] == "Succeeded" and build["externalExecutionId"].startswith(f"{PROJECT}:")
    details = codepipeline.list_action_executions(
        pipelineName=PIPELINE, filter={"pipelineExecutionId": first_run["pipelineExecutionId"]}
    )["actionExecutionDetails"]
    by_stage = {d["stageName"]: d for d in details}
    source_location = by_stage["Source"]["output"]["outputArtifacts"][0]["s3location"]
    assert source_location["bucket"] == ARTIFACTS
    assert by_stage["Build"]["input"]["inputArtifacts"][0]["s3location"] == source_location
    assert (
        by_stage["Build"]["output"]["executionResult"]["externalExecutionId"] == build["externalExecutionId"]
    )


def test_a_commit_starts_an_execution_through_the_rule_and_a_failing_build_fails_it(
    emulator, setup, codepipeline, first_run
):
    codecommit = emulator.client("codecommit")
    before = {first_run["pipelineExecutionId"]}
    head = codecommit.get_branch(repositoryName=REPOSITORY, branchName="main")["branch"]["commitId"]
    commit = codecommit.put_file(
        repositoryName=REPOSITORY,
        branchName="main",
        filePath="app.txt",
        fileContent=b"fail, please",
        parentCommitId=head,
        commitMessage="break the build",
    )
    summary = newest(codepipeline, before)
    execution = finished(codepipeline, summary["pipelineExecutionId"])
    assert execution["trigger"]["triggerType"] == "CloudWatchEvent"
    assert execution["trigger"]["triggerDetail"].endswith(":rule/app-repository-change")
    assert execution["artifactRevisions"][0]["revisionId"] == commit["commitId"]
    assert execution["status"] == "Failed"
    state = {s["stageName"]: s for s in codepipeline.get_pipeline_state(name=PIPELINE)["stageStates"]}
    assert state["Source"]["latestExecution"]["status"] == "Succeeded"
    assert state["Build"]["latestExecution"] == {
        "pipelineExecutionId": execution["pipelineExecutionId"],
        "status": "Failed",
    }
    action = state["Build"]["actionStates"][0]["latestExecution"]
    assert action["status"] == "Failed"
    assert action["errorDetails"] == {"code": "JobFailed", "message": "Build terminated with state: FAILED"}
    builds = emulator.client("codebuild").batch_get_builds(ids=[action["externalExecutionId"]])["builds"]
    assert builds[0]["buildStatus"] == "FAILED"


def test_an_execution_waiting_for_a_stage_is_superseded_by_a_newer_one(emulator, setup, codepipeline):
    emulator.client("codebuild").create_project(
        name="slow-build",
        source={
            "type": "CODEPIPELINE",
            "location": "slow-pipeline",
            "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 2\n",
        },
        artifacts={"type": "CODEPIPELINE", "location": "slow-pipeline"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=setup["build_role"],
    )
    codepipeline.create_pipeline(pipeline=declaration("slow-pipeline", setup["pipeline_role"], "slow-build"))
    [created] = codepipeline.list_pipeline_executions(pipelineName="slow-pipeline")[
        "pipelineExecutionSummaries"
    ]
    waiting = codepipeline.start_pipeline_execution(name="slow-pipeline")["pipelineExecutionId"]
    newer = codepipeline.start_pipeline_execution(name="slow-pipeline")["pipelineExecutionId"]
    statuses = [
        finished(codepipeline, execution_id, pipeline="slow-pipeline")["status"]
        for execution_id in (created["pipelineExecutionId"], waiting, newer)
    ]
    assert statuses == ["Succeeded", "Superseded", "Succeeded"]


def test_a_codestar_connection_source_fails_at_once_saying_so(setup, codepipeline):
    connection = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f"
    pipeline = declaration("connected-pipeline", setup["pipeline_role"], PROJECT)
    pipeline["stages"][0]["actions"][0]["actionTypeId"]["provider"] = "CodeStarSourceConnection"
    pipeline["stages"][0]["actions"][0]["configuration"] = {
        "ConnectionArn": connection,
        "FullRepositoryId": "octo/app",
        "BranchName": "main",
        "OutputArtifactFormat": "CODE_ZIP",
    }
    codepipeline.create_pipeline(pipeline=pipeline)
    [created] = codepipeline.list_pipeline_executions(pipelineName="connected-pipeline")[
        "pipelineExecutionSummaries"
    ]
    execution = finished(
        codepipeline, created["pipelineExecutionId"], seconds=5, pipeline="connected-pipeline"
    )
    assert execution["status"] == "Failed"
    message = (
        f"The local emulator cannot reach octo/app (branch main) through connection {connection}: a "
        "CodeStarSourceConnection source (GitHub, GitLab, Bitbucket) runs only on AWS; choose "
        "SourceRepository=CodeCommit to run the project locally."
    )
    state = {
        s["stageName"]: s for s in codepipeline.get_pipeline_state(name="connected-pipeline")["stageStates"]
    }
    assert state["Source"]["latestExecution"]["status"] == "Failed"
    source = state["Source"]["actionStates"][0]["latestExecution"]
    assert (source["status"], source["errorDetails"]["message"]) == ("Failed", message)
    assert "latestExecution" not in state["Build"]
    details = codepipeline.list_action_executions(pipelineName="connected-pipeline")["actionExecutionDetails"]
    assert [(d["stageName"], d["status"]) for d in details] == [("Source", "Failed")]
    assert details[0]["output"]["executionResult"]["errorDetails"]["message"] == message


def test_a_rule_whose_role_does_not_trust_eventbridge_starts_nothing(emulator, setup, codepipeline):
    from tests.local.test_lambda_event_sources import queue

    events, name = emulator.client("events"), "untrusted-pipeline-rule"
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["kit.tests.codepipeline"]}))
    url, dead_letters = queue(emulator, "untrusted-pipeline-dead-letters")
    arn = codepipeline.get_pipeline(name=PIPELINE)["metadata"]["pipelineArn"]
    target = {"Id": "pipeline", "Arn": arn, "RoleArn": setup["pipeline_role"]}
    events.put_targets(Rule=name, Targets=[{**target, "DeadLetterConfig": {"Arn": dead_letters}}])
    before = codepipeline.list_pipeline_executions(pipelineName=PIPELINE)["pipelineExecutionSummaries"]
    events.put_events(Entries=[{"Source": "kit.tests.codepipeline", "DetailType": "x", "Detail": "{}"}])
    messages = emulator.client("sqs").receive_message(
        QueueUrl=url, WaitTimeSeconds=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert messages[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_PERMISSIONS"
    after = codepipeline.list_pipeline_executions(pipelineName=PIPELINE)["pipelineExecutionSummaries"]
    assert len(after) == len(before)


def test_starting_an_execution_of_a_missing_pipeline_is_refused(codepipeline):
    with pytest.raises(codepipeline.exceptions.PipelineNotFoundException):
        codepipeline.start_pipeline_execution(name="no-such-pipeline")


# -- the build stage against a stand-in for CodeBuild, in this process --------------------------------
class _Execution:
    def __init__(self) -> None:
        self.status = "InProgress"
        self.artifacts = {"Src": {"bucket": "store", "key": "p/Src/abc1234"}}
        self.artifact_revisions = [{"name": "Src", "revisionId": "c" * 40}]


def _runner(monkeypatch, statuses: list[str]) -> tuple[models._Runner, list[dict]]:
    started: list[dict] = []

    def start_build(account, region, project, source, overrides, **options):
        started.append({"project": project, "source": source, "overrides": overrides, **options})
        return f"{project}:build-1"

    monkeypatch.setattr(models, "start_build", start_build)
    monkeypatch.setattr(models, "build_status", lambda account, region, build_id, wait: statuses.pop(0))
    runner = object.__new__(models._Runner)
    runner.backend = type("B", (), {"account_id": "123456789012", "region_name": "us-east-1"})()
    runner.execution = _Execution()
    runner.started_in = concurrency.generation()
    runner.declaration = {"name": "p", "artifactStore": {"location": "store"}}
    return runner, started


ACTION = {
    "name": "Build",
    "configuration": {"ProjectName": "proj", "EnvironmentVariables": '[{"name":"A","value":"1"}]'},
    "inputArtifacts": [{"name": "Src"}],
    "outputArtifacts": [{"name": "Out"}],
}


def test_the_build_stage_builds_the_input_artifact(monkeypatch):
    runner, started = _runner(monkeypatch, ["IN_PROGRESS", "SUCCEEDED"])
    latest: dict = {}
    result = runner._codebuild(ACTION, latest)
    [request] = started
    assert request["project"] == "proj" and request["source"] == ("store", "p/Src/abc1234")
    assert request["overrides"] == [{"name": "A", "value": "1"}]
    assert request["source_version"] == "c" * 40 and request["initiator"] == "codepipeline/p"
    assert request["output"] == ("store", runner.execution.artifacts["Out"]["key"])
    assert result["externalExecutionId"] == latest["externalExecutionId"] == "proj:build-1"
    assert result["outputs"] == ["Out"]


def test_a_failed_build_fails_the_action_with_the_build_id(monkeypatch):
    runner, _ = _runner(monkeypatch, ["FAILED"])
    with pytest.raises(models.ActionFailed) as failed:
        runner._codebuild({**ACTION, "configuration": {"ProjectName": "proj"}}, {})
    assert str(failed.value) == "Build terminated with state: FAILED"
    assert failed.value.result["externalExecutionId"] == "proj:build-1"
    assert (
        "codebuild/123456789012/projects/proj/build/proj%3Abuild-1"
        in failed.value.result["externalExecutionUrl"]
    )
