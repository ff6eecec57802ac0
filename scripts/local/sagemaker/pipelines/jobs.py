"""The processing job a pipeline step runs, as DescribeProcessingJob and ListProcessingJobs show it, and what
it prints, in CloudWatch Logs where SageMaker puts a processing job's output
(``/aws/sagemaker/ProcessingJobs``, stream ``<job name>/algo-1-<epoch seconds>``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from moto.sagemaker.models import FakeProcessingJob

from scripts.local import log_streams

LOG_GROUP = "/aws/sagemaker/ProcessingJobs"


def start(backend: Any, name: str, arguments: dict[str, Any], execution_arn: str) -> FakeProcessingJob:
    """Register the job InProgress under ``name``."""
    job = FakeProcessingJob(
        app_specification=arguments.get("AppSpecification"),
        experiment_config={"TrialComponentDisplayName": execution_arn.rsplit("/", 1)[1]},
        network_config=arguments.get("NetworkConfig"),
        processing_inputs=arguments.get("ProcessingInputs"),
        processing_job_name=name,
        processing_output_config=arguments.get("ProcessingOutputConfig"),
        account_id=backend.account_id,
        region_name=backend.region_name,
        role_arn=arguments.get("RoleArn"),
        tags=[],
        stopping_condition=arguments.get("StoppingCondition"),
    )
    job.processing_resources = arguments.get("ProcessingResources")
    job.processing_job_status = "InProgress"
    job.processing_start_time = datetime.now(UTC)
    job.processing_end_time = None
    job.failure_reason = None
    backend.processing_jobs[name] = job
    return job


class JobLog:
    """What a job prints, each line stamped when it was printed (its CloudWatch event's timestamp)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def append(self, line: str) -> None:
        self.events.append({"timestamp": int(time.time() * 1000), "message": line})


def finish(backend: Any, job: FakeProcessingJob, log: JobLog, failure: str | None) -> None:
    """The job Completed (or Failed with ``failure``), its log published."""
    job.processing_job_status = "Failed" if failure else "Completed"
    job.failure_reason = failure
    job.processing_end_time = job.last_modified_time = datetime.now(UTC)
    if failure:
        log.append(failure)
    if log.events:
        publish(backend, job.processing_job_name, log.events)


def publish(backend: Any, job_name: str, events: list[dict[str, Any]]) -> None:
    account, region = backend.account_id, backend.region_name
    stream = f"{job_name}/algo-1-{events[0]['timestamp'] // 1000}"
    log_streams.open_stream(account, region, LOG_GROUP, stream)
    log_streams.put(account, region, LOG_GROUP, stream, events)
