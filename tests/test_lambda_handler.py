"""The seed's Lambda handler (project-seed/s3-fs-ingestion/functions/start_fs_ingestion.py).

Loaded by path, as Lambda loads it from the function zip, and fed queue messages shaped as the SQS event
source mapping delivers them, each carrying S3's EventBridge "Object Created" event. S3 and SQS are moto
(in-process); SageMaker is a real boto3 client behind botocore's Stubber, so every request is checked
against the service model and the running executions are whatever a test says.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
import time
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from moto.events.models import EventPattern

from scripts import cfn_yaml
from tests.conftest import PROJECT_ROOT, REGION

HANDLER_PATH = PROJECT_ROOT / "project-seed" / "s3-fs-ingestion" / "functions" / "start_fs_ingestion.py"
PRODUCT = PROJECT_ROOT / "cfn-templates" / "project-s3-fs-ingestion.yaml"
PIPELINE_NAME = "s3-fs-ingest-pipeline-p-abcdefgh1234"
BUCKET = "sagemaker-us-east-1-123456789012"
ARTIFACTS = "sagemaker-fsi-p-abcdefgh1234-artifacts"
PREFIX = "feature-store-ingestion/incoming/"
EVENT_ID = "7bf73129-1428-4cd3-a780-95db273d1602"
EVENT_TIME = "2024-01-02T03:04:05Z"
STAMP = "20240102T030405Z"
EXECUTION_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{PIPELINE_NAME}/execution/abcdef123456"
DISPLAY_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}")


def object_created(key: str, bucket: str = BUCKET, event_id: str = EVENT_ID) -> dict:
    """S3's EventBridge "Object Created" event, as the user guide shows it."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": EVENT_TIME,
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": key,
                "size": 5,
                "etag": "b1946ac92492d2347c6235b4d2611184",
                "sequencer": "617f08",
            },
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": "123456789012",
            "reason": "PutObject",
        },
    }


def message(body: dict | str, sent_seconds_ago: float = 10, message_id: str = "m-1") -> dict:
    """One record of the SQS event the event source mapping delivers."""
    return {
        "messageId": message_id,
        "receiptHandle": "AQEB-receipt",
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(int((time.time() - sent_seconds_ago) * 1000)),
            "MessageGroupId": "ingest",
        },
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:sagemaker-fsi-p-abcdefgh1234-ingest.fifo",
    }


