"""An upload starts the project's pipeline, through what the product template deploys: S3's EventBridge
event → the project's rule → its FIFO ingestion queue → the seed's handler, run from the function's code
zip as packaged and published (never imported from project-seed/) → StartPipelineExecution → 4,177 records;
and the chain when things go wrong:

- an event delivered twice starts one execution (the handler's ClientRequestToken is the event id);
- a multipart upload is one object, one event, one execution over all of its parts;
- a start that keeps failing (the pipeline deleted) is retried until the function's deadline, then lands
  in the project's dead-letter queue once; `make redrive` replays it once the pipeline is back;
- a function that takes its time never holds up the uploads that feed it.

The portfolio is deployed as `make package && make deploy` deploy it; the project's stack is created
directly from the published product template and its own CodePipeline build upserts the SageMaker pipeline
(:func:`scripts.project_stack.create_project`). The first test counts every execution of the pipeline, so
it runs first; the others upload their own keys and tell their executions apart by their description.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote_plus

import pandas as pd
import pytest

from scripts import abalone
from scripts.offline_store import count, offline_table
from scripts.project_stack import DATA_PREFIX, DEFAULT_BUCKET, create_project
from scripts.seed_build import SeedBuild
from tests.conftest import PROJECT_ROOT
from tests.local.test_lambda_event_sources import queue_for_rule
from tests.local.test_lambda_runtime import ROLE, code_zip, create

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
    assert count(emulator.client("athena"), table, output) == 4177
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


needs_abalone = pytest.mark.skipif(
    not ABALONE_DATA.is_file(), reason="no copy of the public dataset beside the project"
)
INGEST_GROUP = "ingest"  # the message group of the project's rule (and of `make redrive`)
PART_MIN = 5 * 1024 * 1024  # S3's smallest part, but for the last
FAST_DEADLINE_SECONDS = 3  # START_DEADLINE_SECONDS while a start keeps failing
FAST_VISIBILITY_SECONDS = 1  # the ingestion queue's VisibilityTimeout meanwhile: a retry a second


def until(condition: Callable[[], object], seconds: float, what: str, pause: float = 0.1):
    """``condition()``'s first truthy value within ``seconds``; fails naming ``what`` otherwise."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(pause)


def monitored(project: dict) -> tuple[str, str]:
    """The project's data bucket and key prefix (its MonitoredS3Prefix output)."""
    bucket, _, prefix = project["MonitoredS3Prefix"].removeprefix("s3://").partition("/")
    return bucket, prefix


def uri(project: dict, key: str) -> str:
    return f"s3://{monitored(project)[0]}/{key}"


def upload(emulator, project: dict, key: str) -> None:
    with open(project["csv"], "rb") as body:
        emulator.client("s3").put_object(Bucket=monitored(project)[0], Key=key, Body=body.read())


def executions_of(emulator, project: dict, key: str) -> list[dict]:
    """The executions started for ``key`` (the handler describes each with the object's URI), oldest
    first."""
    found = executions(emulator, project["PipelineName"])
    mine = [e for e in found if e.get("PipelineExecutionDescription") == uri(project, key)]
    return sorted(mine, key=lambda e: e["StartTime"])


def finished(emulator, project: dict, key: str, count: int = 1, seconds: float = 90) -> list[dict]:
    """``key``'s executions once ``count`` exist and none runs."""

    def done() -> list[dict] | None:
        found = executions_of(emulator, project, key)
        running = any(e["PipelineExecutionStatus"] in ("Executing", "Stopping") for e in found)
        return found if len(found) >= count and not running else None

    return until(done, seconds, f"{count} finished execution(s) for {key}", pause=0.2)


def in_queue(emulator, url: str) -> int:
    """Messages in the queue, visible or in flight."""
    attributes = emulator.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(count) for count in attributes.values())


def drained(emulator, project: dict, seconds: float = 30) -> None:
    """Wait until the function has handled every message of the ingestion queue."""
    url = project["IngestionQueueUrl"]
    until(lambda: in_queue(emulator, url) == 0, seconds, "the ingestion queue drained")


