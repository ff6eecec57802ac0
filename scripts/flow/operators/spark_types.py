"""Data Wrangler's column types on pandas, and Spark's ``CAST`` between them.

A column is one of the types DW names in its schemas: ``long`` (int64, or nullable Int64 when it
holds nulls), ``float`` (float64), ``string`` (object holding str), ``bool`` (bool, or nullable
boolean), ``date`` and ``datetime`` (datetime64; a date is a datetime at midnight). Anything else
is ``object`` and is left as it is. A value that cannot be cast becomes null, as Spark's non-ANSI
``CAST`` does.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

LONG, FLOAT, STRING, BOOL, DATE, DATETIME, OBJECT = (
    "long",
    "float",
    "string",
    "bool",
    "date",
    "datetime",
    "object",
)
TYPES = (LONG, FLOAT, STRING, BOOL, DATE, DATETIME, OBJECT)

# Spark's CAST(string AS BOOLEAN), after trimming and lower-casing; anything else is null.
_TRUE_WORDS = frozenset({"t", "true", "y", "yes", "1"})
_FALSE_WORDS = frozenset({"f", "false", "n", "no", "0"})


def type_of(series: pd.Series) -> str:
    """The DW type a column already has."""
    dtype = series.dtype
    if ptypes.is_bool_dtype(dtype):
        return BOOL
    if ptypes.is_integer_dtype(dtype):
        return LONG
    if ptypes.is_float_dtype(dtype):
        return FLOAT
    if ptypes.is_datetime64_any_dtype(dtype):
        return DATETIME
    if ptypes.is_string_dtype(dtype) and ptypes.infer_dtype(series, skipna=True) in ("string", "empty"):
        return STRING
    return OBJECT


def cast(series: pd.Series, to: str) -> pd.Series:
    """Spark's ``CAST(series AS to)``; a column already of that type is returned as it is."""
    if to == OBJECT or (to != DATE and type_of(series) == to):
        return series
    return _CASTS[to](series)


def to_strings(series: pd.Series) -> pd.Series:
    """Values as Spark prints them when casting to string (``1``, ``1.0``, ``1.0E20``, ``true``);
    nulls stay null."""
    kind = type_of(series)
    if kind == STRING:
        return series
    if kind == FLOAT:
        text = series.map(java_double, na_action="ignore")
    elif kind == BOOL:
        text = series.map({True: "true", False: "false"}, na_action="ignore")
    elif kind == LONG:
        text = series.astype("Int64").astype(str)
    else:
        text = series.astype(str)
    return text.astype(object).where(series.notna(), None)


def java_double(value: float) -> str:
    """``Double.toString``: plain between 1e-3 and 1e7, else ``<mantissa>E<exponent>``."""
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(float(value))
    sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    mantissa = "".join(map(str, digits))
    power = len(digits) - 1 + exponent
    return f"{'-' if sign else ''}{mantissa[0]}.{mantissa[1:] or '0'}E{power}"


def _to_long(series: pd.Series) -> pd.Series:
    kind = type_of(series)
    if kind == BOOL:
        values = series.astype("Int64")
    elif kind == DATETIME:
        values = np.floor(_epoch_seconds(series)).astype("Int64")
    else:
        numbers = series if kind == FLOAT else pd.to_numeric(series, errors="coerce")
        if ptypes.is_integer_dtype(numbers.dtype):
            values = numbers
        else:
            floats = numbers.astype(np.float64)
            in_range = floats.abs() < 2.0**63
            values = np.trunc(floats).where(in_range).astype("Int64")
    return _without_needless_mask(values)


def _to_float(series: pd.Series) -> pd.Series:
    kind = type_of(series)
    if kind == DATETIME:
        return _epoch_seconds(series)
    if kind in (LONG, BOOL):
        return series.astype(np.float64)
    return pd.to_numeric(series, errors="coerce").astype(np.float64)


def _to_bool(series: pd.Series) -> pd.Series:
    if type_of(series) in (LONG, FLOAT):
        values = series.ne(0).astype("boolean").where(series.notna())
    else:
        words = to_strings(series).str.strip().str.lower()
        values = pd.Series(pd.NA, index=series.index, dtype="boolean")
        values[words.isin(_TRUE_WORDS)] = True
        values[words.isin(_FALSE_WORDS)] = False
    return _without_needless_mask(values)


def _to_date(series: pd.Series) -> pd.Series:
    return _to_datetime(series).dt.normalize()


def _to_datetime(series: pd.Series) -> pd.Series:
    kind = type_of(series)
    if kind == DATETIME:
        return series
    if kind in (STRING, OBJECT):
        parsed = pd.to_datetime(series, errors="coerce", format="mixed", utc=True)
        return parsed.dt.tz_localize(None)
    # DW casts datetimes with a pandas UDF, in which a number is nanoseconds since the epoch.
    return pd.to_datetime(series, errors="coerce")


def _epoch_seconds(series: pd.Series) -> pd.Series:
    nanoseconds = series.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return pd.Series(nanoseconds / 1e9, index=series.index).where(series.notna())


def _without_needless_mask(values: pd.Series) -> pd.Series:
    """Nullable Int64/boolean only while there is a null to hold: plain int64/bool otherwise."""
    if values.hasnans:
        return values
    return values.astype(np.int64 if ptypes.is_integer_dtype(values.dtype) else bool, copy=False)


_CASTS = {
    LONG: _to_long,
    FLOAT: _to_float,
    STRING: to_strings,
    BOOL: _to_bool,
    DATE: _to_date,
    DATETIME: _to_datetime,
}
