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
from scripts.flow.authoring import FlowBuilder

DATASET = PROJECT_ROOT / "data" / "abalone.dataset.json"
PREPARED_FILE = "abalone.csv"
RECORD_ID = "record_id"
RECORD_TIME = "record_time"
MEASUREMENTS = (
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
)
SCALE_MEASUREMENTS = f"""import pandas as pd
from sklearn.preprocessing import StandardScaler

# Scale the seven measurements only: record_id, sex, rings and record_time pass through unchanged.
measurements = {list(MEASUREMENTS)}
df_scaled = pd.DataFrame(StandardScaler().fit_transform(df[measurements].to_numpy()), columns=measurements)
df = pd.concat((df_scaled, df.drop(columns=measurements)), axis=1)"""
EVENT_TIME_LAST = """# record_time is the event time Feature Store keeps with each record. It comes from the
# data (abalone.csv), never from the clock, so ingesting the same file again writes the same records.
if df['record_time'].isnull().any():
    raise ValueError(
        'record_time is empty or not a number in some rows: every row of abalone.csv needs its event time'
    )

# The one-hot columns were appended after it: put record_time last again, as the feature group lists it.
df = df[[column for column in df.columns if column != 'record_time'] + ['record_time']]"""


@cache
def metadata() -> dict[str, Any]:
    return json.loads(DATASET.read_text(encoding="utf-8"))


def columns() -> list[str]:
    """UCI's columns, in the order of ``abalone.data``."""
    return [column["name"] for column in metadata()["columns"]]


def record_time() -> float:
    """The event time of every prepared row, in epoch seconds."""
    return float(metadata()["prepared_file"]["record_time"]["value"])


def prepared_schema() -> dict[str, str]:
    """The prepared file's columns and their Data Wrangler types."""
    kinds = {"string": "string", "float": "float", "long": "long"}
    return {
        RECORD_ID: "long",
        **{column["name"]: kinds[column["type"]] for column in metadata()["columns"]},
        RECORD_TIME: "float",
    }


def flow(source_uri: str) -> FlowBuilder:
    """The abalone flow, written from code: ``abalone.csv`` cast to its types, the measurements scaled,
    ``sex`` one-hot encoded, ``record_time`` checked and put last, as ``data/abalone.fg.json`` lists the
    features. ``source_uri`` is where the file is in S3 (only Studio reads it: a processing job is given
    the file as the input named ``abalone.csv``). The one-hot encoder is fitted when the flow runs."""
    return (
        FlowBuilder("abalone")
        .csv_source(PREPARED_FILE, source_uri)
        .cast(prepared_schema())
        .custom_pandas(SCALE_MEASUREMENTS)
        .one_hot_encode("sex")
        .custom_pandas(EVENT_TIME_LAST)
    )


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