def function_log(emulator, project: dict, since_ms: int) -> list[str]:
    """The ingestion function's log lines since ``since_ms`` (epoch milliseconds), from its log group:
    ``LoggingConfig.LogGroup``, else ``/aws/lambda/<name>``."""
    function = project["StartIngestionFunctionName"]
    configuration = emulator.client("lambda").get_function_configuration(FunctionName=function)
    group = (configuration.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{function}"
    pages = emulator.client("logs").get_paginator("filter_log_events")
    return [
        event["message"]
        for page in pages.paginate(logGroupName=group, startTime=since_ms)
        for event in page["events"]
    ]


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture(scope="module")
def captured(emulator, project) -> Callable[[str], list[dict]]:
    """A second rule with the project rule's pattern, to a queue of its own: every event the project's
    queue was sent, as EventBridge sent it (the same id). Returns the events seen so far for a key."""
    events, sqs = emulator.client("events"), emulator.client("sqs")
    pattern = events.describe_rule(Name=f"sagemaker-fsi-{PROJECT}-object-created")["EventPattern"]
    rule = events.put_rule(Name="upload-failures-capture", EventPattern=pattern)["RuleArn"]
    url, arn = queue_for_rule(emulator, "upload-failures-capture", rule)
    events.put_targets(Rule="upload-failures-capture", Targets=[{"Id": "capture", "Arn": arn}])
    seen: list[dict] = []

    def events_for(key: str) -> list[dict]:
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        encoded = quote_plus(key, safe="/")  # as S3 writes keys in its events
        return [event for event in seen if event["detail"]["object"]["key"] == encoded]

    return events_for


@needs_abalone
def test_a_redelivered_event_starts_no_second_execution(emulator, project, captured):
    key = f"{monitored(project)[1]}redelivered.csv"
    since = now_ms()
    upload(emulator, project, key)
    [first] = finished(emulator, project, key)
    assert first["PipelineExecutionStatus"] == "Succeeded", first
    [event] = until(lambda: captured(key), 10, f"the event of {key}")
    drained(emulator, project)

    # S3 and EventBridge deliver at least once: the same event again, as another message (the FIFO
    # queue deduplicates only equal deduplication ids within five minutes).
    emulator.client("sqs").send_message(
        QueueUrl=project["IngestionQueueUrl"],
        MessageBody=json.dumps(event),
        MessageGroupId=INGEST_GROUP,
        MessageDeduplicationId=f"redelivery-{event['id']}",
    )
    started = f"started {project['PipelineName']} for {uri(project, key)}: "

    def both_handled() -> list[str] | None:
        lines = [line for line in function_log(emulator, project, since) if started in line]
        return lines if len(lines) >= 2 else None

    lines = until(both_handled, 30, "the function handling the redelivered event")
    drained(emulator, project)
    assert len(lines) == 2, lines
    assert all(line.endswith(first["PipelineExecutionArn"]) for line in lines), (
        "StartPipelineExecution with the event's ClientRequestToken again must answer the first execution",
        lines,
    )
    assert executions_of(emulator, project, key) == [first], "the redelivered event started an execution"


def large_csv(prepared: Path, destination: Path) -> tuple[Path, pd.Series]:
    """The abalone rows of the ``prepared`` file repeated, with new record ids, until the file is over
    5 MiB; its path and its last row (UCI's columns)."""
    raw = abalone.read_raw(ABALONE_DATA)
    rows = pd.concat([raw] * (PART_MIN // prepared.stat().st_size + 1), ignore_index=True)
    abalone.write_prepared(rows, destination)
    assert destination.stat().st_size > PART_MIN
    return destination, rows.iloc[-1]


@needs_abalone
def test_a_multipart_upload_starts_one_execution_over_all_its_parts(emulator, project, captured):
    bucket, prefix = monitored(project)
    key = f"{prefix}multipart.csv"
    prepared = Path(project["csv"])
    data_file, last = large_csv(prepared, prepared.with_name("multipart.csv"))
    data = data_file.read_bytes()
    s3 = emulator.client("s3")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for number, chunk in enumerate((data[:PART_MIN], data[PART_MIN:]), start=1):  # cut inside a row
        answer = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=chunk)
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})

    [execution] = finished(emulator, project, key, seconds=180)
    assert execution["PipelineExecutionStatus"] == "Succeeded", execution
    drained(emulator, project)
    assert len(executions_of(emulator, project, key)) == 1, executions_of(emulator, project, key)
    [event] = captured(key)
    assert event["detail"]["reason"] == "CompleteMultipartUpload", event
    assert event["detail"]["object"]["size"] == len(data), event

    # The last row lies in the second part: its record landed, with its own values.
    record_id = str(data.count(b"\n") - 2)  # a header, and a newline after each row
    record = emulator.client("sagemaker-featurestore-runtime").get_record(
        FeatureGroupName=project["group"], RecordIdentifierValueAsString=record_id
    )
    values = {feature["FeatureName"]: feature["ValueAsString"] for feature in record.get("Record", [])}
    assert values.get("record_id") == record_id, record
    assert values.get("rings") == str(last["rings"]), record


