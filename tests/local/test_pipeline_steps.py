"""How an execution runs its steps, in the emulator's own process: a job that fails with an internal error
is retried with a new job as the step's RetryPolicies say (the caller's errors are not; a stop ends the wait
for a retry), and a step reads an earlier step's properties as the SDK writes them.

An internal error is a defect of the emulator, which no input can cause, so these tests stand in for the
Data Wrangler run (``processing.run``) and record what each job was given; everything else is the emulator's
own code.
"""

from __future__ import annotations

import json
import time

import pytest

from scripts.local.sagemaker import models
from scripts.local.sagemaker.pipelines import processing
from scripts.local.sagemaker.pipelines.definition import RetryPolicy

ACCOUNT, REGION = "123456789012", "us-east-1"
INTERNAL = "SageMaker.JOB_INTERNAL_ERROR"


def definition(*policies: dict) -> str:
    step = {
        "Name": "transform",
        "Type": "Processing",
        "Arguments": {"AppSpecification": {"ImageUri": "any"}, "ProcessingJobName": "transform"},
    }
    if policies:
        step["RetryPolicies"] = list(policies)
    return json.dumps({"Version": "2020-12-01", "Parameters": [], "Steps": [step]})


def policy(**fields) -> dict:
    return {"ExceptionType": [INTERNAL], "IntervalSeconds": 0, "MaxAttempts": 2, **fields}


@pytest.fixture
def backend(monkeypatch):
    """A SageMaker backend whose Data Wrangler runs fail as ``outcomes`` say, one entry per attempt, and
    which records in ``given`` the arguments each job was started with."""
    outcomes: list[Exception | None] = []
    uploaded: list[str] = []

    def run(prepared, log):
        log.append(f"attempt {len(uploaded) + 1}")
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome
        return "part-00000.csv", b"a,b\n1,2\n"

    given: list[dict] = []

    def prepare(arguments, account):
        given.append(arguments)
        return processing.ProcessingRun("{}", {}, "output", "csv", None, "s3://bucket/out")

    monkeypatch.setattr(processing, "prepare", prepare)
    monkeypatch.setattr(processing, "run", run)
    monkeypatch.setattr(processing, "upload", lambda output, uri, account: uploaded.append(uri))
    sagemaker = models.Backend(REGION, ACCOUNT)
    sagemaker.outcomes, sagemaker.uploaded, sagemaker.given = outcomes, uploaded, given
    return sagemaker


def run_pipeline(backend, text: str, until=("Succeeded", "Failed", "Stopped"), seconds: float = 10):
    if "p" in {pipeline.pipeline_name for pipeline in backend.pipelines.values()}:
        backend.update_pipeline("p", pipeline_definition=text)
    else:
        backend.create_pipeline("p", "p", text, None, "", "arn:aws:iam::123456789012:role/r", [], None)
    arn = backend.start_pipeline_execution_from({"PipelineName": "p"})
    deadline = time.monotonic() + seconds
    while backend.describe_pipeline_execution(arn)["PipelineExecutionStatus"] not in until:
        assert time.monotonic() < deadline, "the execution did not settle"
        time.sleep(0.01)
    return arn, backend.describe_pipeline_execution(arn)


def jobs(backend) -> list[tuple[str, str | None]]:
    return [(job.processing_job_status, job.failure_reason) for job in backend.processing_jobs.values()]


def test_an_internal_error_is_retried_with_a_new_job_as_the_policy_says(backend):
    backend.outcomes.append(RuntimeError("worker lost"))
    arn, described = run_pipeline(backend, definition(policy()))

    assert described["PipelineExecutionStatus"] == "Succeeded"
    [step] = backend.list_pipeline_execution_steps(arn)
    assert step["AttemptCount"] == 2
    assert jobs(backend) == [
        ("Failed", "InternalServerError: RuntimeError: worker lost"),
        ("Completed", None),
    ]
    assert step["Metadata"]["ProcessingJob"]["Arn"].endswith(list(backend.processing_jobs)[-1])


def test_retries_end_after_max_attempts_with_the_last_failure(backend):
    backend.outcomes.extend([RuntimeError("worker lost")] * 5)
    arn, described = run_pipeline(backend, definition(policy(MaxAttempts=2)))

    assert described["PipelineExecutionStatus"] == "Failed"
    [step] = backend.list_pipeline_execution_steps(arn)
    assert step["AttemptCount"] == 3  # the first attempt and two retries
    assert step["FailureReason"] == "InternalServerError: RuntimeError: worker lost"
    assert backend.uploaded == []


def test_without_a_policy_an_internal_error_fails_the_step_instead_of_leaving_it_executing(backend):
    backend.outcomes.append(KeyError("column"))
    arn, described = run_pipeline(backend, definition())

    assert described["PipelineExecutionStatus"] == "Failed"
    [step] = backend.list_pipeline_execution_steps(arn)
    assert (step["AttemptCount"], step["FailureReason"]) == (1, "InternalServerError: KeyError: 'column'")


def test_the_callers_errors_are_not_retried(backend):
    backend.outcomes.append(processing.StepFailed("ClientError: the CSV lacks column rings"))
    arn, described = run_pipeline(backend, definition(policy()))

    assert described["PipelineExecutionStatus"] == "Failed"
    [step] = backend.list_pipeline_execution_steps(arn)
    assert (step["AttemptCount"], step["FailureReason"]) == (1, "ClientError: the CSV lacks column rings")


