"""An SQS event source mapping is polled as Lambda polls it: apart from SendMessage, in batches, messages
deleted once handled, left for another try when the function fails or reports them failed, and moved to the
dead-letter queue by the queue's redrive policy."""

from __future__ import annotations

import json
import time

from tests.local.test_lambda_runtime import BUCKET, code_zip, create

HANDLER = """
import json, time
import boto3

def handler(event, context):
    s3 = boto3.client("s3")
    failures = []
    for record in event["Records"]:
        order = json.loads(record["body"])
        if order.get("sleep"):
            time.sleep(order["sleep"])
        if order.get("fail") == "all":
            raise RuntimeError("cannot handle " + record["messageId"])
        if order.get("fail") == "this":
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        key = f"{context.function_name}/{order['name']}-{record['attributes']['ApproximateReceiveCount']}"
        s3.put_object(Bucket="BUCKET_NAME", Key=key, Body=json.dumps(record).encode())
    return {"batchItemFailures": failures}
""".replace("BUCKET_NAME", BUCKET)


def queue(emulator, name: str, **attributes) -> tuple[str, str]:
    sqs = emulator.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def queue_for_rule(emulator, name: str, rule_arn: str, **attributes) -> tuple[str, str]:
    """A queue whose policy lets the rule send to it, as EventBridge needs (and our templates write)."""
    url, arn = queue(emulator, name, **attributes)
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    emulator.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    return url, arn


def handled(emulator, function: str, expected: int, seconds: float = 15) -> list[str]:
    """What ``function`` handled: ``<name>-<receive count>`` of each message."""
    s3, deadline = emulator.client("s3"), time.monotonic() + seconds
    while True:
        found = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{function}/").get("Contents", [])
        keys = [o["Key"].split("/", 1)[1] for o in found]
        if len(keys) >= expected or time.monotonic() > deadline:
            return sorted(keys)
        time.sleep(0.05)


def wire(emulator, function: str, queue_arn: str, batch_size: int) -> None:
    awslambda = emulator.client("lambda")
    create(awslambda, function, Code={"ZipFile": code_zip(HANDLER)}, Timeout=30)
    awslambda.create_event_source_mapping(
        FunctionName=function,
        EventSourceArn=queue_arn,
        BatchSize=batch_size,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )


def test_a_fifo_queue_s_messages_are_handled_in_order_apart_from_the_sender(emulator):
    url, arn = queue(emulator, "ingest.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    wire(emulator, "fifo-consumer", arn, batch_size=1)
    sqs = emulator.client("sqs")

    started = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"name": "first", "sleep": 1}), MessageGroupId="g")
    assert time.monotonic() - started < 0.5  # the function's second of work is not the sender's
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"name": "second"}), MessageGroupId="g")

    assert handled(emulator, "fifo-consumer", 2) == ["first-1", "second-1"]
    first = emulator.client("s3").get_object(Bucket=BUCKET, Key="fifo-consumer/first-1")["Body"].read()
    first = json.loads(first)
    assert first["eventSource"] == "aws:sqs" and first["eventSourceARN"] == arn
    assert first["attributes"]["MessageGroupId"] == "g"
    assert in_queue(sqs, url, until=0) == 0  # each deleted once its invocation returned


def test_a_message_sent_while_a_poll_waits_for_in_flight_messages_is_handled_at_once(emulator):
    """A message sent while the group's earlier one is in flight leaves a poll waiting for the visibility
    timeout (a minute here); a message sent after both were handled must not wait for that poll."""
    url, arn = queue(
        emulator, "waits.fifo", FifoQueue="true", ContentBasedDeduplication="true", VisibilityTimeout=60
    )
    wire(emulator, "waits-consumer", arn, batch_size=1)
    sqs = emulator.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"name": "slow", "sleep": 1}), MessageGroupId="g")
    time.sleep(0.3)  # the slow message is in flight: this one's poll finds the group blocked
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"name": "blocked"}), MessageGroupId="g")
    assert handled(emulator, "waits-consumer", 2) == ["blocked-1", "slow-1"]

    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"name": "later"}), MessageGroupId="g")
    assert "later-1" in handled(emulator, "waits-consumer", 3, seconds=10)


def in_queue(sqs, url: str, until: int, seconds: float = 5) -> int:
    """Messages in the queue, visible or in flight, once they are ``until`` (or after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        count = int(attributes["ApproximateNumberOfMessages"])
        count += int(attributes["ApproximateNumberOfMessagesNotVisible"])
        if count == until or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_a_message_that_keeps_failing_goes_to_the_dead_letter_queue(emulator):
    dead_url, dead_arn = queue(emulator, "failed-orders")
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 2})
    url, arn = queue(emulator, "orders", VisibilityTimeout=1, RedrivePolicy=redrive)
    wire(emulator, "failing-consumer", arn, batch_size=10)
    sqs = emulator.client("sqs")

    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"name": "doomed", "fail": "all"}))
    deadline, dead = time.monotonic() + 15, []
    while not dead:
        assert time.monotonic() < deadline, "the message never reached the dead-letter queue"
        dead = sqs.receive_message(QueueUrl=dead_url, WaitTimeSeconds=1).get("Messages", [])
    assert json.loads(dead[0]["Body"]) == {"name": "doomed", "fail": "all"}
    starts = [
        e
        for e in emulator.client("logs").filter_log_events(logGroupName="/aws/lambda/failing-consumer")[
            "events"
        ]
        if e["message"].startswith("START ")
    ]
    assert len(starts) == 2  # maxReceiveCount receives, each one invocation


def test_reported_batch_item_failures_alone_are_tried_again(emulator):
    url, arn = queue(emulator, "batch", VisibilityTimeout=1)
    sqs = emulator.client("sqs")
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": json.dumps({"name": "a"})},
            {"Id": "b", "MessageBody": json.dumps({"name": "b", "fail": "this"})},
            {"Id": "c", "MessageBody": json.dumps({"name": "c"})},
        ],
    )
    wire(emulator, "batch-consumer", arn, batch_size=10)  # the mapping finds the messages waiting
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"name": "d"}))

    assert handled(emulator, "batch-consumer", 3, seconds=10) == ["a-1", "c-1", "d-1"]
    logs, deadline, starts = emulator.client("logs"), time.monotonic() + 10, []
    while len(starts) < 2:  # the batch, then b again after the visibility timeout
        assert time.monotonic() < deadline, "b was not tried again"
        time.sleep(0.1)
        events = logs.filter_log_events(logGroupName="/aws/lambda/batch-consumer")["events"]
        starts = [e for e in events if e["message"].startswith("START ")]
    time.sleep(0.2)  # the second try's outcome is handled
    assert handled(emulator, "batch-consumer", 4, seconds=0) == ["a-1", "c-1", "d-1"]  # b failed again
    assert in_queue(sqs, url, until=1) == 1  # b only
