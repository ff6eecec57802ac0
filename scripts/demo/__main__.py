"""`make demo` (`python -m scripts.target run scripts.demo`): the stages of :mod:`scripts.demo`, a summary."""

from __future__ import annotations

import os

from scripts.aws import AwsContext
from scripts.errors import run_main

from . import stages
from .progress import Stages

PUBLISH = "publish and deploy the portfolio (make package && make deploy)"
FEATURE_GROUP = "feature group and flow"
PROJECT = "project (CreateProject)"
BUILD = "project build (CodePipeline, CodeBuild, the seed's build.py)"
UPLOAD = "upload abalone.csv"
EXECUTION = "pipeline execution started by the upload"
QUERY = "query the features with Athena"


def main() -> None:
    run_demo(stages.Demo(AwsContext.from_environment()))


def run_demo(demo: stages.Demo) -> Stages:
    """Run every stage, print the summary; the stages with their times."""
    run = Stages()
    with run.stage(PUBLISH):
        stages.publish(demo)
    with run.stage(FEATURE_GROUP):
        group = stages.feature_group(demo)
    with run.stage(PROJECT):
        outputs = stages.project(demo)
    with run.stage(BUILD):
        pipeline = stages.build(demo, outputs)
    with run.stage(UPLOAD):
        upload = stages.upload(demo)
    with run.stage(EXECUTION):
        execution = stages.execution(demo, pipeline, upload.uri)
    with run.stage(QUERY):
        features = stages.query(demo)
    print()
    print(f"The product works: {upload.uri} went through project {stages.PROJECT_NAME}'s pipeline")
    print(f"  {pipeline} into feature group {group}.")
    print(f"  rows: {upload.origin}")
    print(f"  execution: {execution}")
    print(
        f"  offline store {features.table}: {features.rows:,} rows, {features.records:,} distinct records, "
        f"{len(features.columns)} columns: {', '.join(features.columns)}"
    )
    print("  first records:")
    for record in features.sample:
        print("    " + ", ".join(f"{name}={record[name]}" for name in features.columns[:6]))
    print("  time per stage:")
    for name, seconds in run.seconds.items():
        print(f"    {seconds:7.1f} s  {name}")
    print(f"    {sum(run.seconds.values()):7.1f} s  in all")
    print()
    print("Try next:")
    print("  eval $(make env)    # point this shell, the AWS CLI and boto3 at the same target")
    print(f"  aws sagemaker list-pipeline-executions --pipeline-name {pipeline}")
    print(f"  aws sagemaker-featurestore-runtime get-record --feature-group-name {group} \\")
    print("      --record-identifier-value-as-string 0")
    print(f"  aws s3 cp <your.csv> s3://{demo.bucket}/{stages.DATA_PREFIX}   # starts the pipeline again")
    print("  make notebooks      # the same steps in the walkthrough notebooks, one cell at a time")
    if os.environ.get("AWS_ENDPOINT_URL"):
        print("  make local-down     # stop the local emulator when you are done (its state goes with it)")
    return run


if __name__ == "__main__":
    run_main(main)
