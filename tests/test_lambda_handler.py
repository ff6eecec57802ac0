"""The seed's Lambda handler (project-seed/s3-fs-ingestion/functions/start_fs_ingestion.py).

Loaded by path, as Lambda loads it from the function zip. The SageMaker client is a real boto3
client with fake credentials behind botocore's Stubber, so every request is checked against the
service model and nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import socket
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

HANDLER_PATH = (
    Path(__file__).resolve().parents[1]
    / "project-seed"
    / "s3-fs-ingestion"
    / "functions"
    / "start_fs_ingestion.py"
)

PIPELINE_NAME = "s3-fs-ingest-pipeline-p-abcdefgh1234"
BUCKET = "sagemaker-us-east-1-111122223333"
PREFIX = "feature-store-ingestion/incoming/"
EVENT_ID = "7bf73129-1428-4cd3-a780-95db273d1602"
EVENT_TIME = "2024-01-02T03:04:05Z"
STAMP = "20240102T030405Z"
EXECUTION_ARN = f"arn:aws:sagemaker:us-east-1:111122223333:pipeline/{PIPELINE_NAME}/execution/abcdef123456"
DISPLAY_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}")


def load_handler():
    spec = importlib.util.spec_from_file_location("start_fs_ingestion", HANDLER_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def handler(monkeypatch):
    """A freshly loaded handler module with its configuration and fake AWS credentials."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PIPELINE_NAME": PIPELINE_NAME,
        "DATA_BUCKET": BUCKET,
        "DATA_KEY_PREFIX": PREFIX,
    }.items():
        monkeypatch.setenv(name, value)

    def refuse(*args, **kwargs):
        raise OSError("network access blocked in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return load_handler()


@pytest.fixture
def stubbed(handler, monkeypatch):
    """(stubber, captured requests): the handler's client replaced by a stubbed real client."""
    client = boto3.client("sagemaker", region_name="us-east-1")
    requests: list[dict] = []
    client.meta.events.register(
        "provide-client-params.sagemaker.StartPipelineExecution",
        lambda params, **_: requests.append(dict(params)),
    )
    monkeypatch.setattr(handler, "sagemaker_client", lambda: client)
    with Stubber(client) as stubber:
        yield stubber, requests
        stubber.assert_no_pending_responses()


# --- events ----------------------------------------------------------------------------------


def cloudtrail_event(key, bucket=BUCKET, event_name="PutObject", **detail_extra):
    """EventBridge "AWS API Call via CloudTrail": the key is recorded literally."""
    return {
        "version": "0",
        "id": EVENT_ID,
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.s3",
        "account": "111122223333",
        "time": EVENT_TIME,
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventSource": "s3.amazonaws.com",
            "eventName": event_name,
            "requestParameters": {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com", "key": key},
            **detail_extra,
        },
    }


def native_event(encoded_key, bucket=BUCKET):
    """EventBridge "Object Created" sent by S3 itself: the key is URL-encoded."""
    return {
        "version": "0",
        "id": EVENT_ID,
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "111122223333",
        "time": EVENT_TIME,
        "region": "us-east-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": encoded_key, "size": 5, "sequencer": "0062E99A88DC407460"},
            "reason": "PutObject",
        },
    }


