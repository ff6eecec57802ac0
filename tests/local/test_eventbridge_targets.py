"""EventBridge's rules deliver to their targets as AWS does: after PutEvents has answered, to a Lambda
function only when its resource policy lets the rule invoke it, with the target's input settings applied, and
what cannot be delivered goes to the target's dead-letter queue with EventBridge's attributes."""

from __future__ import annotations

import json
import time

import pytest

from tests.local.test_lambda_event_sources import queue, queue_for_rule
from tests.local.test_lambda_runtime import BUCKET, code_zip, create

SOURCE = "kit.tests"
RECORDER = """
import json, time, boto3
def handler(event, context):
    time.sleep(1)
    key = "received/" + context.function_name
    boto3.client("s3").put_object(Bucket="{bucket}", Key=key, Body=json.dumps(event))
"""


@pytest.fixture(scope="module")
def setup(emulator):
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    return emulator


def put_event(emulator, detail: dict, detail_type: str) -> str:
    [entry] = emulator.client("events").put_events(
        Entries=[{"Source": SOURCE, "DetailType": detail_type, "Detail": json.dumps(detail)}]
    )["Entries"]
    return entry["EventId"]


def rule(emulator, name: str) -> str:
    pattern = json.dumps({"source": [SOURCE], "detail-type": [name]})
    return emulator.client("events").put_rule(Name=name, EventPattern=pattern)["RuleArn"]


def recorder(emulator, name: str) -> str:
    source = RECORDER.format(bucket=BUCKET)
    return create(emulator.client("lambda"), name, Code={"ZipFile": code_zip(source)})["FunctionArn"]


def allow(emulator, function: str, rule_arn: str) -> None:
    emulator.client("lambda").add_permission(
        FunctionName=function,
        StatementId=f"from-{rule_arn.rsplit('/', 1)[1]}",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule_arn,
    )


def received(emulator, function: str, seconds: float = 15) -> dict | None:
    """What ``function`` recorded, looked for at least once and until ``seconds`` have passed."""
    s3, deadline = emulator.client("s3"), time.monotonic() + seconds
    while True:
        found = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"received/{function}").get("Contents")
        if found:
            return json.loads(s3.get_object(Bucket=BUCKET, Key=found[0]["Key"])["Body"].read())
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def dead_letters(emulator, url: str, count: int = 1, seconds: float = 10) -> list[dict]:
    sqs, found, deadline = emulator.client("sqs"), [], time.monotonic() + seconds
    while len(found) < count and time.monotonic() < deadline:
        for message in sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", []):
            attributes = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
            found.append({"body": json.loads(message["Body"]), **attributes})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        time.sleep(0.05)
    return found


def test_a_lambda_target_runs_the_function_after_put_events_has_answered(setup):
    emulator = setup
    rule_arn = rule(emulator, "to-recorder")
    function = recorder(emulator, "recorder")
    allow(emulator, "recorder", rule_arn)
    emulator.client("events").put_targets(Rule="to-recorder", Targets=[{"Id": "fn", "Arn": function}])

    event_id = put_event(emulator, {"file": "a.csv"}, "to-recorder")
    # The function sleeps a second before it records the event: had PutEvents waited, it would be there.
    assert received(emulator, "recorder", seconds=0) is None, "PutEvents waited for the function"

    event = received(emulator, "recorder")
    assert event is not None, "the function never ran"
    assert event["id"] == event_id and event["detail"] == {"file": "a.csv"}
    assert event["source"] == SOURCE and event["detail-type"] == "to-recorder"
    assert event["time"].endswith("Z") and "ingestion-time" not in event


def test_a_function_whose_policy_does_not_name_the_rule_is_not_invoked_and_the_event_is_dead_lettered(setup):
    emulator = setup
    rule_arn = rule(emulator, "not-allowed")
    other_rule = rule(emulator, "allowed-elsewhere")
    function = recorder(emulator, "guarded")
    allow(emulator, "guarded", other_rule)  # permission for another rule only
    dlq_url, dlq_arn = queue(emulator, "not-allowed-dlq")
    emulator.client("events").put_targets(
        Rule="not-allowed",
        Targets=[{"Id": "fn", "Arn": function, "DeadLetterConfig": {"Arn": dlq_arn}}],
    )

    event_id = put_event(emulator, {"n": 1}, "not-allowed")

    [letter] = dead_letters(emulator, dlq_url)
    assert letter["body"]["id"] == event_id
    assert letter["ERROR_CODE"] == "NO_PERMISSIONS"
    assert letter["RULE_ARN"] == rule_arn and letter["TARGET_ARN"] == function
    assert "events.amazonaws.com" in letter["ERROR_MESSAGE"]
    assert received(emulator, "guarded", seconds=2) is None


