"""SOURCE nodes: a dataset read from the local path its dataset name is mapped to.

A processing job reads ``/opt/ml/processing/<dataset name>`` when it has an input of that name;
the runner likewise maps dataset names to local paths and never reads the flow's ``s3Uri``, which
points into the account the flow was made in.

Read as Spark reads it: CSV with every column as text (DW reads without ``inferSchema``), empty
fields null, ``"`` as quote and escape, the flow's delimiter, columns ``_c0, _c1, ...`` when there is
no header; Parquet with its own types. A directory is read file by file in name order, nested
directories too when the source says so, skipping names that start with ``_`` or ``.`` (Spark's
``_SUCCESS``, ``.crc``). The filename column ``_data_source_filename`` holds each row's file URI.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scripts.flow.errors import DatasetNotFoundError, UnsupportedOperatorError
from scripts.flow.model import Node
from scripts.flow.operators.base import Params, RunContext, Transform

S3_SOURCE = "sagemaker.s3_source_0.1"
FILENAME_COLUMN = "_data_source_filename"


@dataclass(frozen=True)
class DatasetSource:
    dataset: str
    content_type: str  # "csv" or "parquet"
    has_header: bool
    delimiter: str
    nested: bool
    adds_filename_column: bool

    @classmethod
    def from_node(cls, node: Node) -> DatasetSource:
        if node.operator != S3_SOURCE:
            raise UnsupportedOperatorError(node)
        definition = Params.of(node).section("dataset_definition")
        context = definition.section("s3ExecutionContext")
        return cls(
            dataset=definition.text("name"),
            content_type=context.choose("s3ContentType", {"csv": "csv", "parquet": "parquet"}),
            has_header=context.flag("s3HasHeader", False),
            delimiter=context.text("s3FieldDelimiter", ","),
            nested=context.flag("s3DirIncludesNested", False),
            adds_filename_column=context.flag("s3AddsFilenameColumn", False),
        )


def resolve(node: Node, parse_as: Mapping[str, str]) -> Transform:
    """The node's reader. ``parse_as`` names CSV columns every reader casts to numbers (see
    :func:`read_dataset`)."""
    source = DatasetSource.from_node(node)

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        return read_dataset(source, context.datasets[source.dataset], parse_as)

    return transform


def read_dataset(
    source: DatasetSource, path: Path, parse_as: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The dataset at ``path``. A CSV column named in ``parse_as`` is parsed straight to its numpy
    dtype when every value allows it, which gives the values casting its text would: the C parser
    does that in one pass, where building a str per value and parsing it again costs several times
    more. Should any value not parse, the column is read as text like the others."""
    frames = []
    for file in _data_files(source, path):
        frame = (
            _read_csv(file, source, parse_as or {}) if source.content_type == "csv" else _read_parquet(file)
        )
        if source.adds_filename_column:
            frame[_free_name(frame.columns, FILENAME_COLUMN)] = file.resolve().as_uri()
        frames.append(frame)
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _data_files(source: DatasetSource, path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DatasetNotFoundError(source.dataset, path, "does not exist")
    candidates = path.rglob("*") if source.nested else path.iterdir()
    files = sorted(
        file
        for file in candidates
        if file.is_file() and not any(part.startswith(("_", ".")) for part in file.relative_to(path).parts)
    )
    if not files:
        raise DatasetNotFoundError(
            source.dataset,
            path,
            "holds no data file" + ("" if source.nested else " (nested folders are not read)"),
        )
    return files


def _read_csv(file: Path, source: DatasetSource, parse_as: Mapping[str, str]) -> pd.DataFrame:
    options = {
        "sep": source.delimiter,
        "quotechar": '"',
        "doublequote": True,
        "keep_default_na": False,
        "na_values": [""],
        "header": 0 if source.has_header else None,
        "encoding": "utf-8",
    }
    try:
        if parse_as and source.has_header:
            try:
                return pd.read_csv(file, dtype=defaultdict(lambda: str, parse_as), **options)
            except ValueError:
                pass  # some value is not a number: read it as text, as Spark does
        frame = pd.read_csv(file, dtype=str, **options)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    if not source.has_header:
        frame.columns = [f"_c{i}" for i in range(len(frame.columns))]
    return frame


def _read_parquet(file: Path) -> pd.DataFrame:
    # Without threads: Arrow's pool threads can abort the interpreter at exit (apache/arrow#34314).
    return pd.read_parquet(file, use_threads=False)


def _free_name(taken: pd.Index, name: str) -> str:
    candidate, counter = name, 1
    while candidate in taken:
        candidate, counter = f"{name}_{counter}", counter + 1
    return candidate
