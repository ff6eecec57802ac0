"""``infer_and_cast_type`` and ``cast_single_data_type``.

With a trained schema, the input must have exactly the schema's columns; they come out in the
schema's order, cast. Without one, each string column's type is inferred from its first 1000
values with DW's rules (``type_inference`` in DW's exported code), in order:

1. no value other than null or null-like (empty, blank, ``null``/``none``/``nil``/``na``/``nan``
   at the start, any case): string;
2. more than 80% numbers: long if more than 80% of those are integers, else float;
3. more than 80% ``true``/``false``: bool;
4. more than 80% of the present values ``YYYY-MM-DD``: date, or datetime if any value has a time;
5. more than 80% of the present values readable as a datetime: datetime;
6. otherwise string.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date

import pandas as pd

from scripts.flow.errors import InvalidParameterError, SchemaMismatchError, UnsupportedOperatorError
from scripts.flow.model import Node
from scripts.flow.operators.base import (
    Params,
    RunContext,
    Transform,
    expect_inputs,
    require_columns,
    with_columns,
)
from scripts.flow.operators.spark_types import BOOL, DATE, DATETIME, FLOAT, LONG, STRING, TYPES, cast, type_of

INFER_AND_CAST_TYPE = "sagemaker.spark.infer_and_cast_type_0.1"
INFERENCE_ROWS = 1000
THRESHOLD = 0.8
_NULL_LIKE = re.compile(r"(?i)(null|none|nil|na|nan)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Spark datetime pattern letters -> strptime directives, for the patterns cast_single_data_type takes.
_PATTERN_TOKENS = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_PATTERN_PARTS = re.compile("|".join(_PATTERN_TOKENS) + r"|[A-Za-z]+|[^A-Za-z]+")


def resolve_infer_and_cast(node: Node) -> Transform:
    expect_inputs(node, 1)
    schema = trained_schema(node)

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0]
        if schema is None:
            target = infer_schema(df)
        else:
            missing = [column for column in schema if column not in df.columns]
            extra = [str(column) for column in df.columns if column not in schema]
            if missing or extra:
                raise SchemaMismatchError(node, missing, extra)
            target = schema
        originals = {column: df[column] for column in target}
        columns = {column: cast(originals[column], to) for column, to in target.items()}
        if list(columns) == list(df.columns) and all(columns[c] is originals[c] for c in columns):
            return df  # nothing to change: keep the frame, and pandas' consolidated blocks, as it is
        return pd.DataFrame(columns, index=df.index, copy=False)

    return transform


def trained_schema(node: Node) -> dict[str, str] | None:
    schema = (node.trained_parameters or {}).get("schema")
    if not schema:
        return None
    if not isinstance(schema, dict) or not all(to in TYPES for to in schema.values()):
        raise InvalidParameterError(
            node, "trained_parameters.schema", f"is not a map of columns to {', '.join(TYPES)}"
        )
    return schema


def parsed_as_numbers(node: Node) -> dict[str, str]:
    """The columns this node's schema casts to numbers, with the dtype a reader may parse them as:
    a value that parses so is the value the cast would give."""
    dtypes = {LONG: "int64", FLOAT: "float64"}
    return {column: dtypes[to] for column, to in (trained_schema(node) or {}).items() if to in dtypes}


def infer_schema(df: pd.DataFrame) -> dict[str, str]:
    sample = df.head(INFERENCE_ROWS)
    return {
        column: infer_type(sample[column].tolist()) if type_of(df[column]) == STRING else type_of(df[column])
        for column in df.columns
    }


def infer_type(values: list[object]) -> str:
    count = len(values)
    nulls = sum(1 for value in values if pd.isna(value))
    null_like = sum(1 for value in values if _is_null_like(value))
    present = count - nulls - null_like
    if present <= 0:
        return STRING
    numbers = [value for value in values if _is_number(value)]
    if len(numbers) / count > THRESHOLD:
        integers = sum(1 for value in numbers if _is_integer(value))
        return LONG if integers / len(numbers) > THRESHOLD else FLOAT
    if (
        sum(1 for value in values if isinstance(value, str) and value.lower() in ("true", "false")) / count
        > THRESHOLD
    ):
        return BOOL
    dates = sum(1 for value in values if _is_iso_date(value))
    datetimes = int(
        pd.to_datetime(pd.Series(values, dtype=object), errors="coerce", format="mixed", utc=True)
        .notna()
        .sum()
    )
    if dates / present > THRESHOLD:
        return DATETIME if datetimes > dates else DATE
    if datetimes / present > THRESHOLD:
        return DATETIME
    return STRING


def _is_null_like(value: object) -> bool:
    """Empty, blank, or starting (DW matches the start only) with null/none/nil/na/nan, any case."""
    return isinstance(value, str) and (value == "" or value.isspace() or bool(_NULL_LIKE.match(value)))


def _is_number(value: object) -> bool:
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _is_integer(value: object) -> bool:
    """``float(x) == int(x)``, so "15" counts and "15.0" does not (``int("15.0")`` raises)."""
    try:
        return float(value) == int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _is_iso_date(value: object) -> bool:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def resolve_cast_single(node: Node) -> Transform:
    expect_inputs(node, 1)
    params = Params.of(node)
    column = params.text("column")
    to = params.choose("data_type", {name: name for name in TYPES})
    drop_uncastable = params.choose(
        "non_castable_data_handling_method", {"replace_null": False, "drop": True}, default="replace_null"
    )
    date_format = _strptime_format(node, params, "date_formatting", "dd-MM-yyyy") if to == DATE else None
    datetime_format = _strptime_format(node, params, "datetime_formatting", None) if to == DATETIME else None

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0]
        require_columns(node, df, [column])
        series = df[column]
        if type_of(series) == to and to != DATE:
            return df
        if date_format and type_of(series) != DATETIME:
            values = pd.to_datetime(series, format=date_format, errors="coerce")
        elif datetime_format:
            values = pd.to_datetime(series, format=datetime_format, errors="coerce")
        else:
            values = cast(series, to)
        if drop_uncastable:
            df, values = df[values.notna()], values[values.notna()]
        return with_columns(df, {column: values.dt.normalize() if to == DATE else values})

    return transform


def _strptime_format(node: Node, params: Params, key: str, default: str | None) -> str | None:
    """Spark's datetime pattern (``dd-MM-yyyy``) as a strptime format."""
    pattern = params.text(key, default)
    if pattern is None:
        return None
    parts = []
    for token in _PATTERN_PARTS.findall(pattern):
        if token in _PATTERN_TOKENS:
            parts.append(_PATTERN_TOKENS[token])
        elif token[0].isalpha():
            raise UnsupportedOperatorError(node, f"the datetime pattern {pattern!r} (letters {token!r})")
        else:
            parts.append(token.replace("%", "%%"))
    return "".join(parts)
