"""From an upload to the rows Athena counts, through what a project deploys, stage by stage.

Targets (2 cores): upload to execution started under 0.5 s; upload to features queryable under 5 s.
In an emulator process as `make local-up` starts it, one project is set up exactly as the end-to-end
tests set it up (:func:`scripts.project_stack.create_project`: the portfolio as `make package && make
deploy` deploy it, the project's stack from the published product template, its feature group and the
pipeline its build upserts). Each round puts abalone.csv under a new key of the monitored prefix; S3's
event goes through the project's rule and FIFO queue to its function (a process of its own), which starts
the pipeline. Times are taken from just before PutObject, on the emulator's clock where it has one (the
same machine's): "Lambda started" is the START line of the invocation in the function's log group (the
emulator writes it as it starts the function's process), "execution started" the execution's
CreationTime (ListPipelineExecutions' StartTime), "queryable" when an Athena ``count(*)`` over the
feature group's offline table first includes the round's 4,177 rows (counts polled back to back from the
execution's start, each about a tenth of a second). The first round is judged (it also pays for loading
pandas and the flow runner into the emulator); the best of the others shows the steady state.

The baseline, interleaved with the uploads in the same emulator: StartPipelineExecution called directly
for the same file (put outside the monitored prefix), to its rows counted the same way; the ratio is what
the event path adds. The result is printed as PASS or FAIL; only a crash makes the benchmark fail.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from scripts.bench.pipeline import athena_count, prepared_abalone
from scripts.local.process import Emulator, free_port
from scripts.offline_store import offline_table
from scripts.project_stack import DATA_PREFIX, DEFAULT_BUCKET, REGION, client, create_project

ROUNDS = 3
STARTED_TARGET_SECONDS = 0.5
QUERYABLE_TARGET_SECONDS = 5.0
ROUND_TIMEOUT_SECONDS = 120
PROJECT = "p-benchupload1"
STAGES = ("PutObject returned", "Lambda started", "execution started", "features queryable")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as scratch:
        workdir = Path(scratch)
        csv = workdir / "abalone.csv"
        origin = prepared_abalone(csv)
        print(
            f"Upload of abalone.csv ({origin}) to its rows in Athena, through project {PROJECT}'s rule, "
            f"queue and function; {ROUNDS} rounds in a new emulator process"
        )
        emulator = Emulator(workdir / "emulator")
        endpoint = emulator.start(free_port(), REGION).endpoint
        try:
            project = _Project(endpoint, create_project(endpoint, PROJECT, workdir / "project"), csv)
            uploads, directs = [], []
            for number in range(ROUNDS):  # interleaved: both see the emulator in the same state
                uploads.append(project.upload(number))
                directs.append(project.direct(number))
        finally:
            emulator.stop()
    _report(uploads, min(directs))


class _Project:
    """The project set up in the emulator, and how many rows its offline store holds so far."""

    def __init__(self, endpoint: str, outputs: dict[str, str], csv: Path) -> None:
        self.s3, self.sagemaker, self.athena, self.logs = (
            client(endpoint, service) for service in ("s3", "sagemaker", "athena", "logs")
        )
        self.pipeline = outputs["PipelineName"]
        self.artifacts = outputs["ArtifactsBucketName"]
        self.log_group = _log_group(client(endpoint, "lambda"), outputs["StartIngestionFunctionName"])
        self.table = offline_table(self.sagemaker, outputs["group"])
        self.body = csv.read_bytes()
        self.rows = len(self.body.splitlines()) - 1
        self.counted = self._count()

    def upload(self, number: int) -> dict[str, float]:
        """One upload under the monitored prefix: each stage's seconds since just before PutObject."""
        key = f"{DATA_PREFIX}bench-{number}.csv"
        started = time.time()
        self.s3.put_object(Bucket=DEFAULT_BUCKET, Key=key, Body=self.body)
        put = time.time()
        execution = self._execution(f"s3://{DEFAULT_BUCKET}/{key}", started)
        queryable, query = self._until_counted(started)
        self._settle(execution["PipelineExecutionArn"])
        return {
            "PutObject returned": put - started,
            "Lambda started": self._invocation_start(key, started) - started,
            "execution started": execution["StartTime"].timestamp() - started,
            "features queryable": queryable - started,
            "count": query,
        }

    def direct(self, number: int) -> float:
        """StartPipelineExecution for the same file, as the function calls it: seconds to the rows counted."""
        key = f"bench-direct/{number}.csv"
        uri = f"s3://{DEFAULT_BUCKET}/{key}"
        self.s3.put_object(Bucket=DEFAULT_BUCKET, Key=key, Body=self.body)
        manifest = f"bench-direct/{number}.manifest.json"
        body = json.dumps([{"prefix": f"s3://{DEFAULT_BUCKET}/"}, key])
        self.s3.put_object(Bucket=self.artifacts, Key=manifest, Body=body.encode())
        started = time.time()
        arn = self.sagemaker.start_pipeline_execution(
            PipelineName=self.pipeline,
            PipelineExecutionDescription=uri,
            PipelineParameters=[
                {"Name": "InputDataUrl", "Value": uri},
                {"Name": "InputManifestUrl", "Value": f"s3://{self.artifacts}/{manifest}"},
            ],
        )["PipelineExecutionArn"]
        queryable, _ = self._until_counted(started)
        self._settle(arn)
        return queryable - started

    def _count(self) -> int:
        return athena_count(self.athena, self.table, f"s3://{DEFAULT_BUCKET}/athena/")

    def _execution(self, uri: str, since: float) -> dict:
        """The execution started for ``uri`` (the function gives it as the description), once it exists.
        Polled gently: its StartTime is the emulator's, so the polling only bounds when we learn of it."""
        while True:
            for summary in self.sagemaker.list_pipeline_executions(PipelineName=self.pipeline)[
                "PipelineExecutionSummaries"
            ]:
                if summary.get("PipelineExecutionDescription") == uri:
                    return summary
            self._check_deadline(since, f"no execution of {self.pipeline} was started for {uri}")
            time.sleep(0.05)

    def _until_counted(self, since: float) -> tuple[float, float]:
        """When Athena first counted this round's rows (counts back to back), and how long that count took."""
        expected = self.counted + self.rows
        while True:
            asked = time.time()
            counted = self._count()
            answered = time.time()
            if counted >= expected:
                break
            self._check_deadline(since, f"Athena counts {counted} rows in {self.table}, not {expected}")
        if counted != expected:
            raise SystemExit(f"Athena counts {counted} rows in {self.table}, not {expected}: rows were lost")
        self.counted = counted
        return answered, answered - asked

    def _settle(self, arn: str) -> None:
        """Wait for the execution to end (the next round starts none while it runs): it must succeed."""
        while (
            status := self.sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)[
                "PipelineExecutionStatus"
            ]
        ) == "Executing":
            time.sleep(0.05)
        if status != "Succeeded":
            raise SystemExit(f"execution {arn} ended {status}: see its steps (ListPipelineExecutionSteps)")

    def _invocation_start(self, key: str, since: float) -> float:
        """The START line's time of the invocation that started the pipeline for ``key`` (its log is
        published once the function's process has exited: waited for)."""
        started = f"started {self.pipeline} for s3://{DEFAULT_BUCKET}/{key}: "
        while True:
            events = self.logs.filter_log_events(logGroupName=self.log_group)["events"]
            stream = next((e["logStreamName"] for e in events if started in e["message"]), None)
            if stream is not None:
                break
            self._check_deadline(since, f"no line {started!r}... in {self.log_group} (the handler's own)")
            time.sleep(0.05)
        start = next(
            e for e in events if e["logStreamName"] == stream and e["message"].startswith("START RequestId:")
        )
        return start["timestamp"] / 1000

    def _check_deadline(self, since: float, what: str) -> None:
        if time.time() - since > ROUND_TIMEOUT_SECONDS:
            raise SystemExit(
                f"{what} after {ROUND_TIMEOUT_SECONDS} s: see the function's log group {self.log_group}, "
                f"the project's dead-letter queue and the emulator's log"
            )