@contextlib.contextmanager
def failing_fast(emulator, project: dict) -> Iterator[None]:
    """What an operator does to see failures sooner: the function's START_DEADLINE_SECONDS low (its other
    variables kept) and the ingestion queue's visibility timeout low; both put back afterwards."""
    awslambda, sqs = emulator.client("lambda"), emulator.client("sqs")
    function, url = project["StartIngestionFunctionName"], project["IngestionQueueUrl"]
    variables = awslambda.get_function_configuration(FunctionName=function)["Environment"]["Variables"]
    before = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    awslambda.update_function_configuration(
        FunctionName=function,
        Environment={"Variables": {**variables, "START_DEADLINE_SECONDS": str(FAST_DEADLINE_SECONDS)}},
    )
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={**before, "VisibilityTimeout": str(FAST_VISIBILITY_SECONDS)}
    )
    try:
        yield
    finally:
        awslambda.update_function_configuration(FunctionName=function, Environment={"Variables": variables})
        sqs.set_queue_attributes(QueueUrl=url, Attributes=before)


def rebuild_pipeline(emulator, project: dict) -> None:
    """Upsert the pipeline again with the seed's build, as the project's CodeBuild does, with the
    project's parameters as its stack has them."""
    [stack] = emulator.client("cloudformation").describe_stacks(
        StackName=f"SC-{emulator.account}-pp-{PROJECT}"
    )["Stacks"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    built = SeedBuild(
        project_name=parameters["SageMakerProjectName"],
        project_id=PROJECT,
        pipeline_name=project["PipelineName"],
        flow_url=f"s3://{parameters['DataWranglerFlowBucket']}/{parameters['DataWranglerFlowKey']}",
        feature_group=parameters["FeatureGroupName"],
        role_arn=project["PipelineRoleArn"],
        artifact_bucket=project["ArtifactsBucketName"],
        processing_job_prefix=f"sagemaker-fsi-{PROJECT}",
    ).run(emulator.endpoint, emulator.region, timeout=120)
    assert built.returncode == 0, built.stderr


def make_redrive(emulator, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``make redrive PROJECT_ID=...`` in a shell pointed at the emulator (``eval "$(make -s env)"``): the
    command its recipe runs, without the recipe's ``install`` prerequisite."""
    no_config = tmp_path / "aws-config"
    no_config.write_text("")
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("AWS_")},
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": emulator.region,
        "AWS_CONFIG_FILE": str(no_config),
        "AWS_SHARED_CREDENTIALS_FILE": str(no_config),
        "AWS_EC2_METADATA_DISABLED": "true",
        "REGION": emulator.region,
        "PROJECT_ID": PROJECT,
        "PROJECT_NAME": "",
        "TARGET": "auto",
    }
    return subprocess.run(
        [sys.executable, "-m", "scripts.target", "run", "scripts.redrive"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_abalone
def test_a_start_that_keeps_failing_is_dead_lettered_once_then_redriven(emulator, project, tmp_path):
    sqs, sagemaker = emulator.client("sqs"), emulator.client("sagemaker")
    dlq, pipeline = project["DeadLetterQueueUrl"], project["PipelineName"]
    key = f"{monitored(project)[1]}dead-lettered.csv"
    assert in_queue(emulator, dlq) == 0, "the dead-letter queue holds messages before the test"
    until(  # the other tests' executions: none may run when the pipeline is deleted
        lambda: all(e["PipelineExecutionStatus"] != "Executing" for e in executions(emulator, pipeline)),
        90,
        "the executions of the other tests finishing",
    )

    since = now_ms()
    with failing_fast(emulator, project):
        sagemaker.delete_pipeline(PipelineName=pipeline)
        upload(emulator, project, key)
        until(lambda: in_queue(emulator, dlq), 30, "the event in the dead-letter queue")
        drained(emulator, project)

    [message] = sqs.receive_message(
        QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
    )["Messages"]
    assert in_queue(emulator, dlq) == 1
    event = json.loads(message["Body"])
    assert (event["detail-type"], event["detail"]["object"]["key"]) == ("Object Created", key), event
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "DeadlineExceeded", attributes
    assert f"not started within {FAST_DEADLINE_SECONDS} s" in attributes["ERROR_MESSAGE"], attributes
    log = function_log(emulator, project, since)
    retried = [line for line in log if "will try again" in line]
    dead_lettered = [line for line in log if "to the dead-letter queue (DeadlineExceeded)" in line]
    assert retried, "the function dead-lettered the event without retrying it:\n" + "\n".join(log)
    assert len(dead_lettered) == 1, "\n".join(log)

    rebuild_pipeline(emulator, project)
    redriven = make_redrive(emulator, tmp_path)
    assert redriven.returncode == 0, redriven.stdout + redriven.stderr
    assert "Replayed 1 event(s), left 0" in redriven.stdout, redriven.stdout

    [execution] = finished(emulator, project, key)
    assert execution["PipelineExecutionStatus"] == "Succeeded", execution
    drained(emulator, project)
    assert [e["PipelineExecutionArn"] for e in executions(emulator, pipeline)] == [
        execution["PipelineExecutionArn"]
    ], "the rebuilt pipeline has executions besides the redriven event's"
    assert in_queue(emulator, dlq) == 0, "the dead-letter queue is not empty after the redrive"


# -- a slow function and the uploads that feed it ----------------------------------------------------
SLOW_BUCKET = "upload-failures-slow"
SLOW_HANDLER = f"""
import json, time
import boto3

def handler(event, context):
    s3 = boto3.client("s3")
    for record in event["Records"]:
        key = json.loads(record["body"])["detail"]["object"]["key"]
        s3.put_object(Bucket="{SLOW_BUCKET}", Key="started/" + key, Body=b"")
        if "sleep" in key:
            time.sleep(3)
        s3.put_object(Bucket="{SLOW_BUCKET}", Key="done/" + key, Body=b"")
"""


def test_uploads_return_at_once_while_the_function_they_feed_sleeps(emulator):
    """test_s3_eventbridge times the upload that queues a slow function's event, which returns before the
    function  Here uploads come while the function sleeps in the middle of an invocation: the
    same bucket, rule, queue and function."""
    s3, events, awslambda = emulator.client("s3"), emulator.client("events"), emulator.client("lambda")
    s3.create_bucket(Bucket=SLOW_BUCKET)
    s3.put_bucket_notification_configuration(
        Bucket=SLOW_BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [SLOW_BUCKET]}, "object": {"key": [{"prefix": "in/"}]}},
    }
    rule = events.put_rule(Name="upload-failures-slow", EventPattern=json.dumps(pattern))["RuleArn"]
    _, arn = queue_for_rule(
        emulator, "upload-failures-slow.fifo", rule, FifoQueue="true", ContentBasedDeduplication="true"
    )
    events.put_targets(
        Rule="upload-failures-slow",
        Targets=[{"Id": "fifo", "Arn": arn, "SqsParameters": {"MessageGroupId": INGEST_GROUP}}],
    )
    create(awslambda, "upload-failures-sleeper", Code={"ZipFile": code_zip(SLOW_HANDLER)}, Timeout=30)
    awslambda.create_event_source_mapping(
        FunctionName="upload-failures-sleeper", EventSourceArn=arn, BatchSize=1
    )

    def exists(key: str) -> bool:
        return "Contents" in s3.list_objects_v2(Bucket=SLOW_BUCKET, Prefix=key)

    s3.put_object(Bucket=SLOW_BUCKET, Key="in/sleep.csv", Body=b"x")
    until(lambda: exists("started/in/sleep.csv"), 15, "the function starting on the first upload", 0.05)
    timings = {}
    for key in ("in/quick.csv", "elsewhere/other.csv"):  # one for the sleeping function, one not
        started = time.monotonic()
        s3.put_object(Bucket=SLOW_BUCKET, Key=key, Body=b"x")
        timings[key] = time.monotonic() - started
    assert not exists("done/in/sleep.csv"), "the function finished before the uploads: nothing was measured"
    assert max(timings.values()) < 1, f"uploads while the function slept took {timings} s"
    until(lambda: exists("done/in/quick.csv"), 20, "the function handling the upload made meanwhile")


