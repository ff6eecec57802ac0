"""Writing the output: where, in which format, and s3_destination's say in it."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from scripts.flow import parse_flow, run_flow
from scripts.flow.errors import FlowError, UnsupportedOperatorError
from tests.flow.builders import flow_text, source, transform


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,x\n2,y\n")
    return path


def destination(**config) -> dict:
    output_config = {
        "compression": "none",
        "output_path": "s3://bucket/out/",
        "output_content_type": "CSV",
        **config,
    }
    return transform(
        "dest", "s3_destination", {"output_config": output_config}, ["source"], node_type="DESTINATION"
    )


def test_csv_is_written_with_a_header_and_without_on_request(data, tmp_path):
    flow = parse_flow(flow_text(source()))

    with_header = run_flow(flow, {"data.csv": data}, tmp_path / "a")
    without = run_flow(flow, {"data.csv": data}, tmp_path / "b", header=False)

    assert with_header.path.read_text() == "a,b\n1,x\n2,y\n"
    assert without.path.read_text() == "1,x\n2,y\n"
    assert (with_header.rows, with_header.columns) == (2, ("a", "b"))


def test_parquet_on_request(data, tmp_path):
    result = run_flow(parse_flow(flow_text(source())), {"data.csv": data}, tmp_path, fmt="parquet")

    assert result.path == tmp_path / "source" / "default" / "part-00000.parquet"
    assert pd.read_parquet(result.path).to_dict("list") == {"a": ["1", "2"], "b": ["x", "y"]}


def test_a_destination_node_s_format_is_the_default_and_its_s3_path_is_not_used(data, tmp_path):
    flow = parse_flow(flow_text(source(), destination(delimiter=";", compression="gzip")))

    result = run_flow(flow, {"data.csv": data}, tmp_path)

    assert result.path == tmp_path / "dest" / "default" / "part-00000.csv.gz"
    assert gzip.decompress(result.path.read_bytes()).decode() == "a;b\n1;x\n2;y\n"


def test_the_format_asked_for_overrides_the_destination_s(data, tmp_path):
    flow = parse_flow(flow_text(source(), destination(output_content_type="CSV", delimiter=";")))

    assert run_flow(flow, {"data.csv": data}, tmp_path, fmt="parquet").path.suffix == ".parquet"


def test_an_unsupported_destination_compression_is_refused(data, tmp_path):
    flow = parse_flow(flow_text(source(), destination(compression="bzip2")))

    with pytest.raises(UnsupportedOperatorError, match=r"output_config\.compression='bzip2'"):
        run_flow(flow, {"data.csv": data}, tmp_path)


def test_a_new_run_replaces_the_part_files_of_the_last_one(data, tmp_path):
    flow = parse_flow(flow_text(source()))
    run_flow(flow, {"data.csv": data}, tmp_path, fmt="parquet")

    result = run_flow(flow, {"data.csv": data}, tmp_path)

    assert [path.name for path in result.path.parent.iterdir()] == ["part-00000.csv"]


def test_a_frame_parquet_cannot_hold_is_refused_with_a_way_out(data, tmp_path):
    complex_numbers = transform("code", "custom_pandas", {"code": "df['c'] = [1 + 2j, 3j]"}, ["source"])
    flow = parse_flow(flow_text(source(), complex_numbers))

    with pytest.raises(
        FlowError, match=r"output code\.default cannot be written as Parquet .*: write it with --format csv"
    ):
        run_flow(flow, {"data.csv": data}, tmp_path, fmt="parquet")
