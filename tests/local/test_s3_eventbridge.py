"""A bucket with EventBridge delivery on sends S3's events in S3's shape, after the request that wrote the
object: unique ids, ISO times, keys encoded as S3 encodes them, growing sequencers, the reason; rules match
them with their patterns and deliver them to their targets, as the product's rule → FIFO queue → function
chain does."""

from __future__ import annotations

import json
import re
import time

import pytest
from botocore.exceptions import ClientError

from tests.local.test_lambda_event_sources import queue_for_rule
from tests.local.test_lambda_runtime import code_zip, create

BUCKET = "events-bucket"


def pattern(detail_type: str = "Object Created", prefix: str = "data/") -> str:
    return json.dumps(
        {
            "source": ["aws.s3"],
            "detail-type": [detail_type],
            "detail": {"bucket": {"name": [BUCKET]}, "object": {"key": [{"prefix": prefix}]}},
        }
    )


@pytest.fixture(scope="module")
def delivered(emulator):
    """The bucket (EventBridge on), and a function returning the events each rule delivered so far."""
    s3, events, sqs = emulator.client("s3"), emulator.client("events"), emulator.client("sqs")
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket="quiet-bucket")
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    urls = {}
    for name, detail_type in (("created", "Object Created"), ("deleted", "Object Deleted")):
        rule = events.put_rule(Name=f"s3-{name}", EventPattern=pattern(detail_type))["RuleArn"]
        url, arn = queue_for_rule(emulator, f"s3-{name}", rule)
        events.put_targets(Rule=f"s3-{name}", Targets=[{"Id": "queue", "Arn": arn}])
        urls[name] = url

    def received(name: str, count: int, seconds: float = 5) -> list[dict]:
        found, deadline = [], time.monotonic() + seconds
        while len(found) < count and time.monotonic() < deadline:
            for message in sqs.receive_message(QueueUrl=urls[name], MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=urls[name], ReceiptHandle=message["ReceiptHandle"])
            time.sleep(0.02)
        return found

    return received


def test_an_upload_sends_one_event_in_s3_s_shape(emulator, delivered):
    body = b"record_id,sex\n1,M\n"
    put = emulator.client("s3").put_object(Bucket=BUCKET, Key="data/a b+ü.csv", Body=body)

    [event] = delivered("created", 1)
    assert event["source"] == "aws.s3" and event["detail-type"] == "Object Created"
    assert re.fullmatch(r"[0-9a-f-]{36}", event["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"])
    assert (event["account"], event["region"]) == ("123456789012", "us-east-1")
    assert event["resources"] == [f"arn:aws:s3:::{BUCKET}"]
    detail = event["detail"]
    assert detail["bucket"] == {"name": BUCKET}
    assert detail["object"]["key"] == "data/a+b%2B%C3%BC.csv"  # as S3 encodes keys in its events
    assert (detail["object"]["size"], detail["object"]["etag"]) == (len(body), put["ETag"].strip('"'))
    assert re.fullmatch(r"[0-9A-F]{18}", detail["object"]["sequencer"])
    assert re.fullmatch(r"[0-9A-Z]{16}", detail["request-id"])
    assert (detail["requester"], detail["reason"]) == ("123456789012", "PutObject")


def test_every_event_is_its_own_and_each_way_of_writing_is_named(emulator, delivered):
    s3 = emulator.client("s3")
    s3.put_object(Bucket=BUCKET, Key="data/one.csv", Body=b"1")
    s3.copy_object(Bucket=BUCKET, Key="data/two.csv", CopySource={"Bucket": BUCKET, "Key": "data/one.csv"})
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="data/three.csv")["UploadId"]
    part = s3.upload_part(Bucket=BUCKET, Key="data/three.csv", UploadId=upload, PartNumber=1, Body=b"3")
    s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key="data/three.csv",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    s3.put_object(Bucket=BUCKET, Key="elsewhere/four.csv", Body=b"4")  # outside the rule's prefix
    s3.put_object(Bucket="quiet-bucket", Key="data/five.csv", Body=b"5")  # delivery off
    s3.delete_object(Bucket=BUCKET, Key="data/one.csv")

    created = delivered("created", 4, seconds=1)  # three, and one second for a fourth that must not come
    assert [(e["detail"]["object"]["key"], e["detail"]["reason"]) for e in created] == [
        ("data/one.csv", "PutObject"),
        ("data/two.csv", "CopyObject"),
        ("data/three.csv", "CompleteMultipartUpload"),
    ]
    assert len({e["id"] for e in created}) == 3
    sequencers = [int(e["detail"]["object"]["sequencer"], 16) for e in created]
    assert sequencers == sorted(sequencers)
    [deleted] = delivered("deleted", 1)
    assert deleted["detail-type"] == "Object Deleted"
    assert (deleted["detail"]["reason"], deleted["detail"]["deletion-type"]) == (
        "DeleteObject",
        "Permanently Deleted",
    )


