"""The staging bucket: find it, prove this account owns it in this region, create it when missing."""

from __future__ import annotations

import json
import os

from botocore.exceptions import ClientError

from scripts.aws import AwsContext
from scripts.errors import BucketAccessDeniedError, BucketInOtherRegionError


def default_bucket_name(account: str, region: str) -> str:
    return f"sagemaker-project-templates-{account}-{region}"


def bucket_name(aws: AwsContext) -> str:
    return os.environ.get("CFN_BUCKET_NAME") or default_bucket_name(aws.account, aws.region)


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
    """Create ``bucket`` encrypted, versioned, TLS-only and closed to the public."""
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
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(_tls_only_policy(aws.partition, bucket)))


def _tls_only_policy(partition: str, bucket: str) -> dict:
    arn = f"arn:{partition}:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
