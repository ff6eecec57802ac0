"""Lambda: start the project's SageMaker pipeline for each CSV that lands under the monitored prefix.

Handler `start_fs_ingestion.lambda_handler` (python3.13; standard library and boto3 only), fed by the
project's FIFO ingestion queue one message at a time (an SQS event source mapping with
ReportBatchItemFailures). Each message body is S3's EventBridge "Object Created" event.

Environment (set by the project template):
  PIPELINE_NAME              the SageMaker pipeline to start
  DATA_BUCKET                the monitored bucket
  DATA_KEY_PREFIX            the monitored key prefix (e.g. `feature-store-ingestion/incoming/`)
  MAX_CONCURRENT_EXECUTIONS  how many executions may run at once; further events wait in the queue
  INGESTION_QUEUE_URL        the queue the messages come from (to make a waiting message wait longer)
  DEAD_LETTER_QUEUE_URL      where an event that cannot start goes
  MANIFEST_BUCKET            where the one-object manifests are written (the project's artifacts bucket)
  MANIFEST_PREFIX            and under which prefix
  START_DEADLINE_SECONDS     how long an event may wait or be retried before it goes to the DLQ (a day)

What happens to one event:
  - not for this project (another bucket, outside the prefix), a folder, not a `.csv`: logged and
    acknowledged;
  - the object no longer exists, its URI does not fit a pipeline parameter, or the body is not an S3
    event: sent to the dead-letter queue at once (retrying cannot help);
  - MAX_CONCURRENT_EXECUTIONS executions already run: it waits (the message comes back after
    WAIT_SECONDS);
  - otherwise a manifest listing exactly this object is written and the pipeline is started with the
    event id as idempotency token (a redelivered or replayed event never starts a second execution);
  - a failure to start (throttling, the pipeline not built yet, ...) is retried the same way; an event
    that has not started within START_DEADLINE_SECONDS goes to the dead-letter queue.
Dead letters are the event itself with ERROR_CODE and ERROR_MESSAGE attributes, the shape EventBridge
gives the events it cannot deliver, so `make redrive` replays both alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

DISPLAY_NAME_MAX = 82  # PipelineExecutionDisplayName: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}
DESCRIPTION_MAX = 3072  # PipelineExecutionDescription
PARAMETER_VALUE_MAX = 1024  # a pipeline parameter value (InputDataUrl), in characters
TOKEN_MIN, TOKEN_MAX = 32, 128  # ClientRequestToken length
DISPLAY_NAME_FALLBACK = "upload"
WAIT_SECONDS = 300  # how long a message waits for a free execution slot before it is looked at again
RUNNING = ("Executing", "Stopping")
# Errors no retry can fix: the request itself is wrong.
PERMANENT_ERRORS = ("ValidationException",)

_clients: dict[str, object] = {}


def client(service: str):
    """One boto3 client per service, created on first use (tests replace this function)."""
    if service not in _clients:
        _clients[service] = boto3.client(service)
    return _clients[service]


@dataclass(frozen=True)
class Settings:
    pipeline: str
    bucket: str
    prefix: str
    max_running: int
    queue_url: str
    dead_letter_url: str
    manifest_bucket: str
    manifest_prefix: str
    deadline_seconds: int

    @classmethod
    def from_environment(cls) -> Settings:
        def setting(name: str) -> str:
            value = os.environ.get(name)
            if value is None:
                raise RuntimeError(f"environment variable {name} is not set (the function's configuration)")
            return value

        return cls(
            pipeline=setting("PIPELINE_NAME"),
            bucket=setting("DATA_BUCKET"),
            prefix=setting("DATA_KEY_PREFIX"),
            max_running=int(setting("MAX_CONCURRENT_EXECUTIONS")),
            queue_url=setting("INGESTION_QUEUE_URL"),
            dead_letter_url=setting("DEAD_LETTER_QUEUE_URL"),
            manifest_bucket=setting("MANIFEST_BUCKET"),
            manifest_prefix=setting("MANIFEST_PREFIX"),
            deadline_seconds=int(os.environ.get("START_DEADLINE_SECONDS", "86400")),
        )


class DeadLetter(Exception):
    """This event cannot start the pipeline, now or later: it goes to the dead-letter queue."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Retry(Exception):
    """This event cannot start now; the queue gives it back after ``wait`` seconds."""

    def __init__(self, reason: str, wait: int | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


@dataclass(frozen=True)
class Upload:
    """The object an "Object Created" event reports."""

    event_id: str
    bucket: str
    key: str  # as the event gives it
    time: datetime

    @property
    def token(self) -> str:
        """ClientRequestToken: the event id, or its hash when it does not fit the token's length."""
        if TOKEN_MIN <= len(self.event_id) <= TOKEN_MAX:
            return self.event_id
        return hashlib.sha256(self.event_id.encode()).hexdigest()


def parse_event(body: str) -> Upload:
    """The upload an EventBridge "Object Created" event (a queue message's body) reports."""
    try:
        event = json.loads(body)
    except ValueError as error:
        raise DeadLetter("NotAnEvent", f"the message is not JSON ({error})") from None
    detail = event.get("detail") if isinstance(event, dict) else None
    if not isinstance(detail, dict) or event.get("detail-type") != "Object Created":
        raise DeadLetter("NotAnEvent", 'the message is not S3\'s EventBridge "Object Created" event')
    bucket = (detail.get("bucket") or {}).get("name")
    key = (detail.get("object") or {}).get("key")
    event_id = event.get("id")
    if not all(isinstance(value, str) and value for value in (bucket, key, event_id)):
        raise DeadLetter("NotAnEvent", "the event names no bucket, key or id")
    return Upload(event_id, bucket, key, _event_time(event.get("time")))


def _event_time(value: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def skip_reason(upload: Upload, settings: Settings) -> str:
    """Why this upload is none of this project's business ('' when it is)."""
    if upload.bucket != settings.bucket:
        return f"bucket {upload.bucket} is not the monitored bucket {settings.bucket}"
    if not upload.key.startswith(settings.prefix):
        return f"key is outside the monitored prefix {settings.prefix!r}"
    if upload.key.endswith("/"):
        return "key is a folder"
    if not upload.key.lower().endswith(".csv"):
        return "key does not end in .csv"
    return ""


def existing_key(upload: Upload) -> str:
    """The object's key as S3 stores it. An event's key is used as given; should it not exist, its
    URL-decoded form (S3's notifications encode keys, `+` for a space) is tried."""
    candidates = dict.fromkeys([upload.key, unquote_plus(upload.key)])
    for key in candidates:
        try:
            client("s3").head_object(Bucket=upload.bucket, Key=key)
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                continue
            raise Retry(f"cannot read s3://{upload.bucket}/{key}: {_describe(error)}") from None
        return key
    raise DeadLetter("NoSuchKey", f"s3://{upload.bucket}/{upload.key} no longer exists: upload it again")


def running_executions(pipeline: str) -> int:
    """Executions of the pipeline still running, among its latest hundred."""
    try:
        listed = client("sagemaker").list_pipeline_executions(
            PipelineName=pipeline, SortBy="CreationTime", SortOrder="Descending", MaxResults=100
        )
    except ClientError as error:
        raise Retry(f"cannot list the executions of {pipeline}: {_describe(error)}") from None
    return sum(
        summary.get("PipelineExecutionStatus") in RUNNING
        for summary in listed.get("PipelineExecutionSummaries", [])
    )


def display_name(key: str, when: datetime) -> str:
    """A PipelineExecutionDisplayName for any key: `<file-name-slug>-<UTC timestamp>`.

    The slug is the file name without `.csv`, its ASCII letter/digit runs joined by single '-'
    ('upload' when nothing is left); the name is cut to 82 characters without a trailing '-'.
    """
    file_name = key.rsplit("/", 1)[-1]
    if file_name.lower().endswith(".csv"):
        file_name = file_name[: -len(".csv")]
    slug = "-".join(re.findall(r"[A-Za-z0-9]+", file_name)) or DISPLAY_NAME_FALLBACK
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    slug = slug[: DISPLAY_NAME_MAX - len(stamp) - 1].rstrip("-")
    return f"{slug}-{stamp}"


def write_manifest(upload: Upload, key: str, settings: Settings) -> str:
    """A manifest listing exactly this object (an S3 prefix would also take `a.csv.bak`); its URI."""
    manifest_key = f"{settings.manifest_prefix}{upload.token}.json"
    body = json.dumps([{"prefix": f"s3://{upload.bucket}/"}, key])
    try:
        client("s3").put_object(
            Bucket=settings.manifest_bucket,
            Key=manifest_key,
            Body=body.encode(),
            ContentType="application/json",
        )
    except ClientError as error:
        raise Retry(
            f"cannot write the manifest s3://{settings.manifest_bucket}/{manifest_key}: {_describe(error)}"
        ) from None
    return f"s3://{settings.manifest_bucket}/{manifest_key}"


def start(upload: Upload, settings: Settings) -> str:
    """Start the pipeline for this upload; the execution's ARN."""
    key = existing_key(upload)
    s3_uri = f"s3://{upload.bucket}/{key}"
    if len(s3_uri) > PARAMETER_VALUE_MAX:
        # S3 keys may be 1,024 bytes, but a pipeline parameter holds at most 1,024 characters in all.
        raise DeadLetter(
            "UriTooLong",
            f"{s3_uri[:80]}... is {len(s3_uri)} characters and a pipeline parameter holds at most "
            f"{PARAMETER_VALUE_MAX}: shorten the key and upload again",
        )
    running = running_executions(settings.pipeline)
    if running >= settings.max_running:
        raise Retry(
            f"{running} execution(s) of {settings.pipeline} running, at most {settings.max_running}: waiting",
            wait=WAIT_SECONDS,
        )
    manifest = write_manifest(upload, key, settings)
    try:
        response = client("sagemaker").start_pipeline_execution(
            PipelineName=settings.pipeline,
            PipelineExecutionDisplayName=display_name(key, upload.time),
            PipelineExecutionDescription=s3_uri[:DESCRIPTION_MAX],
            PipelineParameters=[
                {"Name": "InputDataUrl", "Value": s3_uri},
                {"Name": "InputManifestUrl", "Value": manifest},
            ],
            ClientRequestToken=upload.token,
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in PERMANENT_ERRORS:
            raise DeadLetter(code, f"StartPipelineExecution refused {s3_uri}: {_describe(error)}") from None
        raise Retry(f"StartPipelineExecution failed for {s3_uri}: {_describe(error)}") from None
    return response["PipelineExecutionArn"]


def dead_letter(body: str, settings: Settings, code: str, message: str) -> None:
    client("sqs").send_message(
        QueueUrl=settings.dead_letter_url,
        MessageBody=body,
        MessageAttributes={
            "ERROR_CODE": {"DataType": "String", "StringValue": code},
            "ERROR_MESSAGE": {"DataType": "String", "StringValue": message[:1000]},
        },
    )


def handle(record: dict, settings: Settings) -> bool:
    """Handle one queue message; True when it is done with (acknowledged), False to see it again."""
    body = record.get("body", "")
    sent_ms = int((record.get("attributes") or {}).get("SentTimestamp", time.time() * 1000))
    waited = time.time() - sent_ms / 1000
    try:
        upload = parse_event(body)
        reason = skip_reason(upload, settings)
        if reason:
            logger.info("skipped s3://%s/%s: %s", upload.bucket, upload.key, reason)
            return True
        arn = start(upload, settings)
    except DeadLetter as failure:
        logger.error("to the dead-letter queue (%s): %s", failure.code, failure.message)
        dead_letter(body, settings, failure.code, failure.message)
        return True
    except Retry as failure:
        if waited > settings.deadline_seconds:
            message = f"not started within {settings.deadline_seconds} s of the upload; last: {failure}"
            logger.error("to the dead-letter queue (DeadlineExceeded): %s", message)
            dead_letter(body, settings, "DeadlineExceeded", message)
            return True
        logger.warning("will try again: %s", failure)
        if failure.wait:
            client("sqs").change_message_visibility(
                QueueUrl=settings.queue_url,
                ReceiptHandle=record["receiptHandle"],
                VisibilityTimeout=failure.wait,
            )
        return False
    logger.info("started %s for s3://%s/%s: %s", settings.pipeline, upload.bucket, upload.key, arn)
    return True


def lambda_handler(event, context):
    settings = Settings.from_environment()
    failures = [
        {"itemIdentifier": record["messageId"]}
        for record in event.get("Records", [])
        if not handle(record, settings)
    ]
    return {"batchItemFailures": failures}


def _describe(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code')}: {details.get('Message')}"
