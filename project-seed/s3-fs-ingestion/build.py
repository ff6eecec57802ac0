"""Build this project's SageMaker pipeline from its Data Wrangler flow and upsert it.

CodeBuild runs `python build.py` on every push, after the tests (see buildspec.yml). Settings come
from environment variables that the CodeBuild project sets from the project's CloudFormation stack:

  SAGEMAKER_PROJECT_NAME, SAGEMAKER_PROJECT_ID  tags of the pipeline
  SAGEMAKER_PIPELINE_NAME                       the pipeline to create or update
  PIPELINE_DESCRIPTION                          its description (may be empty)
  DW_FLOW_URL                                   s3://bucket/key.flow, the Data Wrangler flow
  DW_FLOW_OUTPUT_NAME                           <node-id>.<output> to ingest; empty = the flow's last node
  FEATURE_GROUP_NAME                            the feature group to ingest into
  PIPELINE_ROLE_ARN                             role of the pipeline and of its processing job
  PROCESSING_JOB_PREFIX                         name prefix of its processing jobs (the role runs only those)
  PROCESSING_INSTANCE_TYPE                      their instance type (the role allows this one only)
  ARTIFACT_BUCKET                               the SageMaker session's default bucket
  AWS_REGION or AWS_DEFAULT_REGION              set by CodeBuild itself

  python build.py                              read the flow from S3, upsert, print the pipeline ARN
  python build.py --dry-run                    print the pipeline definition JSON instead of upserting
  python build.py --dry-run --flow-file F      same, reading a local flow file: no AWS call at all

Progress goes to stderr; stdout carries only the result (the ARN, or the definition JSON).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

# Before anything imports the SageMaker SDK: silence its v2 deprecation FutureWarning (an error under
# `pytest -W error`).
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from pipeline.flow import Flow, FlowError

REQUIRED_VARIABLES = (
    "SAGEMAKER_PROJECT_NAME",
    "SAGEMAKER_PROJECT_ID",
    "SAGEMAKER_PIPELINE_NAME",
    "DW_FLOW_URL",
    "FEATURE_GROUP_NAME",
    "PIPELINE_ROLE_ARN",
    "PROCESSING_JOB_PREFIX",
    "PROCESSING_INSTANCE_TYPE",
    "ARTIFACT_BUCKET",
)
OPTIONAL_VARIABLES = ("PIPELINE_DESCRIPTION", "DW_FLOW_OUTPUT_NAME")


class BuildError(Exception):
    """A failure explained in one line; main() prints it and exits non-zero."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def progress(message: str) -> None:
    print(f"build.py: {message}", file=sys.stderr, flush=True)


def read_settings(environ: dict[str, str]) -> dict[str, str]:
    missing = [name for name in REQUIRED_VARIABLES if not environ.get(name, "").strip()]
    region = environ.get("AWS_REGION", "").strip() or environ.get("AWS_DEFAULT_REGION", "").strip()
    if not region:
        missing.append("AWS_REGION (or AWS_DEFAULT_REGION)")
    if missing:
        raise BuildError(
            f"missing environment variable(s): {', '.join(missing)} "
            "(the CodeBuild project sets them; export them to run build.py by hand)",
            exit_code=2,
        )
    settings = {name: environ[name].strip() for name in REQUIRED_VARIABLES}
    settings.update({name: environ.get(name, "").strip() for name in OPTIONAL_VARIABLES})
    settings["AWS_REGION"] = region
    return settings


def parse_s3_url(url: str, variable: str) -> tuple[str, str]:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    if not url.startswith("s3://") or not bucket or not key or key.endswith("/"):
        raise BuildError(f"{variable}={url!r} is not an S3 object URL (s3://bucket/key.flow)")
    return bucket, key


def read_flow(flow_url: str, flow_file: str | None, s3_client) -> Flow:
    if flow_file:
        progress(f"reading the flow from {flow_file} (--flow-file; DW_FLOW_URL is not read)")
        return Flow.from_file(flow_file)
    bucket, key = parse_s3_url(flow_url, "DW_FLOW_URL")
    progress(f"reading the flow from {flow_url}")
    try:
        body = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise BuildError(
            f"cannot read the flow {flow_url}: {error.get('Code')} ({error.get('Message')}); "
            "check DataWranglerFlowUrl and that the build role may s3:GetObject it"
        ) from None
    except BotoCoreError as exc:
        raise BuildError(f"cannot read the flow {flow_url}: {exc}") from None
    return Flow.from_text(body, origin=flow_url)


