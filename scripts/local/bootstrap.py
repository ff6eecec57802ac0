"""What a real account with SageMaker Studio already has, created in the emulator through the public
API (so it is exactly what a client would see): the Service Catalog launch and use roles, a Studio
domain whose default user settings carry an execution role, and the SageMaker default bucket.
Idempotent: a region already bootstrapped is left alone. A region AWS does not have is refused before
anything is called (:class:`scripts.local.regions.RegionNotServedError`)."""

from __future__ import annotations

import json

import boto3
from botocore.config import Config

from scripts.local import regions

EXECUTION_ROLE = "AmazonSageMaker-ExecutionRole-local"
SERVICE_CATALOG_ROLES = {
    "AmazonSageMakerServiceCatalogProductsLaunchRole": ("servicecatalog.amazonaws.com",),
    "AmazonSageMakerServiceCatalogProductsUseRole": tuple(
        f"{service}.amazonaws.com"
        for service in ("cloudformation", "codebuild", "codepipeline", "events", "lambda", "sagemaker")
    ),
}
DOMAIN_NAME = "local-studio"


def _trust(*services: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
                for service in services
            ],
        }
    )


def bootstrap(endpoint: str, region: str) -> None:
    regions.require(region)
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
    config = Config(retries={"max_attempts": 1})

    def client(service: str):
        return session.client(service, endpoint_url=endpoint, config=config)

    iam, sagemaker, s3 = client("iam"), client("sagemaker"), client("s3")
    account = client("sts").get_caller_identity()["Account"]
    existing = {role["RoleName"] for role in iam.list_roles()["Roles"]}
    for name, services in SERVICE_CATALOG_ROLES.items():
        if name not in existing:
            iam.create_role(RoleName=name, Path="/service-role/", AssumeRolePolicyDocument=_trust(*services))
    if EXECUTION_ROLE not in existing:
        iam.create_role(
            RoleName=EXECUTION_ROLE,
            Path="/service-role/",
            AssumeRolePolicyDocument=_trust("sagemaker.amazonaws.com"),
        )
    execution_role = iam.get_role(RoleName=EXECUTION_ROLE)["Role"]["Arn"]

    if not sagemaker.list_domains()["Domains"]:
        sagemaker.create_domain(
            DomainName=DOMAIN_NAME,
            AuthMode="IAM",
            DefaultUserSettings={"ExecutionRole": execution_role},
            SubnetIds=["subnet-local"],
            VpcId="vpc-local",
        )

    bucket = f"sagemaker-{region}-{account}"
    if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        location = (
            {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=bucket, **location)
