"""``custom_pandas`` and ``custom_code`` "Python (Pandas)": the flow's own pandas code.

Run as DW runs it: ``exec`` in one namespace holding ``df``, a pandas copy of the data on a fresh
RangeIndex (long columns holding nulls as float64, as Spark's ``toPandas`` gives them); the result
is whatever ``df`` is afterwards, which must be a DataFrame. Then, as Spark takes the frame back,
all-null columns become ``""`` and columns mixing types become ``str``. What the code prints and
the warnings it raises are kept as notes, not lost.

Two aids, both confined to the code's own imports: ``pandas`` there has a ``concat`` that also
takes pandas 1.x's positional arguments (the abalone flows call ``pd.concat(objs, 1)``, a TypeError
on pandas 2), and with a fixed time ``time.time()`` returns it, so ``record_time`` is reproducible.
"""

from __future__ import annotations

import ast
import builtins
import functools
import io
import time
import traceback
import types
import warnings
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from scripts.flow.errors import CustomCodeError, CustomCodeResultError
from scripts.flow.model import Node
from scripts.flow.operators.base import Params, RunContext, Transform, expect_inputs, with_columns

# pandas 1.x's concat(objs, axis, join, ignore_index, keys, levels, names, verify_integrity, sort, copy).
_CONCAT_ARGUMENTS = (
    "axis",
    "join",
    "ignore_index",
    "keys",
    "levels",
    "names",
    "verify_integrity",
    "sort",
    "copy",
)
_MIXED = frozenset({"mixed", "mixed-integer", "mixed-integer-float"})


def resolve_custom_pandas(node: Node) -> Transform:
    expect_inputs(node, 1)
    return _code_runner(node, Params.of(node).text("code", ""))


def resolve_custom_code(node: Node) -> Transform:
    expect_inputs(node, 1)
    params = Params.of(node)
    section = params.choose("operator", {"Python (Pandas)": "pandas_parameters"})
    return _code_runner(node, params.section(section).text("code", ""))


def _code_runner(node: Node, code: str) -> Transform:
    filename = f"<code of node {node.node_id}>"
    try:
        tree = ast.parse(code, filename)
    except SyntaxError as error:
        raise CustomCodeError(node, error, error.lineno, error.text) from None
    if not tree.body:
        return lambda inputs, context: inputs[0]
    compiled = compile(tree, filename, "exec")

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0] if context.owns_inputs else inputs[0].copy()
        namespace: dict[str, Any] = {"df": _as_spark_hands_it_over(df), "__builtins__": _builtins(context)}
        del df  # leave the namespace the only holder, so code that replaces df can free it
        printed = io.StringIO()
        with redirect_stdout(printed), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                exec(compiled, namespace)
            except Exception as error:
                raise CustomCodeError(node, error, *_failing_line(error, code, filename)) from error
        context.notes.extend(f"printed: {line}" for line in printed.getvalue().splitlines())
        context.notes.extend(f"{w.category.__name__}: {w.message}" for w in caught)
        result = namespace.get("df")
        if not isinstance(result, pd.DataFrame):
            raise CustomCodeResultError(node, result)
        return _as_spark_takes_it_back(result)

    return transform


def _as_spark_hands_it_over(df: pd.DataFrame) -> pd.DataFrame:
    """``toPandas``: a long column with nulls is float64, a bool column with nulls is object, text is
    object (code written for DW tests ``dtype == object``, which pandas' string dtype fails)."""
    changed = {}
    for column in df.columns:
        dtype = df[column].dtype
        if isinstance(dtype, pd.Int64Dtype):
            changed[column] = df[column].to_numpy(dtype=np.float64, na_value=np.nan)
        elif isinstance(dtype, pd.BooleanDtype | pd.StringDtype):
            changed[column] = df[column].astype(object).where(df[column].notna(), None)
    return with_columns(df, changed) if changed else df


def _as_spark_takes_it_back(df: pd.DataFrame) -> pd.DataFrame:
    changed = {}
    for column in df.columns:
        series = df[column]
        if series.isna().all():
            changed[column] = series.astype(object).fillna("")
        elif series.dtype == object and ptypes.infer_dtype(series, skipna=True) in _MIXED:
            changed[column] = series.astype(str)
    return with_columns(df, changed) if changed else df


def _failing_line(error: BaseException, code: str, filename: str) -> tuple[int | None, str | None]:
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
    if not frames or not frames[-1].lineno:
        return None, None
    return frames[-1].lineno, code.splitlines()[frames[-1].lineno - 1]


def _builtins(context: RunContext) -> dict[str, Any]:
    overrides = {"pandas": _pandas_with_1x_concat()}
    if context.fixed_time is not None:
        overrides["time"] = _frozen_time(context.fixed_time)
    return {**vars(builtins), "__import__": _importer(overrides)}


def _importer(overrides: dict[str, types.ModuleType]) -> Callable[..., types.ModuleType]:
    def import_(
        name: str, globals: Any = None, locals: Any = None, fromlist: Sequence[str] = (), level: int = 0
    ) -> types.ModuleType:
        module = builtins.__import__(name, globals, locals, fromlist, level)
        top = name.partition(".")[0]
        if level == 0 and top in overrides and (not fromlist or name == top):
            return overrides[top]
        return module

    return import_


@functools.cache
def _pandas_with_1x_concat() -> types.ModuleType:
    module = types.ModuleType("pandas", pd.__doc__)
    vars(module).update(vars(pd))
    module.concat = _concat  # type: ignore[attr-defined]
    return module


def _concat(objs: Any, *args: Any, **kwargs: Any) -> Any:
    """``pandas.concat`` that also takes the arguments after ``objs`` by position, as pandas 1.x did."""
    if len(args) > len(_CONCAT_ARGUMENTS):
        raise TypeError(f"concat() takes at most {len(_CONCAT_ARGUMENTS) + 1} positional arguments")
    for name, value in zip(_CONCAT_ARGUMENTS, args, strict=False):
        if name in kwargs:
            raise TypeError(f"concat() got multiple values for argument {name!r}")
        kwargs[name] = value
    return pd.concat(objs, **kwargs)


def _frozen_time(epoch: float) -> types.ModuleType:
    module = types.ModuleType("time", time.__doc__)
    vars(module).update(vars(time))
    module.time = lambda: epoch  # type: ignore[attr-defined]
    module.time_ns = lambda: int(epoch * 1e9)  # type: ignore[attr-defined]
    return module