class World:
    """The function's AWS: moto's S3 and SQS, a stubbed SageMaker."""

    def __init__(self, handler, monkeypatch) -> None:
        self.s3 = boto3.client("s3", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.sagemaker = boto3.client("sagemaker", region_name=REGION)
        self.stubber = Stubber(self.sagemaker)
        self.s3.create_bucket(Bucket=BUCKET)
        self.s3.create_bucket(Bucket=ARTIFACTS)
        self.queue = self.sqs.create_queue(
            QueueName="sagemaker-fsi-p-abcdefgh1234-ingest.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]
        self.dlq = self.sqs.create_queue(QueueName="sagemaker-fsi-p-abcdefgh1234-dlq")["QueueUrl"]
        for name, value in {
            "PIPELINE_NAME": PIPELINE_NAME,
            "DATA_BUCKET": BUCKET,
            "DATA_KEY_PREFIX": PREFIX,
            "MAX_CONCURRENT_EXECUTIONS": "2",
            "INGESTION_QUEUE_URL": self.queue,
            "DEAD_LETTER_QUEUE_URL": self.dlq,
            "MANIFEST_BUCKET": ARTIFACTS,
            "MANIFEST_PREFIX": "ingest-manifests/",
            "START_DEADLINE_SECONDS": "86400",
        }.items():
            monkeypatch.setenv(name, value)
        clients = {"s3": self.s3, "sqs": self.sqs, "sagemaker": self.sagemaker}
        monkeypatch.setattr(handler, "client", clients.__getitem__)
        self.stubber.activate()

    def upload(self, key: str) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=b"a,b\n1,2\n")

    def running(self, count: int) -> None:
        """The next ListPipelineExecutions sees ``count`` running executions among finished ones."""
        summaries = [
            {"PipelineExecutionArn": f"{EXECUTION_ARN}{i}", "PipelineExecutionStatus": status}
            for i, status in enumerate(["Executing"] * count + ["Succeeded", "Failed"])
        ]
        self.stubber.add_response(
            "list_pipeline_executions",
            {"PipelineExecutionSummaries": summaries},
            {
                "PipelineName": PIPELINE_NAME,
                "SortBy": "CreationTime",
                "SortOrder": "Descending",
                "MaxResults": 100,
            },
        )

    def expect_start(self, key: str, display: str, token: str = EVENT_ID) -> None:
        self.stubber.add_response(
            "start_pipeline_execution",
            {"PipelineExecutionArn": EXECUTION_ARN},
            {
                "PipelineName": PIPELINE_NAME,
                "PipelineExecutionDisplayName": display,
                "PipelineExecutionDescription": f"s3://{BUCKET}/{key}",
                "PipelineParameters": [
                    {"Name": "InputDataUrl", "Value": f"s3://{BUCKET}/{key}"},
                    {"Name": "InputManifestUrl", "Value": f"s3://{ARTIFACTS}/ingest-manifests/{token}.json"},
                ],
                "ClientRequestToken": token,
            },
        )

    def receipt(self) -> str:
        """The receipt handle of a message of the ingestion queue, as the event source mapping holds it."""
        self.sqs.send_message(
            QueueUrl=self.queue, MessageBody=json.dumps({"n": time.time()}), MessageGroupId="ingest"
        )
        [received] = self.sqs.receive_message(QueueUrl=self.queue)["Messages"]
        return received["ReceiptHandle"]

    def dead_letters(self) -> list[dict]:
        received = self.sqs.receive_message(
            QueueUrl=self.dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        return [
            {
                "body": m["Body"],
                **{name: value["StringValue"] for name, value in m.get("MessageAttributes", {}).items()},
            }
            for m in received
        ]


@pytest.fixture
def handler(monkeypatch):
    """The module imported by name from the function zip's root, as Lambda's runtime imports it."""
    spec = importlib.util.spec_from_file_location("start_fs_ingestion", HANDLER_PATH)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "start_fs_ingestion", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def world(moto, handler, monkeypatch) -> World:
    world = World(handler, monkeypatch)
    yield world
    world.stubber.assert_no_pending_responses()


def run(handler, *records: dict) -> dict:
    return handler.lambda_handler({"Records": list(records)}, None)


# --- starting an execution -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_key", "stored_key", "display"),
    [
        (PREFIX + "abalone.csv", PREFIX + "abalone.csv", f"abalone-{STAMP}"),
        (PREFIX + "my.data.v2.csv", PREFIX + "my.data.v2.csv", f"my-data-v2-{STAMP}"),
        (PREFIX + "sub/DATA.CSV", PREFIX + "sub/DATA.CSV", f"DATA-{STAMP}"),
        (PREFIX + "my  file (1).csv", PREFIX + "my  file (1).csv", f"my-file-1-{STAMP}"),
        (PREFIX + "c++ notes.csv", PREFIX + "c++ notes.csv", f"c-notes-{STAMP}"),
        (PREFIX + "데이터_파일.csv", PREFIX + "데이터_파일.csv", f"upload-{STAMP}"),
        # A key as S3's notifications encode it ('+' for a space) is found under its decoded name.
        (PREFIX + "a%20b+c.csv", PREFIX + "a b c.csv", f"a-b-c-{STAMP}"),
    ],
    ids=["plain", "dots", "upper-case-in-subfolder", "spaces", "plus-signs", "unicode", "url-encoded"],
)
def test_an_upload_starts_the_pipeline_on_a_manifest_of_exactly_that_object(
    handler, world, event_key, stored_key, display
):
    world.upload(stored_key)
    world.upload(stored_key + ".bak")  # a prefix input would have taken this too
    world.running(1)
    world.expect_start(stored_key, display)
    assert run(handler, message(object_created(event_key))) == {"batchItemFailures": []}
    manifest = world.s3.get_object(Bucket=ARTIFACTS, Key=f"ingest-manifests/{EVENT_ID}.json")["Body"].read()
    assert json.loads(manifest) == [{"prefix": f"s3://{BUCKET}/"}, stored_key]
    assert world.dead_letters() == []


def test_the_longest_usable_key_starts(handler, world):
    key = PREFIX + "y" * (1024 - len(f"s3://{BUCKET}/") - len(PREFIX) - 4) + ".csv"
    assert len(f"s3://{BUCKET}/{key}") == 1024
    world.upload(key)
    world.running(0)
    world.expect_start(key, "y" * 65 + f"-{STAMP}")
    assert run(handler, message(object_created(key))) == {"batchItemFailures": []}


def test_a_short_event_id_gives_a_hashed_token(handler, world):
    world.upload(PREFIX + "a.csv")
    world.running(0)
    token = hashlib.sha256(b"short").hexdigest()
    world.expect_start(PREFIX + "a.csv", f"a-{STAMP}", token=token)
    assert run(handler, message(object_created(PREFIX + "a.csv", event_id="short"))) == {
        "batchItemFailures": []
    }


def test_a_redelivered_event_sends_the_same_request(handler, world):
    world.upload(PREFIX + "a.csv")
    for _ in range(2):
        world.running(0)
        world.expect_start(PREFIX + "a.csv", f"a-{STAMP}")
        assert run(handler, message(object_created(PREFIX + "a.csv"))) == {"batchItemFailures": []}


# --- not this project's business ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (
            object_created("feature-store-ingestion/other/a.csv"),
            f"key is outside the monitored prefix {PREFIX!r}",
        ),
        (
            object_created(PREFIX + "a.csv", bucket="someone-elses"),
            f"bucket someone-elses is not the monitored bucket {BUCKET}",
        ),
        (object_created(PREFIX + "notes.txt"), "key does not end in .csv"),
        (object_created(PREFIX + "a.csv.gz"), "key does not end in .csv"),
        (object_created(PREFIX + "batch.csv/"), "key is a folder"),
    ],
    ids=["outside-prefix", "other-bucket", "not-csv", "compressed", "folder"],
)
def test_other_objects_are_acknowledged_with_a_log_line(handler, world, caplog, event, reason):
    caplog.set_level("INFO")
    assert run(handler, message(event)) == {"batchItemFailures": []}
    assert any(record.getMessage().endswith(reason) for record in caplog.records)
    assert world.dead_letters() == []


