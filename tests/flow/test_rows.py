"""manage_rows: sort, drop duplicates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.flow.errors import InvalidParameterError
from tests.flow.builders import apply

FRAME = pd.DataFrame({"k": [2.0, np.nan, 1.0, 2.0], "v": ["b", "n", "a", "a"]})


def manage(sub_operator: str, section: str, **settings) -> pd.DataFrame:
    return apply("manage_rows", {"operator": sub_operator, section: settings}, FRAME)[0]


def test_an_ascending_sort_puts_nulls_first():
    assert manage("Sort", "sort_parameters", sort_by="k", order="Ascending")["v"].tolist() == [
        "n",
        "a",
        "b",
        "a",
    ]


def test_a_descending_sort_puts_nulls_last():
    assert manage("Sort", "sort_parameters", sort_by="k", order="Descending")["v"].tolist() == [
        "b",
        "a",
        "a",
        "n",
    ]


def test_sort_conditions_apply_in_turn():
    conditions = [{"sort_by": "k", "order": "Descending"}, {"sort_by": "v", "order": "Ascending"}]

    assert manage("Sort", "sort_parameters", conditions=conditions)["v"].tolist() == ["a", "b", "a", "n"]


def test_a_column_sorted_on_twice_is_refused():
    conditions = [{"sort_by": "k", "order": "Descending"}, {"sort_by": "k", "order": "Ascending"}]

    with pytest.raises(InvalidParameterError, match=r"sort_parameters\.conditions names a column twice"):
        manage("Sort", "sort_parameters", conditions=conditions)


def test_drop_duplicates_keeps_the_first_of_each():
    df = pd.DataFrame({"a": [1, 1, 2, 1], "b": ["x", "x", "x", "y"]})

    result = apply("manage_rows", {"operator": "Drop duplicates", "drop_duplicates_parameters": {}}, df)[0]

    assert result.index.tolist() == [0, 2, 3]
