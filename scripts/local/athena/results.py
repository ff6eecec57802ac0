"""What Athena writes for a query's result, and how GetQueryResults describes it.

The result file ``<QueryExecutionId>.csv`` holds a header, then each row, every value double-quoted and NULL
left empty. Beside it, ``<QueryExecutionId>.csv.metadata`` describes the columns in Athena's internal binary
form: a protocol-buffers message (field 1: the engine's query id; field 4, repeated: each column's catalog,
name, label, type, precision, scale, nullability and case sensitivity) that clients such as the Athena JDBC
driver read instead of calling GetQueryResults.
"""

from __future__ import annotations

import csv
import io
import secrets
import string
from datetime import datetime
from typing import Any

PRECISION = {
    "boolean": 0,
    "tinyint": 3,
    "smallint": 5,
    "integer": 10,
    "bigint": 19,
    "float": 17,
    "double": 17,
    "varchar": 2147483647,
    "timestamp": 3,
    "date": 0,
}
"""ColumnInfo.Precision as Athena gives it for each type (decimal: its own precision)."""
NULLABLE_UNKNOWN = 3


def column_info(name: str, kind: str) -> dict[str, Any]:
    """GetQueryResults' ColumnInfo for a column of Athena type ``kind``."""
    precision, scale = _precision_and_scale(kind)
    return {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": name,
        "Label": name,
        "Type": kind.split("(")[0],
        "Precision": precision,
        "Scale": scale,
        "Nullable": "UNKNOWN",
        "CaseSensitive": kind == "varchar",
    }


def csv_file(columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([name for name, _ in columns])
    for row in rows:
        buffer.write(",".join("" if value is None else _quoted(as_text(value)) for value in row) + "\n")
    return buffer.getvalue()


def metadata_file(columns: list[tuple[str, str]], started: datetime) -> bytes:
    """The ``.csv.metadata`` file: the engine's query id (``YYYYMMDD_HHMMSS_NNNNN_xxxxx``), then columns."""
    suffix = "".join(secrets.choice(string.ascii_lowercase) for _ in range(5))
    query_id = f"{started:%Y%m%d_%H%M%S}_{secrets.randbelow(100000):05d}_{suffix}"
    message = _text_field(1, query_id)
    for name, kind in columns:
        info = column_info(name, kind)
        column = b"".join(
            (
                _text_field(1, info["CatalogName"]),
                _text_field(4, name),
                _text_field(5, name),
                _text_field(6, info["Type"]),
                _number_field(7, info["Precision"]),
                _number_field(8, info["Scale"]),
                _number_field(9, NULLABLE_UNKNOWN),
                _number_field(10, int(info["CaseSensitive"])),
            )
        )
        message += _field(4, 2, _varint(len(column)) + column)
    return message


def as_text(value: Any) -> str:
    """A value as Athena prints it: booleans in lower case, timestamps with milliseconds, doubles as Java
    prints them (``0.455``, ``3.0``, ``1.7000001E9``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        from scripts.flow.operators.spark_types import java_double  # imports pandas: not at start-up

        return java_double(value)
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return str(value)


def _precision_and_scale(kind: str) -> tuple[int, int]:
    if kind.startswith("decimal("):
        precision, scale = kind.removeprefix("decimal(").rstrip(")").split(",")
        return int(precision), int(scale)
    return PRECISION.get(kind, 0), 0


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _text_field(number: int, text: str) -> bytes:
    encoded = text.encode()
    return _field(number, 2, _varint(len(encoded)) + encoded) if encoded else b""


def _number_field(number: int, value: int) -> bytes:
    """A varint field, left out when zero (as protocol buffers leave out a default)."""
    return _field(number, 0, _varint(value)) if value else b""


def _field(number: int, wire_type: int, payload: bytes) -> bytes:
    return _varint(number << 3 | wire_type) + payload


def _varint(value: int) -> bytes:
    encoded = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        encoded.append(low | (0x80 if value else 0))
        if not value:
            return bytes(encoded)
