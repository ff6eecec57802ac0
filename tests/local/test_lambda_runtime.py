"""Lambda functions run in the emulator: the deployed code (from ZipFile or S3), in a process of its own per
invocation, with Lambda's environment and context, the emulator as its AWS, its Timeout enforced, its
errors and logs as Lambda reports them; Event invocations answer at once and are retried, then sent to the
on-failure destination."""

from __future__ import annotations

import base64
import io
import json
import re
import time
import zipfile

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-local"
BUCKET = "sagemaker-us-east-1-123456789012"

HANDLER = """
import json, logging, os, time
import boto3

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

def handler(event, context):
    print("got", json.dumps(event))
    logger.info("handling %s", sorted(event))
    action = event.get("action")
    if action == "fail":
        raise ValueError("the event asked to fail")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "write":
        s3 = boto3.client("s3")
        s3.put_object(Bucket=event["bucket"], Key=event["key"], Body=b"written by the function")
    return {
        "event": event,
        "environment": {name: os.environ.get(name) for name in (
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "_HANDLER", "STAGE", "AWS_ENDPOINT_URL",
            "AWS_LAMBDA_LOG_GROUP_NAME")},
        "context": {
            "function_name": context.function_name,
            "request_id": context.aws_request_id,
            "arn": context.invoked_function_arn,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
    }
"""


def code_zip(source: str = HANDLER, name: str = "app/main.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
        archive.writestr("app/__init__.py", "")
    return buffer.getvalue()


def create(awslambda, name: str, **overrides) -> dict:
    request = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "app/main.handler",
        "Code": {"ZipFile": code_zip()},
        "Timeout": 10,
        "Environment": {"Variables": {"STAGE": "local"}},
        **overrides,
    }
    return awslambda.create_function(**request)


def invoke(awslambda, name: str, event: dict, **extra) -> tuple[dict, dict]:
    answer = awslambda.invoke(FunctionName=name, Payload=json.dumps(event).encode(), **extra)
    return answer, json.loads(answer["Payload"].read() or b"null")


@pytest.fixture(scope="module")
def awslambda(emulator):
    client = emulator.client("lambda")
    create(client, "echo")
    return client


def test_the_deployed_code_runs_with_lambda_s_environment_and_context(emulator, awslambda):
    answer, payload = invoke(awslambda, "echo", {"hello": "world"}, LogType="Tail")

    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert payload["event"] == {"hello": "world"}
    assert payload["environment"] == {
        "AWS_LAMBDA_FUNCTION_NAME": "echo",
        "AWS_REGION": "us-east-1",
        "_HANDLER": "app/main.handler",
        "STAGE": "local",
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/echo",
    }
    assert payload["context"]["function_name"] == "echo"
    assert payload["context"]["arn"].endswith(":function:echo")
    assert 0 < payload["context"]["remaining_ms"] <= 10_000
    tail = base64.b64decode(answer["LogResult"]).decode()
    request_id = payload["context"]["request_id"]
    assert tail.startswith(f"START RequestId: {request_id} Version: $LATEST\ngot ")
    assert f"\nEND RequestId: {request_id}\nREPORT RequestId: {request_id}\tDuration: " in tail
    assert re.search(rf"\n\[INFO\]\t\d{{4}}-\d\d-\d\dT[\d:.]+Z\t{request_id}\thandling \['hello'\]\n", tail)

    events = emulator.client("logs").filter_log_events(logGroupName="/aws/lambda/echo")["events"]
    assert next(e["message"] for e in events if request_id in e["message"]).startswith("START RequestId")


def test_the_function_calls_the_emulator_back(emulator, awslambda):
    _, payload = invoke(awslambda, "echo", {"action": "write", "bucket": BUCKET, "key": "from-lambda.txt"})
    assert payload["event"]["key"] == "from-lambda.txt"
    body = emulator.client("s3").get_object(Bucket=BUCKET, Key="from-lambda.txt")["Body"].read()
    assert body == b"written by the function"


def test_an_error_is_unhandled_with_its_type_message_and_stack(awslambda):
    answer, payload = invoke(awslambda, "echo", {"action": "fail"})
    assert answer["FunctionError"] == "Unhandled"
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "the event asked to fail")
    assert any('main.py", line' in frame for frame in payload["stackTrace"])


def test_the_timeout_kills_the_function(awslambda):
    create(awslambda, "slow", Timeout=1)
    started = time.monotonic()
    answer, payload = invoke(awslambda, "slow", {"action": "sleep", "seconds": 30})
    assert time.monotonic() - started < 5
    assert answer["FunctionError"] == "Unhandled"
    assert payload["errorMessage"].endswith("Task timed out after 1.00 seconds")