# --- waiting and retrying -----------------------------------------------------------------------------


def test_at_the_limit_an_upload_waits_in_the_queue(handler, world):
    world.upload(PREFIX + "a.csv")
    world.running(2)
    record = {**message(object_created(PREFIX + "a.csv")), "receiptHandle": world.receipt()}
    assert run(handler, record) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert world.dead_letters() == []
    # It comes back after the wait, not after the queue's default visibility timeout.
    visible = world.sqs.receive_message(QueueUrl=world.queue, VisibilityTimeout=0).get("Messages", [])
    assert visible == []


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ResourceLimitExceeded", "ResourceNotFound", "InternalFailure"]
)
def test_a_failed_start_is_retried(handler, world, caplog, code):
    world.upload(PREFIX + "a.csv")
    world.running(0)
    world.stubber.add_client_error("start_pipeline_execution", code, "try later", http_status_code=400)
    assert run(handler, message(object_created(PREFIX + "a.csv"))) == {
        "batchItemFailures": [{"itemIdentifier": "m-1"}]
    }
    assert world.dead_letters() == []
    assert any(
        f"StartPipelineExecution failed for s3://{BUCKET}/{PREFIX}a.csv: {code}" in r.getMessage()
        for r in caplog.records
    )


def test_what_cannot_start_within_the_deadline_goes_to_the_dead_letter_queue(handler, world):
    world.upload(PREFIX + "a.csv")
    world.running(2)
    body = object_created(PREFIX + "a.csv")
    assert run(handler, message(body, sent_seconds_ago=86401)) == {"batchItemFailures": []}
    [dead] = world.dead_letters()
    assert dead["body"] == json.dumps(body)
    assert dead["ERROR_CODE"] == "DeadlineExceeded"
    assert dead["ERROR_MESSAGE"].startswith("not started within 86400 s of the upload; last: 2 execution(s)")


# --- straight to the dead-letter queue ----------------------------------------------------------------


def test_a_uri_too_long_for_a_pipeline_parameter_goes_to_the_dead_letter_queue_at_once(handler, world):
    key = PREFIX + "x" * (1024 - len(PREFIX) - len(".csv")) + ".csv"
    world.upload(key)
    body = object_created(key)
    assert run(handler, message(body)) == {"batchItemFailures": []}
    [dead] = world.dead_letters()
    assert (dead["body"], dead["ERROR_CODE"]) == (json.dumps(body), "UriTooLong")
    assert dead["ERROR_MESSAGE"].endswith(
        "a pipeline parameter holds at most 1024: shorten the key and upload again"
    )


