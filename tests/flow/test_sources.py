"""Sources: datasets mapped by name, read as Spark reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.flow import parse_flow, run_flow
from scripts.flow.errors import (
    DatasetNotFoundError,
    UnmappedDatasetError,
    UnsupportedOperatorError,
    UnusedDatasetError,
)
from scripts.flow.sources import DatasetSource, read_dataset
from tests.flow.builders import flow_text, source


def read(path, parse_as=None, **options):
    return read_dataset(
        DatasetSource.from_node(parse_flow(flow_text(source(**options))).node("source")), path, parse_as
    )


def test_csv_columns_are_text_empty_fields_null_and_quotes_spark_s(tmp_path):
    (tmp_path / "data.csv").write_text('id,name,score\n007,"Smith, ""Jr""",1.50\n8,,\n')

    df = read(tmp_path / "data.csv")

    assert df.dtypes.tolist() == [object, object, object]
    assert df["id"].tolist() == ["007", "8"]
    assert df["name"].iloc[0] == 'Smith, "Jr"'
    assert df["score"].iloc[0] == "1.50"
    assert df[["name", "score"]].iloc[1].isna().all()


def test_without_a_header_columns_are_named_as_spark_names_them(tmp_path):
    (tmp_path / "data.csv").write_text("a;1\nb;2\n")

    df = read(tmp_path / "data.csv", header=False, delimiter=";")

    assert df.to_dict("list") == {"_c0": ["a", "b"], "_c1": ["1", "2"]}


def test_a_tab_delimiter_is_honoured(tmp_path):
    (tmp_path / "data.tsv").write_text("a\tb\n1,5\tx\n")

    assert read(tmp_path / "data.tsv", delimiter="\t").to_dict("list") == {"a": ["1,5"], "b": ["x"]}


def test_a_folder_of_part_files_is_read_in_name_order_skipping_spark_s_markers(tmp_path):
    (tmp_path / "part-00001.csv").write_text("n\n2\n")
    (tmp_path / "part-00000.csv").write_text("n\n1\n")
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / ".part-00000.csv.crc").write_text("junk\n")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "part-00002.csv").write_text("n\n3\n")

    assert read(tmp_path)["n"].tolist() == ["1", "2"]
    assert read(tmp_path, nested=True)["n"].tolist() == ["3", "1", "2"]


def test_a_folder_with_nothing_to_read_is_refused(tmp_path):
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "part-00000.csv").write_text("n\n1\n")

    with pytest.raises(DatasetNotFoundError) as error:
        read(tmp_path)
    assert str(error.value) == (
        f"dataset 'data.csv' at {tmp_path} holds no data file (nested folders are not read): "
        "point --input data.csv= at its data"
    )


def test_a_missing_path_is_refused(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        read(tmp_path / "absent.csv")


def test_the_filename_column_holds_each_row_s_file(tmp_path):
    (tmp_path / "a.csv").write_text("_data_source_filename\nx\n")
    (tmp_path / "b.csv").write_text("_data_source_filename\ny\n")

    df = read(tmp_path, filename_column=True)

    assert df["_data_source_filename_1"].tolist() == [
        (tmp_path / "a.csv").as_uri(),
        (tmp_path / "b.csv").as_uri(),
    ]
    assert df["_data_source_filename"].tolist() == ["x", "y"]


def test_parquet_keeps_its_types_and_folders_of_parts_work(tmp_path):
    pd.DataFrame({"n": [1, 2], "s": ["a", None]}).to_parquet(tmp_path / "part-0.parquet")
    pd.DataFrame({"n": [3], "s": ["c"]}).to_parquet(tmp_path / "part-1.parquet")

    df = read(tmp_path, content_type="parquet")

    assert df["n"].dtype == np.int64
    assert df["n"].tolist() == [1, 2, 3]
    assert df["s"].tolist() == ["a", None, "c"]


def test_columns_every_reader_casts_to_numbers_are_parsed_as_numbers(tmp_path):
    (tmp_path / "data.csv").write_text("id,x,name\n1,1.5,007\n2,,008\n")

    df = read(tmp_path / "data.csv", {"id": "int64", "x": "float64"})

    assert df.dtypes.to_dict() == {"id": np.int64, "x": np.float64, "name": object}
    assert df["name"].tolist() == ["007", "008"]


def test_a_value_that_is_not_a_number_makes_the_reader_read_text(tmp_path):
    (tmp_path / "data.csv").write_text("id,x\n1,1.5\n2,oops\n")

    assert read(tmp_path / "data.csv", {"x": "float64"}).to_dict("list") == {
        "id": ["1", "2"],
        "x": ["1.5", "oops"],
    }


def test_sources_are_mapped_by_dataset_name_and_the_s3_uri_is_never_read(tmp_path):
    decoy = tmp_path / "decoy.csv"
    decoy.write_text("n\nfrom the s3Uri\n")
    mapped = tmp_path / "mapped.csv"
    mapped.write_text("n\nfrom the mapping\n")
    flow = parse_flow(flow_text(source(s3_uri=str(decoy))))

    result = run_flow(flow, {"data.csv": mapped}, tmp_path / "out")

    assert pd.read_csv(result.path)["n"].tolist() == ["from the mapping"]


def test_an_unmapped_source_names_its_dataset_and_node(tmp_path):
    flow = parse_flow(flow_text(source("src", "abalone.csv", s3_uri=str(tmp_path))))

    with pytest.raises(UnmappedDatasetError) as error:
        run_flow(flow, {}, tmp_path)
    assert str(error.value) == (
        "source node src reads dataset 'abalone.csv', which no input maps to a local path: "
        "pass --input abalone.csv=PATH (the flow's s3Uri is never read)"
    )


def test_an_input_no_source_reads_is_refused(tmp_path):
    flow = parse_flow(flow_text(source("src", "abalone.csv")))

    with pytest.raises(UnusedDatasetError) as error:
        run_flow(flow, {"abalone.csv": tmp_path, "abalon.csv": tmp_path}, tmp_path)
    assert str(error.value) == "--input abalon.csv matches no source of the flow: the flow reads abalone.csv"


def test_a_source_other_than_s3_is_refused(tmp_path):
    athena = source("athena")
    athena["operator"] = "sagemaker.athena_source_0.1"
    flow = parse_flow(flow_text(athena))

    with pytest.raises(
        UnsupportedOperatorError, match=r"node athena .*sagemaker\.athena_source_0\.1 has no local"
    ):
        run_flow(flow, {}, tmp_path)
