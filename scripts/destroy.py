"""Remove what deploy created: ``python -m scripts.destroy`` (``make destroy``).

Deletes the portfolio stack. Buckets are only touched when asked: ``DELETE_PROJECT_BUCKETS=1`` empties
and deletes the buckets provisioned projects retain (tagged ``sagemaker-fs-ingestion:retained=true``),
``DELETE_STAGING=1`` deletes every version of every object under the staging prefix.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from botocore.exceptions import ClientError

from scripts import PROJECT_ROOT
from scripts.aws import AwsContext
from scripts.deploy import DEFAULT_STACK, OUTPUTS_FILE
from scripts.deployer import Deployer
from scripts.errors import run_main
from scripts.staging_bucket import bucket_region, staging_location

RETAINED_TAG = ("sagemaker-fs-ingestion:retained", "true")
PROJECT_BUCKET_PREFIX = "sagemaker-fsi-"


def retained_project_buckets(aws: AwsContext) -> list[str]:
    """This region's buckets that provisioned projects created and kept after their deletion."""
    s3 = aws.client("s3")
    found = []
    for page in s3.get_paginator("list_buckets").paginate(Prefix=PROJECT_BUCKET_PREFIX):
        for name in (bucket["Name"] for bucket in page.get("Buckets", [])):
            if (
                name.startswith(PROJECT_BUCKET_PREFIX)
                and bucket_region(s3, name) == aws.region
                and _retained(s3, name)
            ):
                found.append(name)
    return sorted(found)


def _retained(s3, bucket: str) -> bool:
    try:
        tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchTagSet":  # no tags at all: not ours
            return False
        raise
    return {"Key": RETAINED_TAG[0], "Value": RETAINED_TAG[1]} in tags


def delete_objects(aws: AwsContext, bucket: str, prefix: str = "") -> int:
    """Delete every version and delete marker under ``prefix``; return how many were deleted."""
    s3 = aws.client("s3")
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        batch = [
            {"Key": entry["Key"], "VersionId": entry["VersionId"]}
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if batch:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            deleted += len(batch)
            print(f"  s3://{bucket}/{prefix}: {deleted} object version(s) deleted")
    return deleted


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.destroy", description=__doc__)
    parser.add_argument("--region", help="AWS region (default: REGION, then boto3's resolution)")
    parser.add_argument("--stack-name", default=os.environ.get("STACK_NAME") or DEFAULT_STACK)
    parser.add_argument(
        "--delete-project-buckets",
        action="store_true",
        default=os.environ.get("DELETE_PROJECT_BUCKETS") == "1",
        help="also empty and delete the buckets retained by provisioned projects",
    )
    parser.add_argument(
        "--delete-staging",
        action="store_true",
        default=os.environ.get("DELETE_STAGING") == "1",
        help="also delete everything under the staging prefix",
    )
    parser.add_argument("--prefix", help="staging prefix (default: S3_PREFIX, else as make package chooses)")
    parser.add_argument("--build-dir", type=Path, default=PROJECT_ROOT / "build")
    args = parser.parse_args()

    aws = AwsContext.from_environment(args.region)
    Deployer(aws.client("cloudformation")).delete(args.stack_name)
    (args.build_dir / aws.region / OUTPUTS_FILE).unlink(missing_ok=True)

    if args.delete_project_buckets:
        buckets = retained_project_buckets(aws)
        print(f"Deleting {len(buckets)} retained project bucket(s)")
        for bucket in buckets:
            delete_objects(aws, bucket)
            aws.client("s3").delete_bucket(Bucket=bucket)
            print(f"  deleted s3://{bucket}")
    else:
        print("Project buckets kept (DELETE_PROJECT_BUCKETS=1 empties and deletes them)")

    if args.delete_staging:
        staging = staging_location(aws, prefix=args.prefix)
        print(f"Deleting s3://{staging.bucket}/{staging.prefix}/")
        delete_objects(aws, staging.bucket, staging.prefix + "/")
    else:
        print("Staging objects kept (DELETE_STAGING=1 deletes them)")


if __name__ == "__main__":
    run_main(main)
