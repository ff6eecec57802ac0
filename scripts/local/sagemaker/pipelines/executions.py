"""Pipeline executions that run: Executing → Succeeded or Failed (with FailureReason), or Stopping → Stopped.

An execution runs on a background thread, its steps in dependency order; each Processing step is a
processing job (``Metadata.ProcessingJob.Arn``, DescribeProcessingJob) run by :mod:`.processing`; what it
prints goes to the job's CloudWatch log stream (:mod:`.jobs`). A job that fails with an internal error (a
defect of the emulator, never the caller's input) is a ``SageMaker.JOB_INTERNAL_ERROR``, retried with a new
job as the step's retry policies say. A step type the emulator cannot run fails the execution naming it.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.models import FakePipelineExecution

from scripts.local import concurrency

from ..featurestore.batches import RecordRejected
from ..featurestore.ingestion import Ingested
from . import jobs, processing
from .definition import (
    DefinitionError,
    RetryPolicy,
    parse,
    property_at,
    resolve,
    retry_policies,
    step_order,
)

FAILED_STEPS = "Step failure: One or multiple steps failed."
INTERNAL_ERROR = "SageMaker.JOB_INTERNAL_ERROR"


class StopRequested(Exception):
    """StopPipelineExecution came while the step waited to retry."""


@dataclass
class StepRecord:
    name: str
    display_name: str | None
    kind: str
    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    end: datetime | None = None
    status: str = "Executing"
    failure_reason: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    job: Any = None
    """The step's (latest) processing job: its DescribeProcessingJob answer is the step's properties."""
    attempts: int = 1

    def summary(self) -> dict[str, Any]:
        summary = {
            "StepName": self.name,
            "StepDisplayName": self.display_name,
            "StartTime": self.start,
            "EndTime": self.end,
            "StepStatus": self.status,
            "FailureReason": self.failure_reason,
            "Metadata": self.metadata,
            "AttemptCount": self.attempts,
        }
        return {key: value for key, value in summary.items() if value is not None}

    def finish(self, status: str, reason: str | None = None) -> None:
        self.status, self.failure_reason, self.end = status, reason, datetime.now(UTC)


class PipelineExecution(FakePipelineExecution):
    """moto's execution, with the values it ran with, its steps and a status that the run sets."""

    def __init__(self, pipeline: Any, arn: str, values: dict[str, Any], request: dict[str, Any]) -> None:
        super().__init__(
            pipeline_execution_arn=arn,
            pipeline_execution_display_name=request.get("PipelineExecutionDisplayName")
            or arn.rsplit("/", 1)[1],
            pipeline_parameters=request.get("PipelineParameters") or [],
            pipeline_execution_description=request.get("PipelineExecutionDescription"),
            parallelism_configuration=request.get("ParallelismConfiguration")
            or pipeline.parallelism_configuration,
            pipeline_definition=pipeline.pipeline_definition,
            client_request_token=request.get("ClientRequestToken"),
        )
        self.pipeline = pipeline
        self.values = values
        self.pipeline_execution_status = "Executing"
        self.steps: list[StepRecord] = []
        self.stop_requested = threading.Event()

    @property
    def execution_id(self) -> str:
        return self.arn.rsplit("/", 1)[1]

    def finish(self, status: str, reason: str | None = None) -> None:
        self.pipeline_execution_status = status
        self.pipeline_execution_failure_reason = reason
        self.last_modified_time = datetime.now(UTC)

    def stop(self) -> None:
        """Stopping now; Stopped once the running step ends (a retry's wait ends at once)."""
        self.finish("Stopping")
        self.stop_requested.set()

    def lookup(self, path: str) -> Any:
        """A property a ``Get`` names."""
        scope, _, name = path.partition(".")
        if scope == "Parameters" and name in self.values:
            return self.values[name]
        execution = {
            "PipelineExecutionId": self.execution_id,
            "PipelineExecutionArn": self.arn,
            "PipelineName": self.pipeline.pipeline_name,
            "PipelineArn": self.pipeline.arn,
            "StartDateTime": self.start_time.isoformat(),
            "CurrentDateTime": datetime.now(UTC).isoformat(),
        }
        if scope == "Execution" and name in execution:
            return execution[name]
        step_name, _, attribute = name.partition(".")
        done = {step.name: step for step in self.steps if step.job is not None}
        if scope == "Steps" and step_name in done:
            return property_at(done[step_name].job.response_object, attribute, path)
        raise DefinitionError(f"property {path} is not known to the local emulator")


