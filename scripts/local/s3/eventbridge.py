"""The events S3 sends to EventBridge for a bucket with EventBridge delivery on, in S3's shape.

moto sends every event with the same ``id``, a constant sequencer and request id, and delivers it inside
the request that wrote the object. Here each event is S3's: a unique ``id``, the time it happened, the
key URL-encoded as S3 encodes keys in its notifications (a space is ``+``), ``size`` and ``etag``
(created objects), ``version-id``, a ``sequencer`` that grows with each event, a ``request-id``, the
``requester`` and, for objects created and deleted, the ``reason`` (``PutObject``, ``CopyObject``,
``CompleteMultipartUpload``, ``PostObject``, ``DeleteObject`` with its ``deletion-type``); tags, ACL and
restore events keep their detail types ("Object Tags Added", ...). Delivery happens after the request
(:mod:`scripts.local.events.delivery`).
"""

from __future__ import annotations

import itertools
import secrets
import string
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from moto.s3.notifications import _detail_type

from scripts.local.events import delivery

REASONS = {
    "s3:ObjectCreated:Put": "PutObject",
    "s3:ObjectCreated:Post": "PostObject",
    "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "s3:ObjectRemoved:Delete": "DeleteObject",
    "s3:ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
}
DELETION_TYPES = {
    "s3:ObjectRemoved:Delete": "Permanently Deleted",
    "s3:ObjectRemoved:DeleteMarkerCreated": "Delete Marker Created",
}
_sequence = itertools.count(int(time.time() * 1_000_000))


def send(account: str, bucket: Any, event_name: str, key: Any) -> None:
    """Replaces ``moto.s3.notifications._send_event_bridge_message``: the event S3 sends for
    ``event_name`` on ``key``, delivered after the request (none for an event S3 does not send to
    EventBridge)."""
    try:
        built = event(account, bucket, event_name, key)
    except ValueError:  # moto's _detail_type: not an EventBridge event
        return
    delivery.publish(account, bucket.region_name, built)


def event(account: str, bucket: Any, event_name: str, key: Any) -> dict[str, Any]:
    detail_type = _detail_type(event_name)
    created = event_name.startswith("s3:ObjectCreated:")
    obj: dict[str, Any] = {"key": quote_plus(key.name, safe="/")}
    if created:
        obj |= {"size": key.size, "etag": key.etag.strip('"')}
    if key.version_id and key.version_id != "null":
        obj["version-id"] = key.version_id
    obj["sequencer"] = f"{next(_sequence):018X}"
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket.name},
        "object": obj,
        "request-id": "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
        "requester": account,
        "source-ip-address": "127.0.0.1",
    }
    if event_name in REASONS:
        detail["reason"] = REASONS[event_name]
    if event_name in DELETION_TYPES:
        detail["deletion-type"] = DELETION_TYPES[event_name]
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": bucket.region_name,
        "resources": [bucket.arn],
        "detail": detail,
    }
