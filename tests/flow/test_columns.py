"""manage_columns: drop, rename, duplicate, move."""

from __future__ import annotations

import pandas as pd
import pytest

from scripts.flow.errors import InvalidParameterError, MissingColumnError, UnsupportedOperatorError
from tests.flow.builders import apply

FRAME = pd.DataFrame({"a": [1], "b": [2], "c": [3], "d": [4]})


def manage(sub_operator: str, section: str, **settings) -> pd.DataFrame:
    return apply("manage_columns", {"operator": sub_operator, section: settings}, FRAME)[0]


@pytest.mark.parametrize("doomed", ["b", ["b", "d"]])
def test_drop_takes_a_name_or_a_list(doomed):
    result = manage("Drop column", "drop_column_parameters", column_to_drop=doomed)

    assert list(result.columns) == [c for c in "abcd" if c not in doomed]


def test_dropping_a_missing_column_names_the_columns_there_are():
    with pytest.raises(MissingColumnError) as error:
        manage("Drop column", "drop_column_parameters", column_to_drop="z")
    assert str(error.value) == (
        "node node (manage_columns: Drop column): its input has no column 'z' (it has a, b, c, d): "
        "check the nodes upstream of it and the dataset"
    )


def test_rename_keeps_the_position():
    result = manage("Rename column", "rename_column_parameters", input_column="b", new_name="bee")

    assert list(result.columns) == ["a", "bee", "c", "d"]
    assert list(FRAME.columns) == ["a", "b", "c", "d"]


def test_renaming_to_the_same_name_is_refused():
    with pytest.raises(
        InvalidParameterError, match=r"rename_column_parameters\.new_name 'b' is empty or the old name"
    ):
        manage("Rename column", "rename_column_parameters", input_column="b", new_name="b")


def test_duplicate_appends_a_copy():
    result = manage("Duplicate column", "duplicate_column_parameters", input_column="a", new_name="a2")

    assert result.iloc[0].to_dict() == {"a": 1, "b": 2, "c": 3, "d": 4, "a2": 1}


@pytest.mark.parametrize(
    ("move_type", "settings", "order"),
    [
        ("Move to start", {"column_to_move": "c"}, "cabd"),
        ("Move to end", {"column_to_move": "b"}, "acdb"),
        ("Move to index", {"column_to_move": "d", "index": 1}, "adbc"),
        ("Move after", {"column_to_move": "a", "target_column": "c"}, "bcad"),
        ("Move before", {"column_to_move": "d", "target_column": "b"}, "adbc"),
    ],
)
def test_move(move_type, settings, order):
    section = {
        "Move to start": "move_to_start_parameters",
        "Move to end": "move_to_end_parameters",
        "Move to index": "move_to_index_parameters",
        "Move after": "move_after_parameters",
        "Move before": "move_before_parameters",
    }[move_type]

    result = manage("Move column", "move_column_parameters", move_type=move_type, **{section: settings})

    assert "".join(result.columns) == order
    assert result.iloc[0].to_dict() == FRAME.iloc[0].to_dict()


def test_an_index_outside_the_columns_is_refused():
    with pytest.raises(InvalidParameterError, match=r"index 9 is outside 0\.\.3"):
        manage(
            "Move column",
            "move_column_parameters",
            move_type="Move to index",
            move_to_index_parameters={"column_to_move": "a", "index": 9},
        )


def test_an_unsupported_sub_operator_is_refused():
    with pytest.raises(
        UnsupportedOperatorError, match="manage_columns operator='Concatenate columns' has no local"
    ):
        manage("Concatenate columns", "concat_columns_parameters", left_column="a", right_column="b")
