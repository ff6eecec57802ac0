"""``s3_destination``: where a processing job writes an output. Locally it passes its input on, and
its content type, delimiter and compression shape the written file; its S3 path is never used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from scripts.flow.model import Node
from scripts.flow.operators.base import Params, RunContext, Transform, expect_inputs

S3_DESTINATION = "sagemaker.spark.s3_destination_0.1"
CSV, PARQUET = "csv", "parquet"


@dataclass(frozen=True)
class OutputFormat:
    content_type: str = CSV
    delimiter: str = ","
    compression: str | None = None  # as pandas names it


def resolve(node: Node) -> Transform:
    expect_inputs(node, 1)
    output_format(node)

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        return inputs[0]

    return transform


def output_format(node: Node) -> OutputFormat:
    config = Params.of(node).section("output_config")
    content_type = config.choose("output_content_type", {"CSV": CSV, "PARQUET": PARQUET}, default="CSV")
    compressions = (
        {"none": None, "gzip": "gzip"}
        if content_type == CSV
        else {"none": None, "snappy": "snappy", "gzip": "gzip"}
    )
    return OutputFormat(
        content_type=content_type,
        delimiter=config.text("delimiter", ","),
        compression=config.choose("compression", compressions, default="none"),
    )