def test_code_from_s3_runs_and_a_broken_import_is_reported(emulator, awslambda):
    emulator.client("s3").put_object(Bucket=BUCKET, Key="code/function.zip", Body=code_zip())
    create(awslambda, "from-s3", Code={"S3Bucket": BUCKET, "S3Key": "code/function.zip"})
    assert invoke(awslambda, "from-s3", {"n": 1})[1]["event"] == {"n": 1}

    create(awslambda, "broken", Code={"ZipFile": code_zip("import no_such_module\n")})
    answer, payload = invoke(awslambda, "broken", {})
    assert answer["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert (
        "Unable to import module 'app/main.handler': No module named 'no_such_module'"
        in payload["errorMessage"]
    )


def test_other_runtimes_are_refused_and_dry_run_checks_only(awslambda):
    create(awslambda, "node", Runtime="nodejs20.x", Handler="index.handler")
    with pytest.raises(ClientError) as refused:
        awslambda.invoke(FunctionName="node", Payload=b"{}")
    assert refused.value.response["Error"]["Code"] == "InvalidRuntimeException"
    assert (
        "runtime nodejs20.x of function node is not supported" in refused.value.response["Error"]["Message"]
    )
    assert awslambda.invoke(FunctionName="echo", InvocationType="DryRun")["StatusCode"] == 204


def test_an_event_invocation_answers_at_once_and_runs_in_the_background(emulator, awslambda):
    started = time.monotonic()
    event = {"action": "write", "bucket": BUCKET, "key": "async.txt"}
    answer = awslambda.invoke(FunctionName="echo", InvocationType="Event", Payload=json.dumps(event))
    assert answer["StatusCode"] == 202 and time.monotonic() - started < 1
    s3, deadline = emulator.client("s3"), time.monotonic() + 10
    while "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="async.txt"):
        assert time.monotonic() < deadline, "the function never ran"
        time.sleep(0.05)


def test_a_failing_event_is_retried_then_sent_to_the_on_failure_destination(emulator, awslambda):
    sqs = emulator.client("sqs")
    queue = sqs.create_queue(QueueName="lambda-failures")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    create(awslambda, "failing")
    awslambda.put_function_event_invoke_config(
        FunctionName="failing",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    awslambda.invoke(FunctionName="failing", InvocationType="Event", Payload=json.dumps({"action": "fail"}))

    deadline, messages = time.monotonic() + 15, []
    while not messages:
        assert time.monotonic() < deadline, "no invocation record reached the destination"
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestPayload"] == {"action": "fail"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "the event asked to fail"
    starts = [
        e
        for e in emulator.client("logs").filter_log_events(logGroupName="/aws/lambda/failing")["events"]
        if e["message"].startswith("START ")
    ]
    assert len(starts) == 2  # the first attempt and MaximumRetryAttempts retries


def test_a_failing_event_goes_to_the_function_s_dead_letter_queue_and_logs_to_its_log_group(
    emulator, awslambda
):
    sqs, logs = emulator.client("sqs"), emulator.client("logs")
    queue = sqs.create_queue(QueueName="function-dlq")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    logs.create_log_group(logGroupName="/project/start-ingestion")
    create(
        awslambda,
        "with-dlq",
        DeadLetterConfig={"TargetArn": queue_arn},
        LoggingConfig={"LogFormat": "Text", "LogGroup": "/project/start-ingestion"},
    )
    configuration = awslambda.get_function_configuration(FunctionName="with-dlq")
    assert configuration["DeadLetterConfig"] == {"TargetArn": queue_arn}
    assert configuration["LoggingConfig"]["LogGroup"] == "/project/start-ingestion"
    awslambda.put_function_event_invoke_config(FunctionName="with-dlq", MaximumRetryAttempts=0)

    awslambda.invoke(FunctionName="with-dlq", InvocationType="Event", Payload=json.dumps({"action": "fail"}))
    deadline, messages = time.monotonic() + 15, []
    while not messages:
        assert time.monotonic() < deadline, "no dead letter"
        messages = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"], WaitTimeSeconds=1).get(
            "Messages", []
        )
    assert json.loads(messages[0]["Body"]) == {"action": "fail"}
    attributes = {name: value["StringValue"] for name, value in messages[0]["MessageAttributes"].items()}
    assert attributes["ErrorMessage"] == "the event asked to fail" and attributes["ErrorCode"] == "200"
    lines = [e["message"] for e in logs.filter_log_events(logGroupName="/project/start-ingestion")["events"]]
    assert any(line == f"START RequestId: {attributes['RequestID']} Version: $LATEST" for line in lines)
