"""Remove what deploy created: ``python -m scripts.destroy`` (``make destroy``).

Deletes the portfolio stack, and first what an S3 delivery added (:func:`scripts.s3_delivery.withdraw`:
the published template, the bucket's CORS rule, the domain's templates location tag). Buckets are only
touched when asked, and never under something alive:

- ``DELETE_PROJECT_BUCKETS=1`` empties and deletes the buckets provisioned projects retain (tagged
  ``sagemaker-fs-ingestion:retained=true``) whose project stack is gone (:mod:`scripts.project_buckets`),
  after listing what it deletes and what it keeps, and why. It refuses when the portfolio stack
  ``STACK_NAME`` is unknown in the region (neither there nor deleted there): a mistyped name must not
  clean up anything.
- ``DELETE_STAGING=1`` deletes every version of every object under the staging prefix, and refuses
  while any stack other than this portfolio stack (deleted first) still uses the prefix
  (:mod:`scripts.staging_references`).

Every refusal comes before anything is deleted.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from botocore.exceptions import ClientError

from scripts import PROJECT_ROOT, project_buckets, s3_delivery
from scripts.aws import AwsContext
from scripts.deploy import DEFAULT_STACK, OUTPUTS_FILE
from scripts.deployer import Deployer
from scripts.errors import KitError, run_main
from scripts.project_buckets import BucketDecision
from scripts.staging_bucket import Staging, staging_location
from scripts.staging_references import stacks_using


class PortfolioStackNotFoundError(KitError):
    def __init__(self, stack: str, region: str) -> None:
        super().__init__(
            f"stack {stack} does not exist in {region} and was not deleted there, so it is not a portfolio "
            "whose project buckets DELETE_PROJECT_BUCKETS=1 may delete; nothing was deleted: check "
            f"STACK_NAME (the portfolio stack, {DEFAULT_STACK} by default) and REGION"
        )


class StagingInUseError(KitError):
    def __init__(self, staging: Staging, stacks: list[str]) -> None:
        super().__init__(
            f"s3://{staging.bucket}/{staging.prefix}/ is still used by stack(s) {', '.join(stacks)} (their "
            "templates load templates or code from it), so DELETE_STAGING=1 would break them; nothing was "
            "deleted: delete those stacks first (projects: in SageMaker Studio or with aws sagemaker "
            "delete-project), or destroy without DELETE_STAGING=1"
        )


def live_stack_id(cfn, stack: str) -> str | None:
    """The id of the stack named ``stack`` when it exists (in any state but DELETE_COMPLETE)."""
    try:
        described = cfn.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if "does not exist" in error.response["Error"].get("Message", ""):
            return None
        raise
    return next((s["StackId"] for s in described if s["StackStatus"] != "DELETE_COMPLETE"), None)


def was_deleted(cfn, stack: str) -> bool:
    """Whether CloudFormation still lists a deleted stack of this name (it does for 90 days)."""
    return any(
        summary["StackName"] == stack
        for page in cfn.get_paginator("list_stacks").paginate(StackStatusFilter=["DELETE_COMPLETE"])
        for summary in page.get("StackSummaries", [])
    )


def report_plan(decisions: list[BucketDecision]) -> None:
    print(f"Retained project buckets: {len(decisions)}")
    for decision in decisions:
        action = "delete" if decision.delete else "keep"
        print(f"  {action:<6} s3://{decision.bucket}: {decision.reason}")


def delete_project_buckets(aws: AwsContext, decisions: list[BucketDecision]) -> None:
    doomed = [decision.bucket for decision in decisions if decision.delete]
    print(f"Deleting {len(doomed)} retained project bucket(s)")
    for index, bucket in enumerate(doomed, start=1):
        print(f"  [{index}/{len(doomed)}] emptying s3://{bucket}")
        delete_objects(aws, bucket)
        aws.client("s3").delete_bucket(Bucket=bucket)
        print(f"  [{index}/{len(doomed)}] deleted s3://{bucket}")


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


def delete_portfolio_stack(aws, stack: str) -> None:
    """Withdraw the S3 delivery the stack's outputs name (if any), then delete the stack."""
    deployer = Deployer(aws.client("cloudformation"))
    location = deployer.outputs(stack).get("ProjectTemplatesLocation")
    if location:
        print(f"Withdrawing the S3-delivered template ({location}):")
        for line in s3_delivery.withdraw(aws, location):
            print(line)
    deployer.delete(stack)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.destroy", description=__doc__)
    parser.add_argument("--region", help="AWS region (default: REGION, then boto3's resolution)")
    parser.add_argument("--stack-name", default=os.environ.get("STACK_NAME") or DEFAULT_STACK)
    parser.add_argument(
        "--delete-project-buckets",
        action="store_true",
        default=os.environ.get("DELETE_PROJECT_BUCKETS") == "1",
        help="also empty and delete the buckets retained by projects whose stack was deleted",
    )
    parser.add_argument(
        "--delete-staging",
        action="store_true",
        default=os.environ.get("DELETE_STAGING") == "1",
        help="also delete everything under the staging prefix (refused while a stack uses it)",
    )
    parser.add_argument("--prefix", help="staging prefix (default: S3_PREFIX, else as make package chooses)")
    parser.add_argument("--build-dir", type=Path, default=PROJECT_ROOT / "build")
    args = parser.parse_args()

    aws = AwsContext.from_environment(args.region)
    cfn = aws.client("cloudformation")
    portfolio = live_stack_id(cfn, args.stack_name)
    if args.delete_project_buckets and portfolio is None and not was_deleted(cfn, args.stack_name):
        raise PortfolioStackNotFoundError(args.stack_name, aws.region)
    staging = None
    if args.delete_staging:
        staging = staging_location(aws, prefix=args.prefix)
        users = stacks_using(cfn, staging.bucket, staging.prefix, exclude=[portfolio] if portfolio else [])
        if users:
            raise StagingInUseError(staging, users)

    delete_portfolio_stack(aws, args.stack_name)
    (args.build_dir / aws.region / OUTPUTS_FILE).unlink(missing_ok=True)

    if args.delete_project_buckets:
        decisions = project_buckets.plan(aws)
        report_plan(decisions)
        delete_project_buckets(aws, decisions)
    else:
        print("Project buckets kept (DELETE_PROJECT_BUCKETS=1 empties and deletes those of deleted projects)")

    if staging is not None:
        print(f"Deleting s3://{staging.bucket}/{staging.prefix}/")
        delete_objects(aws, staging.bucket, staging.prefix + "/")
    else:
        print("Staging objects kept (DELETE_STAGING=1 deletes them)")


if __name__ == "__main__":
    run_main(main)
