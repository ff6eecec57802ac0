"""``handle_missing``: fill, impute (mean, median, most frequent) and drop rows.

A value is missing when it is null (NaN included) or, in a string column, blank. The impute value
is computed from the rows that reach the node, as the processing job does (the Studio preview
computes it from its sample instead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from scripts.flow.errors import InvalidDataError, InvalidParameterError, NodeError
from scripts.flow.model import Node
from scripts.flow.operators.base import (
    Params,
    RunContext,
    Transform,
    expect_inputs,
    require_columns,
    with_columns,
)
from scripts.flow.operators.spark_types import FLOAT, LONG, STRING, cast, type_of

# The value to put in a column's missing places, and the type the result is cast to.
Imputer = Callable[[Node, pd.Series, pd.Series], tuple[object, str]]


def resolve(node: Node) -> Transform:
    expect_inputs(node, 1)
    params = Params.of(node)
    return params.choose(
        "operator",
        {"Fill missing": _fill, "Impute": _impute, "Drop missing": _drop_rows},
    )(params)


def is_missing(series: pd.Series) -> pd.Series:
    if type_of(series) == STRING:
        return series.isna() | series.str.strip().eq("")
    return series.isna()


def _fill(params: Params) -> Transform:
    settings = params.section("fill_missing_parameters")
    fill_value = settings.values.get("fill_value")
    if fill_value is None:
        raise InvalidParameterError(params.node, settings.name("fill_value"), "is missing")

    def value(node: Node, series: pd.Series, missing: pd.Series) -> tuple[object, str]:
        kind = type_of(series)
        if kind not in (LONG, FLOAT):
            return fill_value, kind
        try:
            return (int(fill_value) if kind == LONG else float(fill_value)), kind
        except ValueError:
            raise InvalidParameterError(
                node,
                settings.name("fill_value"),
                f"{fill_value!r} is not a {kind} for column {series.name!r}",
            ) from None

    return _replace_missing(settings, value)


def _impute(params: Params) -> Transform:
    settings = params.section("impute_parameters")
    column_type = settings.choose("column_type", {"Numeric": "numeric", "Categorical": "categorical"})
    section = settings.section(f"{column_type}_parameters")
    if column_type == "categorical":
        return _replace_missing(section, _most_frequent)
    statistic = section.choose("strategy", {"Mean": _mean, "Approximate Median": _median})

    def numeric(node: Node, series: pd.Series, missing: pd.Series) -> tuple[object, str]:
        if type_of(series) not in (LONG, FLOAT):
            raise NodeError(
                node,
                f"column {series.name!r} is not numeric",
                "impute it as Categorical, or cast it to a number first",
            )
        present = series[~missing].astype(np.float64)
        if present.empty:
            raise InvalidDataError(node, f"column {series.name!r} has no value to impute from")
        return statistic(present), FLOAT

    return _replace_missing(section, numeric)


def _mean(values: pd.Series) -> float:
    return float(values.mean())


def _median(values: pd.Series) -> float:
    """A value of the column, as Spark's approxQuantile returns: the lower of the middle two."""
    return float(values.quantile(0.5, interpolation="lower"))


def _most_frequent(node: Node, series: pd.Series, missing: pd.Series) -> tuple[object, str]:
    """The most frequent present value; ties go to the smallest (Spark leaves them unordered)."""
    counts = series[~missing].value_counts()
    if counts.empty:
        raise InvalidDataError(node, f"column {series.name!r} has no value to impute from")
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0], type_of(series)


def _replace_missing(settings: Params, imputer: Imputer) -> Transform:
    columns = settings.columns("input_column")
    output = settings.output_column(columns)

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0]
        require_columns(settings.node, df, columns)
        filled = {}
        for column in columns:
            series = df[column]
            missing = is_missing(series)
            value, kind = imputer(settings.node, series, missing)
            filled[output or column] = cast(series.astype(object).mask(missing, value), kind)
        return with_columns(df, filled)

    return transform


def _drop_rows(params: Params) -> Transform:
    settings = params.section("drop_missing_parameters")
    if settings.values.get("dimension") is not None:  # the older shape of these parameters
        settings.choose("dimension", {"Drop Rows": None})
        settings = settings.section("drop_rows_parameters")
    columns = settings.columns("input_column") if settings.values.get("input_column") else None

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0]
        if columns:
            require_columns(settings.node, df, columns)
        missing = np.zeros(len(df), dtype=bool)
        for column in columns or df.columns:
            missing |= is_missing(df[column]).to_numpy()
        return df[~missing] if missing.any() else df

    return transform
