"""AWS::S3::BucketPolicy: a bucket's policy, through moto's S3 backend."""

from __future__ import annotations

import json

from moto.core.common_models import CloudFormationModel
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from scripts.local.resources.common import replace_resource, required_properties


class CfnBucketPolicy(CloudFormationModel):
    """AWS::S3::BucketPolicy. Ref: the bucket name (the reference lists no return values; the bucket is
    the type's primary identifier, which CloudFormation uses as its physical id). A new PolicyDocument
    is put in place; a new Bucket replaces the resource."""

    _REQUIRED = ("Bucket", "PolicyDocument")

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @property
    def physical_resource_id(self) -> str:
        return self.bucket

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        policy = json.dumps(properties["PolicyDocument"]).encode()
        s3_backends[account_id][get_partition(region_name)].put_bucket_policy(properties["Bucket"], policy)
        return cls(properties["Bucket"])

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        if required_properties(cls, cloudformation_json)["Bucket"] != original_resource.bucket:
            return replace_resource(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        s3_backends[account_id][get_partition(region_name)].delete_bucket_policy(self.bucket)


# -- SQS -------------------------------------------------------------------------------------------
