"""S3's own EventBridge delivery on the buckets projects may monitor (``DATA_BUCKETS``).

A project's rule receives S3's "Object Created" events, which S3 sends to EventBridge only for buckets
with EventBridge delivery on (the bucket's notification configuration). ``make deploy`` turns it on for
every allowed bucket where it is off, with a read-modify-write that keeps every other notification of
the bucket (topics, queues, functions someone else set up), and says what it changed. Nothing turns it
off again: other consumers may rely on it (``make destroy`` leaves it alone).
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from scripts.aws import AwsContext
from scripts.errors import DataBucketError
from scripts.staging_bucket import bucket_region

_OTHER_DESTINATIONS = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations")


def default_bucket(aws: AwsContext) -> str:
    """The SageMaker default bucket, which the SageMaker SDK creates on first use."""
    return f"sagemaker-{aws.region}-{aws.account}"


def deliver_to_eventbridge(aws: AwsContext, buckets: list[str]) -> list[str]:
    """Turn EventBridge delivery on where it is off; one line per bucket saying what was done."""
    return [_deliver(aws, bucket) for bucket in buckets]


def _deliver(aws: AwsContext, bucket: str) -> str:
    s3 = aws.client("s3")
    if not _exists(aws, bucket):
        if bucket != default_bucket(aws):
            raise DataBucketError(
                bucket, "does not exist in this account: create it, or leave it out of DATA_BUCKETS"
            )
        _create(aws, bucket)
        created = " (created: the SageMaker default bucket did not exist yet)"
    else:
        created = ""
    region = bucket_region(s3, bucket)
    if region != aws.region:
        raise DataBucketError(
            bucket,
            f"is in {region}: its events reach EventBridge in {region}, not {aws.region}; "
            f"use a bucket in {aws.region}",
        )
    try:
        configuration = s3.get_bucket_notification_configuration(Bucket=bucket)
        configuration.pop("ResponseMetadata", None)
        if "EventBridgeConfiguration" in configuration:
            return f"  s3://{bucket}: S3 events already go to EventBridge{created}"
        kept = sum(len(configuration.get(name, [])) for name in _OTHER_DESTINATIONS)
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={**configuration, "EventBridgeConfiguration": {}}
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "AccessDenied":
            raise DataBucketError(
                bucket,
                "denies reading or writing its notification configuration: deploy with credentials allowed "
                "s3:GetBucketNotification and s3:PutBucketNotification on it",
            ) from error
        raise
    return f"  s3://{bucket}: S3 events now go to EventBridge (kept {kept} other notification(s)){created}"


def _exists(aws: AwsContext, bucket: str) -> bool:
    try:
        aws.client("s3").head_bucket(Bucket=bucket, ExpectedBucketOwner=aws.account)
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            return False
        if status == 403:
            raise DataBucketError(
                bucket, "belongs to another account or denies this one: use a bucket of this account"
            ) from error
        raise
    return True


def _create(aws: AwsContext, bucket: str) -> None:
    arguments: dict = {"Bucket": bucket}
    if aws.region != "us-east-1":
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
    aws.client("s3").create_bucket(**arguments)
