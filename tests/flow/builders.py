"""Small flows and trained models for tests, built the way Data Wrangler writes them."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from scripts.flow import operators
from scripts.flow.model import Node, parse_flow
from scripts.flow.operators.base import RunContext


def operator_id(family: str) -> str:
    return f"sagemaker.spark.{family}_0.1"


def source(
    node_id: str = "source",
    dataset: str = "data.csv",
    *,
    content_type: str = "csv",
    header: bool = True,
    delimiter: str = ",",
    nested: bool = False,
    filename_column: bool = False,
    s3_uri: str = "s3://example-bucket/data.csv",
) -> dict[str, Any]:
    return {
        "node_id": node_id,
        "type": "SOURCE",
        "operator": "sagemaker.s3_source_0.1",
        "parameters": {
            "dataset_definition": {
                "datasetSourceType": "S3",
                "name": dataset,
                "s3ExecutionContext": {
                    "s3Uri": s3_uri,
                    "s3ContentType": content_type,
                    "s3HasHeader": header,
                    "s3FieldDelimiter": delimiter,
                    "s3DirIncludesNested": nested,
                    "s3AddsFilenameColumn": filename_column,
                },
            }
        },
        "inputs": [],
        "outputs": [
            {"name": "default", "sampling": {"sampling_method": "sample_by_limit", "limit_rows": 50000}}
        ],
    }


def transform(
    node_id: str,
    family: str,
    parameters: Mapping[str, Any] | None = None,
    inputs: Iterable[str] = (),
    *,
    trained: Mapping[str, Any] | None = None,
    node_type: str = "TRANSFORM",
    operator: str | None = None,
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "node_id": node_id,
        "type": node_type,
        "operator": operator or operator_id(family),
        "parameters": dict(parameters or {}),
        "inputs": [{"name": "df", "node_id": upstream, "output_name": "default"} for upstream in inputs],
        "outputs": [{"name": "default"}],
    }
    if trained is not None:
        node["trained_parameters"] = dict(trained)
    return node


def flow_text(*nodes: Mapping[str, Any], version: object = 1) -> str:
    return json.dumps({"metadata": {"version": version, "disable_limits": False}, "nodes": list(nodes)})


def node_of(
    family: str, parameters: Mapping[str, Any], trained: Mapping[str, Any] | None = None, inputs: int = 1
) -> Node:
    upstream = [source(f"in{i}") for i in range(inputs)]
    flow = parse_flow(
        flow_text(
            *upstream,
            transform("node", family, parameters, [u["node_id"] for u in upstream], trained=trained),
        )
    )
    return flow.node("node")


def apply(
    family: str,
    parameters: Mapping[str, Any],
    *frames: pd.DataFrame,
    trained: Mapping[str, Any] | None = None,
    refit: bool = False,
    fixed_time: float | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Run one operator on ``frames`` as the runner would; return its result and notes."""
    context = RunContext(refit=refit, fixed_time=fixed_time)
    node = node_of(family, parameters, trained, inputs=len(frames))
    result = operators.resolve(node)(list(frames), context)
    return result, context.notes


def spark_model(metadata: Mapping[str, Any], rows: list[dict[str, Any]]) -> str:
    """A Spark ML model directory as DW stores it: zipped, base85-encoded."""
    data = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), data)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("metadata/part-00000", json.dumps(metadata))
        zipped.writestr("data/part-00000-0.snappy.parquet", data.getvalue())
    return base64.b85encode(archive.getvalue()).decode()


def string_indexer(labels: list[str]) -> str:
    return spark_model(
        {"class": "org.apache.spark.ml.feature.StringIndexerModel"}, [{"labelsArray": [labels]}]
    )


def dense(value: float) -> dict[str, Any]:
    return {"type": 1, "size": None, "indices": None, "values": [value]}
