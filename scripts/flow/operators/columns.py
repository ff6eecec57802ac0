"""``manage_columns``: drop, rename, duplicate and move columns; no column's data is copied."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from scripts.flow.errors import InvalidParameterError
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

Reshape = Callable[[pd.DataFrame], pd.DataFrame]


def resolve(node: Node) -> Transform:
    expect_inputs(node, 1)
    params = Params.of(node)
    reshape = params.choose(
        "operator",
        {
            "Drop column": lambda: _drop(params.section("drop_column_parameters")),
            "Rename column": lambda: _rename(params.section("rename_column_parameters")),
            "Duplicate column": lambda: _duplicate(params.section("duplicate_column_parameters")),
            "Move column": lambda: _move(params.section("move_column_parameters")),
        },
    )()

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        return reshape(inputs[0])

    return transform


def _drop(params: Params) -> Reshape:
    doomed = params.columns("column_to_drop")

    def drop(df: pd.DataFrame) -> pd.DataFrame:
        require_columns(params.node, df, doomed)
        return select(df, [c for c in df.columns if c not in doomed])

    return drop


def _rename(params: Params) -> Reshape:
    old, new = params.text("input_column"), _new_name(params)

    def rename(df: pd.DataFrame) -> pd.DataFrame:
        require_columns(params.node, df, [old])
        renamed = df.copy(deep=False)
        renamed.columns = [new if c == old else c for c in df.columns]
        return renamed

    return rename


def _duplicate(params: Params) -> Reshape:
    source, copy = params.text("input_column"), _new_name(params)

    def duplicate(df: pd.DataFrame) -> pd.DataFrame:
        require_columns(params.node, df, [source])
        return with_columns(df, {copy: df[source].copy()})

    return duplicate


def _new_name(params: Params) -> str:
    new = params.text("new_name")
    if not new.strip() or new == params.values.get("input_column"):
        raise InvalidParameterError(params.node, params.name("new_name"), f"{new!r} is empty or the old name")
    return new


def _move(params: Params) -> Reshape:
    kind, section = params.choose(
        "move_type",
        {
            "Move to start": ("start", "move_to_start_parameters"),
            "Move to end": ("end", "move_to_end_parameters"),
            "Move to index": ("index", "move_to_index_parameters"),
            "Move after": ("after", "move_after_parameters"),
            "Move before": ("before", "move_before_parameters"),
        },
    )
    settings = params.section(section)
    column = settings.text("column_to_move")
    target = settings.text("target_column") if kind in ("after", "before") else None
    index = int(settings.number("index")) if kind == "index" else None
    if target == column:
        raise InvalidParameterError(params.node, settings.name("target_column"), "is the column to move")

    def position(others: list[str]) -> int:
        if kind == "start":
            return 0
        if kind == "end":
            return len(others)
        if index is not None:
            if not 0 <= index <= len(others):
                raise InvalidParameterError(
                    params.node, settings.name("index"), f"{index} is outside 0..{len(others)}"
                )
            return index
        return others.index(target) + (kind == "after")

    def move(df: pd.DataFrame) -> pd.DataFrame:
        require_columns(params.node, df, [column, target] if target else [column])
        others = [c for c in df.columns if c != column]
        at = position(others)
        return select(df, [*others[:at], column, *others[at:]])

    return move
