"""join_tables: Spark's joins, DW's names for the joined columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.flow import parse_flow, run_flow
from scripts.flow.errors import NodeError, UnsupportedOperatorError
from scripts.flow.operators.join import dedupe_names
from tests.flow.builders import apply, flow_text, source, transform

LEFT = pd.DataFrame({"id": [1.0, 2.0, np.nan, 4.0], "name": ["a", "b", "null key", "d"]})
RIGHT = pd.DataFrame({"id": [2.0, 3.0, np.nan, 2.0], "score": [20, 30, -1, 21]})


def join(join_type: str, left: pd.DataFrame = LEFT, right: pd.DataFrame = RIGHT) -> pd.DataFrame:
    parameters = {"left_column": "id", "right_column": "id", "join_type": join_type}
    return apply("join_tables", parameters, left, right)[0]


def rows(df: pd.DataFrame) -> set[tuple]:
    return {tuple(None if pd.isna(value) else value for value in row) for row in df.itertuples(index=False)}


def test_an_inner_join_keeps_both_keys_under_dw_s_names_and_never_matches_nulls():
    result = join("inner")

    assert list(result.columns) == ["id_0", "name", "id_1", "score"]
    assert rows(result) == {(2.0, "b", 2.0, 20.0), (2.0, "b", 2.0, 21.0)}


@pytest.mark.parametrize(
    ("join_type", "unmatched"),
    [
        ("leftouter", {(1.0, "a", None, None), (None, "null key", None, None), (4.0, "d", None, None)}),
        ("rightouter", {(None, None, 3.0, 30.0), (None, None, None, -1.0)}),
        (
            "fullouter",
            {
                (1.0, "a", None, None),
                (None, "null key", None, None),
                (4.0, "d", None, None),
                (None, None, 3.0, 30.0),
                (None, None, None, -1.0),
            },
        ),
    ],
)
def test_outer_joins_add_the_unmatched_rows(join_type, unmatched):
    assert rows(join(join_type)) == {(2.0, "b", 2.0, 20.0), (2.0, "b", 2.0, 21.0)} | unmatched


def test_semi_and_anti_joins_keep_left_columns_only():
    assert join("leftsemi")["name"].tolist() == ["b"]
    assert join("leftanti")["name"].tolist() == ["a", "null key", "d"]
    assert list(join("leftanti").columns) == ["id", "name"]


def test_names_are_deduped_as_dw_does():
    assert dedupe_names(["id", "x", "id_0", "id"]) == ["id_0_dup", "x", "id_0", "id_1"]


def test_keys_of_unrelated_types_are_refused():
    with pytest.raises(NodeError, match=r"cannot join 'id' with 'id'.*cast both keys to one type first"):
        join("inner", right=RIGHT.assign(id=["2", "3", None, "2"]))


def test_a_cross_join_is_refused():
    with pytest.raises(UnsupportedOperatorError, match="join_type='cross'"):
        join("cross")


def test_the_first_input_is_the_left_side(tmp_path):
    (tmp_path / "left.csv").write_text("k,l\n1,left\n")
    (tmp_path / "right.csv").write_text("k,r\n1,right\n")
    joined = transform(
        "join", "join_tables", {"left_column": "k", "right_column": "k", "join_type": "inner"}, ["l", "r"]
    )
    flow = parse_flow(flow_text(source("r", "right.csv"), source("l", "left.csv"), joined))

    result = run_flow(
        flow, {"left.csv": tmp_path / "left.csv", "right.csv": tmp_path / "right.csv"}, tmp_path / "out"
    )

    assert list(pd.read_csv(result.path).columns) == ["k_0", "l", "k_1", "r"]
