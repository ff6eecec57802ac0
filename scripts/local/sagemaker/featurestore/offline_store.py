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
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scripts.local import s3_objects

from .definitions import arrow_type

if TYPE_CHECKING:  # imported where used: the emulator starts without them until records are written
    import pyarrow as pa

    from .batches import TypedBatch

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
    batch: TypedBatch,
    deleted: bool,
    invoked_at: datetime,
) -> None:
    """Write the batch's records (its typed columns; a feature it lacks is NULL) as one file per hourly
    partition of their event times."""
    import numpy as np
    import pyarrow as pa

    hours = np.floor(batch.event_seconds / 3600).astype(np.int64)
    table = _with_added_columns(features, batch.typed, deleted, invoked_at, written_at := datetime.now(UTC))
    for hour in np.unique(hours):
        at = datetime.fromtimestamp(int(hour) * 3600, UTC)
        partition = f"year={at:%Y}/month={at:%m}/day={at:%d}/hour={at:%H}"
        name = f"{written_at:%Y%m%dT%H%M%SZ}_{''.join(secrets.choice(_NAME_CHARACTERS) for _ in range(16))}"
        rows = table.filter(pa.array(hours == hour)) if len(hours) and hours.min() != hours.max() else table
        s3_objects.write(account, f"{location}/{partition}/{name}.parquet", _parquet(rows))


def _with_added_columns(
    features: dict[str, str], typed: pa.Table, deleted: bool, invoked_at: datetime, written_at: datetime
) -> pa.Table:
    import numpy as np
    import pyarrow as pa

    count = typed.num_rows
    columns = {
        name: typed.column(name) if name in typed.column_names else pa.nulls(count, arrow_type(kind))
        for name, kind in features.items()
    }
    for name, moment in (("write_time", written_at), ("api_invocation_time", invoked_at)):
        milliseconds = np.full(count, int(moment.timestamp() * 1000), dtype="datetime64[ms]")
        columns[name] = pa.array(milliseconds, type=pa.timestamp("ms", tz="UTC"))
    columns["is_deleted"] = pa.array(np.full(count, deleted))
    return pa.table(columns)


def _parquet(table: pa.Table) -> bytes:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
