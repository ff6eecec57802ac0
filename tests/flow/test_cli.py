"""``python -m scripts.flow``: what a user types and sees, exit codes included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scripts import PROJECT_ROOT
from tests.flow.builders import flow_text, source, transform

ABALONE_FLOW = PROJECT_ROOT / "data" / "abalone.flow"
OUTPUT = "5827674e-d42e-4688-8609-b1aa34cc4954.default"


def flow_cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.flow", *map(str, args)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
        check=False,
    )


def test_run_prints_each_node_and_the_written_output(abalone_csv, tmp_path):
    done = flow_cli("run", ABALONE_FLOW, "--input", f"abalone.csv={abalone_csv}", "--output", tmp_path)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(
        "[1/5] ca0245bd-270a-45db-a597-464115684c44 s3_source: 4177 rows, 11 columns, "
    )
    assert lines[3].startswith(
        "[4/5] 914c3ccc-b898-4cff-a12b-fcb75ceeecfc encode_categorical: One-hot encode: 4177 rows, 13 columns"
    )
    path = tmp_path / "5827674e-d42e-4688-8609-b1aa34cc4954" / "default" / "part-00000.csv"
    assert lines[-1] == f"Wrote 4177 rows, 13 columns of output {OUTPUT} to {path}"
    assert pd.read_csv(path)["record_time"].tolist() == pd.read_csv(abalone_csv)["record_time"].tolist()
    assert done.stderr == ""


def test_the_abalone_flow_run_twice_writes_the_same_bytes(abalone_csv, tmp_path):
    for run in ("first", "second"):
        done = flow_cli(
            "run", ABALONE_FLOW, "--input", f"abalone.csv={abalone_csv}", "--output", tmp_path / run
        )
        assert done.returncode == 0, done.stderr

    part = Path("5827674e-d42e-4688-8609-b1aa34cc4954") / "default" / "part-00000.csv"
    assert (tmp_path / "first" / part).read_bytes() == (tmp_path / "second" / part).read_bytes()


def test_fixed_time_is_what_a_flow_reading_the_clock_gets(tmp_path):
    (tmp_path / "data.csv").write_text("a\n1\n2\n")
    flow = tmp_path / "clock.flow"
    code = "import time\ndf['record_time'] = float(time.time())"
    flow.write_text(flow_text(source(), transform("clock", "custom_pandas", {"code": code}, ["source"])))

    done = flow_cli(
        "run", flow, "--input", f"data.csv={tmp_path / 'data.csv'}", "--output", tmp_path, "--fixed-time", 5
    )

    assert done.returncode == 0, done.stderr
    written = pd.read_csv(tmp_path / "clock" / "default" / "part-00000.csv")
    assert written["record_time"].tolist() == [5.0, 5.0]


def test_run_writes_parquet_for_a_named_output_and_refits(abalone_csv, tmp_path):
    done = flow_cli(
        "run",
        ABALONE_FLOW,
        "--input",
        f"abalone.csv={abalone_csv}",
        "--output",
        tmp_path,
        "--output-name",
        "dc681f4a-e296-48a7-83c3-a2fad429ae8c.default",
        "--format",
        "parquet",
        "--refit",
    )

    assert done.returncode == 0, done.stderr
    written = pd.read_parquet(
        tmp_path / "dc681f4a-e296-48a7-83c3-a2fad429ae8c" / "default" / "part-00000.parquet"
    )
    assert written.shape == (4177, 11)


def test_describe_lists_sources_outputs_and_what_runs_locally(tmp_path):
    flow = tmp_path / "mixed.flow"
    flow.write_text(
        flow_text(
            source("src", "orders.csv", delimiter=";"),
            transform("spark", "custom_pyspark", {"code": "df = df"}, ["src"]),
            transform(
                "chart",
                "histogram",
                {},
                ["src"],
                node_type="VISUALIZATION",
                operator="sagemaker.visualizations.histogram_0.1",
            ),
        )
    )

    done = flow_cli("describe", flow)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"Flow {flow}: 3 nodes",
        "Sources (map each with --input NAME=PATH):",
        "  orders.csv  (csv, header, delimiter ';')",
        "Outputs (choose with --output-name):",
        "  spark.default  (default)",
        "Nodes:",
        "  src    SOURCE         s3_source       runs locally",
        "  spark  TRANSFORM      custom_pyspark  SageMaker only: sagemaker.spark.custom_pyspark_0.1",
        "  chart  VISUALIZATION  histogram       skipped (visualization)",
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["run", "absent.flow", "--output", "out"], "error: no flow file at absent.flow: check the path"),
        (
            ["run", ABALONE_FLOW, "--output", "out"],
            "error: source node ca0245bd-270a-45db-a597-464115684c44 reads ",
        ),
        (
            [
                "run",
                ABALONE_FLOW,
                "--output",
                "out",
                "--input",
                "abalone.csv=x",
                "--output-name",
                "nope.default",
            ],
            f"error: the flow has no output nope.default: use one of {OUTPUT}",
        ),
    ],
    ids=["missing-flow", "unmapped-source", "unknown-output"],
)
def test_errors_are_one_line_and_exit_1(arguments, message, tmp_path):
    done = flow_cli(*arguments)

    assert done.returncode == 1
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1


def test_custom_code_that_fails_is_reported_with_its_line(tmp_path):
    (tmp_path / "data.csv").write_text("a\n1\n")
    flow = tmp_path / "broken.flow"
    flow.write_text(
        flow_text(source(), transform("code", "custom_pandas", {"code": "x = 1\ndf = df['b']"}, ["source"]))
    )

    done = flow_cli("run", flow, "--input", f"data.csv={tmp_path / 'data.csv'}", "--output", tmp_path / "out")

    assert done.returncode == 1
    assert done.stderr == (
        "error: node code (custom_pandas): its code raised KeyError: 'b' at line 2: df = df['b']: "
        "fix the code in the flow (Data Wrangler runs it on pandas 1.x, this runner on yours)\n"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["run", "x.flow", "--output", "o", "--input", "no-equals-sign"],
            "'no-equals-sign' is not NAME=PATH",
        ),
        (
            ["run", "x.flow", "--output", "o", "--input", "a=1", "--input", "a=2"],
            "each dataset NAME can be given",
        ),
        (["run", "x.flow", "--output", "o", "--format", "xml"], "invalid choice: 'xml'"),
        (["run", "x.flow"], "the following arguments are required: --output"),
    ],
    ids=["not-name-equals-path", "name-twice", "unknown-format", "no-output"],
)
def test_usage_errors_exit_2(arguments, message, tmp_path):
    (tmp_path / "x.flow").write_text(flow_text(source()))
    done = subprocess.run(
        [sys.executable, "-m", "scripts.flow", *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )

    assert done.returncode == 2
    assert message in done.stderr


def test_help_shows_both_commands():
    done = flow_cli("--help")

    assert done.returncode == 0
    assert "    run       run a flow and write one of its outputs\n" in done.stdout
    assert "    describe  list a flow's sources, outputs and nodes, and what runs locally\n" in done.stdout
