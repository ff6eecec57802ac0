"""Write a Data Wrangler ``.flow`` from code instead of clicking it together in Studio.

A flow written here is the JSON Studio writes: the same operators, parameters and wiring, node ids
that are UUIDs (derived from the flow's name and the node's position, so the same code gives the same
file), and no account-specific data but the source URI you give. Stateful operators get no trained
parameters unless given: Data Wrangler's processing job then fits them on the data it reads, as
``python -m scripts.flow run --refit`` does locally::

    flow = (
        FlowBuilder("abalone")
        .csv_source("abalone.csv", "s3://my-bucket/abalone/abalone.csv")
        .cast({"sex": "string", "rings": "long"})
        .one_hot_encode("sex")
    )
    flow.write("abalone.flow")

Each step reads the output of the step before it: a straight line of nodes, which is what an ingestion
flow is. :func:`scripts.flow.parse_flow` checks the result, so a flow that could not be loaded is never
written.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scripts.flow.model import DEFAULT_OUTPUT, Flow, parse_flow

SOURCE_OPERATOR = "sagemaker.s3_source_0.1"
SAMPLE_ROWS = 50_000
"""Studio's default sample for interactive editing; the processing job reads every row."""
CAST_TYPES = ("long", "float", "string", "bool", "date", "datetime")
INVALID_HANDLING = ("Keep", "Skip", "Error")


class FlowAuthoringError(ValueError):
    """A step that Data Wrangler would not accept, named with the fix."""


class FlowBuilder:
    def __init__(self, name: str) -> None:
        self.name = name
        self._nodes: list[dict[str, Any]] = []

    def csv_source(
        self, dataset: str, s3_uri: str, *, header: bool = True, delimiter: str = ","
    ) -> FlowBuilder:
        """The flow's input: the CSV dataset ``dataset``. A processing job replaces ``s3_uri`` by the
        processing input named ``dataset``, so ``s3_uri`` only matters in Studio."""
        if self._nodes:
            raise FlowAuthoringError(f"{self.name}: the source must be the first step; start a new flow")
        if not s3_uri.startswith("s3://"):
            raise FlowAuthoringError(f"source {dataset}: {s3_uri!r} is not an s3:// URI; give one")
        context = {
            "__typename": "S3ExecutionContext",
            "s3Uri": s3_uri,
            "s3ContentType": "csv",
            "s3HasHeader": header,
            "s3FieldDelimiter": delimiter,
            "s3DirIncludesNested": False,
            "s3AddsFilenameColumn": False,
        }
        definition = {
            "__typename": "S3CreateDatasetDefinitionOutput",
            "datasetSourceType": "S3",
            "name": dataset,
            "description": None,
            "s3ExecutionContext": context,
        }
        node = self._node("SOURCE", SOURCE_OPERATOR, {"dataset_definition": definition}, input_name=None)
        node["outputs"] = [
            {
                "name": DEFAULT_OUTPUT,
                "sampling": {"sampling_method": "sample_by_limit", "limit_rows": SAMPLE_ROWS},
            }
        ]
        return self

    def cast(self, schema: Mapping[str, str]) -> FlowBuilder:
        """Cast every column to its type, in ``schema``'s order; the data must have exactly those
        columns. This is the node Studio adds after a source, with the types it inferred."""
        wrong = {column: kind for column, kind in schema.items() if kind not in CAST_TYPES}
        if wrong:
            raise FlowAuthoringError(f"cast: unknown types {wrong}; use {', '.join(CAST_TYPES)}")
        node = self._node("TRANSFORM", _spark("infer_and_cast_type"), {}, input_name="default")
        node["trained_parameters"] = {"schema": dict(schema)}
        return self

    def custom_pandas(self, code: str) -> FlowBuilder:
        """Python (Pandas) code run on the whole frame ``df``; what it leaves in ``df`` goes on."""
        return self._transform("custom_pandas", {"code": code})

    def one_hot_encode(self, column: str, *, invalid: str = "Keep", drop_last: bool = False) -> FlowBuilder:
        """One column ``<column>_<category>`` per category, in place of ``column``."""
        if invalid not in INVALID_HANDLING:
            raise FlowAuthoringError(
                f"one-hot encode {column}: invalid handling {invalid!r}; use {', '.join(INVALID_HANDLING)}"
            )
        return self._transform(
            "encode_categorical",
            {
                "operator": "One-hot encode",
                "one_hot_encode_parameters": {
                    "invalid_handling_strategy": invalid,
                    "drop_last": drop_last,
                    "output_style": "Columns",
                    "input_column": column,
                },
                "ordinal_encode_parameters": {"invalid_handling_strategy": "Replace with NaN"},
            },
        )

    def to_dict(self) -> dict[str, Any]:
        return {"metadata": {"version": 1, "disable_limits": False}, "nodes": self._nodes}

    def build(self) -> Flow:
        """The flow as :func:`scripts.flow.run_flow` takes it (checked as any loaded flow is)."""
        if not self._nodes:
            raise FlowAuthoringError(f"{self.name}: a flow needs a source; call csv_source first")
        return parse_flow(self.text(), origin=f"flow {self.name}")

    def text(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def write(self, path: str | Path) -> Path:
        self.build()
        destination = Path(path)
        destination.write_text(self.text(), encoding="utf-8")
        return destination

    def _transform(self, family: str, parameters: dict[str, Any]) -> FlowBuilder:
        self._node("TRANSFORM", _spark(family), parameters, input_name="df")
        return self

    def _node(
        self, kind: str, operator: str, parameters: dict[str, Any], input_name: str | None
    ) -> dict[str, Any]:
        if input_name is not None and not self._nodes:
            raise FlowAuthoringError(f"{self.name}: {operator} needs data; call csv_source first")
        node_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"flow:{self.name}/{len(self._nodes)}/{operator}"))
        inputs = (
            []
            if input_name is None
            else [{"name": input_name, "node_id": self._nodes[-1]["node_id"], "output_name": DEFAULT_OUTPUT}]
        )
        node = {
            "node_id": node_id,
            "type": kind,
            "operator": operator,
            "parameters": parameters,
            "inputs": inputs,
            "outputs": [{"name": DEFAULT_OUTPUT}],
        }
        self._nodes.append(node)
        return node


def _spark(family: str) -> str:
    return f"sagemaker.spark.{family}_0.1"
