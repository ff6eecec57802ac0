"""infer_and_cast_type (trained schema and inference rules), cast_single_data_type, Spark's casts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.flow.errors import MissingColumnError, SchemaMismatchError, UnsupportedOperatorError
from scripts.flow.operators.cast import infer_type
from scripts.flow.operators.spark_types import java_double, to_strings
from tests.flow.builders import apply


def text(**columns: list) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})


def infer_and_cast(df: pd.DataFrame, schema: dict | None = None) -> pd.DataFrame:
    return apply("infer_and_cast_type", {}, df, trained={"schema": schema} if schema else None)[0]


def test_a_trained_schema_casts_and_orders_the_columns():
    df = text(price=["1.5", "x"], id=["7", None], name=["a", "b"], flag=["true", "nope"])

    result = infer_and_cast(df, {"id": "long", "name": "string", "price": "float", "flag": "bool"})

    assert list(result.columns) == ["id", "name", "price", "flag"]
    assert result["id"].dtype == "Int64"
    assert result["id"].tolist() == [7, pd.NA]
    assert result["price"].tolist()[0] == 1.5
    assert np.isnan(result["price"].iloc[1])
    assert result["flag"].tolist() == [True, pd.NA]


def test_a_long_column_without_nulls_is_plain_int64_and_decimals_are_truncated():
    result = infer_and_cast(text(n=["1", "-2.9", "3.9"]), {"n": "long"})

    assert result["n"].dtype == np.int64
    assert result["n"].tolist() == [1, -2, 3]


def test_a_schema_mismatch_names_the_missing_and_the_extra_columns():
    with pytest.raises(SchemaMismatchError) as error:
        infer_and_cast(text(a=["1"], extra=["2"]), {"a": "long", "b": "float", "c": "string"})
    assert str(error.value) == (
        "node node (infer_and_cast_type): the data does not match the trained schema "
        "(missing b, c; extra extra): "
        "map the dataset the flow was built on, or re-create the flow's type step in Data Wrangler"
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "2", "15", "7", "9"], "long"),
        (["1.5", "2", "3", "4", "5", "6"], "long"),  # more than 80% integers
        (["1.5", "2", "3", "4", "5"], "float"),  # 80% is not more than 80%
        (["15.0", "1.5", "2", "3", "4"], "float"),  # "15.0" is a number, not an integer
        (["1", "2", "3", "x", "y"], "string"),  # 60% numbers is not enough
        (["true", "False", "TRUE", "false", "true"], "bool"),
        (["2021-01-02", "2021-02-03", "2021-03-04", "2021-04-05", None], "date"),
        (["2021-01-02", "2021-01-02 10:00", "2021-03-04", "2021-04-05", "2021-04-06"], "datetime"),
        (["Jan 2 2021", "Feb 3 2021 10:00", "March 4 2021", "Apr 5 2021", "5 May 2021"], "datetime"),
        ([None, "", "  ", "NaN", "null"], "string"),  # nothing but nulls and null-likes
        (["a", "b", "c", "d", "e"], "string"),
    ],
)
def test_inference_follows_dw_s_rules(values, expected):
    assert infer_type(values) == expected


def test_without_a_schema_string_columns_are_inferred_and_typed_ones_kept():
    df = text(n=["1", "2"], x=["1.5", "2.5"], s=["a", "b"])
    df["typed"] = [1.0, 2.0]

    result = infer_and_cast(df)

    assert result.dtypes.to_dict() == {"n": np.int64, "x": np.float64, "s": object, "typed": np.float64}


def test_inference_looks_at_the_first_1000_rows_only():
    df = text(n=["1"] * 1000 + ["not a number"] * 2000)

    result = infer_and_cast(df)

    assert result["n"].dtype == "Int64"
    assert result["n"].isna().sum() == 2000


def cast_single(df: pd.DataFrame, column: str, data_type: str, **more) -> pd.DataFrame:
    parameters = {"column": column, "original_data_type": "Float", "data_type": data_type, **more}
    return apply("cast_single_data_type", parameters, df)[0]


def test_cast_single_data_type_casts_one_column_in_place():
    df = pd.DataFrame({"a": [1.9, -1.9, np.nan], "b": ["x", "y", "z"]})

    result = cast_single(df, "a", "long")

    assert list(result.columns) == ["a", "b"]
    assert result["a"].tolist() == [1, -1, pd.NA]
    assert df["a"].tolist()[:2] == [1.9, -1.9]


@pytest.mark.parametrize(
    ("values", "data_type", "expected"),
    [
        ([1, 0], "float", [1.0, 0.0]),
        ([1.0, 1e20], "string", ["1.0", "1.0E20"]),
        ([True, False], "string", ["true", "false"]),
        (["yes", "0"], "bool", [True, False]),
        ([2.5, 0.0], "bool", [True, False]),
    ],
)
def test_cast_single_data_type_casts_as_spark_does(values, data_type, expected):
    assert cast_single(pd.DataFrame({"a": values}), "a", data_type)["a"].tolist() == expected


def test_a_date_cast_reads_the_flow_s_date_pattern():
    df = text(d=["31-01-2021", "2021-01-31"])

    result = cast_single(df, "d", "date", date_formatting="dd-MM-yyyy")

    assert result["d"].tolist()[0] == pd.Timestamp("2021-01-31")
    assert pd.isna(result["d"].iloc[1])


def test_uncastable_rows_can_be_dropped():
    result = cast_single(text(a=["1", "x", "3"]), "a", "long", non_castable_data_handling_method="drop")

    assert result["a"].tolist() == [1, 3]


def test_an_unsupported_way_to_handle_uncastable_values_is_refused():
    with pytest.raises(UnsupportedOperatorError, match="non_castable_data_handling_method='replace_value'"):
        cast_single(text(a=["1"]), "a", "long", non_castable_data_handling_method="replace_value")


def test_casting_a_missing_column_names_the_columns_there_are():
    with pytest.raises(MissingColumnError, match=r"its input has no column 'zz' \(it has a\)"):
        cast_single(text(a=["1"]), "zz", "long")


def test_a_column_of_the_target_type_is_left_as_it_is():
    df = pd.DataFrame({"a": [1.5]})
    assert cast_single(df, "a", "float") is df


@pytest.mark.parametrize(
    ("value", "printed"),
    [(1.0, "1.0"), (0.001, "0.001"), (1e-4, "1.0E-4"), (12345678.0, "1.2345678E7"), (-1.5e-5, "-1.5E-5")],
)
def test_doubles_print_as_java_prints_them(value, printed):
    assert java_double(value) == printed


def test_longs_with_nulls_print_without_a_decimal_point():
    assert to_strings(pd.Series([1, None], dtype="Int64")).tolist() == ["1", None]
