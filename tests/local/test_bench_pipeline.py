"""The pipeline benchmark reads the stages' seconds from the job's log line, as the emulator writes it."""

from __future__ import annotations

from scripts.bench.pipeline import store_seconds
from scripts.local.sagemaker.featurestore.ingestion import Ingested


def test_the_pipeline_benchmark_reads_the_ingestion_line_the_job_logs():
    line = f"ingested {Ingested(4177, 0.0123, 0.5, 0.25)} into feature group abalone-fg"
    assert store_seconds(line) == (0.012, 0.5, 0.25)
