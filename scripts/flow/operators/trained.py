"""Trained parameters as Data Wrangler stores them, and when to trust them.

A stateful operator stores Spark ML models: each model directory zipped and encoded with base85
(``metadata/part-00000`` JSON, ``data/part-*.parquet`` rows). Stored models are reused unless the
run asks for a refit, none is stored, they cannot be decoded, or their ``_hash`` proves they were
fitted for other parameters. An old-style integer ``_hash`` (Python's ``hash()`` rounded by the
Studio frontend) cannot be checked and is trusted; a sha1 hex ``_hash`` is checked.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from scripts.flow.operators.base import RunContext

T = TypeVar("T")


@dataclass(frozen=True)
class SparkModel:
    metadata: Mapping[str, Any]
    rows: list[dict[str, Any]]


class UnreadableModelError(Exception):
    """A stored model that cannot be decoded; the operator refits instead."""


def decode_model(encoded: str) -> SparkModel:
    try:
        archive = zipfile.ZipFile(io.BytesIO(base64.b85decode(encoded)))
        names = archive.namelist()
        metadata = json.loads(archive.read("metadata/part-00000"))
        rows = [
            row
            for name in sorted(names)
            if name.startswith("data/part-") and name.endswith(".parquet")
            # Without threads: Arrow's pool threads can abort the interpreter at exit (apache/arrow#34314).
            for row in pq.read_table(pa.BufferReader(archive.read(name)), use_threads=False).to_pylist()
        ]
    except (TypeError, ValueError, KeyError, zipfile.BadZipFile, pa.ArrowException) as error:
        raise UnreadableModelError(str(error) or type(error).__name__) from None
    if not rows:
        raise UnreadableModelError("the model has no data rows")
    return SparkModel(metadata, rows)


def for_column(section: object, index: int, count: int) -> Mapping[str, Any] | None:
    """The trained parameters of the ``index``-th of ``count`` input columns: DW stores a dict for
    one column and a list of dicts, in column order, for several."""
    if isinstance(section, list):
        return section[index] if index < len(section) and isinstance(section[index], Mapping) else None
    return section if isinstance(section, Mapping) and count == 1 else None


def stored(
    trained: Mapping[str, Any] | None,
    key: str,
    hashed: Mapping[str, Any],
    context: RunContext,
    read: Callable[[SparkModel], T],
) -> T | None:
    """What ``read`` takes from the stored model ``key``, or None to fit on the data instead (with
    a note saying why)."""
    if context.refit:
        return None
    if not trained or key not in trained:
        context.notes.append(f"no stored {key}: fitted on the data")
        return None
    stored_hash = trained.get("_hash")
    if isinstance(stored_hash, str) and stored_hash != parameters_hash(hashed):
        context.notes.append(f"stored {key} was fitted with other parameters: fitted on the data")
        return None
    try:
        return read(decode_model(trained[key]))
    except (UnreadableModelError, LookupError, TypeError) as error:
        context.notes.append(f"stored {key} cannot be read ({error}): fitted on the data")
        return None


def vector_value(vector: Mapping[str, Any]) -> float:
    """Element 0 of a stored Spark ML vector, dense (type 1) or sparse (type 0)."""
    if vector["type"] == 1:
        return float(vector["values"][0])
    return float(dict(zip(vector["indices"], vector["values"], strict=True)).get(0, 0.0))


def parameters_hash(parameters: Mapping[str, Any]) -> str:
    """The sha1 ``_hash`` newer Data Wrangler versions store next to a model."""
    return hashlib.sha1(json.dumps(parameters, sort_keys=True).encode()).hexdigest()
