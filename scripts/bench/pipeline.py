"""The data path in the emulator: the seed's pipeline on abalone.csv, stage by stage, and Feature Store
ingestion of 100,000 rows against writing the same parquet with pyarrow directly.

Pipeline (target: under 3 s from StartPipelineExecution to the rows counted by Athena, on 2 cores): an
emulator process as `make local-up` starts it, the feature group from ``data/abalone.fg.json``, and the
pipeline the seed's ``build.py`` upserts, as CodeBuild runs it. Each round uploads abalone.csv (4,177 rows,
prepared from ``../shared/data/abalone.data``, or generated like it when that is absent) under a new key
and times, as a client sees them: the StartPipelineExecution call, the execution until Succeeded, and an
Athena ``count(*)`` until its result; the job's own log splits the execution into queueing, the flow and
the two stores. The first round is judged (it also pays for loading pandas and the flow runner into the
emulator); the best of the others shows the steady state. The baseline is the flow alone, run by the flow
runner in this process on the same file: the ratio is what the emulator adds around the transform.

Ingestion (target: at least 0.5 of pyarrow's rows per second): the flow's output for 100,000 resampled
rows, ingested into the abalone group by the Feature Store's own code (columnar check, offline store
parquet into the emulator's S3, online store), against pyarrow writing the same parquet (the same columns
plus the three the offline store adds) to memory. Both in this process, rounds interleaved, best of five.
The result is printed as PASS or FAIL; only a crash makes the benchmark fail.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from scripts import PROJECT_ROOT, abalone
from scripts.bench.flow_runner import SHARED_ABALONE, abalone_frame
from scripts.local import ACCOUNT_ID
from scripts.local.process import Emulator, free_port
from scripts.offline_store import count, offline_table
from scripts.seed_build import SeedBuild

REGION = "us-east-1"
ROUNDS = 3
PIPELINE_TARGET_SECONDS = 3.0
INGESTION_ROWS = 100_000
INGESTION_TARGET = 0.5
INGESTION_ROUNDS = 5
BUCKET = f"sagemaker-{REGION}-{ACCOUNT_ID}"
GROUP = "abalone-fg"
PIPELINE = "bench-pipeline"
FLOW = PROJECT_ROOT / "data" / "abalone.flow"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/AmazonSageMaker-ExecutionRole-bench"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as scratch:
        workdir = Path(scratch)
        csv = workdir / "abalone.csv"
        origin = prepared_abalone(csv)
        pipeline_rounds(csv, origin, workdir)
        ingestion(workdir)


def prepared_abalone(csv: Path) -> str:
    """Write abalone.csv as the kit prepares it (the public dataset's 4,177 rows, or generated like them
    when no copy of it is beside the project); where its rows come from."""
    if SHARED_ABALONE.is_file():
        abalone.write_prepared(abalone.read_raw(SHARED_ABALONE), csv)
        return f"from {SHARED_ABALONE}"
    abalone.write_prepared(abalone_frame(4177, source=None), csv)
    return "generated"


# -- the pipeline ---------------------------------------------------------------------------------------
def pipeline_rounds(csv: Path, origin: str, workdir: Path) -> None:
    print(f"Seed pipeline on abalone.csv ({origin}), {ROUNDS} rounds in a new emulator process")
    emulator = Emulator(workdir / "emulator")
    endpoint = emulator.start(free_port(), REGION).endpoint
    try:
        clients = _Clients(endpoint)
        _set_up(clients, endpoint)
        first, *others = [_round(clients, csv, number) for number in range(ROUNDS)]
    finally:
        emulator.stop()
    warm = min(others, key=lambda stages: stages["total"])
    flow_alone = min(_flow_alone(csv, workdir / f"flow-{n}") for n in range(ROUNDS))
    print(f"  {'stage':<13} {'first':>7} {'best of the rest':>17}")
    for stage in ("start", "queued", "flow", "check", "offline", "online", "to Succeeded", "query", "total"):
        print(f"  {stage:<13} {first[stage]:6.3f}s {warm[stage]:16.3f}s")
    print(
        f"  the flow runner alone (baseline) takes {flow_alone:.3f} s: the warm pipeline takes "
        f"{warm['total'] / flow_alone:.1f}x that (the first execution also loads pandas, the flow runner "
        "and scikit-learn)"
    )
    verdict = "PASS" if first["total"] < PIPELINE_TARGET_SECONDS else "FAIL"
    print(
        f"pipeline total, first execution {first['total']:.2f} s (target < {PIPELINE_TARGET_SECONDS} s): "
        f"{verdict}"
    )


class _Clients:
    def __init__(self, endpoint: str) -> None:
        import boto3

        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        for service in ("s3", "sagemaker", "athena", "logs"):
            setattr(self, service.replace("-", "_"), session.client(service, endpoint_url=endpoint))


def _set_up(clients: _Clients, endpoint: str) -> None:
    definition = json.loads((PROJECT_ROOT / "data" / "abalone.fg.json").read_text())
    clients.sagemaker.create_feature_group(
        FeatureGroupName=GROUP,
        OnlineStoreConfig={"EnableOnlineStore": True},
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
        RoleArn=ROLE,
        **definition,
    )
    clients.s3.put_object(Bucket=BUCKET, Key="flows/abalone.flow", Body=FLOW.read_bytes())
    built = SeedBuild(
        project_name="bench",
        project_id="p-bench",
        pipeline_name=PIPELINE,
        flow_url=f"s3://{BUCKET}/flows/abalone.flow",
        feature_group=GROUP,
        role_arn=ROLE,
        artifact_bucket=BUCKET,
        processing_job_prefix="bench",
    ).run(endpoint, REGION)
    if built.returncode:
        raise SystemExit(f"the seed's build.py failed: {built.stderr.strip().splitlines()[-1]}")
    while clients.sagemaker.describe_feature_group(FeatureGroupName=GROUP)["FeatureGroupStatus"] != "Created":
        time.sleep(0.02)


def _round(clients: _Clients, csv: Path, number: int) -> dict[str, float]:
    key = f"bench/{number}/abalone.csv"
    clients.s3.put_object(Bucket=BUCKET, Key=key, Body=csv.read_bytes())
    manifest = json.dumps([{"prefix": f"s3://{BUCKET}/bench/{number}/"}, "abalone.csv"])
    clients.s3.put_object(Bucket=BUCKET, Key=f"{key}.manifest", Body=manifest)
    parameters = [
        {"Name": "InputDataUrl", "Value": f"s3://{BUCKET}/{key}"},
        {"Name": "InputManifestUrl", "Value": f"s3://{BUCKET}/{key}.manifest"},
    ]
    started = time.perf_counter()
    arn = clients.sagemaker.start_pipeline_execution(PipelineName=PIPELINE, PipelineParameters=parameters)[
        "PipelineExecutionArn"
    ]
    called = time.perf_counter()
    while (
        status := clients.sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)[
            "PipelineExecutionStatus"
        ]
    ) == "Executing":
        time.sleep(0.01)
    succeeded = time.perf_counter()
    if status != "Succeeded":
        raise SystemExit(f"round {number}: the execution ended {status}")
    counted = athena_count(clients.athena, offline_table(clients.sagemaker, GROUP), f"s3://{BUCKET}/athena/")
    done = time.perf_counter()
    expected = (number + 1) * (len(csv.read_text().splitlines()) - 1)
    if counted != expected:
        raise SystemExit(f"round {number}: Athena counts {counted} rows, not {expected}")
    return {
        "start": called - started,
        **_job_stages(clients, arn),
        "to Succeeded": succeeded - started,
        "query": done - succeeded,
        "total": done - started,
    }


def _job_stages(clients: _Clients, arn: str) -> dict[str, float]:
    """Queueing, the flow and the stores, from the processing job's times and log lines."""
    [step] = clients.sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn)[
        "PipelineExecutionSteps"
    ]
    job_name = step["Metadata"]["ProcessingJob"]["Arn"].rsplit("/", 1)[1]
    job = clients.sagemaker.describe_processing_job(ProcessingJobName=job_name)
    execution = clients.sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    events = clients.logs.filter_log_events(
        logGroupName="/aws/sagemaker/ProcessingJobs", logStreamNamePrefix=job_name
    )["events"]
    wrote = next(e for e in events if e["message"].startswith("wrote "))
    ingested = next(e for e in events if e["message"].startswith("ingested "))
    check, offline, online = store_seconds(ingested["message"])
    job_started = job["ProcessingStartTime"].timestamp()
    return {
        "queued": job_started - execution["CreationTime"].timestamp(),
        "flow": wrote["timestamp"] / 1000 - job_started,
        "check": check,
        "offline": offline,
        "online": online,
    }


