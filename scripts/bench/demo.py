"""`make demo`, stage by stage, on a fresh emulator.

Targets (2 cores, `.venv` present): CreateProject to the pipeline upserted under 30 s; upload to features
queryable under 5 s; the whole demo under 90 s. The demo runs as `make demo` runs it (its stages, in this
process, against an emulator process as `make local-up` starts it, offline: generated rows), its output
kept aside. The baseline, measured after it in the same emulator: the seed's ``build.py`` run directly
against the project (:class:`scripts.seed_build.SeedBuild`, as the project's CodeBuild runs it, without
the seed's tests); the ratio is what Service Catalog, CodePipeline and CodeBuild (with the tests) add to
upserting the pipeline. The result is printed as PASS or FAIL; only a crash makes the benchmark fail.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
from pathlib import Path

from scripts.aws import AwsContext
from scripts.demo import __main__ as demo_main
from scripts.demo import stages
from scripts.local.process import Emulator, free_port
from scripts.project_stack import REGION, pointed_at
from scripts.seed_build import SeedBuild

PROJECT_TARGET_SECONDS = 30.0
QUERYABLE_TARGET_SECONDS = 5.0
DEMO_TARGET_SECONDS = 90.0
OFFLINE = "http://127.0.0.1:9/abalone.data"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as scratch:
        workdir = Path(scratch)
        emulator = Emulator(workdir / "emulator")
        endpoint = emulator.start(free_port(), REGION).endpoint
        try:
            with pointed_at(endpoint, workdir, ABALONE_URL=OFFLINE, TARGET="local"):
                aws = AwsContext.from_environment()
                demo = stages.Demo(aws, build_dir=workdir / "build", datasets=workdir / "datasets")
                output = io.StringIO()
                started = time.monotonic()
                with contextlib.redirect_stdout(output):
                    run = demo_main.run_demo(demo)
                whole = time.monotonic() - started
                baseline = _build_alone(demo, endpoint)
        finally:
            emulator.stop()
    seconds = run.seconds
    project = seconds[demo_main.PROJECT] + seconds[demo_main.BUILD]
    queryable = sum(seconds[stage] for stage in (demo_main.UPLOAD, demo_main.EXECUTION, demo_main.QUERY))
    print("  stage                                                          seconds")
    for name, value in seconds.items():
        print(f"  {name:<62} {value:7.2f}")
    print(
        f"  the seed's build.py alone (baseline): {baseline:.2f} s; CreateProject to the pipeline upserted "
        f"takes {project / baseline:.1f}x that"
    )
    _judge("CreateProject to pipeline upserted", project, PROJECT_TARGET_SECONDS)
    _judge("upload to features queryable", queryable, QUERYABLE_TARGET_SECONDS)
    _judge("the whole demo", whole, DEMO_TARGET_SECONDS)


def _build_alone(demo: stages.Demo, endpoint: str) -> float:
    """Seconds for the seed's build.py to upsert the demo project's pipeline again, run directly."""
    outputs = stages.project_outputs(demo)
    bucket = demo.bucket
    build = SeedBuild(
        project_name=stages.PROJECT_NAME,
        project_id=outputs["project_id"],
        pipeline_name=outputs["PipelineName"],
        flow_url=f"s3://{bucket}/{stages.FLOW_KEY}",
        feature_group=stages.FEATURE_GROUP,
        role_arn=outputs["PipelineRoleArn"],
        artifact_bucket=outputs["ArtifactsBucketName"],
        processing_job_prefix=f"sagemaker-fsi-{outputs['project_id']}",
    )
    started = time.monotonic()
    built = build.run(endpoint, REGION, timeout=120)
    if built.returncode:
        raise SystemExit(f"the seed's build.py failed in the benchmark: {built.stderr.strip()[-300:]}")
    return time.monotonic() - started


def _judge(what: str, seconds: float, target: float) -> None:
    verdict = "PASS" if seconds < target else "FAIL"
    print(f"{what}: {seconds:.1f} s (target < {target:.0f} s): {verdict}")
