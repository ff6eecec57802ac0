"""The staging bucket: find it, prove this account owns it in this region, create it when missing,
and keep its policy (TLS only, only publishers write: :mod:`scripts.staging_policy`).

The default name has no ``sagemaker`` in it, and neither has the default prefix: AWS's
``AmazonSageMakerFullAccess`` lets any data scientist write any S3 ARN containing ``sagemaker``. A bucket
created by an earlier release under the old default name is still used when it exists (with its old
prefix), so releases already published keep resolving; its policy is brought up to date like any other.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from botocore.exceptions import ClientError

from scripts import staging_policy
from scripts.aws import AwsContext
from scripts.errors import (
    BadStagingPrefixError,
    BucketAccessDeniedError,
    BucketInOtherRegionError,
    BucketNotVersionedError,
)

DEFAULT_PREFIX = "fs-ingestion"
LEGACY_PREFIX = "sagemaker-fs-ingestion"
# Characters that cannot widen the launch role's read permission, which names the prefix in an ARN.
_PREFIX = re.compile(r"^[a-zA-Z0-9!_.'()-]+(/[a-zA-Z0-9!_.'()-]+)*$")


def default_bucket_name(account: str, region: str) -> str:
    return f"fs-ingestion-templates-{account}-{region}"


def legacy_bucket_name(account: str, region: str) -> str:
    """The default name of releases before 2.0.0 (it matches AmazonSageMakerFullAccess's S3 grant)."""
    return f"sagemaker-project-templates-{account}-{region}"


@dataclass(frozen=True)
class Staging:
    bucket: str
    prefix: str
    legacy: bool = False


def staging_location(aws: AwsContext, bucket: str | None = None, prefix: str | None = None) -> Staging:
    """Where to publish: CFN_BUCKET_NAME/S3_PREFIX when set, else the legacy default bucket and prefix
    when an earlier release created it, else the new defaults."""
    bucket = bucket or os.environ.get("CFN_BUCKET_NAME") or None
    prefix = prefix if prefix is not None else os.environ.get("S3_PREFIX") or None
    legacy = False
    if bucket is None:
        legacy_bucket = legacy_bucket_name(aws.account, aws.region)
        legacy = _owned_here(aws, legacy_bucket)
        bucket = legacy_bucket if legacy else default_bucket_name(aws.account, aws.region)
    if prefix is None:
        prefix = LEGACY_PREFIX if legacy else DEFAULT_PREFIX
    return Staging(bucket, checked_prefix(prefix), legacy)


def checked_prefix(prefix: str) -> str:
    """The prefix without surrounding slashes; refused when it is the bucket root or could widen an ARN."""
    stripped = prefix.strip("/")
    if not _PREFIX.match(stripped):
        raise BadStagingPrefixError(prefix)
    return stripped


def _owned_here(aws: AwsContext, bucket: str) -> bool:
    try:
        return bucket_exists(aws, bucket)
    except (BucketAccessDeniedError, BucketInOtherRegionError):
        return False


def bucket_exists(aws: AwsContext, bucket: str) -> bool:
    """True when ``bucket`` is this account's and in this region; False when it does not exist.

    Raises when it exists but cannot be used: another owner, no access, another region.
    """
    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=aws.account)
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            return False
        if status in (301, 400):  # addressed through the wrong region's endpoint
            region = error.response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region")
            raise BucketInOtherRegionError(bucket, region or "another region", aws.region) from error
        if status == 403:
            raise BucketAccessDeniedError(bucket, aws.account) from error
        raise
    if not _owned(aws, bucket):
        raise BucketAccessDeniedError(bucket, aws.account)
    region = bucket_region(s3, bucket)
    if region != aws.region:
        raise BucketInOtherRegionError(bucket, region, aws.region)
    return True


def bucket_region(s3, bucket: str) -> str:
    """The bucket's region (GetBucketLocation answers None for us-east-1 and EU for eu-west-1)."""
    location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)


def _owned(aws: AwsContext, bucket: str) -> bool:
    paginator = aws.client("s3").get_paginator("list_buckets")
    return any(
        entry["Name"] == bucket
        for page in paginator.paginate(Prefix=bucket)
        for entry in page.get("Buckets", [])
    )


def create_bucket(aws: AwsContext, bucket: str) -> None:
    """Create ``bucket`` encrypted, versioned and closed to the public (its policy: :func:`protect`)."""
    s3 = aws.client("s3")
    print(f"Creating staging bucket s3://{bucket} in {aws.region}")
    arguments: dict = {"Bucket": bucket}
    if aws.region != "us-east-1":
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
    try:
        s3.create_bucket(**arguments)
    except ClientError as error:
        if error.response["Error"]["Code"] == "BucketAlreadyExists":
            raise BucketAccessDeniedError(bucket, aws.account) from error
        raise
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def require_versioning(aws: AwsContext, bucket: str) -> None:
    """Templates pin the published code by object version, which needs a versioned bucket."""
    status = aws.client("s3").get_bucket_versioning(Bucket=bucket).get("Status")
    if status != "Enabled":
        raise BucketNotVersionedError(bucket)


def current_policy(aws: AwsContext, bucket: str) -> dict | None:
    try:
        return staging_policy.loads(aws.client("s3").get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchBucketPolicy":
            return None
        raise


def require_publisher(aws: AwsContext, bucket: str, policy: dict | None) -> None:
    """Refuse, before anything is built or uploaded, a caller the bucket's policy does not let publish."""
    publishers = staging_policy.publishers_in(policy)
    if publishers and not staging_policy.is_publisher(aws.caller_arn, publishers):
        raise staging_policy.NotAPublisherError(bucket, aws.caller_arn, publishers)


def protect(aws: AwsContext, bucket: str, policy: dict | None, extra_publishers: list[str]) -> list[str]:
    """Write the bucket policy with the caller (and ``extra_publishers``) added to the publishers, when
    it changes; return the publishers."""
    publishers = sorted(
        {
            *staging_policy.publishers_in(policy),
            *staging_policy.principal_patterns(aws.caller_arn),
            *extra_publishers,
        }
    )
    wanted = staging_policy.desired_policy(policy, aws.partition, bucket, publishers)
    if wanted != policy:
        aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=staging_policy.dumps(wanted))
        print(f"Bucket policy of s3://{bucket}: TLS only; only {', '.join(publishers)} may write")
    return publishers