def store_seconds(line: str) -> tuple[float, float, float]:
    """The check's and the two stores' seconds in a job's "ingested ..." log line."""
    check, offline, online = (float(part.split(" s")[0]) for part in line.split(" in ")[1:])
    return check, offline, online


def athena_count(athena, table: str, output: str) -> int:
    """The rows Athena counts in ``table``, polled tightly: the benchmarks time when rows become queryable."""
    return count(athena, table, output, interval=0.01)


def _flow_alone(csv: Path, out: Path) -> float:
    from scripts.flow import load_flow, run_flow

    flow = load_flow(FLOW)
    started = time.perf_counter()
    run_flow(flow, {"abalone.csv": csv}, out, fmt="parquet")
    return time.perf_counter() - started


# -- ingestion ------------------------------------------------------------------------------------------
def ingestion(workdir: Path) -> None:
    import pyarrow.parquet as pq
    from moto.s3.models import s3_backends

    from scripts.flow import load_flow, run_flow
    from scripts.local.sagemaker.featurestore import ingestion as feature_store
    from scripts.local.sagemaker.featurestore.definitions import FeatureGroupDefinition
    from scripts.local.sagemaker.featurestore.online_store import OnlineStore

    csv = workdir / "ingestion.csv"
    abalone.write_prepared(abalone_frame(INGESTION_ROWS), csv)
    output = pq.read_table(
        run_flow(load_flow(FLOW), {"abalone.csv": csv}, workdir / "out", fmt="parquet").path
    )
    request = json.loads((PROJECT_ROOT / "data" / "abalone.fg.json").read_text())
    definition = FeatureGroupDefinition.from_request(
        {**request, "FeatureGroupName": GROUP, "OnlineStoreConfig": {"EnableOnlineStore": True}}
    )
    bucket = "bench-offline-store"
    s3_backends[ACCOUNT_ID]["global"].create_bucket(bucket, REGION)
    print(
        f"Ingestion of {output.num_rows:,} rows of the flow's output, best of {INGESTION_ROUNDS}, "
        "in this process"
    )

    ours, parts, direct = [], [], []
    for number in range(INGESTION_ROUNDS):  # interleaved, so that both see the machine in the same state
        started = time.perf_counter()
        ingested = feature_store.ingest_table(
            definition, f"s3://{bucket}/{number}", OnlineStore(), ACCOUNT_ID, output
        )
        ours.append(time.perf_counter() - started)
        parts.append(ingested)
        direct.append(_pyarrow_write(output))
    direct = min(direct)
    best = min(ours)
    fastest = parts[ours.index(best)]
    print(f"  feature store {output.num_rows / best:>12,.0f} rows/s  {best:.3f} s  ({fastest})")
    print(
        f"  pyarrow       {output.num_rows / direct:>12,.0f} rows/s  {direct:.3f} s  "
        "(the same parquet, to memory)"
    )
    ratio = direct / best
    verdict = "PASS" if ratio >= INGESTION_TARGET else "FAIL"
    print(f"ingestion ratio {ratio:.2f} (target >= {INGESTION_TARGET}): {verdict}")


def _pyarrow_write(output) -> float:
    """pyarrow writing the offline store's file for ``output``: its columns plus the three added ones."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    started = time.perf_counter()
    now = np.full(output.num_rows, int(datetime.now(UTC).timestamp() * 1000), dtype="datetime64[ms]")
    stamp = pa.array(now, type=pa.timestamp("ms", tz="UTC"))
    table = output.append_column("write_time", stamp).append_column("api_invocation_time", stamp)
    table = table.append_column("is_deleted", pa.array(np.zeros(output.num_rows, dtype=bool)))
    pq.write_table(table, io.BytesIO())
    return time.perf_counter() - started