def _route_sdk_logs_to_stderr() -> None:
    # The SDK's config logger adds a handler on *stdout* unless the "sagemaker" logger already has
    # one; a NullHandler there lets its records propagate to the root handler on stderr instead, so
    # stdout stays clean for --dry-run JSON.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    sdk_logger = logging.getLogger("sagemaker")
    if not sdk_logger.handlers:
        sdk_logger.addHandler(logging.NullHandler())


def build(
    args: argparse.Namespace,
    environ: dict[str, str],
    *,
    boto_session: boto3.session.Session | None = None,
    sagemaker_client=None,
    s3_client=None,
) -> str:
    """Do the work; return what goes to stdout (the definition JSON or the pipeline ARN)."""
    settings = read_settings(environ)
    region = settings["AWS_REGION"]
    parse_s3_url(settings["DW_FLOW_URL"], "DW_FLOW_URL")

    _route_sdk_logs_to_stderr()
    from pipeline.pipeline import get_pipeline  # imports the SageMaker SDK

    boto_session = boto_session or boto3.Session(region_name=region)
    if s3_client is None and not args.flow_file:
        s3_client = boto_session.client("s3", region_name=region)

    try:
        flow = read_flow(settings["DW_FLOW_URL"], args.flow_file, s3_client)
        sources = flow.source_datasets()
        progress(f"source dataset(s): {', '.join(s.name for s in sources)}")
        if settings["DW_FLOW_OUTPUT_NAME"]:
            output_name = flow.validate_output_name(settings["DW_FLOW_OUTPUT_NAME"])
            progress(f"output: {output_name} (DW_FLOW_OUTPUT_NAME)")
        else:
            output_name = flow.default_output_name()
            progress(f"output: {output_name} (the flow's last node; DW_FLOW_OUTPUT_NAME is empty)")
        pipeline = get_pipeline(
            region=region,
            pipeline_name=settings["SAGEMAKER_PIPELINE_NAME"],
            role_arn=settings["PIPELINE_ROLE_ARN"],
            default_bucket=settings["ARTIFACT_BUCKET"],
            flow_url=settings["DW_FLOW_URL"],
            dataset_names=[s.name for s in sources],
            output_name=output_name,
            feature_group_name=settings["FEATURE_GROUP_NAME"],
            job_name_prefix=settings["PROCESSING_JOB_PREFIX"],
            instance_type=settings["PROCESSING_INSTANCE_TYPE"],
            boto_session=boto_session,
            sagemaker_client=sagemaker_client,
        )
        definition = json.loads(pipeline.definition())
    except (FlowError, ValueError) as exc:
        raise BuildError(str(exc)) from None

    if args.dry_run:
        progress("dry run: printing the definition instead of upserting")
        return json.dumps(definition, indent=2, sort_keys=False)

    progress(f"upserting pipeline {pipeline.name} in {region}")
    try:
        response = pipeline.upsert(
            role_arn=settings["PIPELINE_ROLE_ARN"],
            description=settings["PIPELINE_DESCRIPTION"] or None,
            tags=[
                {"Key": "sagemaker:project-name", "Value": settings["SAGEMAKER_PROJECT_NAME"]},
                {"Key": "sagemaker:project-id", "Value": settings["SAGEMAKER_PROJECT_ID"]},
            ],
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise BuildError(
            f"upsert of pipeline {pipeline.name} failed: {error.get('Code')} ({error.get('Message')})"
        ) from None
    except BotoCoreError as exc:
        raise BuildError(f"upsert of pipeline {pipeline.name} failed: {exc}") from None
    arn = response["PipelineArn"]
    progress(f"pipeline ARN: {arn}")
    return arn


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build the project's SageMaker pipeline from its Data Wrangler flow and "
        "upsert it. Settings come from environment variables (see the module docstring).",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the pipeline definition JSON instead of upserting",
    )
    parser.add_argument(
        "--flow-file",
        metavar="PATH",
        help="read the flow from a local file instead of DW_FLOW_URL (offline use, tests)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None, **clients) -> int:
    args = parse_args(argv)
    try:
        print(build(args, dict(os.environ if environ is None else environ), **clients))
    except BuildError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
