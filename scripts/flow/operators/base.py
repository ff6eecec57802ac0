"""What every operator shares: the transform signature, the run context, parameter access that
names the bad parameter, and column helpers that avoid copying data.

Operators are resolved before anything runs (parameters checked, unsupported choices refused), so
a flow that cannot run locally stops before it reads a byte of data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from scripts.flow.errors import InvalidParameterError, MissingColumnError, NodeError, UnsupportedOperatorError
from scripts.flow.model import Node

T = TypeVar("T")


@dataclass
class RunContext:
    """What a transform may know about the run besides its input frames."""

    datasets: Mapping[str, Path] = field(default_factory=dict)
    refit: bool = False
    fixed_time: float | None = None
    # True when no other node reads this node's inputs, so the transform may change them in place.
    owns_inputs: bool = False
    # Lines worth telling the user about the node being run (refits, custom code's output).
    notes: list[str] = field(default_factory=list)


Transform = Callable[[Sequence[pd.DataFrame], RunContext], pd.DataFrame]

_REQUIRED: Any = object()


@dataclass(frozen=True)
class Params:
    """A node's parameters, or one section of them; a bad value raises an error naming it."""

    node: Node
    values: Mapping[str, Any]
    prefix: str = ""

    @classmethod
    def of(cls, node: Node) -> Params:
        return cls(node, node.parameters)

    def section(self, key: str) -> Params:
        value = self.values.get(key)
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise InvalidParameterError(self.node, self.name(key), "is not an object")
        return Params(self.node, value, f"{self.name(key)}.")

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def text(self, key: str, default: str | None = _REQUIRED) -> str | None:
        value = self.values.get(key)
        if value is None or value == "":
            if default is _REQUIRED:
                raise InvalidParameterError(self.node, self.name(key), "is missing")
            return default
        if not isinstance(value, str):
            raise InvalidParameterError(self.node, self.name(key), f"is {value!r}, not text")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.values.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise InvalidParameterError(self.node, self.name(key), f"is {value!r}, not true or false")
        return value

    def number(self, key: str, default: float = _REQUIRED) -> float:
        value = self.values.get(key)
        if value is None or value == "":
            if default is _REQUIRED:
                raise InvalidParameterError(self.node, self.name(key), "is missing")
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidParameterError(self.node, self.name(key), f"is {value!r}, not a number") from None

    def columns(self, key: str) -> list[str]:
        """A column name or a list of them (flows write both)."""
        value = self.values.get(key)
        names = [value] if isinstance(value, str) else value
        if not names or not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise InvalidParameterError(self.node, self.name(key), "must name one or more columns")
        return names

    def output_column(self, inputs: list[str]) -> str | None:
        """``output_column``; absent, each input column is replaced by its result."""
        output = self.text("output_column", None)
        if output and len(inputs) > 1:
            raise InvalidParameterError(
                self.node, self.name("output_column"), "names one output for several input columns"
            )
        return output

    def choose(self, key: str, choices: Mapping[str, T], default: str = _REQUIRED) -> T:
        """The implementation for the value of ``key``; any other value has none locally."""
        value = self.text(key, default)
        if value not in choices:
            raise UnsupportedOperatorError(self.node, f"{self.node.family} {self.name(key)}={value!r}")
        return choices[value]


def expect_inputs(node: Node, count: int) -> None:
    if len(node.inputs) != count:
        raise NodeError(
            node,
            f"it has {len(node.inputs)} input(s), its operator takes {count}",
            "fix its inputs in the flow",
        )


def require_columns(node: Node, df: pd.DataFrame, columns: Iterable[str]) -> None:
    for column in columns:
        if column not in df.columns:
            raise MissingColumnError(node, column, [str(c) for c in df.columns])


def select(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``df[columns]`` without copying the data (a plain ``df[columns]`` copies every column)."""
    if not df.columns.is_unique:
        return df[list(columns)]
    return pd.DataFrame({column: df[column] for column in columns}, index=df.index, copy=False)


def with_columns(df: pd.DataFrame, columns: Mapping[str, Any]) -> pd.DataFrame:
    """``df`` with columns replaced in place or appended at the end, as Spark's ``withColumn``;
    ``df`` itself is left unchanged and no untouched column is copied."""
    result = df.copy(deep=False)
    for name, values in columns.items():
        result[name] = values
    return result


def fresh_index(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` on a 0..n-1 RangeIndex, as every Spark-to-pandas hand-over gives; no data copied."""
    index = df.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return df
    result = df.copy(deep=False)
    result.index = pd.RangeIndex(len(df))
    return result