def test_a_missing_function_and_an_unsupported_target_type_go_to_the_dead_letter_queue(setup):
    emulator = setup
    rule(emulator, "nowhere")
    dlq_url, dlq_arn = queue(emulator, "nowhere-dlq")
    missing = f"arn:aws:lambda:{emulator.region}:{emulator.account}:function:never-created"
    machine = f"arn:aws:states:{emulator.region}:{emulator.account}:stateMachine:flow"
    emulator.client("events").put_targets(
        Rule="nowhere",
        Targets=[
            {"Id": "missing", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn}},
            {"Id": "machine", "Arn": machine, "DeadLetterConfig": {"Arn": dlq_arn}},
        ],
    )

    put_event(emulator, {"n": 2}, "nowhere")

    letters = {letter["TARGET_ARN"]: letter for letter in dead_letters(emulator, dlq_url, count=2)}
    assert letters[missing]["ERROR_CODE"] == "NO_RESOURCE"
    assert letters[machine]["ERROR_CODE"] == "UNSUPPORTED_TARGET"
    assert "does not deliver to states targets" in letters[machine]["ERROR_MESSAGE"]


def test_a_queue_without_a_policy_for_the_rule_receives_nothing(setup):
    emulator = setup
    rule(emulator, "to-closed-queue")
    url, arn = queue(emulator, "closed")
    dlq_url, dlq_arn = queue(emulator, "closed-dlq")
    emulator.client("events").put_targets(
        Rule="to-closed-queue", Targets=[{"Id": "q", "Arn": arn, "DeadLetterConfig": {"Arn": dlq_arn}}]
    )

    put_event(emulator, {"n": 3}, "to-closed-queue")

    [letter] = dead_letters(emulator, dlq_url)
    assert letter["ERROR_CODE"] == "NO_PERMISSIONS"
    assert emulator.client("sqs").receive_message(QueueUrl=url).get("Messages") is None


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"Input": '{"fixed": true}'}, {"fixed": True}),
        ({"InputPath": "$.detail.file"}, "b.csv"),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {"file": "$.detail.file", "size": "$.detail.size", "gone": "$.detail.x"},
                    "InputTemplate": '{"uri": "s3://bucket/<file>", "size": <size>, "gone": <gone>, '
                    '"rule": "<aws.events.rule-name>"}',
                }
            },
            {"uri": "s3://bucket/b.csv", "size": 12, "gone": None, "rule": "shaped"},
        ),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {"file": "$.detail.file"},
                    "InputTemplate": '"got <file>"',
                }
            },
            "got b.csv",
        ),
    ],
    ids=["input", "input-path", "transformer-json", "transformer-string"],
)
def test_a_target_s_input_settings_shape_what_it_receives(setup, settings, expected):
    emulator = setup
    rule_arn = rule(emulator, "shaped")
    url, arn = queue_for_rule(emulator, "shaped", rule_arn)
    events = emulator.client("events")
    events.put_targets(Rule="shaped", Targets=[{"Id": "q", "Arn": arn, **settings}])

    put_event(emulator, {"file": "b.csv", "size": 12}, "shaped")

    sqs, deadline, messages = emulator.client("sqs"), time.monotonic() + 10, []
    while not messages and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url).get("Messages", [])
    events.remove_targets(Rule="shaped", Ids=["q"])
    assert messages, "nothing was delivered"
    assert json.loads(messages[0]["Body"]) == expected


def test_sns_invokes_a_subscribed_function_its_policy_allows_with_the_notification(setup):
    emulator = setup
    sns, awslambda = emulator.client("sns"), emulator.client("lambda")
    topic = sns.create_topic(Name="uploads")["TopicArn"]
    allowed, refused = recorder(emulator, "sns-allowed"), recorder(emulator, "sns-refused")
    awslambda.add_permission(
        FunctionName="sns-allowed",
        StatementId="from-topic",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
    )
    for function in (allowed, refused):
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function)

    message_id = sns.publish(TopicArn=topic, Message="hello", Subject="greeting")["MessageId"]

    event = received(emulator, "sns-allowed")
    assert event is not None, "the subscribed function never ran"
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"].startswith(topic + ":")
    notification = record["Sns"]
    assert notification["MessageId"] == message_id and notification["TopicArn"] == topic
    assert notification["Message"] == "hello" and notification["Subject"] == "greeting"
    assert received(emulator, "sns-refused", seconds=2) is None
