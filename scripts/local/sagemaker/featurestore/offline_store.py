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

from scripts.local import s3_objects

GLUE_TYPES = {"Integral": "bigint", "Fractional": "double", "String": "string"}
ADDED_COLUMNS = (("write_time", "timestamp"), ("api_invocation_time", "timestamp"), ("is_deleted", "boolean"))
_NAME_CHARACTERS = string.ascii_letters + string.digits


def resolved_uri(s3_uri: str, account: str, region: str, group: str, created: datetime) -> str:
    """Where AWS puts a Glue-format offline store."""
    stamp = int(created.timestamp())
    return f"{s3_uri.rstrip('/')}/{account}/sagemaker/{region}/offline-store/{group}-{stamp}/data"


def glue_columns(features: dict[str, str]) -> list[dict[str, str]]:
    return [
        *({"Name": name, "Type": GLUE_TYPES[kind]} for name, kind in features.items()),
        *({"Name": name, "Type": glue_type} for name, glue_type in ADDED_COLUMNS),
    ]


def write(
    account: str,
    location: str,
    features: dict[str, str],
    rows: list[tuple[datetime, dict[str, str], bool]],
    invoked_at: datetime,
) -> None:
    """Write ``rows`` (event time, values, deleted) as one file per hourly partition."""
    partitions: dict[str, list[tuple[dict[str, str], bool]]] = defaultdict(list)
    for event_time, values, deleted in rows:
        at = event_time.astimezone(UTC)
        partition = f"year={at:%Y}/month={at:%m}/day={at:%d}/hour={at:%H}"
        partitions[partition].append((values, deleted))
    written_at = datetime.now(UTC)
    for partition, members in partitions.items():
        name = f"{written_at:%Y%m%dT%H%M%SZ}_{''.join(secrets.choice(_NAME_CHARACTERS) for _ in range(16))}"
        body = _parquet(features, members, invoked_at, written_at)
        s3_objects.write(account, f"{location}/{partition}/{name}.parquet", body)


def _parquet(
    features: dict[str, str],
    members: list[tuple[dict[str, str], bool]],
    invoked_at: datetime,
    written_at: datetime,
) -> bytes:
    import pyarrow as pa  # here, not at the top: the emulator starts without it until records are written
    import pyarrow.parquet as pq

    arrow_types = {"Integral": pa.int64(), "Fractional": pa.float64(), "String": pa.string()}
    timestamp = pa.timestamp("ms", tz="UTC")
    columns = {
        name: pa.array([_typed(values.get(name), kind) for values, _ in members], type=arrow_types[kind])
        for name, kind in features.items()
    }
    columns["write_time"] = pa.array([written_at] * len(members), type=timestamp)
    columns["api_invocation_time"] = pa.array([invoked_at] * len(members), type=timestamp)
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
