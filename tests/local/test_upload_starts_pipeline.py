"""An upload starts the project's pipeline, through what the product template deploys: S3's EventBridge
event → the project's rule → its FIFO ingestion queue → the seed's handler, run from the function's code
zip as packaged and published (never imported from project-seed/) → StartPipelineExecution → 4,177 records.

The portfolio is deployed as `make package && make deploy` deploy it; the project's stack is created
directly from the published product template (projects come with the next issue); the SageMaker pipeline
is upserted by the seed's build.py, as the project's CodeBuild does.
"""

from __future__ import annotations

import time

import pytest

from scripts import abalone
from scripts.bench.pipeline import athena_count, offline_table
from scripts.project_stack import DATA_PREFIX, DEFAULT_BUCKET, create_project
from tests.conftest import PROJECT_ROOT

ABALONE_DATA = PROJECT_ROOT.parent / "shared" / "data" / "abalone.data"
PROJECT = "p-upload000001"
PREFIX = DATA_PREFIX

pytestmark = pytest.mark.skipif(
    not ABALONE_DATA.is_file(), reason="no copy of the public dataset beside the project"
)


@pytest.fixture(scope="module")
def project(emulator, tmp_path_factory) -> dict[str, str]:
    """The deployed portfolio, one project stack from the product template, its feature group and the
    pipeline its build upserts (:func:`scripts.project_stack.create_project`); the stack's outputs, with
    ``group`` (the feature group) and ``csv`` (abalone.csv, prepared)."""
    workspace = tmp_path_factory.mktemp("upload")
    outputs = create_project(emulator.endpoint, PROJECT, workspace)
    csv = workspace / "abalone.csv"
    abalone.write_prepared(abalone.read_raw(ABALONE_DATA), csv)
    return {**outputs, "csv": str(csv)}


def executions(emulator, pipeline: str) -> list[dict]:
    return emulator.client("sagemaker").list_pipeline_executions(PipelineName=pipeline)[
        "PipelineExecutionSummaries"
    ]


def settled(emulator, pipeline: str, count: int, seconds: float = 60) -> list[dict]:
    """The pipeline's executions once ``count`` exist and none runs."""
    deadline = time.monotonic() + seconds
    while True:
        found = executions(emulator, pipeline)
        done = len(found) >= count and all(e["PipelineExecutionStatus"] not in ("Executing",) for e in found)
        if done or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_an_upload_under_the_prefix_starts_one_execution_that_lands_every_record(emulator, project):
    s3 = emulator.client("s3")
    started = time.monotonic()
    with open(project["csv"], "rb") as body:
        s3.put_object(Bucket=DEFAULT_BUCKET, Key=f"{PREFIX}abalone.csv", Body=body.read())
    assert time.monotonic() - started < 1

    [execution] = settled(emulator, project["PipelineName"], 1)
    assert execution["PipelineExecutionStatus"] == "Succeeded", execution
    table = offline_table(emulator.client("sagemaker"), project["group"])
    output = f"s3://{project['ArtifactsBucketName']}/athena/"
    assert athena_count(emulator.client("athena"), table, output) == 4177
    runtime = emulator.client("sagemaker-featurestore-runtime")
    record = runtime.get_record(FeatureGroupName=project["group"], RecordIdentifierValueAsString="4176")
    assert {"FeatureName": "record_id", "ValueAsString": "4176"} in record["Record"]

    s3.put_object(Bucket=DEFAULT_BUCKET, Key="elsewhere/abalone.csv", Body=b"record_id\n1\n")
    s3.put_object(Bucket=DEFAULT_BUCKET, Key=f"{PREFIX}notes.txt", Body=b"not a csv")
    with open(project["csv"], "rb") as body:  # a second file, its key with a space, unicode and a +
        s3.put_object(Bucket=DEFAULT_BUCKET, Key=f"{PREFIX}day 2 ü+1.csv", Body=body.read())

    found = settled(emulator, project["PipelineName"], 2)
    assert [e["PipelineExecutionStatus"] for e in found] == ["Succeeded", "Succeeded"]
    # The text file's event was queued before the second file's, in the same message group, so it was
    # handled first; the other prefix never matched the rule.
    assert len(executions(emulator, project["PipelineName"])) == 2
    parameters = emulator.client("sagemaker").list_pipeline_parameters_for_execution(
        PipelineExecutionArn=found[0]["PipelineExecutionArn"]
    )["PipelineParameters"]
    assert {"Name": "InputDataUrl", "Value": f"s3://{DEFAULT_BUCKET}/{PREFIX}day 2 ü+1.csv"} in parameters