def _log_group(lambda_client, function: str) -> str:
    """The function's LoggingConfig group, else Lambda's default."""
    configuration = lambda_client.get_function(FunctionName=function)["Configuration"]
    return (configuration.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{function}"


def _report(uploads: list[dict[str, float]], baseline: float) -> None:
    first, *others = uploads
    warm = min(others, key=lambda stages: stages["features queryable"])
    print(f"  {'since the upload':<19} {'first':>7} {'best of the rest':>17}")
    for stage in STAGES:
        print(f"  {stage:<19} {first[stage]:6.3f}s {warm[stage]:16.3f}s")
    print(
        f"  the count that found the rows took {first['count']:.3f} s and {warm['count']:.3f} s "
        '(how late "features queryable" may be)'
    )
    queryable = warm["features queryable"]
    print(
        f"  StartPipelineExecution called directly (baseline, best of {len(uploads)}): rows counted "
        f"{baseline:.3f} s after the call; the warm upload takes {queryable / baseline:.1f}x that "
        f"(the event path adds {queryable - baseline:.2f} s)"
    )
    targets = {"execution started": STARTED_TARGET_SECONDS, "features queryable": QUERYABLE_TARGET_SECONDS}
    for stage, target in targets.items():
        verdict = "PASS" if first[stage] < target else "FAIL"
        print(f"upload to {stage}, first upload {first[stage]:.2f} s (target < {target} s): {verdict}")
