"""Many records checked and typed at once, column by column, as PutRecord checks one.

A processing job hands the Feature Store its whole output (an Arrow table). Each column is checked against
its feature's type with Arrow's compute kernels instead of record by record: a value is missing when it is
null, empty or NaN; an Integral is an optional sign and digits within int64; a Fractional is a finite decimal
or scientific number; a String is anything. The first row with a problem is then checked again as a single
record (:meth:`.FeatureGroupDefinition.record`), so the caller gets exactly PutRecord's message for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.sagemaker.exceptions import ValidationError

from .definitions import FRACTIONAL, INTEGRAL, ISO_EVENT_TIME, FeatureGroupDefinition, arrow_type

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

EPOCH_RANGE = (-62135596800.0, 253402300799.0)
"""Seconds since the epoch of 0001-01-01 and 9999-12-31T23:59:59: the event times a datetime can hold."""


class RecordRejected(ValidationError):
    """Record ``row`` (1-based) of a batch fails PutRecord's check with ``message``."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row


@dataclass(frozen=True)
class TypedBatch:
    """Records that passed the check: the values as given (what GetRecord answers), typed columns (what the
    offline store writes), and each record's identifier and event time."""

    source: pa.Table
    typed: pa.Table
    identifiers: list[int | str]
    """Each record's key in the online store (:meth:`.FeatureGroupDefinition.identifier_key`)."""
    event_seconds: np.ndarray

    def __len__(self) -> int:
        return self.source.num_rows

    def values(self, row: int) -> dict[str, str]:
        """Row ``row`` as PutRecord would have received it: feature → value as a string, missing ones left
        out."""
        found = {}
        for name in self.source.column_names:
            text = as_text(self.source.column(name)[row].as_py())
            if text:
                found[name] = text
        return found


def checked(definition: FeatureGroupDefinition, table: pa.Table) -> TypedBatch:
    """``table`` checked against the group; RecordRejected for its first bad row."""
    import numpy as np
    import pyarrow as pa

    unknown = [name for name in table.column_names if name not in definition.features]
    problems = np.zeros(table.num_rows, dtype=bool)
    for name in unknown:
        problems |= ~_missing(table.column(name).combine_chunks())
    typed_columns = {}
    for name in table.column_names:
        if name in unknown:
            continue
        column, missing, bad = _typed(table.column(name), definition.features[name])
        if name in (definition.record_identifier, definition.event_time):
            bad |= missing
        problems |= bad
        typed_columns[name] = column
    for required in (definition.record_identifier, definition.event_time):
        if required not in typed_columns:
            problems[:] = True
    if problems.any():
        _reject(definition, table, int(problems.argmax()))
    seconds, bad_time = _event_seconds(
        typed_columns[definition.event_time], definition.features[definition.event_time]
    )
    if bad_time.any():
        _reject(definition, table, int(bad_time.argmax()))
    identifiers = typed_columns[definition.record_identifier].to_pylist()  # identifier_key's values
    return TypedBatch(table, pa.table(typed_columns), identifiers, seconds)


def as_text(value: Any) -> str:
    """A value as a record holds it ("" for a missing one)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return value if isinstance(value, str) else str(value)


def _reject(definition: FeatureGroupDefinition, table: pa.Table, row: int) -> None:
    values = {name: as_text(table.column(name)[row].as_py()) for name in table.column_names}
    record = [{"FeatureName": name, "ValueAsString": text} for name, text in values.items() if text]
    try:
        definition.record(record)
    except ValidationError as error:
        raise RecordRejected(row + 1, error.message) from None
    raise AssertionError(f"row {row + 1} fails the column check but passes the record check: {values}")


def _missing(column: pa.Array) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = pc.is_null(column, nan_is_null=True)
    if pa.types.is_string(column.type):
        missing = pc.or_kleene(missing, pc.equal(column, ""))
    return _flags(missing)


def _typed(column: pa.ChunkedArray, kind: str) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The column as its feature's type, where values are missing, and where they are not of the type."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    column = column.combine_chunks()
    numeric = pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
    if not (numeric or pa.types.is_string(column.type)) or (
        kind == "String" and pa.types.is_floating(column.type)  # Python's spelling (0.1, 3.0), not Arrow's
    ):
        column = pa.array([as_text(value) or None for value in column.to_pylist()], pa.string())
    target = arrow_type(kind)
    if numeric and kind != "String" and not (kind == "Integral" and pa.types.is_floating(column.type)):
        return _typed_numbers(column, target)
    missing = _missing(column)
    if kind == "String":
        return column.cast(target), missing, np.zeros_like(missing)
    if pa.types.is_string(column.type):
        pattern = INTEGRAL if kind == "Integral" else FRACTIONAL
        fits = _flags(pc.fill_null(pc.match_substring_regex(column, pattern.pattern), False))
        if kind == "Integral":  # within int64: 18 digits always are, 19 when the value says so
            long = _flags(pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_ltrim(column, "+-")), 18), False))
            for row in np.flatnonzero(fits & long):
                fits[row] = -(2**63) <= int(column[int(row)].as_py()) < 2**63
        unsigned = pc.replace_substring_regex(column, r"^\+", "")  # Arrow's parser refuses a "+" sign
        typed = pc.if_else(pa.array(fits), unsigned, pa.scalar(None, column.type)).cast(target)
        bad = ~missing & ~fits
    else:
        typed, bad = pa.nulls(len(column), target), ~missing  # 3.0 reads "3.0": not an Integral value
    if kind == "Fractional":
        bad |= ~missing & ~_flags(pc.fill_null(pc.is_finite(typed), True))
    return _nulled(typed, missing) if missing.any() else typed, missing, bad


def _typed_numbers(column: pa.Array, target: pa.DataType) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """An integer column for an Integral or Fractional feature, a floating one for a Fractional: NaN and
    null are missing, an infinity is bad (the common case, so done in NumPy without copies)."""
    import numpy as np
    import pyarrow as pa

    typed = column.cast(target)
    values = typed.to_numpy(zero_copy_only=False)  # nulls read as NaN (floats) or come as floats (integers)
    if pa.types.is_floating(target) or typed.null_count:
        missing = np.isnan(values.astype(np.float64, copy=False))
    else:
        missing = np.zeros(len(values), dtype=bool)
    bad = ~missing & ~np.isfinite(values) if pa.types.is_floating(target) else np.zeros_like(missing)
    if missing.any():
        typed = _nulled(typed, missing)
    return typed, missing, bad


def _nulled(typed: pa.Array, missing: np.ndarray) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pa.array(missing), pa.scalar(None, typed.type), typed)


def _flags(mask: pa.Array) -> np.ndarray:
    return mask.to_numpy(zero_copy_only=False).astype(bool)


def _event_seconds(column: pa.Array, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Each record's event time in seconds since the epoch, and where it is not a valid one."""
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    if kind == "Fractional":
        seconds = column.to_numpy().astype(np.float64)
        return seconds, (seconds < EPOCH_RANGE[0]) | (seconds > EPOCH_RANGE[1])
    valid = _flags(pc.fill_null(pc.match_substring_regex(column, ISO_EVENT_TIME.pattern), False))
    texts = pd.Series(column.to_numpy(zero_copy_only=False)).where(valid, None)
    parsed = pd.to_datetime(texts, format="ISO8601", utc=True, errors="coerce")
    seconds = parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[ms]").astype("int64") / 1000
    return seconds, ~valid | parsed.isna().to_numpy()