@pytest.mark.parametrize(
    ("body", "code", "message_text"),
    [
        ("not json", "NotAnEvent", "the message is not JSON"),
        (
            json.dumps({"detail-type": "Scheduled Event", "detail": {}}),
            "NotAnEvent",
            "the message is not S3's",
        ),
        (
            json.dumps({**object_created(PREFIX + "a.csv"), "id": ""}),
            "NotAnEvent",
            "the event names no bucket, key or id",
        ),
    ],
    ids=["not-json", "other-event", "no-id"],
)
def test_a_message_that_is_not_an_upload_goes_to_the_dead_letter_queue(
    handler, world, body, code, message_text
):
    assert run(handler, message(body)) == {"batchItemFailures": []}
    [dead] = world.dead_letters()
    assert (dead["body"], dead["ERROR_CODE"]) == (body, code)
    assert dead["ERROR_MESSAGE"].startswith(message_text)


def test_an_object_deleted_before_it_was_ingested_goes_to_the_dead_letter_queue(handler, world):
    assert run(handler, message(object_created(PREFIX + "gone.csv"))) == {"batchItemFailures": []}
    [dead] = world.dead_letters()
    assert dead["ERROR_CODE"] == "NoSuchKey"
    assert dead["ERROR_MESSAGE"] == f"s3://{BUCKET}/{PREFIX}gone.csv no longer exists: upload it again"


def test_a_refused_request_goes_to_the_dead_letter_queue(handler, world):
    world.upload(PREFIX + "a.csv")
    world.running(0)
    world.stubber.add_client_error("start_pipeline_execution", "ValidationException", "bad parameter")
    assert run(handler, message(object_created(PREFIX + "a.csv"))) == {"batchItemFailures": []}
    [dead] = world.dead_letters()
    assert dead["ERROR_CODE"] == "ValidationException"


def test_missing_configuration_fails_loudly(handler, world, monkeypatch):
    monkeypatch.delenv("DEAD_LETTER_QUEUE_URL")
    with pytest.raises(RuntimeError, match="environment variable DEAD_LETTER_QUEUE_URL is not set"):
        run(handler, message(object_created(PREFIX + "a.csv")))


# --- display names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["", ".csv", "---.csv", "a" * 2000 + ".csv", "😀.csv", "x/y/", "A_B-C.csv", "1.csv"],
)
def test_display_name_always_valid(handler, key):
    name = handler.display_name(key, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert DISPLAY_NAME.fullmatch(name), name
    assert len(name) <= 82


# --- the rule that feeds the queue --------------------------------------------------------------------


def _filled(node, values: dict[str, str]):
    if isinstance(node, cfn_yaml.Tagged):
        assert node.tag == "!Ref", node
        return values[node.value]
    if isinstance(node, dict):
        return {key: _filled(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_filled(value, values) for value in node]
    return node


def _rule_pattern() -> EventPattern:
    """The product's rule pattern with its parameters filled in (moto's pattern matcher decides)."""
    rule = cfn_yaml.loads(PRODUCT.read_text())["Resources"]["ObjectCreatedRule"]
    pattern = _filled(rule["Properties"]["EventPattern"], {"DataBucketName": BUCKET, "DataKeyPrefix": PREFIX})
    return EventPattern.load(json.dumps(pattern))


@pytest.mark.parametrize(
    ("event", "matches"),
    [
        (object_created(PREFIX + "abalone.csv"), True),
        (object_created(PREFIX + "with spaces and + plus.csv"), True),
        (object_created(PREFIX + "데이터/파일.csv"), True),
        (object_created(PREFIX + "z" * 1000 + ".csv"), True),
        (object_created("feature-store-ingestion/other/a.csv"), False),
        (object_created("feature-store-ingestion/incoming"), False),
        (object_created(PREFIX + "a.csv", bucket="someone-elses"), False),
        ({**object_created(PREFIX + "a.csv"), "detail-type": "Object Deleted"}, False),
    ],
    ids=[
        "plain",
        "spaces-and-plus",
        "unicode",
        "very-long",
        "other-prefix",
        "the-prefix-itself",
        "other-bucket",
        "deleted",
    ],
)
def test_the_rule_matches_uploads_under_the_prefix_of_the_bucket_only(event, matches):
    assert _rule_pattern().matches_event(event) is matches


def test_each_record_of_a_batch_is_handled(handler, world):
    world.upload(PREFIX + "a.csv")
    world.running(0)
    world.expect_start(PREFIX + "a.csv", f"a-{STAMP}")
    world.running(2)
    first = message(object_created(PREFIX + "a.csv"))
    second = {
        **message(object_created(PREFIX + "a.csv", event_id="e" * 40), message_id="m-2"),
        "receiptHandle": world.receipt(),
    }
    assert run(handler, first, second) == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
