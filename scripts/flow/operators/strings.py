"""``format_string``: change case, strip, pad, remove symbols.

The column is cast to string first, as DW does; nulls stay null. Case, strip and center run the
pandas string methods DW's own pandas UDFs call; left and right padding follow Spark's ``lpad`` and
``rpad``, which also cut a longer value down to the width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from scripts.flow.errors import InvalidParameterError
from scripts.flow.model import Node
from scripts.flow.operators.base import (
    Params,
    RunContext,
    Transform,
    expect_inputs,
    require_columns,
    with_columns,
)
from scripts.flow.operators.spark_types import to_strings

Format = Callable[[pd.Series], pd.Series]
MAX_WIDTH = 1000
DEFAULT_SYMBOLS = "!@#$%^&*()_+=-/\\`~{}|<>?"


def resolve(node: Node) -> Transform:
    expect_inputs(node, 1)
    params = Params.of(node)
    make_format, section = params.choose("operator", _FORMATS)
    settings = params.section(section)
    column = settings.text("input_column")
    output = settings.text("output_column", None) or column
    format_ = make_format(settings)

    def transform(inputs: Sequence[pd.DataFrame], context: RunContext) -> pd.DataFrame:
        df = inputs[0]
        require_columns(node, df, [column])
        return with_columns(df, {output: format_(to_strings(df[column]))})

    return transform


def _case(method: str) -> Callable[[Params], Format]:
    return lambda settings: lambda strings: getattr(strings.str, method)()


def _strip(method: str) -> Callable[[Params], Format]:
    def make(settings: Params) -> Format:
        characters = settings.text("characters_to_remove", None)
        return lambda strings: getattr(strings.str, method)(characters)

    return make


def _pad(side: str, fill: str | None = None) -> Callable[[Params], Format]:
    def make(settings: Params) -> Format:
        width = int(settings.number("width"))
        if not 0 <= width <= MAX_WIDTH:
            raise InvalidParameterError(
                settings.node, settings.name("width"), f"{width} is outside 0..{MAX_WIDTH}"
            )
        fill_character = fill or settings.text("fill_character", " ")
        if len(fill_character) != 1:
            raise InvalidParameterError(
                settings.node, settings.name("fill_character"), f"{fill_character!r} is not one character"
            )
        if side == "both":
            return lambda strings: strings.str.center(width, fill_character)
        return lambda strings: strings.str.slice(0, width).str.pad(width, side, fill_character)

    return make


def _remove_symbols(settings: Params) -> Format:
    symbols = settings.text("symbols", None) or DEFAULT_SYMBOLS
    table = str.maketrans("", "", symbols)
    return lambda strings: strings.str.translate(table)


_FORMATS: dict[str, tuple[Callable[[Params], Format], str]] = {
    "Lower case": (_case("lower"), "lower_case_parameters"),
    "Upper case": (_case("upper"), "upper_case_parameters"),
    "Title case": (_case("title"), "title_case_parameters"),
    "Capitalize": (_case("capitalize"), "capitalize_parameters"),
    "Swap case": (_case("swapcase"), "swap_case_parameters"),
    "Strip left and right": (_strip("strip"), "strip_left_and_right_parameters"),
    "Strip characters from left": (_strip("lstrip"), "strip_characters_from_left_parameters"),
    "Strip characters from right": (_strip("rstrip"), "strip_characters_from_right_parameters"),
    "Left pad": (_pad("left"), "left_pad_parameters"),
    "Right pad": (_pad("right"), "right_pad_parameters"),
    "Center (pad on either side)": (_pad("both"), "center_pad_on_either_side_parameters"),
    "Prepend zeros": (_pad("left", "0"), "prepend_zeros_parameters"),
    "Remove symbols": (_remove_symbols, "remove_symbols_parameters"),
}
