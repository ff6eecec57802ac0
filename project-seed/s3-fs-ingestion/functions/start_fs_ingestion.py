"""Lambda: start the project's SageMaker pipeline for each CSV that lands under the monitored prefix.

Handler `start_fs_ingestion.lambda_handler` (python3.13; standard library and boto3 only).

Environment:
  PIPELINE_NAME      the SageMaker pipeline to start
  DATA_BUCKET        the monitored bucket
  DATA_KEY_PREFIX    the monitored key prefix (e.g. `feature-store-ingestion/incoming/`; may be empty)

Events understood:
  - EventBridge "AWS API Call via CloudTrail" (PutObject, CompleteMultipartUpload, CopyObject):
    detail.requestParameters.bucketName / .key. CloudTrail records the key as sent: used literally.
  - EventBridge "Object Created" sent by S3 itself: detail.bucket.name / detail.object.key.
  - S3 notifications: Records[].s3.bucket.name / .object.key.
    In both S3 shapes the key is URL-encoded (`+` for a space): decoded with `unquote_plus`.

An object outside the bucket/prefix, a "folder" key or a key not ending in `.csv` (any case) is
skipped with one log line saying why. A failed StartPipelineExecution is logged and re-raised, and so
is an object whose S3 URI cannot fit a pipeline parameter (1,024 characters): Lambda retries the event
and then sends it to the dead-letter queue, so no event is lost. The ClientRequestToken is derived
from the event, so a redelivered event does not start a second execution.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from datetime import UTC, datetime
from urllib.parse import unquote_plus

import boto3

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

DISPLAY_NAME_MAX = 82  # PipelineExecutionDisplayName: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}
DESCRIPTION_MAX = 3072  # PipelineExecutionDescription
PARAMETER_VALUE_MAX = 1024  # a pipeline parameter value (InputDataUrl), in characters
TOKEN_MIN, TOKEN_MAX = 32, 128  # ClientRequestToken length
DISPLAY_NAME_FALLBACK = "upload"

_client = None


def sagemaker_client():
    """The SageMaker client, created on first use (tests replace this function)."""
    global _client
    if _client is None:
        _client = boto3.client("sagemaker")
    return _client


def _setting(name: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise RuntimeError(f"environment variable {name} is not set (the function's configuration)")
    return value


def _event_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _token(seed: str | None) -> str | None:
    """An idempotency token from a stable event identity (None: let botocore generate one)."""
    if not seed:
        return None
    if TOKEN_MIN <= len(seed) <= TOKEN_MAX:
        return seed
    return _hashed(seed)


def _hashed(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def extract_objects(event: dict) -> list[dict]:
    """Return [{bucket, key, time, token, error}] for every S3 object the event reports."""
    objects = []
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    event_id = event.get("id") if isinstance(event.get("id"), str) else None
    event_time = _event_time(event.get("time"))

    request = detail.get("requestParameters")
    if isinstance(request, dict) and "bucketName" in request:
        # CloudTrail via EventBridge: the key is recorded literally, never URL-encoded.
        objects.append(
            {
                "bucket": request.get("bucketName"),
                "key": request.get("key"),
                "time": event_time,
                "token": _token(event_id),
                "error": detail.get("errorCode"),
            }
        )
    elif isinstance(detail.get("bucket"), dict) and isinstance(detail.get("object"), dict):
        # S3's own EventBridge "Object Created" event: URL-encoded key.
        key = detail["object"].get("key")
        objects.append(
            {
                "bucket": detail["bucket"].get("name"),
                "key": unquote_plus(key) if isinstance(key, str) else key,
                "time": event_time,
                "token": _token(event_id),
                "error": None,
            }
        )
    for record in event.get("Records") or []:
        s3 = record.get("s3") if isinstance(record, dict) else None
        if not isinstance(s3, dict):
            continue
        s3_object = s3.get("object") or {}
        key = s3_object.get("key")
        bucket = (s3.get("bucket") or {}).get("name")
        sequencer = s3_object.get("sequencer")
        # S3 notifications: URL-encoded key; the sequencer identifies this object event.
        objects.append(
            {
                "bucket": bucket,
                "key": unquote_plus(key) if isinstance(key, str) else key,
                "time": _event_time(record.get("eventTime")),
                "token": _hashed(f"{bucket}/{key}/{sequencer}") if sequencer else None,
                "error": None,
            }
        )
    return objects


def skip_reason(bucket: object, key: object, error: object, data_bucket: str, prefix: str) -> str:
    """Why this object must not start the pipeline ('' when it should)."""
    if error:
        return f"the S3 request failed ({error})"
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        return "the event names no bucket or key"
    if bucket != data_bucket:
        return f"bucket {bucket} is not the monitored bucket {data_bucket}"
    if not key.startswith(prefix):
        return f"key is outside the monitored prefix {prefix!r}"
    if key.endswith("/"):
        return "key is a folder"
    if not key.lower().endswith(".csv"):
        return "key does not end in .csv"
    return ""


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


def lambda_handler(event, context):
    pipeline_name = _setting("PIPELINE_NAME")
    data_bucket = _setting("DATA_BUCKET")
    prefix = _setting("DATA_KEY_PREFIX")

    summary = {"started": [], "skipped": []}
    objects = extract_objects(event if isinstance(event, dict) else {})
    if not objects:
        logger.info("skipped event (detail-type %r): the event reports no S3 object", _detail_type(event))
        summary["skipped"].append({"s3Uri": None, "reason": "the event reports no S3 object"})
        return summary

    for item in objects:
        bucket, key = item["bucket"], item["key"]
        s3_uri = f"s3://{bucket}/{key}"
        reason = skip_reason(bucket, key, item["error"], data_bucket, prefix)
        if reason:
            logger.info("skipped %s: %s", s3_uri, reason)
            summary["skipped"].append({"s3Uri": s3_uri, "reason": reason})
            continue
        if len(s3_uri) > PARAMETER_VALUE_MAX:
            # S3 keys may be 1,024 bytes, but InputDataUrl holds at most 1,024 characters in all.
            # Raising (not skipping) keeps the event: after the retries it lands in the DLQ.
            message = (
                f"cannot start {pipeline_name} for {s3_uri}: the S3 URI is {len(s3_uri)} characters and "
                f"a pipeline parameter holds at most {PARAMETER_VALUE_MAX}; shorten the key and upload again"
            )
            logger.error(message)
            raise ValueError(message)

        request = {
            "PipelineName": pipeline_name,
            "PipelineExecutionDisplayName": display_name(key, item["time"] or datetime.now(UTC)),
            "PipelineParameters": [{"Name": "InputDataUrl", "Value": s3_uri}],
            "PipelineExecutionDescription": s3_uri[:DESCRIPTION_MAX],
        }
        if item["token"]:
            request["ClientRequestToken"] = item["token"]
        try:
            response = sagemaker_client().start_pipeline_execution(**request)
        except Exception:
            logger.exception(
                "StartPipelineExecution failed for %s (pipeline %s); raising so Lambda retries",
                s3_uri,
                pipeline_name,
            )
            raise
        arn = response.get("PipelineExecutionArn")
        logger.info("started %s for %s: %s", pipeline_name, s3_uri, arn)
        summary["started"].append(
            {
                "s3Uri": s3_uri,
                "displayName": request["PipelineExecutionDisplayName"],
                "pipelineExecutionArn": arn,
            }
        )
    return summary


def _detail_type(event: object) -> object:
    return event.get("detail-type") if isinstance(event, dict) else None