def test_a_policy_for_other_errors_does_not_retry_an_internal_one(backend):
    backend.outcomes.append(RuntimeError("worker lost"))
    throttling = policy(ExceptionType=["Step.THROTTLING", "Step.SERVICE_FAULT"])
    arn, described = run_pipeline(backend, definition(throttling))

    assert described["PipelineExecutionStatus"] == "Failed"
    assert backend.list_pipeline_execution_steps(arn)[0]["AttemptCount"] == 1


def test_a_stop_ends_the_wait_for_a_retry(backend):
    backend.outcomes.append(RuntimeError("worker lost"))
    text = definition(policy(IntervalSeconds=60))
    arn, _ = run_pipeline(backend, text, until=("Executing",))
    deadline = time.monotonic() + 5
    while not backend.processing_jobs or jobs(backend)[0][0] != "Failed":
        assert time.monotonic() < deadline
        time.sleep(0.01)

    started = time.monotonic()
    backend.stop_pipeline_execution(arn)
    while backend.describe_pipeline_execution(arn)["PipelineExecutionStatus"] != "Stopped":
        assert time.monotonic() - started < 5, "the stop waited for the retry interval"
        time.sleep(0.01)
    [step] = backend.list_pipeline_execution_steps(arn)
    assert (step["StepStatus"], step["AttemptCount"]) == ("Stopped", 1)
    assert len(backend.processing_jobs) == 1


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (
            {"ExceptionType": ["SageMaker.OUT_OF_LUCK"], "MaxAttempts": 1},
            "retry policy exception types ['SageMaker.OUT_OF_LUCK'] are not among",
        ),
        (
            {"ExceptionType": [INTERNAL], "IntervalSeconds": 1},
            "a retry policy without MaxAttempts or ExpireAfterMin is not supported",
        ),
    ],
)
def test_a_policy_the_emulator_cannot_honour_fails_the_execution_before_any_step(backend, entry, reason):
    _, described = run_pipeline(backend, definition(entry))

    assert described["PipelineExecutionStatus"] == "Failed"
    assert reason in described["FailureReason"]
    assert backend.processing_jobs == {}


def test_the_wait_grows_by_the_backoff_rate_until_the_policy_expires():
    backoff = RetryPolicy(frozenset({INTERNAL}), interval_seconds=10, backoff_rate=3.0, max_attempts=3)
    assert [backoff.delay(failed, 0) for failed in (1, 2, 3, 4)] == [10, 30, 90, None]

    expiring = RetryPolicy(frozenset({INTERNAL}), interval_seconds=60, expire_after_minutes=3)
    assert expiring.delay(1, 0) == 60
    assert expiring.delay(2, 60) == 120  # 180 s after the start: still within three minutes
    assert expiring.delay(3, 180) is None


def two_steps(read: str) -> str:
    """A step ``first`` with an S3 output named ``train``, and a step ``second`` whose input is ``read``."""
    first = {
        "Name": "first",
        "Type": "Processing",
        "Arguments": {
            "AppSpecification": {"ImageUri": "any"},
            "ProcessingJobName": "first",
            "ProcessingOutputConfig": {
                "Outputs": [
                    {"OutputName": "train", "S3Output": {"S3Uri": "s3://bucket/train", "LocalPath": "/o"}}
                ]
            },
        },
    }
    second = {
        "Name": "second",
        "Type": "Processing",
        "Arguments": {
            "AppSpecification": {"ImageUri": "any"},
            "ProcessingInputs": [{"InputName": "data", "S3Input": {"S3Uri": {"Get": read}}}],
        },
    }
    return json.dumps({"Version": "2020-12-01", "Parameters": [], "Steps": [second, first]})


def test_a_step_reads_an_earlier_step_s_properties_as_the_sdk_writes_them(backend):
    arn, described = run_pipeline(
        backend, two_steps("Steps.first.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri")
    )
    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert [step["StepName"] for step in backend.list_pipeline_execution_steps(arn)] == ["second", "first"]
    assert backend.given[1]["ProcessingInputs"][0]["S3Input"]["S3Uri"] == "s3://bucket/train"

    _, by_position = run_pipeline(
        backend, two_steps("Steps.first.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri")
    )
    assert by_position["PipelineExecutionStatus"] == "Succeeded"
    assert backend.given[3]["ProcessingInputs"][0]["S3Input"]["S3Uri"] == "s3://bucket/train"


@pytest.mark.parametrize(
    ("read", "reason"),
    [
        (
            "Steps.first.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri",
            "does not exist on the step (none at test)",
        ),
        ("Steps.first.TrainingJobName", "does not exist on the step (none at TrainingJobName)"),
        ("Steps.first.Outputs[name]", "is not a property path the local emulator reads"),
    ],
)
def test_a_property_the_step_does_not_have_fails_the_step_naming_it(backend, read, reason):
    arn, described = run_pipeline(backend, two_steps(read))
    assert described["PipelineExecutionStatus"] == "Failed"
    second = next(s for s in backend.list_pipeline_execution_steps(arn) if s["StepName"] == "second")
    assert second["FailureReason"] == f"property {read} {reason}"
