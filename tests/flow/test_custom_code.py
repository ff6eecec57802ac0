"""custom_pandas and custom_code "Python (Pandas)": the flow's own code, run as DW runs it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.flow import parse_flow, run_flow
from scripts.flow.errors import CustomCodeError, CustomCodeResultError, UnsupportedOperatorError
from tests.flow.builders import apply, flow_text, source, string_indexer, transform


def run_code(code: str, df: pd.DataFrame, **options) -> tuple[pd.DataFrame, list[str]]:
    return apply("custom_pandas", {"code": code}, df, **options)


def test_the_code_runs_in_one_namespace_so_its_functions_see_its_imports():
    code = "import numpy as np\ndef double(s):\n    return np.multiply(s, 2)\ndf['b'] = double(df['a'])"

    result, _ = run_code(code, pd.DataFrame({"a": [1, 2]}))

    assert result["b"].tolist() == [2, 4]


def test_the_abalone_flows_positional_concat_works_without_a_warning():
    code = "import pandas as pd\ndf = pd.concat((df[['a']], df[['b']]), 1)"

    result, notes = run_code(code, pd.DataFrame({"a": [1], "b": [2]}))

    assert result.to_dict("list") == {"a": [1], "b": [2]}
    assert notes == []


@pytest.mark.parametrize(
    "code",
    [
        "from pandas import concat\ndf = concat([df, df], 0, 'outer', True)",
        "import pandas\ndf = pandas.concat([df, df], ignore_index=True)",
        "import pandas.api.types\ndf = pandas.concat([df, df], 0, ignore_index=True)",
    ],
)
def test_concat_takes_pandas_1_arguments_however_pandas_is_imported(code):
    result, _ = run_code(code, pd.DataFrame({"a": [1]}))

    assert result.index.tolist() == [0, 1]


def test_an_argument_given_twice_to_concat_is_a_type_error():
    with pytest.raises(CustomCodeError, match="got multiple values for argument 'axis'"):
        run_code("import pandas as pd\ndf = pd.concat([df], 1, axis=1)", pd.DataFrame({"a": [1]}))


def test_the_code_sees_a_fresh_range_index_so_a_new_series_lines_up(tmp_path):
    (tmp_path / "data.csv").write_text("sex,n\nM,1\nX,2\nF,3\n")
    skip_unseen = {
        "operator": "One-hot encode",
        "one_hot_encode_parameters": {
            "invalid_handling_strategy": "Skip",
            "drop_last": False,
            "output_style": "Columns",
            "input_column": "sex",
        },
    }
    trained = {"one_hot_encode_parameters": {"string_indexer_model": string_indexer(["M", "F"])}}
    flow = parse_flow(
        flow_text(
            source(),
            transform("encode", "encode_categorical", skip_unseen, ["source"], trained=trained),
            transform(
                "code",
                "custom_pandas",
                {"code": "import pandas as pd\ndf['k'] = pd.Series([7, 8])"},
                ["encode"],
            ),
        )
    )

    result = run_flow(flow, {"data.csv": tmp_path / "data.csv"}, tmp_path / "out")

    assert pd.read_csv(result.path)[["n", "k"]].to_dict("list") == {"n": [1, 3], "k": [7, 8]}


def test_a_fixed_time_is_what_time_time_returns():
    code = "import time\nfrom time import time as now\ndf['t'] = time.time()\ndf['u'] = now()"

    result, _ = run_code(code, pd.DataFrame({"a": [1]}), fixed_time=42.0)

    assert result[["t", "u"]].iloc[0].tolist() == [42.0, 42.0]


def test_code_that_raises_is_reported_with_its_failing_line():
    code = "x = 1\ny = df['missing']\n"

    with pytest.raises(CustomCodeError) as error:
        run_code(code, pd.DataFrame({"a": [1]}))
    assert str(error.value).startswith(
        "node node (custom_pandas): its code raised KeyError: 'missing' at line 2: y = df['missing']: "
        "fix the code"
    )


def test_a_syntax_error_is_reported_before_anything_runs():
    with pytest.raises(CustomCodeError, match=r"raised SyntaxError: .* at line 2: df = df\["):
        run_code("x = 1\ndf = df[\n", pd.DataFrame())


@pytest.mark.parametrize(("code", "kind"), [("df = None", "NoneType"), ("df = df['a']", "Series")])
def test_code_that_leaves_no_dataframe_is_refused(code, kind):
    with pytest.raises(CustomCodeResultError) as error:
        run_code(code, pd.DataFrame({"a": [1]}))
    assert str(error.value) == (
        f"node node (custom_pandas): its code left df as {kind}, not a pandas DataFrame: "
        "assign the resulting DataFrame to df"
    )


def test_empty_code_passes_the_frame_through():
    df = pd.DataFrame({"a": [1]})
    assert run_code("# nothing to do\n", df)[0] is df


def test_all_null_columns_become_empty_strings_and_mixed_columns_text():
    code = "df['empty'] = None\ndf['mixed'] = [1, 'a']"

    result, _ = run_code(code, pd.DataFrame({"a": [1, 2]}))

    assert result["empty"].tolist() == ["", ""]
    assert result["mixed"].tolist() == ["1", "a"]


def test_long_columns_with_nulls_reach_the_code_as_floats():
    result, _ = run_code(
        "df['kind'] = str(df['n'].dtype)", pd.DataFrame({"n": pd.array([1, None], dtype="Int64")})
    )

    assert result["kind"].tolist() == ["float64", "float64"]
    assert np.isnan(result["n"].iloc[1])


def test_what_the_code_prints_and_warns_becomes_notes():
    code = "import warnings\nprint('hello')\nwarnings.warn('careful', FutureWarning)"

    _, notes = run_code(code, pd.DataFrame({"a": [1]}))

    assert notes == ["printed: hello", "FutureWarning: careful"]


def test_code_that_changes_its_input_in_place_leaves_other_readers_unaffected(tmp_path):
    (tmp_path / "data.csv").write_text("a\n1\n")
    flow = parse_flow(
        flow_text(
            source(),
            transform("first", "custom_pandas", {"code": "df.loc[0, 'a'] = 'changed'"}, ["source"]),
            transform("second", "custom_pandas", {"code": "df['b'] = df['a']"}, ["source"]),
            transform(
                "join",
                "join_tables",
                {"left_column": "a", "right_column": "a", "join_type": "leftouter"},
                ["second", "first"],
            ),
        )
    )

    result = pd.read_csv(run_flow(flow, {"data.csv": tmp_path / "data.csv"}, tmp_path / "out").path)

    assert result[["a_0", "b"]].iloc[0].tolist() == [1, 1]
    assert result["a_1"].isna().all()  # "changed" did not match: the second reader saw the original


def test_python_pandas_custom_code_runs_and_pyspark_is_refused():
    pandas_code = {"operator": "Python (Pandas)", "pandas_parameters": {"code": "df['b'] = 1"}}
    assert apply("custom_code", pandas_code, pd.DataFrame({"a": [0]}))[0]["b"].tolist() == [1]

    pyspark = {"operator": "Python (PySpark)", "pyspark_parameters": {"code": "df = df"}}
    with pytest.raises(UnsupportedOperatorError) as error:
        apply("custom_code", pyspark, pd.DataFrame())
    assert str(error.value) == (
        "node node (custom_code: Python (PySpark)): custom_code operator='Python (PySpark)' has no local "
        "implementation: run this flow on SageMaker (a Data Wrangler processing job)"
    )


def test_text_reaches_the_code_as_object_even_in_pandas_string_dtype():
    df = pd.DataFrame({"s": pd.array(["a", None], dtype="string")})

    result, _ = run_code("df['kind'] = str(df['s'].dtype)", df)

    assert result["kind"].tolist() == ["object", "object"]


def test_a_module_the_code_needs_and_lacks_is_named_with_the_fix():
    with pytest.raises(CustomCodeError) as error:
        run_code("import not_a_module_here", pd.DataFrame())
    assert str(error.value).endswith(
        "its code raised ModuleNotFoundError: No module named 'not_a_module_here' at line 1: "
        "import not_a_module_here: "
        "install not_a_module_here (Data Wrangler's custom code has pandas, numpy, scikit-learn, scipy)"
    )
