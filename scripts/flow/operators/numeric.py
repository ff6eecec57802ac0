"""``process_numeric``, Scale values: the standard and min-max scalers of Spark ML.

The fitted statistics come from the stored scaler model unless a refit is due. Spark's standard
scaler divides by the sample standard deviation (ddof=1) and, by default, does not center; a
constant column scales to 0.0 (standard) or to the middle of the target range (min-max). Nulls stay
null and are left out of the fit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scripts.flow.errors import InvalidDataError, NodeError
from scripts.flow.model import Node
from scripts.flow.operators.base import (
    Params,
    RunContext,
    Transform,
    expect_inputs,
    require_columns,
    with_columns,
)
from scripts.flow.operators.spark_types import FLOAT, LONG, type_of
from scripts.flow.operators.trained import SparkModel, for_column, stored, vector_value

Statistics = tuple[float, float]
Scale = Callable[[Statistics, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class _Scaler:
    """One scaler: where its parameters live, and how it reads, fits and applies its statistics."""

    section: str
    read: Callable[[SparkModel], Statistics]  # from the stored model
    fit: Callable[[np.ndarray], Statistics]  # from the non-null values
    scaling: Callable[[Params], Scale]  # checks the settings before anything runs
    hashed: Callable[[Params, str], Mapping[str, Any]]  # the parameters DW hashes into _hash


def resolve(node: Node) -> Transform:
    expect_inputs(node, 1)
    Params.of(node).choose("operator", {"Scale values": None})
    params = Params.of(node).section("scale_values_parameters")
    scaler = params.choose("scaler", {"Standard scaler": _STANDARD, "Min-max scaler": _MIN_MAX})
    settings = params.section(scaler.section)
    scale = scaler.scaling(settings)
    columns = settings.columns("input_column")
    output = settings.output_column(columns)
    trained = ((node.trained_parameters or {}).get("scale_values_parameters") or {}).get(scaler.section)

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0]
        require_columns(node, df, columns)
        scaled = {}
        for index, column in enumerate(columns):
            if type_of(df[column]) not in (LONG, FLOAT):
                raise NodeError(node, f"column {column!r} is not numeric", "cast it to long or float first")
            values = df[column].to_numpy(dtype=np.float64, na_value=np.nan)
            statistics = stored(
                for_column(trained, index, len(columns)),
                "scaler_model",
                scaler.hashed(settings, column),
                context,
                scaler.read,
            )
            if statistics is None:
                present = values[~np.isnan(values)]
                if not len(present):
                    raise InvalidDataError(node, f"column {column!r} has no value to fit the scaler on")
                statistics = scaler.fit(present)
            scaled[output or column] = scale(statistics, values)
        return with_columns(df, scaled)

    return transform


def _standard_scaling(settings: Params) -> Scale:
    center, unit_variance = settings.flag("center", False), settings.flag("scale", True)

    def scale(statistics: Statistics, values: np.ndarray) -> np.ndarray:
        mean, std = statistics
        centered = values - mean if center else values
        if not unit_variance:
            return centered
        return centered * (1.0 / std if std != 0 else 0.0)

    return scale


def _min_max_scaling(settings: Params) -> Scale:
    target_low, target_high = settings.number("min", 0.0), settings.number("max", 1.0)

    def scale(statistics: Statistics, values: np.ndarray) -> np.ndarray:
        low, high = statistics
        if high == low:
            return np.where(np.isnan(values), np.nan, 0.5 * (target_high - target_low) + target_low)
        return (values - low) / (high - low) * (target_high - target_low) + target_low

    return scale


_STANDARD = _Scaler(
    section="standard_scaler_parameters",
    read=lambda model: (vector_value(model.rows[0]["mean"]), vector_value(model.rows[0]["std"])),
    fit=lambda values: (float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0),
    scaling=_standard_scaling,
    hashed=lambda settings, column: {
        "input_column": column,
        "center": settings.values.get("center"),
        "scale": settings.values.get("scale"),
    },
)
_MIN_MAX = _Scaler(
    section="min_max_scaler_parameters",
    read=lambda model: (
        vector_value(model.rows[0]["originalMin"]),
        vector_value(model.rows[0]["originalMax"]),
    ),
    fit=lambda values: (float(values.min()), float(values.max())),
    scaling=_min_max_scaling,
    hashed=lambda settings, column: {
        "input_column": column,
        "min": settings.values.get("min"),
        "max": settings.values.get("max"),
    },
)
