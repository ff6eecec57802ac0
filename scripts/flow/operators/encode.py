"""``encode_categorical``: one-hot and ordinal encoding through a Spark StringIndexer's labels.

Labels come from the stored StringIndexer model, or are fitted as Spark does: the distinct
non-null values (as Spark prints them) by falling count, ties alphabetical. A null or unseen value
is invalid: Keep gives it the extra index ``len(labels)``, Skip drops its row, Error stops the run,
and (ordinal only) Replace with NaN gives NaN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scripts.flow.errors import InvalidDataError, UnsupportedOperatorError
from scripts.flow.model import Node
from scripts.flow.operators.base import (
    Params,
    RunContext,
    Transform,
    expect_inputs,
    require_columns,
    select,
    with_columns,
)
from scripts.flow.operators.spark_types import to_strings
from scripts.flow.operators.trained import SparkModel, for_column, stored

KEEP, SKIP, ERROR, REPLACE_WITH_NAN = "Keep", "Skip", "Error", "Replace with NaN"
_SPARK_UNSAFE = re.compile(r"[.`]+")
COLUMNS, VECTOR = "Columns", "Vector"


def resolve(node: Node) -> Transform:
    expect_inputs(node, 1)
    params = Params.of(node)
    encoder = params.choose("operator", {"One-hot encode": _one_hot, "Ordinal encode": _ordinal})
    return encoder(node, params)


def _one_hot(node: Node, params: Params) -> Transform:
    settings = params.section("one_hot_encode_parameters")
    columns = settings.columns("input_column")
    output = settings.output_column(columns)
    strategy = settings.values.get("invalid_handling_strategy")
    invalid = strategy if strategy in (KEEP, SKIP, ERROR) else ERROR
    drop_last = settings.flag("drop_last", True)
    style = settings.values.get("output_style")
    style = style if style in (COLUMNS, VECTOR) else VECTOR
    if settings.flag("input_already_ordinal_encoded", False):
        raise UnsupportedOperatorError(node, "one-hot encoding of an already ordinal-encoded column")
    trained = (node.trained_parameters or {}).get("one_hot_encode_parameters")
    hashed = {"invalid_handling_strategy": strategy, "drop_last": drop_last}

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0]
        require_columns(node, df, columns)
        for index, column in enumerate(columns):
            strings = to_strings(df[column])
            trained_here = for_column(trained, index, len(columns))
            labels = _labels_for(strings, trained_here, hashed, context, blank_is_null=True)
            df, slots = _slots(node, context, df, column, strings, labels, invalid)
            size = len(labels.values) + (invalid == KEEP) - drop_last
            if style == VECTOR:
                df = with_columns(df, {output or column: _vectors(slots, size)})
            else:
                df = _indicator_columns(df, column, output, labels.values, slots, size)
        return df

    return transform


def _ordinal(node: Node, params: Params) -> Transform:
    settings = params.section("ordinal_encode_parameters")
    columns = settings.columns("input_column")
    output = settings.output_column(columns)
    strategy = settings.values.get("invalid_handling_strategy")
    invalid = strategy if strategy in (KEEP, SKIP, ERROR, REPLACE_WITH_NAN) else ERROR
    trained = (node.trained_parameters or {}).get("ordinal_encode_parameters")
    hashed = {"invalid_handling_strategy": strategy}

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0]
        require_columns(node, df, columns)
        for index, column in enumerate(columns):
            strings = to_strings(df[column])
            trained_here = for_column(trained, index, len(columns))
            labels = _labels_for(strings, trained_here, hashed, context, blank_is_null=False)
            df, slots = _slots(node, context, df, column, strings, labels, invalid)
            values = slots.astype(np.float64)
            if invalid == REPLACE_WITH_NAN:
                values[slots == len(labels.values)] = np.nan
            df = with_columns(df, {output or column: values})
        return df

    return transform


@dataclass(frozen=True)
class _Labels:
    values: list[str]
    stored: bool  # from the stored model, not fitted on this data


def _labels_for(
    strings: pd.Series,
    trained: Mapping[str, Any] | None,
    hashed: Mapping[str, Any],
    context: RunContext,
    *,
    blank_is_null: bool,
) -> _Labels:
    labels = stored(trained, "string_indexer_model", hashed, context, _read_labels)
    if labels is not None:
        return _Labels(labels, stored=True)
    # Spark's one-hot encoder refuses empty strings, so DW fits it with them as nulls.
    return _Labels(fit_labels(strings.mask(strings == "") if blank_is_null else strings), stored=False)


def fit_labels(strings: pd.Series) -> list[str]:
    """StringIndexer's ``frequencyDesc`` order: by falling count, ties alphabetical."""
    counts = strings.value_counts(dropna=True)
    return [str(label) for label, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _read_labels(model: SparkModel) -> list[str]:
    row = model.rows[0]
    labels = row["labelsArray"][0] if "labelsArray" in row else row["labels"]  # Spark 3, Spark 2
    return [str(label) for label in labels]


def _slots(
    node: Node,
    context: RunContext,
    df: pd.DataFrame,
    column: str,
    strings: pd.Series,
    labels: _Labels,
    invalid: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Each row's index into the labels, ``len(labels)`` for an invalid value; rows dropped under Skip."""
    codes = pd.Categorical(strings, categories=labels.values).codes.astype(np.int64)
    invalid_rows = codes < 0
    if not invalid_rows.any():
        return df, codes
    unseen = invalid_rows & strings.notna().to_numpy()
    if labels.stored and unseen.any():
        context.notes.append(
            f"column {column!r} has {int(unseen.sum())} value(s) the stored labels lack "
            f"(e.g. {_examples(strings[unseen])}), invalid under {invalid!r}: "
            "--refit fits the labels on the data"
        )
    if invalid == ERROR:
        raise InvalidDataError(
            node,
            f"column {column!r} has {int(invalid_rows.sum())} null or unseen value(s) "
            f"(e.g. {_examples(strings[invalid_rows])}; labels: {', '.join(labels.values)}) "
            "and invalid handling is Error",
        )
    if invalid == SKIP:
        return df[~invalid_rows], codes[~invalid_rows]
    codes[invalid_rows] = len(labels.values)
    return df, codes


def _examples(values: pd.Series) -> str:
    return ", ".join(sorted({repr(value) for value in values.head(1000)})[:3])


def _indicator_columns(
    df: pd.DataFrame, column: str, output: str | None, labels: list[str], slots: np.ndarray, size: int
) -> pd.DataFrame:
    """The Columns style: ``<output>_<label>`` columns appended at the end, the input dropped unless
    another output column was named."""
    prefix = output or _spark_safe(column, df.columns)
    kept = df if output and output != column else select(df, [c for c in df.columns if c != column])
    return with_columns(
        kept, {f"{prefix}_{label}": _indicator(slots, i, size) for i, label in enumerate(labels)}
    )


def _indicator(slots: np.ndarray, slot: int, size: int) -> np.ndarray:
    """One output column of the Columns style; a slot ``drop_last`` removed reads as null in Spark."""
    if slot >= size:
        return np.full(len(slots), np.nan)
    return (slots == slot).astype(np.float64)


def _vectors(slots: np.ndarray, size: int) -> list[list[float]]:
    """The Vector style: one list of floats per row (Spark's vector type has no CSV form)."""
    matrix = np.zeros((len(slots), size))
    rows = np.flatnonzero(slots < size)
    matrix[rows, slots[rows]] = 1.0
    return matrix.tolist()


def _spark_safe(column: str, taken: Sequence[str]) -> str:
    """The name DW gives an input column holding ``.`` or a backtick while its operator runs, which
    is what the one-hot columns of that input are prefixed with."""
    if not _SPARK_UNSAFE.search(column):
        return column
    name, counter = _SPARK_UNSAFE.sub("_", column), 0
    while name in taken:
        name, counter = f"{name}_{counter}", counter + 1
    return name
