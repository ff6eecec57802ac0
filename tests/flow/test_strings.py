"""format_string: case, strip, pad, remove symbols."""

from __future__ import annotations

import pandas as pd
import pytest

from scripts.flow.errors import InvalidParameterError
from tests.flow.builders import apply

WORDS = pd.DataFrame({"w": ["  mIxed Case ", None, "a-b_c!"], "n": [1.5, 2.0, None]})


def format_string(sub_operator: str, section: str, df: pd.DataFrame = WORDS, **settings) -> list:
    settings.setdefault("input_column", "w")
    return apply("format_string", {"operator": sub_operator, section: settings}, df)[0][
        settings.get("output_column", settings["input_column"])
    ].tolist()


@pytest.mark.parametrize(
    ("sub_operator", "section", "expected"),
    [
        ("Lower case", "lower_case_parameters", ["  mixed case ", None, "a-b_c!"]),
        ("Upper case", "upper_case_parameters", ["  MIXED CASE ", None, "A-B_C!"]),
        ("Title case", "title_case_parameters", ["  Mixed Case ", None, "A-B_C!"]),
        ("Capitalize", "capitalize_parameters", ["  mixed case ", None, "A-b_c!"]),
        ("Swap case", "swap_case_parameters", ["  MiXED cASE ", None, "A-B_C!"]),
        ("Strip left and right", "strip_left_and_right_parameters", ["mIxed Case", None, "a-b_c!"]),
    ],
)
def test_case_and_strip(sub_operator, section, expected):
    assert format_string(sub_operator, section) == expected


def test_strip_given_characters_from_one_side():
    assert format_string(
        "Strip characters from left", "strip_characters_from_left_parameters", characters_to_remove=" m"
    ) == [
        "Ixed Case ",
        None,
        "a-b_c!",
    ]


@pytest.mark.parametrize(
    ("sub_operator", "section", "settings", "expected"),
    [
        (
            "Left pad",
            "left_pad_parameters",
            {"width": 8, "fill_character": "*"},
            ["  mIxed ", None, "**a-b_c!"],
        ),
        ("Right pad", "right_pad_parameters", {"width": 8}, ["  mIxed ", None, "a-b_c!  "]),
        (
            "Center (pad on either side)",
            "center_pad_on_either_side_parameters",
            {"width": 8, "fill_character": "."},
            ["  mIxed Case ", None, ".a-b_c!."],
        ),
        ("Prepend zeros", "prepend_zeros_parameters", {"width": 8}, ["  mIxed ", None, "00a-b_c!"]),
    ],
)
def test_padding_cuts_longer_values_as_spark_s_lpad_and_rpad_do(sub_operator, section, settings, expected):
    assert format_string(sub_operator, section, **settings) == expected


def test_a_fill_of_more_than_one_character_is_refused():
    with pytest.raises(InvalidParameterError, match="fill_character '--' is not one character"):
        format_string("Left pad", "left_pad_parameters", width=3, fill_character="--")


def test_remove_symbols_defaults_to_dw_s_symbols_and_takes_others():
    assert format_string("Remove symbols", "remove_symbols_parameters") == ["  mIxed Case ", None, "abc"]
    assert format_string("Remove symbols", "remove_symbols_parameters", symbols="!", output_column="v") == [
        "  mIxed Case ",
        None,
        "a-b_c",
    ]


def test_a_number_column_is_formatted_as_its_text():
    assert format_string(
        "Left pad", "left_pad_parameters", input_column="n", width=4, fill_character="0"
    ) == ["01.5", "02.0", None]
