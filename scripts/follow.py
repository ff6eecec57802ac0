"""Following what AWS does after a call has answered: a project being created, its build, the pipeline
execution an upload starts. Each waits, printing what it sees whenever that changes, and fails naming
the reason AWS gives. `make demo` and the walkthrough notebooks follow the same way."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from scripts.errors import KitError
from scripts.project_build import build_state

T = TypeVar("T")
PROJECT_SECONDS = 300
BUILD_SECONDS = 600
START_SECONDS = 120
EXECUTION_SECONDS = 900


class WaitedTooLongError(KitError):
    def __init__(self, what: str, seconds: float, last: str) -> None:
        super().__init__(f"{what} did not happen within {seconds:.0f} s (last seen: {last})")


class FailedError(KitError):
    """What was followed ended in failure; the message carries AWS's reason and where to look."""


def wait_for(what: str, look: Callable[[], tuple[T | None, str]], seconds: float, interval: float = 0.5) -> T:
    """Call ``look`` until it gives a value; ``look`` also says what it sees, printed when that changes."""
    deadline = time.monotonic() + seconds
    shown = ""
    while True:
        value, seen = look()
        if seen != shown:
            print(f"    {seen}", flush=True)
            shown = seen
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise WaitedTooLongError(what, seconds, seen)
        time.sleep(interval)


def project_created(sagemaker, name: str, seconds: float = PROJECT_SECONDS) -> dict:
    """DescribeProject's answer once the project is CreateCompleted."""

    def completed() -> tuple[dict | None, str]:
        described = sagemaker.describe_project(ProjectName=name)
        status = described["ProjectStatus"]
        if status == "CreateFailed":
            details = described.get("ServiceCatalogProvisionedProductDetails", {})
            reason = details.get("ProvisionedProductStatusMessage") or "see DescribeProject"
            raise FailedError(f"project {name} failed: {reason}")
        return (described if status == "CreateCompleted" else None), f"project {name}: {status}"

    return wait_for(f"project {name} being created", completed, seconds)


def project_build(codepipeline, pipeline: str, seconds: float = BUILD_SECONDS) -> None:
    """Wait until every stage of the project's CodePipeline has succeeded."""

    def built() -> tuple[bool | None, str]:
        state = build_state(codepipeline, pipeline)
        if state.failed_stage:
            raise FailedError(
                f"the project's build pipeline {pipeline} failed ({state.describe()}): its CodeBuild log, "
                f"/aws/codebuild/{pipeline} in CloudWatch Logs, says why"
            )
        return (True if state.succeeded else None), f"{pipeline}: {state.describe()}"

    wait_for(f"the build of {pipeline}", built, seconds, interval=1)


def upload_execution(sagemaker, pipeline: str, uri: str, seconds: float = START_SECONDS) -> str:
    """The ARN of the execution an upload started: the project's function describes each execution
    with the URI of the object that started it."""

    def started() -> tuple[str | None, str]:
        for summary in sagemaker.list_pipeline_executions(PipelineName=pipeline)[
            "PipelineExecutionSummaries"
        ]:
            arn = summary["PipelineExecutionArn"]
            described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
            if described.get("PipelineExecutionDescription") == uri:
                return arn, "execution started"
        return None, "waiting for the upload's event to start the pipeline"

    return wait_for(f"an execution for {uri}", started, seconds, interval=0.2)


def execution_succeeded(sagemaker, arn: str, seconds: float = EXECUTION_SECONDS) -> list[dict]:
    """Follow a pipeline execution, step by step, until it succeeds; its steps."""

    def finished() -> tuple[list[dict] | None, str]:
        status = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
        seen = ", ".join(f"{s['StepName']} {s['StepStatus']}" for s in steps) or "no step yet"
        if status in ("Failed", "Stopped"):
            reasons = "; ".join(s.get("FailureReason", "") for s in steps if s.get("FailureReason"))
            raise FailedError(f"execution {arn} {status}: {reasons or 'see ListPipelineExecutionSteps'}")
        return (steps if status == "Succeeded" else None), f"{status}: {seen}"

    return wait_for(f"execution {arn}", finished, seconds, interval=0.5)