def records_event(encoded_key, bucket=BUCKET, sequencer="0055AED6DCD90281E5"):
    """An S3 event notification: Records[].s3, URL-encoded key, no EventBridge id."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventTime": "2024-01-02T03:04:05.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": encoded_key, "size": 5, "sequencer": sequencer},
                },
            }
        ]
    }


LONG_KEY = PREFIX + "x" * (1024 - len(PREFIX) - len(".csv")) + ".csv"
# The longest key whose s3:// URI still fits a pipeline parameter value (1,024 characters).
LONGEST_USABLE_KEY = PREFIX + "y" * (1024 - len(f"s3://{BUCKET}/") - len(PREFIX) - 4) + ".csv"
# A file name whose 65-character cut ends exactly on a separator.
CUT_ON_SEPARATOR_KEY = PREFIX + "a" * 64 + "_tail.csv"
RECORDS_TOKEN = hashlib.sha256(f"{BUCKET}/{PREFIX}a%20b+c.csv/0055AED6DCD90281E5".encode()).hexdigest()


def start(key, display, token=EVENT_ID):
    return {"action": "start", "key": key, "display": display, "token": token}


def skip(reason):
    return {"action": "skip", "reason": reason}


CASES = [
    pytest.param(
        cloudtrail_event(PREFIX + "abalone.csv"),
        start(PREFIX + "abalone.csv", f"abalone-{STAMP}"),
        id="cloudtrail-good",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "abalone.csv", event_name="CompleteMultipartUpload"),
        start(PREFIX + "abalone.csv", f"abalone-{STAMP}"),
        id="cloudtrail-multipart",
    ),
    pytest.param(
        native_event(PREFIX + "a%20b+c.csv"),
        start(PREFIX + "a b c.csv", f"a-b-c-{STAMP}"),
        id="native-url-encoded-key",
    ),
    pytest.param(
        records_event(PREFIX + "a%20b+c.csv"),
        start(PREFIX + "a b c.csv", f"a-b-c-{STAMP}", token=RECORDS_TOKEN),
        id="s3-records-url-encoded-key",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "a+b%20c.csv"),
        start(PREFIX + "a+b%20c.csv", f"a-b-20c-{STAMP}"),
        id="cloudtrail-key-is-literal",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "my.data.v2.csv"),
        start(PREFIX + "my.data.v2.csv", f"my-data-v2-{STAMP}"),
        id="dots",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "my  file (1).csv"),
        start(PREFIX + "my  file (1).csv", f"my-file-1-{STAMP}"),
        id="spaces",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "데이터_파일.csv"),
        start(PREFIX + "데이터_파일.csv", f"upload-{STAMP}"),
        id="unicode-only-name",
    ),
    pytest.param(
        cloudtrail_event(LONGEST_USABLE_KEY),
        start(LONGEST_USABLE_KEY, "y" * 65 + f"-{STAMP}"),
        id="longest-usable-key",
    ),
    pytest.param(
        cloudtrail_event(CUT_ON_SEPARATOR_KEY),
        start(CUT_ON_SEPARATOR_KEY, "a" * 64 + f"-{STAMP}"),
        id="cut-on-separator",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "sub/DATA.CSV"),
        start(PREFIX + "sub/DATA.CSV", f"DATA-{STAMP}"),
        id="upper-case-CSV-in-subfolder",
    ),
    pytest.param(
        cloudtrail_event("feature-store-ingestion/other/abalone.csv"),
        skip(f"key is outside the monitored prefix {PREFIX!r}"),
        id="outside-prefix",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "abalone.csv", bucket="someone-elses-bucket"),
        skip(f"bucket someone-elses-bucket is not the monitored bucket {BUCKET}"),
        id="other-bucket",
    ),
    pytest.param(
        native_event(PREFIX + "abalone.csv", bucket="someone-elses-bucket"),
        skip(f"bucket someone-elses-bucket is not the monitored bucket {BUCKET}"),
        id="other-bucket-native",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "notes.txt"),
        skip("key does not end in .csv"),
        id="not-csv",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "abalone.csv.gz"),
        skip("key does not end in .csv"),
        id="compressed-csv",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "batch.csv/"),
        skip("key is a folder"),
        id="folder-key",
    ),
    pytest.param(
        cloudtrail_event(PREFIX + "abalone.csv", errorCode="AccessDenied"),
        skip("the S3 request failed (AccessDenied)"),
        id="failed-s3-call",
    ),
    pytest.param(
        {"detail-type": "Scheduled Event", "detail": {}},
        {"action": "skip", "reason": "the event reports no S3 object", "uri": None},
        id="no-object-in-event",
    ),
]


@pytest.mark.parametrize(("event", "expected"), CASES)
def test_event_table(handler, stubbed, caplog, event, expected):
    stubber, requests = stubbed
    caplog.set_level(logging.INFO, logger="start_fs_ingestion")

    if expected["action"] == "start":
        s3_uri = f"s3://{BUCKET}/{expected['key']}"
        stubber.add_response(
            "start_pipeline_execution",
            {"PipelineExecutionArn": EXECUTION_ARN},
            {
                "PipelineName": PIPELINE_NAME,
                "PipelineExecutionDisplayName": expected["display"],
                "PipelineParameters": [{"Name": "InputDataUrl", "Value": s3_uri}],
                "PipelineExecutionDescription": s3_uri,
                "ClientRequestToken": expected["token"],
            },
        )
        summary = handler.lambda_handler(event, None)
        assert summary == {
            "started": [
                {
                    "s3Uri": s3_uri,
                    "displayName": expected["display"],
                    "pipelineExecutionArn": EXECUTION_ARN,
                }
            ],
            "skipped": [],
        }
        [request] = requests
        assert DISPLAY_NAME.fullmatch(request["PipelineExecutionDisplayName"])
        assert len(request["PipelineExecutionDisplayName"]) <= 82
        assert 32 <= len(request["ClientRequestToken"]) <= 128
        assert any(f"started {PIPELINE_NAME} for {s3_uri}" in m for m in caplog.messages)
    else:
        summary = handler.lambda_handler(event, None)
        assert summary["started"] == []
        [skipped] = summary["skipped"]
        assert skipped["reason"] == expected["reason"]
        assert requests == []  # no API call
        skip_lines = [m for m in caplog.messages if m.startswith("skipped")]
        assert len(skip_lines) == 1
        assert skip_lines[0].endswith(expected["reason"])


def test_api_failure_is_logged_and_raised(handler, stubbed, caplog):
    stubber, _ = stubbed
    stubber.add_client_error(
        "start_pipeline_execution",
        service_error_code="ResourceNotFound",
        service_message=f"Pipeline '{PIPELINE_NAME}' does not exist.",
        http_status_code=400,
    )
    with pytest.raises(ClientError) as excinfo:
        handler.lambda_handler(cloudtrail_event(PREFIX + "abalone.csv"), None)
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFound"
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == (
        f"StartPipelineExecution failed for s3://{BUCKET}/{PREFIX}abalone.csv "
        f"(pipeline {PIPELINE_NAME}); raising so Lambda retries"
    )
    assert record.exc_info is not None


def test_any_other_failure_is_logged_and_raised(handler, monkeypatch, caplog):
    class Broken:
        def start_pipeline_execution(self, **kwargs):
            raise RuntimeError("boom")

    monkeypatch.setattr(handler, "sagemaker_client", Broken)
    with pytest.raises(RuntimeError, match="boom"):
        handler.lambda_handler(cloudtrail_event(PREFIX + "abalone.csv"), None)
    assert any("StartPipelineExecution failed" in r.getMessage() for r in caplog.records)


def test_short_event_id_gives_a_hashed_token(handler, stubbed):
    stubber, requests = stubbed
    event = cloudtrail_event(PREFIX + "abalone.csv")
    event["id"] = "short-id"
    stubber.add_response("start_pipeline_execution", {"PipelineExecutionArn": EXECUTION_ARN})
    handler.lambda_handler(event, None)
    assert requests[0]["ClientRequestToken"] == hashlib.sha256(b"short-id").hexdigest()


def test_missing_event_time_uses_now(handler, stubbed):
    stubber, requests = stubbed
    event = cloudtrail_event(PREFIX + "abalone.csv")
    del event["time"]
    stubber.add_response("start_pipeline_execution", {"PipelineExecutionArn": EXECUTION_ARN})
    handler.lambda_handler(event, None)
    name = requests[0]["PipelineExecutionDisplayName"]
    assert re.fullmatch(r"abalone-\d{8}T\d{6}Z", name)


def test_redelivered_event_sends_the_same_request(handler, stubbed):
    stubber, requests = stubbed
    for _ in range(2):
        stubber.add_response("start_pipeline_execution", {"PipelineExecutionArn": EXECUTION_ARN})
    event = native_event(PREFIX + "abalone.csv")
    handler.lambda_handler(event, None)
    handler.lambda_handler(event, None)
    assert requests[0] == requests[1]
    assert requests[0]["ClientRequestToken"] == EVENT_ID


def test_empty_prefix_monitors_the_whole_bucket(handler, stubbed, monkeypatch):
    stubber, requests = stubbed
    monkeypatch.setenv("DATA_KEY_PREFIX", "")
    stubber.add_response("start_pipeline_execution", {"PipelineExecutionArn": EXECUTION_ARN})
    handler.lambda_handler(cloudtrail_event("top.csv"), None)
    assert requests[0]["PipelineParameters"] == [{"Name": "InputDataUrl", "Value": f"s3://{BUCKET}/top.csv"}]


@pytest.mark.parametrize("variable", ["PIPELINE_NAME", "DATA_BUCKET", "DATA_KEY_PREFIX"])
def test_missing_configuration_fails_loudly(handler, monkeypatch, variable):
    monkeypatch.delenv(variable)
    with pytest.raises(RuntimeError, match=f"environment variable {variable} is not set"):
        handler.lambda_handler(cloudtrail_event(PREFIX + "abalone.csv"), None)


def test_a_key_too_long_for_a_pipeline_parameter_is_raised_to_the_dead_letter_queue(handler, stubbed, caplog):
    _, requests = stubbed
    s3_uri = f"s3://{BUCKET}/{LONG_KEY}"
    expected = (
        f"cannot start {PIPELINE_NAME} for {s3_uri}: the S3 URI is {len(s3_uri)} characters and a "
        "pipeline parameter holds at most 1024; shorten the key and upload again"
    )
    with pytest.raises(ValueError) as raised:
        handler.lambda_handler(cloudtrail_event(LONG_KEY), None)
    assert str(raised.value) == expected
    assert requests == []
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [expected]


def test_1024_character_key_gets_a_valid_display_name(handler):
    assert len(LONG_KEY) == 1024
    name = handler.display_name(LONG_KEY, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert name == "x" * 65 + f"-{STAMP}"
    assert len(name) == 82


@pytest.mark.parametrize(
    "key",
    ["", ".csv", "---.csv", "a" * 2000 + ".csv", "😀.csv", "x/y/", "A_B-C.csv", "1.csv"],
)
def test_display_name_always_valid(handler, key):
    name = handler.display_name(key, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert DISPLAY_NAME.fullmatch(name), name
    assert len(name) <= 82


def test_client_is_created_lazily_once(handler):
    assert handler._client is None
    first = handler.sagemaker_client()
    assert first is handler.sagemaker_client()
    assert first.meta.service_model.service_name == "sagemaker"
