"""handle_missing: fill, impute (mean, median, most frequent), drop rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.flow.errors import InvalidParameterError, NodeError
from tests.flow.builders import apply

FRAME = pd.DataFrame(
    {
        "n": pd.array([1, None, 4, 2], dtype="Int64"),
        "x": [1.0, np.nan, 4.0, 3.0],
        "s": ["a", " ", None, "a"],
    }
)


def handle(sub_operator: str, section: str, df: pd.DataFrame = FRAME, **settings) -> pd.DataFrame:
    return apply("handle_missing", {"operator": sub_operator, section: settings}, df)[0]


def test_fill_missing_casts_the_value_to_the_column_s_type():
    result = handle("Fill missing", "fill_missing_parameters", input_column=["n"], fill_value="0")

    assert result["n"].dtype == np.int64
    assert result["n"].tolist() == [1, 0, 4, 2]


def test_fill_missing_treats_blank_strings_as_missing_and_can_write_another_column():
    result = handle(
        "Fill missing", "fill_missing_parameters", input_column="s", fill_value="?", output_column="s2"
    )

    assert result["s2"].tolist() == ["a", "?", "?", "a"]
    assert list(result.columns) == ["n", "x", "s", "s2"]


def test_a_fill_value_that_does_not_fit_the_column_is_refused():
    with pytest.raises(
        InvalidParameterError, match=r"fill_missing_parameters.fill_value 'zero' is not a long"
    ):
        handle("Fill missing", "fill_missing_parameters", input_column="n", fill_value="zero")


@pytest.mark.parametrize(
    ("strategy", "value"),
    [("Mean", 7 / 3), ("Approximate Median", 2.0)],
)
def test_numeric_impute_fills_with_the_statistic_as_a_double(strategy, value):
    impute = {"column_type": "Numeric", "numeric_parameters": {"strategy": strategy, "input_column": "n"}}

    result = handle("Impute", "impute_parameters", **impute)

    assert result["n"].dtype == np.float64
    assert result["n"].tolist() == [1.0, value, 4.0, 2.0]


def test_the_median_is_a_value_of_the_column_the_lower_of_the_middle_two():
    df = pd.DataFrame({"x": [4.0, 1.0, 3.0, 2.0, np.nan]})
    impute = {
        "column_type": "Numeric",
        "numeric_parameters": {"strategy": "Approximate Median", "input_column": "x"},
    }

    assert handle("Impute", "impute_parameters", df, **impute)["x"].iloc[-1] == 2.0


def test_categorical_impute_uses_the_most_frequent_value_ties_to_the_smallest():
    df = pd.DataFrame({"s": ["b", "a", None, "b", "a", ""]})

    result = handle(
        "Impute",
        "impute_parameters",
        df,
        column_type="Categorical",
        categorical_parameters={"input_column": "s"},
    )

    assert result["s"].tolist() == ["b", "a", "a", "b", "a", "a"]


def test_numeric_impute_of_a_text_column_is_refused():
    impute = {"column_type": "Numeric", "numeric_parameters": {"strategy": "Mean", "input_column": "s"}}

    with pytest.raises(NodeError, match="column 's' is not numeric: impute it as Categorical, or cast it"):
        handle("Impute", "impute_parameters", **impute)


@pytest.mark.parametrize(
    "settings",
    [{"dimension": "Drop Rows", "drop_rows_parameters": {"input_column": "s"}}, {"input_column": "s"}],
    ids=["older-shape", "newer-shape"],
)
def test_drop_missing_drops_rows_missing_a_value(settings):
    assert handle("Drop missing", "drop_missing_parameters", **settings).index.tolist() == [0, 3]


def test_drop_missing_without_a_column_drops_rows_missing_anything():
    df = FRAME.assign(s=["a", "b", "c", "d"])

    assert handle("Drop missing", "drop_missing_parameters", df).index.tolist() == [0, 2, 3]


def test_one_output_column_for_several_inputs_is_refused():
    with pytest.raises(
        InvalidParameterError, match="output_column names one output for several input columns"
    ):
        handle(
            "Fill missing",
            "fill_missing_parameters",
            input_column=["n", "x"],
            fill_value="0",
            output_column="o",
        )