# -- what an operator's changes above rely on -----------------------------------------------------------
def test_setting_a_queue_attribute_keeps_the_queue_s_policy(emulator):
    rule = f"arn:aws:events:{emulator.region}:{emulator.account}:rule/upload-failures-policy"
    url, _ = queue_for_rule(emulator, "upload-failures-policy", rule)
    sqs = emulator.client("sqs")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "2"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "2"
    assert "Policy" in attributes, "SetQueueAttributes(VisibilityTimeout) removed the queue's policy"


def test_a_function_s_variable_from_a_number_parameter_is_a_string(emulator):
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Role": ROLE,
            "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
            "Environment": {"Variables": {"LIMIT": {"Ref": "Limit"}, "NAME": "limited"}},
        },
    }
    template = {
        "Parameters": {"Limit": {"Type": "Number", "Default": 2}},  # a number, as YAML's `Default: 2`
        "Resources": {"Function": function},
        "Outputs": {"Name": {"Value": {"Ref": "Function"}}},
    }
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(StackName="upload-failures-number", TemplateBody=json.dumps(template))
    [stack] = cloudformation.describe_stacks(StackName="upload-failures-number")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    [name] = [output["OutputValue"] for output in stack["Outputs"]]
    configuration = emulator.client("lambda").get_function_configuration(FunctionName=name)
    assert configuration["Environment"]["Variables"] == {"LIMIT": "2", "NAME": "limited"}
