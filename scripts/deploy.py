"""Deploy the portfolio stack from the last package: ``python -m scripts.deploy`` (``make deploy``).

Reads ``build/<region>/manifest.json`` for the portfolio template's URL, checks that the published
templates are byte for byte what was packaged, resolves the roles the portfolio refers to (failing early
and clearly when one is missing), the data buckets projects may read (``DATA_BUCKETS``, by default the
SageMaker default bucket) and the source connections they may use (``CONNECTIONS``), runs the change set,
prints the outputs and saves them to ``build/<region>/portfolio-outputs.json`` for the notebooks.

``DELIVERY`` says how Studio users get the template: ``servicecatalog`` (the default: a portfolio whose
launch constraint fixes the role and the template a project runs), ``s3`` (SageMaker reads the template
from S3: :mod:`scripts.s3_delivery` publishes it) or ``both``. A delivery left out is withdrawn.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from pathlib import Path

from botocore.exceptions import ClientError

from scripts import PROJECT_ROOT, s3_delivery
from scripts.assemble import MANIFEST
from scripts.aws import AwsContext
from scripts.bucket_events import default_bucket, deliver_to_eventbridge
from scripts.deployer import Deployer, DeployResult
from scripts.errors import (
    BadConnectionsError,
    BadDataBucketsError,
    BadDeliveryError,
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
_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:connection/[a-zA-Z0-9-]+$"
)
DELIVERIES = {"servicecatalog": {"servicecatalog"}, "s3": {"s3"}, "both": {"servicecatalog", "s3"}}
DEFAULT_DELIVERY = "servicecatalog"


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


def connection_arns(text: str | None) -> list[str]:
    """``CONNECTIONS`` (comma-separated CodeConnections connection ARNs), by default none."""
    arns = [arn.strip() for arn in (text or "").split(",") if arn.strip()]
    for arn in arns:
        if not _CONNECTION_ARN.match(arn):
            raise BadConnectionsError(arn)
    return arns


def delivery_channels(text: str | None) -> set[str]:
    """``DELIVERY``: servicecatalog, s3 or both, as the set of channels."""
    channels = DELIVERIES.get((text or DEFAULT_DELIVERY).strip().lower())
    if channels is None:
        raise BadDeliveryError(text or "", sorted(DELIVERIES))
    return channels


def portfolio_parameters(
    aws: AwsContext,
    execution_role_arn: str | None,
    launch_role: RoleRef,
    buckets: list[str],
    delivery: str = DEFAULT_DELIVERY,
    connections: list[str] | None = None,
) -> dict[str, str]:
    iam = aws.client("iam")
    execution_role_arn = execution_role_arn or studio_execution_role(aws.client("sagemaker"), aws.region)
    execution_role = RoleRef.parse(execution_role_arn)
    execution_role_arn = require_role(
        iam, execution_role, "pass EXECUTION_ROLE_ARN of an existing SageMaker execution role"
    )
    if "servicecatalog" in delivery_channels(delivery):  # the S3 delivery's launch role is the stack's own
        require_role(iam, launch_role, f"{_TURN_ON_PROJECTS}, or pass LAUNCH_ROLE=<path/name>")
    return {
        "SageMakerExecutionRoleArn": execution_role_arn,
        "SageMakerExecutionRoleName": execution_role.name,
        "LaunchRoleName": launch_role.name,
        "LaunchRolePath": launch_role.path,
        "DataBucketNames": ",".join(buckets),
        "ConnectionArns": ",".join(connections or []),
        "Delivery": delivery,
    }


def product_template(build_dir: Path, manifest: dict) -> str:
    """The release's product template, from the build (require_published checked that S3 holds the same)."""
    [item] = [item for item in manifest["objects"] if item["role"] == "product-template"]
    return (build_dir / item["file"]).read_text()


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
        "--delivery",
        default=os.environ.get("DELIVERY") or DEFAULT_DELIVERY,
        help="servicecatalog (default), s3 or both: how Studio users get the project template",
    )
    parser.add_argument(
        "--connections",
        default=os.environ.get("CONNECTIONS", ""),
        help="CodeConnections connection ARNs projects may build from, comma-separated (default: none)",
    )
    parser.add_argument(
        "--domain-id",
        default=os.environ.get("DOMAIN_ID") or None,
        help="Studio domain that shows the S3-delivered template (default: the region's only one)",
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
    delivery = args.delivery.strip().lower()
    channels = delivery_channels(delivery)
    print(
        f"Deploying {args.stack_name} (version {manifest['version']}, delivery {delivery}) to {aws.account} "
        f"in {aws.region}"
    )
    require_published(aws, manifest, build_dir / MANIFEST)
    buckets = data_buckets(aws, args.data_buckets)
    connections = connection_arns(args.connections)
    location = None
    if "s3" in channels:  # before any change: a domain whose templates are elsewhere is refused
        location = s3_delivery.templates_location(aws, manifest["bucket"], manifest["prefix"], args.domain_id)
    parameters = portfolio_parameters(
        aws, args.execution_role_arn, RoleRef.parse(args.launch_role), buckets, delivery, connections
    )
    print(f"Portfolio granted to {parameters['SageMakerExecutionRoleArn']}")
    print(f"Projects may read: {', '.join(buckets)}")
    print(f"Projects may build from connections: {', '.join(connections) or 'none (CodeCommit only)'}")
    deployer = Deployer(aws.client("cloudformation"))
    delivered_from = deployer.outputs(args.stack_name).get(
        "ProjectTemplatesLocation"
    )  # an S3 delivery so far
    result = deployer.deploy(
        args.stack_name,
        manifest["portfolio_template_url"],
        parameters,
        replace_failed=args.replace_failed,
        tags={"sagemaker-fs-ingestion:version": manifest["version"]},
    )
    print("Projects' data buckets:")
    for line in deliver_to_eventbridge(aws, buckets):
        print(line)
    if location is not None:
        print("Project template delivered from S3:")
        body = s3_delivery.published_template(product_template(build_dir, manifest), buckets, connections)
        for line in s3_delivery.publish(aws, location, body, manifest["version"]):
            print(line)
    elif delivered_from:
        print("S3 delivery withdrawn:")
        for line in s3_delivery.withdraw(aws, delivered_from):
            print(line)
    print("Outputs:")
    print(format_outputs(result.outputs))
    write_outputs(result, aws.region, build_dir / OUTPUTS_FILE)
    print(f"Saved to {build_dir / OUTPUTS_FILE}")


if __name__ == "__main__":
    run_main(main)
