"""The offline store: parquet files in the group's S3 location, in AWS's Glue layout.

``<ResolvedOutputS3Uri>/year=YYYY/month=MM/day=DD/hour=HH/<YYYYMMDDTHHMMSSZ>_<16 characters>.parquet``,
partitioned by each record's event time, with the group's features (Integral as int64, Fractional as double,
String as string) and the three columns AWS adds: ``write_time``, ``api_invocation_time`` and
``is_deleted``. AWS writes within 15 minutes of a PutRecord; the emulator writes at once.
"""

from __future__ import annotations

import io
import secrets
import string
from collections import defaultdict
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
from moto.s3.models import s3_backends

ARROW_TYPES = {"Integral": pa.int64(), "Fractional": pa.float64(), "String": pa.string()}
GLUE_TYPES = {"Integral": "bigint", "Fractional": "double", "String": "string"}
ADDED_COLUMNS = (
    ("write_time", pa.timestamp("ms", tz="UTC"), "timestamp"),
    ("api_invocation_time", pa.timestamp("ms", tz="UTC"), "timestamp"),
    ("is_deleted", pa.bool_(), "boolean"),
)
_NAME_CHARACTERS = string.ascii_letters + string.digits


def resolved_uri(s3_uri: str, account: str, region: str, group: str, created: datetime) -> str:
    """Where AWS puts a Glue-format offline store."""
    stamp = int(created.timestamp())
    return f"{s3_uri.rstrip('/')}/{account}/sagemaker/{region}/offline-store/{group}-{stamp}/data"


def glue_columns(features: dict[str, str]) -> list[dict[str, str]]:
    return [
        *({"Name": name, "Type": GLUE_TYPES[kind]} for name, kind in features.items()),
        *({"Name": name, "Type": glue_type} for name, _, glue_type in ADDED_COLUMNS),
    ]


def write(
    account: str,
    location: str,
    features: dict[str, str],
    rows: list[tuple[datetime, dict[str, str], bool]],
    invoked_at: datetime,
) -> list[str]:
    """Write ``rows`` (event time, values, deleted) as one file per hourly partition; the keys written."""
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    partitions: dict[str, list[tuple[dict[str, str], bool]]] = defaultdict(list)
    for event_time, values, deleted in rows:
        at = event_time.astimezone(UTC)
        partition = f"year={at:%Y}/month={at:%m}/day={at:%d}/hour={at:%H}"
        partitions[partition].append((values, deleted))
    written_at = datetime.now(UTC)
    keys = []
    for partition, members in partitions.items():
        name = f"{written_at:%Y%m%dT%H%M%SZ}_{''.join(secrets.choice(_NAME_CHARACTERS) for _ in range(16))}"
        key = f"{prefix}/{partition}/{name}.parquet"
        body = _parquet(features, members, invoked_at, written_at)
        s3_backends[account]["global"].put_object(bucket, key, body)
        keys.append(key)
    return keys


def _parquet(
    features: dict[str, str],
    members: list[tuple[dict[str, str], bool]],
    invoked_at: datetime,
    written_at: datetime,
) -> bytes:
    columns = {
        name: pa.array([_typed(values.get(name), kind) for values, _ in members], type=ARROW_TYPES[kind])
        for name, kind in features.items()
    }
    columns["write_time"] = pa.array([written_at] * len(members), type=ADDED_COLUMNS[0][1])
    columns["api_invocation_time"] = pa.array([invoked_at] * len(members), type=ADDED_COLUMNS[1][1])
    columns["is_deleted"] = pa.array([deleted for _, deleted in members], type=pa.bool_())
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


def _typed(value: str | None, kind: str) -> int | float | str | None:
    if value is None:
        return None
    if kind == "Integral":
        return int(value)
    if kind == "Fractional":
        return float(value)
    return value