def execute(backend: Any, execution: PipelineExecution) -> None:
    """Run the execution's steps (on a background thread, holding the state lock between waits)."""
    try:
        steps = step_order(parse(execution.pipeline_definition_for_execution))
        for step in steps:
            retry_policies(step)
    except DefinitionError as error:
        execution.finish("Failed", f"The pipeline definition cannot run: {error}")
        return
    for step in steps:
        if execution.pipeline_execution_status == "Stopping":
            execution.finish("Stopped")
            return
        record = StepRecord(step["Name"], step.get("DisplayName"), step.get("Type", ""))
        execution.steps.append(record)
        try:
            _run_with_retries(backend, execution, step, record)
        except concurrency.Cancelled:
            return
        except StopRequested:
            record.finish("Stopped")
            execution.finish("Stopped")
            return
        except (processing.StepFailed, DefinitionError) as failure:
            record.finish("Failed", str(failure))
            execution.finish("Failed", FAILED_STEPS)
            return
        record.finish("Succeeded")
    execution.finish("Stopped" if execution.pipeline_execution_status == "Stopping" else "Succeeded")


def _run_with_retries(
    backend: Any, execution: PipelineExecution, step: dict[str, Any], record: StepRecord
) -> None:
    """Attempts of the step, each a new job, while a retry policy covers the failure (each policy counts its
    own retries, as Step Functions' retriers do)."""
    policies = retry_policies(step)
    failures: dict[RetryPolicy, int] = {}
    started, generation = time.monotonic(), concurrency.generation()
    while True:
        try:
            _run_step(backend, execution, step, record)
            return
        except processing.StepFailed as failure:
            policy = next((p for p in policies if failure.retry_type in p.exception_types), None)
            if policy is None:
                raise
            failures[policy] = failures.get(policy, 0) + 1
            delay = policy.delay(failures[policy], time.monotonic() - started)
            if delay is None:
                raise
        if concurrency.wait(execution.stop_requested, delay, generation):
            raise StopRequested()
        record.attempts += 1


def _run_step(backend: Any, execution: PipelineExecution, step: dict[str, Any], record: StepRecord) -> None:
    if record.kind != "Processing":
        raise processing.StepFailed(f"step type {record.kind} is not supported by the local emulator")
    arguments = resolve(step.get("Arguments", {}), execution.lookup)
    suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(12))
    job_name = (
        f"{arguments.get('ProcessingJobName') or 'pipelines-' + execution.execution_id}"[:50] + f"-{suffix}"
    )
    job = jobs.start(backend, job_name, arguments, execution.arn)
    record.metadata = {"ProcessingJob": {"Arn": job.arn}}
    record.job = job
    log = jobs.JobLog()
    try:
        prepared = processing.prepare(arguments, backend.account_id)
        generation = concurrency.generation()
        output = processing.run(prepared, log)
        if concurrency.generation() != generation:
            raise concurrency.Cancelled()
        if prepared.feature_group:
            ingested = _ingest(backend, prepared, output)
            log.append(f"ingested {ingested} into feature group {prepared.feature_group}")
        else:
            processing.upload(output, prepared.s3_output, backend.account_id)
    except concurrency.Cancelled:
        raise
    except processing.StepFailed as failure:
        jobs.finish(backend, job, log, str(failure))
        raise
    except Exception as error:  # the emulator's defect, not the caller's input: the job's internal error
        reason = f"InternalServerError: {type(error).__name__}: {error}"
        log.append(traceback.format_exc())
        jobs.finish(backend, job, log, reason)
        raise processing.StepFailed(reason, INTERNAL_ERROR) from error
    jobs.finish(backend, job, log, None)


def _ingest(backend: Any, prepared: processing.ProcessingRun, table: Any) -> Ingested:
    """All rows checked against the group before any is written; the first bad one fails the step."""
    group_name = prepared.feature_group
    try:
        group = backend._ready_group(group_name)
    except ResourceNotFound as error:
        raise processing.StepFailed(f"ClientError: feature group {group_name}: {error.message}") from None
    try:
        return backend.ingest_table(group, table)
    except RecordRejected as rejected:
        raise processing.StepFailed(
            f"ClientError: ingestion into feature group {group_name} failed at row {rejected.row}: "
            f"{rejected.message}"
        ) from None
    except ValidationError as error:
        raise processing.StepFailed(
            f"ClientError: ingestion into feature group {group_name} failed: {error.message}"
        ) from None
