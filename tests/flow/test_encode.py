"""encode_categorical: one-hot (Columns, Vector) and ordinal, with stored or fitted labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts import PROJECT_ROOT
from scripts.flow import load_flow
from scripts.flow.errors import InvalidDataError, UnsupportedOperatorError
from scripts.flow.operators.encode import fit_labels
from scripts.flow.operators.trained import parameters_hash
from tests.flow.builders import apply, string_indexer

ABALONE = load_flow(PROJECT_ROOT / "data" / "abalone.flow")
ABALONE_ONE_HOT = ABALONE.node("914c3ccc-b898-4cff-a12b-fcb75ceeecfc")


def one_hot(df, labels=None, *, refit=False, trained=None, **settings):
    parameters = {
        "operator": "One-hot encode",
        "one_hot_encode_parameters": {
            "invalid_handling_strategy": "Keep",
            "drop_last": False,
            "output_style": "Columns",
            "input_column": "sex",
            **settings,
        },
    }
    if trained is None and labels is not None:
        trained = {"one_hot_encode_parameters": {"string_indexer_model": string_indexer(labels)}}
    return apply("encode_categorical", parameters, df, trained=trained, refit=refit)


def ordinal(df, labels=None, **settings):
    parameters = {
        "operator": "Ordinal encode",
        "ordinal_encode_parameters": {"invalid_handling_strategy": "Keep", "input_column": "sex", **settings},
    }
    trained = (
        {"ordinal_encode_parameters": {"string_indexer_model": string_indexer(labels)}} if labels else None
    )
    return apply("encode_categorical", parameters, df, trained=trained)


SEXES = pd.DataFrame({"sex": ["F", "M", None, "", "X"], "n": [1, 2, 3, 4, 5]})


def test_the_abalone_flow_s_stored_labels_are_decoded():
    df, notes = apply(
        "encode_categorical",
        ABALONE_ONE_HOT.parameters,
        pd.DataFrame({"sex": ["I", "F", "M"]}),
        trained=ABALONE_ONE_HOT.trained_parameters,
    )

    assert list(df.columns) == ["sex_M", "sex_I", "sex_F"]
    assert df.to_numpy().tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    assert notes == []


def test_columns_replace_the_input_at_the_end_and_invalid_values_under_keep_are_all_zero():
    df, _ = one_hot(SEXES, ["M", "F"])

    assert list(df.columns) == ["n", "sex_M", "sex_F"]
    assert df[["sex_M", "sex_F"]].to_numpy().tolist() == [[0, 1], [1, 0], [0, 0], [0, 0], [0, 0]]
    assert df["sex_M"].dtype == np.float64


def test_skip_drops_the_rows_with_invalid_values():
    df, _ = one_hot(SEXES, ["M", "F"], invalid_handling_strategy="Skip")

    assert df["n"].tolist() == [1, 2]


def test_error_stops_naming_the_column_and_the_invalid_values():
    with pytest.raises(InvalidDataError) as error:
        one_hot(SEXES, ["M", "F"], invalid_handling_strategy="Error")
    assert str(error.value).startswith(
        "node node (encode_categorical: One-hot encode): column 'sex' has 3 null or unseen value(s) "
        "(e.g. '', 'X', None; labels: M, F) and invalid handling is Error"
    )


@pytest.mark.parametrize(
    ("strategy", "columns", "row"),
    [
        ("Keep", ["sex_M", "sex_F"], [0.0, 1.0]),  # the dropped slot is Keep's invalid one
        ("Skip", ["sex_M", "sex_F"], [0.0, np.nan]),  # the dropped slot is the last label: null in Spark
    ],
)
def test_drop_last_drops_the_last_vector_slot(strategy, columns, row):
    df, _ = one_hot(SEXES.iloc[:2], ["M", "F"], invalid_handling_strategy=strategy, drop_last=True)

    assert list(df.columns) == ["n", *columns]
    np.testing.assert_array_equal(df[columns].iloc[0].to_numpy(), row)


def test_the_vector_style_puts_one_list_per_row_in_place_of_the_input():
    df, _ = one_hot(SEXES.iloc[:3], ["M", "F"], output_style="Vector")

    assert list(df.columns) == ["sex", "n"]
    assert df["sex"].tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]


def test_another_output_column_keeps_the_input():
    df, _ = one_hot(SEXES.iloc[:2], ["M", "F"], output_column="s")

    assert list(df.columns) == ["sex", "n", "s_M", "s_F"]


def test_labels_are_fitted_by_falling_count_ties_alphabetical_blanks_left_out():
    strings = pd.Series(["b", "a", "c", "c", "", None, "b"], dtype=object)
    assert fit_labels(strings.mask(strings == "")) == ["b", "c", "a"]

    df, notes = one_hot(pd.DataFrame({"sex": ["b", "a", "c", "c", "", None, "b"]}))
    assert list(df.columns) == ["sex_b", "sex_c", "sex_a"]
    assert notes == ["no stored string_indexer_model: fitted on the data"]


def test_a_refit_ignores_the_stored_labels():
    df, notes = one_hot(pd.DataFrame({"sex": ["F", "F", "M"]}), ["M", "F"], refit=True)

    assert list(df.columns) == ["sex_F", "sex_M"]
    assert notes == []


def test_an_undecodable_stored_model_is_refitted_with_a_note():
    trained = {"one_hot_encode_parameters": {"string_indexer_model": "not base85 at all ~~~"}}

    df, notes = one_hot(pd.DataFrame({"sex": ["F"]}), trained=trained)

    assert list(df.columns) == ["sex_F"]
    assert notes[0].startswith("stored string_indexer_model cannot be read (")


def test_a_sha1_hash_decides_whether_the_stored_model_fits_the_parameters():
    parameters = {"invalid_handling_strategy": "Keep", "drop_last": False}
    assert parameters_hash(parameters) == "4623886b68927a4dcb437c2769f9d5234824476a"  # join.flow's
    fresh = {"_hash": parameters_hash(parameters), "string_indexer_model": string_indexer(["M", "F"])}
    stale = {**fresh, "_hash": parameters_hash({**parameters, "drop_last": True})}

    used, _ = one_hot(pd.DataFrame({"sex": ["F"]}), trained={"one_hot_encode_parameters": fresh})
    refitted, notes = one_hot(pd.DataFrame({"sex": ["F"]}), trained={"one_hot_encode_parameters": stale})

    assert list(used.columns) == ["sex_M", "sex_F"]
    assert list(refitted.columns) == ["sex_F"]
    assert notes == ["stored string_indexer_model was fitted with other parameters: fitted on the data"]


def test_several_input_columns_pair_with_their_trained_parameters_by_position():
    trained = {
        "one_hot_encode_parameters": [
            {"string_indexer_model": string_indexer(["x", "y"])},
            {"string_indexer_model": string_indexer(["1", "0"])},
        ]
    }
    df, _ = one_hot(pd.DataFrame({"a": ["y"], "b": [0]}), trained=trained, input_column=["a", "b"])

    assert df.iloc[0].to_dict() == {"a_x": 0.0, "a_y": 1.0, "b_1": 0.0, "b_0": 1.0}


def test_an_already_ordinal_encoded_input_is_refused():
    with pytest.raises(UnsupportedOperatorError, match="already ordinal-encoded"):
        one_hot(SEXES, ["M"], input_already_ordinal_encoded=True)


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("Keep", [1.0, 0.0, 2.0, 2.0, 2.0]),
        ("Replace with NaN", [1.0, 0.0, np.nan, np.nan, np.nan]),
        ("Skip", [1.0, 0.0]),
    ],
)
def test_ordinal_encoding_gives_label_indexes(strategy, expected):
    df, _ = ordinal(SEXES, ["M", "F"], invalid_handling_strategy=strategy)

    assert list(df.columns) == ["sex", "n"]
    np.testing.assert_array_equal(df["sex"].to_numpy(), expected)


def test_ordinal_error_and_output_column():
    with pytest.raises(InvalidDataError, match="invalid handling is Error"):
        ordinal(SEXES, ["M", "F"], invalid_handling_strategy="Error")

    df, _ = ordinal(SEXES.iloc[:2], ["M", "F"], output_column="sex_index")
    assert df.to_dict("list") == {"sex": ["F", "M"], "n": [1, 2], "sex_index": [1.0, 0.0]}


def test_ordinal_labels_are_fitted_from_the_data_when_none_is_stored():
    df, _ = ordinal(pd.DataFrame({"sex": ["b", "a", "b"]}))

    assert df["sex"].tolist() == [0.0, 1.0, 0.0]


def test_values_the_stored_labels_lack_are_noted():
    _, notes = one_hot(SEXES, ["M", "F"])

    assert notes == [
        "column 'sex' has 2 value(s) the stored labels lack (e.g. '', 'X'), invalid under 'Keep': "
        "--refit fits the labels on the data"
    ]


def test_labels_appear_verbatim_and_an_input_name_with_a_dot_is_sanitised_as_dw_does():
    df = pd.DataFrame({"market.segment": ["Offline TA/TO", "Direct"], "market_segment": [1, 2]})

    result, _ = one_hot(df, ["Offline TA/TO", "Direct"], input_column="market.segment")

    assert list(result.columns) == [
        "market_segment",
        "market_segment_0_Offline TA/TO",
        "market_segment_0_Direct",
    ]
