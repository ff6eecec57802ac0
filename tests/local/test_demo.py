"""`make demo DELIVERY=s3` on the emulator: the whole product from an empty account, run as a user runs it
(the same stages, in this process, against the module's emulator), the project created from the
S3-delivered template (tests/local/test_walkthrough.py creates one through Service Catalog); then what the
issue's bad inputs do to a demo that worked: a commit whose seed tests fail, a bad file uploaded."""

from __future__ import annotations

import contextlib
import io
import re
import time

import pytest

from scripts.aws import AwsContext
from scripts.demo import stages
from scripts.demo.__main__ import run_demo
from scripts.project_stack import pointed_at
from tests.local.conftest import ABALONE_ORIGIN, ABALONE_URL


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("demo")


@contextlib.contextmanager
def demo_environment(emulator, workspace):
    with pointed_at(emulator.endpoint, workspace, ABALONE_URL=ABALONE_URL, TARGET="local", DELIVERY="s3"):
        aws = AwsContext.from_environment()
        yield stages.Demo(aws, build_dir=workspace / "build", datasets=workspace / "datasets")


def run(emulator, workspace) -> str:
    output = io.StringIO()
    with demo_environment(emulator, workspace) as demo, contextlib.redirect_stdout(output):
        run_demo(demo)
    return output.getvalue()


@pytest.fixture(scope="module")
def first_run(emulator, workspace) -> str:
    return run(emulator, workspace)


def test_the_demo_runs_the_whole_product_from_an_empty_account(emulator, first_run):
    for stage in (
        "publish and deploy",
        "feature group",
        "CreateProject",
        "project build",
        "upload",
        "Athena",
    ):
        assert re.search(rf"==> .*{stage}", first_run), stage
    assert "4,177 rows, 4,177 distinct records" in first_run
    assert "from the s3 delivery of the template" in first_run
    described = emulator.client("sagemaker").describe_project(ProjectName=stages.PROJECT_NAME)
    [provider] = described["TemplateProviderDetails"]
    assert provider["CfnTemplateProviderDetail"]["TemplateURL"].endswith(
        "/project-templates/s3-fs-ingestion.yaml"
    )
    assert "ServiceCatalogProvisioningDetails" not in described
    assert ABALONE_ORIGIN in first_run
    assert re.search(r"\n\s+\d+\.\d s  in all", first_run)
    record = emulator.client("sagemaker-featurestore-runtime").get_record(
        FeatureGroupName=stages.FEATURE_GROUP, RecordIdentifierValueAsString="0"
    )
    assert {"FeatureName": "record_id", "ValueAsString": "0"} in record["Record"]


def test_running_it_again_reuses_what_the_first_run_made(emulator, workspace, first_run):
    again = run(emulator, workspace)
    assert f"{stages.PROJECT_NAME} (p-" in again and "exists: reused" in again
    assert f"{stages.FEATURE_GROUP} exists: reused" in again
    assert len(emulator.client("sagemaker").list_projects()["ProjectSummaryList"]) == 1
    # The same 4,177 record versions, ingested a second time: the offline store keeps both writes.
    assert re.search(r"\d{1,2},\d{3} rows, 4,177 distinct records", again)


def project_outputs(emulator, workspace) -> dict[str, str]:
    with demo_environment(emulator, workspace) as demo:
        return stages.project_outputs(demo)


def test_a_commit_whose_seed_tests_fail_fails_the_build_and_leaves_the_pipeline(
    emulator, workspace, first_run
):
    outputs = project_outputs(emulator, workspace)
    sagemaker, codecommit = emulator.client("sagemaker"), emulator.client("codecommit")
    codepipeline = emulator.client("codepipeline")
    before = sagemaker.describe_pipeline(PipelineName=outputs["PipelineName"])
    runs_before = len(
        codepipeline.list_pipeline_executions(pipelineName=outputs["BuildPipelineName"])[
            "pipelineExecutionSummaries"
        ]
    )
    repository = outputs["RepositoryName"]
    head = codecommit.get_branch(repositoryName=repository, branchName="main")["branch"]["commitId"]
    codecommit.put_file(
        repositoryName=repository,
        branchName="main",
        parentCommitId=head,
        filePath="tests/test_broken.py",
        fileContent=b"def test_the_new_feature():\n    assert 1 + 1 == 3, 'the new feature is broken'\n",
        commitMessage="A change whose test fails",
    )

    deadline = time.monotonic() + 120
    while True:
        runs = codepipeline.list_pipeline_executions(pipelineName=outputs["BuildPipelineName"])[
            "pipelineExecutionSummaries"
        ]
        if len(runs) > runs_before and runs[0]["status"] not in ("InProgress",):
            break
        assert time.monotonic() < deadline, f"the commit's execution never ended: {runs}"
        time.sleep(0.5)
    assert runs[0]["status"] == "Failed"

    after = sagemaker.describe_pipeline(PipelineName=outputs["PipelineName"])
    assert after["PipelineDefinition"] == before["PipelineDefinition"]
    assert after["LastModifiedTime"] == before["LastModifiedTime"]
    logs = emulator.client("logs")
    group = f"/aws/codebuild/{outputs['BuildPipelineName']}"
    streams = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)
    text = "\n".join(
        event["message"]
        for event in logs.get_log_events(
            logGroupName=group, logStreamName=streams["logStreams"][0]["logStreamName"]
        )["events"]
    )
    assert "the new feature is broken" in text and "Phase complete: PRE_BUILD State: FAILED" in text


def offline_rows(emulator, workspace) -> int:
    with demo_environment(emulator, workspace) as demo, contextlib.redirect_stdout(io.StringIO()):
        return stages.query(demo).rows


def test_a_bad_file_fails_its_execution_and_leaves_the_features(emulator, workspace, first_run):
    outputs = project_outputs(emulator, workspace)
    sagemaker, s3 = emulator.client("sagemaker"), emulator.client("s3")
    rows_before = offline_rows(emulator, workspace)
    bucket = f"sagemaker-{emulator.region}-{emulator.account}"
    online_before = emulator.client("sagemaker-featurestore-runtime").get_record(
        FeatureGroupName=stages.FEATURE_GROUP, RecordIdentifierValueAsString="7"
    )["Record"]
    key = f"{stages.DATA_PREFIX}broken.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=b"record_id,sex\n1,M\n")

    deadline = time.monotonic() + 60
    while True:
        found = [
            e
            for e in sagemaker.list_pipeline_executions(PipelineName=outputs["PipelineName"])[
                "PipelineExecutionSummaries"
            ]
            if sagemaker.describe_pipeline_execution(PipelineExecutionArn=e["PipelineExecutionArn"]).get(
                "PipelineExecutionDescription"
            )
            == f"s3://{bucket}/{key}"
        ]
        if found and found[0]["PipelineExecutionStatus"] not in ("Executing",):
            break
        assert time.monotonic() < deadline, "the bad file's execution never ended"
        time.sleep(0.2)
    assert found[0]["PipelineExecutionStatus"] == "Failed"
    [step] = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=found[0]["PipelineExecutionArn"])[
        "PipelineExecutionSteps"
    ]
    assert "length" in step["FailureReason"], step["FailureReason"]  # names a column the file lacks
    online_after = emulator.client("sagemaker-featurestore-runtime").get_record(
        FeatureGroupName=stages.FEATURE_GROUP, RecordIdentifierValueAsString="7"
    )["Record"]
    assert online_after == online_before
    assert offline_rows(emulator, workspace) == rows_before  # the failed execution wrote nothing
