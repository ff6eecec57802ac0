"""``join_tables``: Spark's join of a node's two inputs, the first one being the left side.

Both key columns are kept, left columns first. A name both sides have is renamed ``<name>_0`` on
the left and ``<name>_1`` on the right, as DW dedupes names after a join. Null keys never match;
the row order of the result is not Spark's (Spark's is unspecified too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scripts.flow.errors import NodeError
from scripts.flow.model import Node
from scripts.flow.operators.base import (
    Params,
    RunContext,
    Transform,
    expect_inputs,
    fresh_index,
    require_columns,
)

# Spark's join type names -> the kind of join.
JOIN_TYPES = {
    "inner": "inner",
    **dict.fromkeys(("leftouter", "left", "left_outer"), "left"),
    **dict.fromkeys(("rightouter", "right", "right_outer"), "right"),
    **dict.fromkeys(("fullouter", "full", "full_outer", "outer"), "outer"),
    **dict.fromkeys(("leftsemi", "left_semi", "semi"), "semi"),
    **dict.fromkeys(("leftanti", "left_anti", "anti"), "anti"),
}


def resolve(node: Node) -> Transform:
    expect_inputs(node, 2)
    params = Params.of(node)
    kind = params.choose("join_type", JOIN_TYPES)
    left_key, right_key = params.text("left_column"), params.text("right_column")

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        left, right = inputs
        require_columns(node, left, [left_key])
        require_columns(node, right, [right_key])
        if kind in ("semi", "anti"):
            matched = left[left_key].isin(right[right_key].dropna())
            return left[matched if kind == "semi" else ~matched]
        try:
            left_rows, right_rows = _matching_rows(left[left_key], right[right_key], kind)
        except ValueError as error:  # pandas refuses to match keys of unrelated dtypes
            raise NodeError(
                node,
                f"cannot join {left_key!r} with {right_key!r}: {error}",
                "cast both keys to one type first",
            ) from None
        joined = pd.concat([_take(left, left_rows), _take(right, right_rows)], axis=1)
        joined.columns = dedupe_names([*left.columns, *right.columns])
        return joined

    return transform


def dedupe_names(names: list[str]) -> list[str]:
    """DW's names after a join: each repeated name numbered by occurrence, ``_dup`` added while the
    numbered name is taken."""
    counts = Counter(names)
    seen: Counter[str] = Counter()
    result = []
    for name in names:
        if counts[name] > 1:
            numbered = f"{name}_{seen[name]}"
            seen[name] += 1
            while numbered in counts:
                numbered += "_dup"
            name = numbered
        result.append(name)
    return result


def _matching_rows(left_keys: pd.Series, right_keys: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The row positions to pair up, -1 standing for a row of nulls."""
    left = pd.DataFrame({"key": left_keys.array, "left": np.arange(len(left_keys))}).dropna()
    right = pd.DataFrame({"key": right_keys.array, "right": np.arange(len(right_keys))}).dropna()
    pairs = left.merge(right, on="key")[["left", "right"]]
    unmatched = []
    if kind in ("left", "outer"):
        unmatched.append(
            pd.DataFrame({"left": np.setdiff1d(np.arange(len(left_keys)), pairs["left"]), "right": -1})
        )
    if kind in ("right", "outer"):
        unmatched.append(
            pd.DataFrame({"left": -1, "right": np.setdiff1d(np.arange(len(right_keys)), pairs["right"])})
        )
    if unmatched:
        pairs = pd.concat([pairs, *unmatched], ignore_index=True)
    return pairs["left"].to_numpy(), pairs["right"].to_numpy()


def _take(df: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    return fresh_index(df).reindex(rows).reset_index(drop=True)
