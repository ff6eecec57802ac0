"""Deploy the portfolio stack from the last package: ``python -m scripts.deploy`` (``make deploy``).

Reads ``build/<region>/manifest.json`` for the portfolio template's URL, checks that the published
templates are byte for byte what was packaged, resolves the roles the portfolio refers to (failing early
and clearly when one is missing) and the data buckets projects may read (``DATA_BUCKETS``, by default
the SageMaker default bucket), runs the change set, prints the outputs and saves them to
``build/<region>/portfolio-outputs.json`` for the notebooks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from pathlib import Path

from botocore.exceptions import ClientError

from scripts import PROJECT_ROOT
from scripts.assemble import MANIFEST
from scripts.aws import AwsContext
from scripts.bucket_events import default_bucket, deliver_to_eventbridge
from scripts.deployer import Deployer, DeployResult
from scripts.errors import (
    BadDataBucketsError,
    KitError,
    ManifestNotFoundError,
    PackageNotPublishedError,
    PublishedTemplateChangedError,
    run_main,
)
from scripts.execution_role import RoleRef, require_role, studio_execution_role

DEFAULT_STACK = "sagemaker-fs-ingestion-portfolio"
DEFAULT_LAUNCH_ROLE = "service-role/AmazonSageMakerServiceCatalogProductsLaunchRole"
OUTPUTS_FILE = "portfolio-outputs.json"
_TURN_ON_PROJECTS = "turn on SageMaker projects for your Studio domain (that creates it)"
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def load_manifest(build_dir: Path, region: str) -> dict:
    path = build_dir / MANIFEST
    if not path.is_file():
        raise ManifestNotFoundError(str(path))
    manifest = json.loads(path.read_text())
    if manifest.get("region") != region:
        raise KitError(f"{path} was packaged for {manifest.get('region')}, not {region}: run `make package`")
    return manifest


def require_published(aws: AwsContext, manifest: dict, manifest_path: Path) -> None:
    """Fail clearly, before any change set, when a packaged template is not in S3, or is not what
    was packaged (Service Catalog and CloudFormation read them from there)."""
    for item in manifest["objects"]:
        if not item["role"].endswith("-template"):
            continue
        location = f"s3://{manifest['bucket']}/{item['key']}"
        try:
            body = aws.client("s3").get_object(Bucket=manifest["bucket"], Key=item["key"])["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchBucket", "404"):
                raise PackageNotPublishedError(str(manifest_path), location) from error
            raise
        if hashlib.sha256(body).hexdigest() != item["sha256"]:
            raise PublishedTemplateChangedError(location)


def data_buckets(aws: AwsContext, text: str | None) -> list[str]:
    """``DATA_BUCKETS`` (comma-separated), by default the SageMaker default bucket of the region."""
    buckets = [name.strip() for name in (text or "").split(",") if name.strip()]
    for name in buckets:
        if not _BUCKET_NAME.match(name) or ".." in name:
            raise BadDataBucketsError(name)
    return buckets or [default_bucket(aws)]


def portfolio_parameters(
    aws: AwsContext, execution_role_arn: str | None, launch_role: RoleRef, buckets: list[str]
) -> dict[str, str]:
    iam = aws.client("iam")
    execution_role_arn = execution_role_arn or studio_execution_role(aws.client("sagemaker"), aws.region)
    execution_role = RoleRef.parse(execution_role_arn)
    execution_role_arn = require_role(
        iam, execution_role, "pass EXECUTION_ROLE_ARN of an existing SageMaker execution role"
    )
    require_role(iam, launch_role, f"{_TURN_ON_PROJECTS}, or pass LAUNCH_ROLE=<path/name>")
    return {
        "SageMakerExecutionRoleArn": execution_role_arn,
        "SageMakerExecutionRoleName": execution_role.name,
        "LaunchRoleName": launch_role.name,
        "LaunchRolePath": launch_role.path,
        "DataBucketNames": ",".join(buckets),
    }


def write_outputs(result: DeployResult, region: str, path: Path) -> None:
    document = {"stack": result.stack, "region": region, "outputs": result.outputs}
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")


def format_outputs(outputs: dict[str, str]) -> str:
    width = max((len(key) for key in outputs), default=0)
    return "\n".join(f"  {key:<{width}}  {value}" for key, value in sorted(outputs.items()))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy", description=__doc__)
    parser.add_argument("--region", help="AWS region (default: REGION, then boto3's resolution)")
    parser.add_argument("--stack-name", default=os.environ.get("STACK_NAME") or DEFAULT_STACK)
    parser.add_argument(
        "--execution-role-arn",
        default=os.environ.get("EXECUTION_ROLE_ARN") or None,
        help="SageMaker execution role granted the portfolio (default: the Studio domain's)",
    )
    parser.add_argument("--launch-role", default=os.environ.get("LAUNCH_ROLE") or DEFAULT_LAUNCH_ROLE)
    parser.add_argument(
        "--data-buckets",
        default=os.environ.get("DATA_BUCKETS", ""),
        help="buckets projects may monitor and read flows from, comma-separated "
        "(default: DATA_BUCKETS, else sagemaker-<region>-<account>)",
    )
    parser.add_argument(
        "--replace-failed",
        action="store_true",
        default=os.environ.get("REPLACE_FAILED_STACK") == "1",
        help="delete a stack left in ROLLBACK_COMPLETE and create it again",
    )
    parser.add_argument("--build-dir", type=Path, default=PROJECT_ROOT / "build")
    args = parser.parse_args()

    aws = AwsContext.from_environment(args.region)
    build_dir = args.build_dir / aws.region
    manifest = load_manifest(build_dir, aws.region)
    print(f"Deploying {args.stack_name} (version {manifest['version']}) to {aws.account} in {aws.region}")
    require_published(aws, manifest, build_dir / MANIFEST)
    buckets = data_buckets(aws, args.data_buckets)
    parameters = portfolio_parameters(aws, args.execution_role_arn, RoleRef.parse(args.launch_role), buckets)
    print(f"Portfolio granted to {parameters['SageMakerExecutionRoleArn']}")
    print(f"Projects may read: {', '.join(buckets)}")
    result = Deployer(aws.client("cloudformation")).deploy(
        args.stack_name,
        manifest["portfolio_template_url"],
        parameters,
        replace_failed=args.replace_failed,
        tags={"sagemaker-fs-ingestion:version": manifest["version"]},
    )
    print("Projects' data buckets:")
    for line in deliver_to_eventbridge(aws, buckets):
        print(line)
    print("Outputs:")
    print(format_outputs(result.outputs))
    write_outputs(result, aws.region, build_dir / OUTPUTS_FILE)
    print(f"Saved to {build_dir / OUTPUTS_FILE}")


if __name__ == "__main__":
    run_main(main)
