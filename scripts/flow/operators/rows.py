"""``manage_rows``: sort, drop duplicate rows.

Sorting puts nulls first when ascending and last when descending, as Spark does. Dropping
duplicates keeps the first of each group in the input's order (Spark keeps an arbitrary one).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from scripts.flow.errors import InvalidParameterError
from scripts.flow.model import Node
from scripts.flow.operators.base import Params, RunContext, Transform, expect_inputs, require_columns

ORDERS = {"Ascending": True, "Descending": False}


def resolve(node: Node) -> Transform:
    expect_inputs(node, 1)
    params = Params.of(node)
    return params.choose("operator", {"Sort": _sort, "Drop duplicates": _drop_duplicates})(params)


def _sort(params: Params) -> Transform:
    settings = params.section("sort_parameters")
    conditions = settings.values.get("conditions") or [
        {"sort_by": settings.text("sort_by"), "order": settings.text("order")}
    ]
    if not isinstance(conditions, list) or not all(isinstance(c, dict) for c in conditions):
        raise InvalidParameterError(params.node, settings.name("conditions"), "is not a list of objects")
    keys: list[tuple[str, bool]] = []
    for index, condition in enumerate(conditions):
        where = Params(params.node, condition, settings.name(f"conditions[{index}]."))
        keys.append((where.text("sort_by"), where.choose("order", ORDERS)))
    columns = [column for column, _ in keys]
    if len(set(columns)) != len(columns):
        raise InvalidParameterError(params.node, settings.name("conditions"), "names a column twice")

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0]
        require_columns(params.node, df, columns)
        # One stable sort per key, last key first, so each key can place its own nulls.
        for column, ascending in reversed(keys):
            df = df.sort_values(
                column, ascending=ascending, kind="stable", na_position="first" if ascending else "last"
            )
        return df

    return transform


def _drop_duplicates(params: Params) -> Transform:
    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        return inputs[0].drop_duplicates()

    return transform
