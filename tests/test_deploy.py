"""What the deploy entry point resolves before it touches the stack: roles, manifest, outputs."""

from __future__ import annotations

import json

import boto3
import pytest

from scripts.deploy import (
    connection_arns,
    data_buckets,
    delivery_channels,
    format_outputs,
    load_manifest,
    portfolio_parameters,
    write_outputs,
)
from scripts.deployer import DeployResult
from scripts.errors import (
    AmbiguousExecutionRoleError,
    BadConnectionsError,
    BadDataBucketsError,
    BadDeliveryError,
    KitError,
    ManifestNotFoundError,
    NoStudioDomainError,
    RoleNotFoundError,
)
from scripts.execution_role import RoleRef, require_role, studio_execution_role
from tests.conftest import ACCOUNT, REGION

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
LAUNCH = RoleRef.parse("service-role/AmazonSageMakerServiceCatalogProductsLaunchRole")


def create_role(ref: RoleRef) -> str:
    iam = boto3.client("iam", region_name=REGION)
    return iam.create_role(RoleName=ref.name, Path=ref.path, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def create_domain(name: str, role_arn: str) -> None:
    boto3.client("sagemaker", region_name=REGION).create_domain(
        DomainName=name,
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": role_arn},
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
        # A tag of the domain's own (which make deploy keeps); moto also fails ListTags on a domain made
        # without tags (the emulator fixes that: scripts/local/sagemaker/models.py).
        Tags=[{"Key": "team", "Value": "ml-platform"}],
    )


@pytest.mark.parametrize(
    ("text", "path", "name"),
    [
        ("AmazonSageMaker-ExecutionRole", "/", "AmazonSageMaker-ExecutionRole"),
        ("service-role/LaunchRole", "/service-role/", "LaunchRole"),
        ("/service-role/LaunchRole", "/service-role/", "LaunchRole"),
        ("arn:aws:iam::123456789012:role/service-role/Exec-2024", "/service-role/", "Exec-2024"),
        ("arn:aws-cn:iam::123456789012:role/a/b/Deep", "/a/b/", "Deep"),
    ],
    ids=["name", "path-and-name", "leading-slash", "arn-with-path", "china-arn-nested-path"],
)
def test_role_references_parse(text, path, name):
    ref = RoleRef.parse(text)
    assert (ref.path, ref.name) == (path, name)
    assert str(ref) == f"{path.lstrip('/')}{name}"


def test_the_execution_role_comes_from_the_studio_domain(aws):
    role_arn = create_role(RoleRef.parse("service-role/AmazonSageMaker-ExecutionRole-1"))
    create_domain("studio", role_arn)
    assert studio_execution_role(aws.client("sagemaker"), REGION) == role_arn


def test_no_studio_domain(aws):
    with pytest.raises(NoStudioDomainError) as raised:
        studio_execution_role(aws.client("sagemaker"), REGION)
    assert str(raised.value) == (
        "no SageMaker Studio domain in us-east-1 to take the execution role from: create a domain "
        "or pass EXECUTION_ROLE_ARN=arn:...:role/<your SageMaker execution role>"
    )


def test_domains_with_different_roles_are_ambiguous(aws):
    create_domain("one", create_role(RoleRef.parse("RoleOne")))
    create_domain("two", create_role(RoleRef.parse("RoleTwo")))
    with pytest.raises(
        AmbiguousExecutionRoleError, match=r"use 2 different execution roles .*RoleOne.*RoleTwo"
    ):
        studio_execution_role(aws.client("sagemaker"), REGION)


def test_a_missing_role_is_named_with_the_fix(aws):
    with pytest.raises(RoleNotFoundError) as raised:
        require_role(aws.client("iam"), LAUNCH, "turn on SageMaker projects")
    assert str(raised.value) == (
        "IAM role service-role/AmazonSageMakerServiceCatalogProductsLaunchRole does not exist: "
        "turn on SageMaker projects"
    )


def test_a_role_under_another_path_is_not_taken_for_the_right_one(aws):
    create_role(RoleRef.parse("AmazonSageMakerServiceCatalogProductsLaunchRole"))
    with pytest.raises(RoleNotFoundError, match="exists with path /; fix"):
        require_role(aws.client("iam"), LAUNCH, "fix")


def test_portfolio_parameters_from_the_domain_and_the_launch_role(aws):
    execution_arn = create_role(RoleRef.parse("service-role/AmazonSageMaker-ExecutionRole-1"))
    create_domain("studio", execution_arn)
    create_role(LAUNCH)
    assert portfolio_parameters(aws, None, LAUNCH, ["bucket-a", "bucket-b"]) == {
        "SageMakerExecutionRoleArn": execution_arn,
        "SageMakerExecutionRoleName": "AmazonSageMaker-ExecutionRole-1",
        "LaunchRoleName": "AmazonSageMakerServiceCatalogProductsLaunchRole",
        "LaunchRolePath": "/service-role/",
        "DataBucketNames": "bucket-a,bucket-b",
        "ConnectionArns": "",
        "Delivery": "servicecatalog",
    }


def test_portfolio_parameters_fail_when_projects_are_not_enabled(aws):
    execution_arn = create_role(RoleRef.parse("Exec"))
    with pytest.raises(RoleNotFoundError) as raised:
        portfolio_parameters(aws, execution_arn, LAUNCH, ["bucket-a"])
    assert str(raised.value).startswith(f"IAM role {LAUNCH} does not exist: turn on SageMaker projects")


def test_data_buckets_default_to_the_sagemaker_default_bucket(aws):
    assert data_buckets(aws, "") == [f"sagemaker-{REGION}-{ACCOUNT}"]
    assert data_buckets(aws, " one-bucket , two.bucket ") == ["one-bucket", "two.bucket"]


@pytest.mark.parametrize(
    "value",
    ["sagemaker-*", "bucket?", "Upper-Case", "s3://bucket", "a", "bucket/prefix", "two..dots"],
    ids=["star", "question-mark", "upper-case", "url", "too-short", "slash", "double-dot"],
)
def test_data_buckets_refuse_what_is_not_a_bucket_name(aws, value):
    with pytest.raises(BadDataBucketsError) as raised:
        data_buckets(aws, f"good-bucket,{value}")
    assert str(raised.value) == (
        f"DATA_BUCKETS entry {value!r} is not an S3 bucket name (no wildcards): give bucket names, "
        "comma-separated, e.g. DATA_BUCKETS=sagemaker-us-east-1-123456789012,my-data"
    )


CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"
OLD_CONNECTION = "arn:aws:codestar-connections:us-east-1:123456789012:connection/0a1b2c3d"


def test_connections_are_connection_arns_and_none_by_default():
    assert connection_arns("") == []
    assert connection_arns(f" {CONNECTION} ,{OLD_CONNECTION}") == [CONNECTION, OLD_CONNECTION]


@pytest.mark.parametrize(
    "value",
    [CONNECTION.replace("0a1b", "*"), "arn:aws:codecommit:us-east-1:123456789012:repo", "my-connection"],
    ids=["wildcard", "other-service", "name"],
)
def test_connections_refuse_what_is_not_a_connection_arn(value):
    with pytest.raises(BadConnectionsError) as raised:
        connection_arns(f"{CONNECTION},{value}")
    assert str(raised.value).startswith(
        f"CONNECTIONS entry {value!r} is not a CodeConnections connection ARN: "
    )


def test_deliveries_and_the_default():
    assert delivery_channels(None) == {"servicecatalog"}
    assert delivery_channels("S3") == {"s3"}
    assert delivery_channels("both") == {"servicecatalog", "s3"}
    with pytest.raises(BadDeliveryError) as raised:
        delivery_channels("catalog")
    assert str(raised.value) == (
        "DELIVERY='catalog' is not a delivery: choose both, s3, servicecatalog (make help says what each is)"
    )


def test_the_s3_delivery_needs_no_service_catalog_launch_role(aws):
    execution_arn = create_role(RoleRef.parse("service-role/AmazonSageMaker-ExecutionRole-1"))
    parameters = portfolio_parameters(aws, execution_arn, LAUNCH, ["bucket-a"], "s3", [CONNECTION])
    assert (parameters["Delivery"], parameters["ConnectionArns"]) == ("s3", CONNECTION)
    with pytest.raises(RoleNotFoundError):
        portfolio_parameters(aws, execution_arn, LAUNCH, ["bucket-a"], "both")


def test_the_manifest_must_exist_and_match_the_region(tmp_path):
    with pytest.raises(ManifestNotFoundError, match="run `make package` first"):
        load_manifest(tmp_path, REGION)
    (tmp_path / "manifest.json").write_text(json.dumps({"region": "eu-west-1"}))
    with pytest.raises(KitError, match="was packaged for eu-west-1, not us-east-1: run `make package`"):
        load_manifest(tmp_path, REGION)


def test_outputs_are_printed_as_a_table_and_saved_for_the_notebooks(tmp_path):
    result = DeployResult("stack", True, {"ProductId": "prod-abc", "PortfolioId": "port-xyz"})
    assert format_outputs(result.outputs) == "  PortfolioId  port-xyz\n  ProductId    prod-abc"
    write_outputs(result, REGION, tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text()) == {
        "stack": "stack",
        "region": REGION,
        "outputs": {"ProductId": "prod-abc", "PortfolioId": "port-xyz"},
    }
