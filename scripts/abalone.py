"""The prepared abalone file, ``abalone.csv``, as ``data/abalone.dataset.json`` describes it.

UCI's ``abalone.data`` has no header, no identifier and no time. The file the abalone flow reads adds a
header, a leading ``record_id`` (the row's position, 0..n-1) and a trailing ``record_time``: the fixed
event time the dataset metadata records (``prepared_file.record_time``), the same for every row and
every preparation. Nothing here reads the clock, so the same rows always give the same bytes, and
Feature Store receives the same record versions (record id, event time) however often the file is
ingested.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scripts import PROJECT_ROOT

DATASET = PROJECT_ROOT / "data" / "abalone.dataset.json"
RECORD_ID = "record_id"
RECORD_TIME = "record_time"


@cache
def metadata() -> dict[str, Any]:
    return json.loads(DATASET.read_text(encoding="utf-8"))


def columns() -> list[str]:
    """UCI's columns, in the order of ``abalone.data``."""
    return [column["name"] for column in metadata()["columns"]]


def record_time() -> float:
    """The event time of every prepared row, in epoch seconds."""
    return float(metadata()["prepared_file"]["record_time"]["value"])


def read_raw(path: str | Path) -> pd.DataFrame:
    """UCI's ``abalone.data`` (no header) as a frame with the dataset's column names."""
    return pd.read_csv(path, names=columns())


def prepare(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (UCI's columns) as the prepared file has them: ``record_id`` first, ``record_time`` last."""
    prepared = rows[columns()].reset_index(drop=True)
    prepared.insert(0, RECORD_ID, range(len(prepared)))
    prepared[RECORD_TIME] = record_time()
    return prepared


def write_prepared(rows: pd.DataFrame, destination: str | Path) -> Path:
    """Write ``abalone.csv`` for ``rows`` to ``destination``; return the path."""
    prepare(rows).to_csv(destination, index=False)
    return Path(destination)


_SEX_SHARES = {"M": 1528, "I": 1342, "F": 1307}  # UCI's counts of each sex among 4,177 rows
_MEASUREMENT_SHARES = (0.8, 0.25, 1.5, 0.6, 0.3, 0.4)  # of the length, for diameter .. shell_weight


def generate(rows: int, seed: int = 0) -> pd.DataFrame:
    """``rows`` made-up abalone rows (UCI's columns, types and value ranges, its sexes in its proportions),
    for when the real dataset cannot be had."""
    rng = np.random.default_rng(seed)
    counts = np.round(np.array(list(_SEX_SHARES.values())) / sum(_SEX_SHARES.values()) * rows).astype(int)
    counts[0] += rows - counts.sum()
    sex = rng.permutation(np.repeat(list(_SEX_SHARES), counts))
    length = rng.uniform(0.075, 0.815, rows).round(3)
    frame = pd.DataFrame({"sex": sex, "length": length})
    for column, share in zip(columns()[2:8], _MEASUREMENT_SHARES, strict=True):
        frame[column] = (length * share * rng.uniform(0.7, 1.3, rows)).round(4)
    frame["rings"] = rng.integers(1, 30, rows)
    return frame