def test_a_slow_consumer_does_not_slow_the_upload(emulator, delivered):
    """The product's chain: the rule sends to a FIFO queue whose mapped function takes two seconds."""
    events, awslambda = emulator.client("events"), emulator.client("lambda")
    rule = events.put_rule(Name="to-fifo", EventPattern=pattern(prefix="slow/"))["RuleArn"]
    _, arn = queue_for_rule(
        emulator, "uploads.fifo", rule, FifoQueue="true", ContentBasedDeduplication="true"
    )
    events.put_targets(
        Rule="to-fifo", Targets=[{"Id": "fifo", "Arn": arn, "SqsParameters": {"MessageGroupId": "ingest"}}]
    )
    sleeper = "import time, boto3\ndef handler(event, context):\n    time.sleep(2)\n"
    sleeper += f"    boto3.client('s3').put_object(Bucket='{BUCKET}', Key='slow-done', Body=b'')\n"
    create(awslambda, "slow-consumer", Code={"ZipFile": code_zip(sleeper)}, Timeout=30)
    awslambda.create_event_source_mapping(FunctionName="slow-consumer", EventSourceArn=arn, BatchSize=1)

    s3 = emulator.client("s3")
    started = time.monotonic()
    s3.put_object(Bucket=BUCKET, Key="slow/upload.csv", Body=b"x")
    assert time.monotonic() - started < 0.5
    deadline = time.monotonic() + 15
    while "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="slow-done"):
        assert time.monotonic() < deadline, "the function never ran"
        time.sleep(0.05)


S3_EVENT = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "Object Created",
    "source": "aws.s3",
    "account": "123456789012",
    "time": "2026-12-02T04:00:00Z",
    "region": "us-east-1",
    "resources": [f"arn:aws:s3:::{BUCKET}"],
    "detail": {
        "version": "0",
        "bucket": {"name": BUCKET},
        "object": {"key": "feature-store-ingestion/incoming/abalone.csv", "size": 191873},
        "reason": "PutObject",
    },
}


@pytest.mark.parametrize(
    ("detail_pattern", "matches"),
    [
        ({"object": {"key": [{"prefix": "feature-store-ingestion/incoming/"}]}}, True),
        ({"object": {"key": [{"prefix": "other/"}]}}, False),
        ({"object": {"key": [{"suffix": ".csv"}]}}, True),
        ({"object": {"key": [{"suffix": ".parquet"}]}}, False),
        ({"reason": [{"anything-but": ["CopyObject"]}]}, True),
        ({"reason": [{"anything-but": ["PutObject"]}]}, False),
        ({"object": {"key": [{"wildcard": "feature-store-ingestion/*/abalone.csv"}]}}, True),
        ({"object": {"key": [{"wildcard": "*/outgoing/*"}]}}, False),
        ({"object": {"size": [{"numeric": [">", 0, "<=", 5368709120]}]}}, True),
        ({"object": {"size": [{"numeric": ["<", 100]}]}}, False),
        ({"object": {"version-id": [{"exists": False}]}}, True),
        ({"object": {"key": [{"exists": False}]}}, False),
        ({"bucket": {"name": [{"equals-ignore-case": BUCKET.upper()}]}}, True),
        ({"bucket": {"name": [BUCKET, "another-bucket"]}}, True),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else str(value),
)
def test_test_event_pattern_answers_for_each_operator(emulator, detail_pattern, matches):
    pattern = {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail_pattern}
    answer = emulator.client("events").test_event_pattern(
        EventPattern=json.dumps(pattern), Event=json.dumps(S3_EVENT)
    )
    assert answer["Result"] is matches


def test_test_event_pattern_refuses_an_event_without_eventbridge_s_fields(emulator):
    event = {key: value for key, value in S3_EVENT.items() if key != "account"}
    with pytest.raises(ClientError) as refused:
        emulator.client("events").test_event_pattern(EventPattern=pattern(), Event=json.dumps(event))
    assert refused.value.response["Error"]["Message"] == "Parameter Event is not valid."
