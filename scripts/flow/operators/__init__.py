"""The transform operators that run locally, by operator id; any other operator is refused."""

from __future__ import annotations

from collections.abc import Callable

from scripts.flow.errors import UnsupportedOperatorError
from scripts.flow.model import Node
from scripts.flow.operators import (
    cast,
    columns,
    custom_code,
    destination,
    encode,
    join,
    missing,
    numeric,
    rows,
    strings,
)
from scripts.flow.operators.base import Transform

RESOLVERS: dict[str, Callable[[Node], Transform]] = {
    cast.INFER_AND_CAST_TYPE: cast.resolve_infer_and_cast,
    "sagemaker.spark.cast_single_data_type_0.1": cast.resolve_cast_single,
    "sagemaker.spark.custom_pandas_0.1": custom_code.resolve_custom_pandas,
    "sagemaker.spark.custom_code_0.1": custom_code.resolve_custom_code,
    "sagemaker.spark.encode_categorical_0.1": encode.resolve,
    "sagemaker.spark.manage_columns_0.1": columns.resolve,
    "sagemaker.spark.handle_missing_0.1": missing.resolve,
    "sagemaker.spark.process_numeric_0.1": numeric.resolve,
    "sagemaker.spark.format_string_0.1": strings.resolve,
    "sagemaker.spark.manage_rows_0.1": rows.resolve,
    "sagemaker.spark.join_tables_0.1": join.resolve,
    destination.S3_DESTINATION: destination.resolve,
}


def resolve(node: Node) -> Transform:
    """The node's transform, its parameters checked; refused when it has no local implementation."""
    resolver = RESOLVERS.get(node.operator)
    if resolver is None:
        raise UnsupportedOperatorError(node)
    return resolver(node)
