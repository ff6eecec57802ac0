"""The quick start against the emulator process: the real packager publishes the real templates, the
real deployer creates the portfolio stack, and real clients (boto3, the AWS CLI) inspect the result."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from scripts import project_stack
from scripts.assemble import SourceLayout
from scripts.project_stack import copy_kit, emulator_environment, package_and_deploy

STACK = "sagemaker-fs-ingestion-portfolio"
LAUNCH_ROLE = "AmazonSageMakerServiceCatalogProductsLaunchRole"
USE_ROLE = "AmazonSageMakerServiceCatalogProductsUseRole"
EXECUTION_ROLE = "AmazonSageMaker-ExecutionRole-local"


@contextlib.contextmanager
def pointed_at(emulator, tmp: Path):
    """The environment pointed at the emulator, and a MonkeyPatch for what a test sets on top of it."""
    with project_stack.pointed_at(emulator.endpoint, tmp), pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("quick-start")


@pytest.fixture(scope="module")
def kit(workspace) -> SourceLayout:
    return copy_kit(workspace / "kit")


@pytest.fixture(scope="module")
def first_deploy(emulator, kit, workspace) -> str:
    return package_and_deploy(emulator.endpoint, kit, workspace)


@pytest.fixture(scope="module")
def outputs(emulator, first_deploy) -> dict[str, str]:
    [stack] = emulator.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def test_deploy_prints_the_portfolio_and_product_outputs(first_deploy, outputs, kit):
    assert f"Stack {STACK}: CREATE_COMPLETE" in first_deploy
    for key in ("PortfolioId", "ProductId", "ProductName", "ProvisioningArtifactIds", "LaunchRolePolicyArn"):
        assert re.search(rf"^\s+{key}\s+{re.escape(outputs[key])}$", first_deploy, re.MULTILINE), key
    assert outputs["ProductName"] == "S3 to Feature Store ingestion pipeline"
    assert outputs["ProvisioningArtifactNames"] == kit.read_version()


def test_every_resource_has_its_own_events(emulator, first_deploy):
    events = emulator.client("cloudformation").describe_stack_events(StackName=STACK)["StackEvents"]
    completed = {
        e["LogicalResourceId"]: e["ResourceType"] for e in events if e["ResourceStatus"] == "CREATE_COMPLETE"
    }
    assert completed == {
        STACK: "AWS::CloudFormation::Stack",
        "Portfolio": "AWS::ServiceCatalog::Portfolio",
        "Product": "AWS::ServiceCatalog::CloudFormationProduct",
        "PortfolioProductAssociation": "AWS::ServiceCatalog::PortfolioProductAssociation",
        "PortfolioPrincipalAssociation": "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
        "LaunchRoleConstraint": "AWS::ServiceCatalog::LaunchRoleConstraint",
        "DataBucketsConstraint": "AWS::ServiceCatalog::LaunchTemplateConstraint",
        "ProjectRolesBoundary": "AWS::IAM::ManagedPolicy",
        "LaunchRoleIamPolicy": "AWS::IAM::ManagedPolicy",
        "LaunchRolePolicy": "AWS::IAM::ManagedPolicy",
        "ExecutionRolePolicy": "AWS::IAM::ManagedPolicy",
        "ExecutionRoleCatalogPolicy": "AWS::IAM::ManagedPolicy",
    }
    resources = emulator.client("cloudformation").list_stack_resources(StackName=STACK)[
        "StackResourceSummaries"
    ]
    assert len(resources) == 11


def test_portfolio_and_product(emulator, outputs):
    catalog = emulator.client("servicecatalog")
    portfolio = catalog.describe_portfolio(Id=outputs["PortfolioId"])["PortfolioDetail"]
    assert portfolio["DisplayName"] == "SageMaker feature store ingestion"
    product = catalog.describe_product_as_admin(Id=outputs["ProductId"])
    assert product["ProductViewDetail"]["ProductViewSummary"]["Name"] == outputs["ProductName"]
    assert [a["Id"] for a in product["ProvisioningArtifactSummaries"]] == [outputs["ProvisioningArtifactIds"]]
    found = catalog.search_products_as_admin(Filters={"FullTextSearch": ["Feature Store"]})[
        "ProductViewDetails"
    ]
    assert [d["ProductViewSummary"]["ProductId"] for d in found] == [outputs["ProductId"]]


def test_the_artifact_template_url_resolves_to_the_published_template(emulator, outputs, workspace):
    catalog = emulator.client("servicecatalog")
    artifact = catalog.describe_provisioning_artifact(
        ProductId=outputs["ProductId"], ProvisioningArtifactId=outputs["ProvisioningArtifactIds"]
    )
    url = artifact["Info"]["TemplateUrl"]
    match = re.fullmatch(r"https://([^.]+)\.s3\.us-east-1\.amazonaws\.com/(.+)", url)
    assert match, url
    body = emulator.client("s3").get_object(Bucket=match[1], Key=match[2])["Body"].read()
    published = workspace / "build" / "us-east-1" / "templates" / "project-s3-fs-ingestion.yaml"
    assert body == published.read_bytes()
    details = catalog.list_provisioning_artifacts(ProductId=outputs["ProductId"])[
        "ProvisioningArtifactDetails"
    ]
    assert [(d["Name"], d["Type"], d["Active"]) for d in details] == [
        (outputs["ProvisioningArtifactNames"], "CLOUD_FORMATION_TEMPLATE", True)
    ]


def test_both_associations_and_the_launch_constraint(emulator, outputs):
    catalog = emulator.client("servicecatalog")
    portfolios = catalog.list_portfolios_for_product(ProductId=outputs["ProductId"])["PortfolioDetails"]
    assert [p["Id"] for p in portfolios] == [outputs["PortfolioId"]]
    principals = catalog.list_principals_for_portfolio(PortfolioId=outputs["PortfolioId"])["Principals"]
    assert principals == [
        {
            "PrincipalARN": f"arn:aws:iam::{emulator.account}:role/service-role/{EXECUTION_ROLE}",
            "PrincipalType": "IAM",
        }
    ]
    constraints = catalog.list_constraints_for_portfolio(PortfolioId=outputs["PortfolioId"])[
        "ConstraintDetails"
    ]
    by_type = {c["Type"]: c for c in constraints}
    assert sorted(by_type) == ["LAUNCH", "TEMPLATE"]
    assert {c["ProductId"] for c in constraints} == {outputs["ProductId"]}
    parameters = json.loads(
        catalog.describe_constraint(Id=by_type["LAUNCH"]["ConstraintId"])["ConstraintParameters"]
    )
    assert parameters == {"RoleArn": f"arn:aws:iam::{emulator.account}:role/service-role/{LAUNCH_ROLE}"}
    rules = json.loads(
        catalog.describe_constraint(Id=by_type["TEMPLATE"]["ConstraintId"])["ConstraintParameters"]
    )["Rules"]
    bucket = f"sagemaker-us-east-1-{emulator.account}"  # DATA_BUCKETS' default
    assert rules["AllowedDataBucket"]["Assertions"][0]["Assert"] == {
        "Fn::Contains": [[bucket], {"Ref": "DataBucketName"}]
    }
    assert outputs["AllowedDataBuckets"] == bucket
    [path] = catalog.list_launch_paths(ProductId=outputs["ProductId"])["LaunchPathSummaries"]
    assert sorted(c["Type"] for c in path["ConstraintSummaries"]) == ["LAUNCH", "TEMPLATE"]
    [visible] = catalog.search_products()["ProductViewSummaries"]
    assert visible["ProductId"] == outputs["ProductId"]


@pytest.mark.parametrize(
    ("role", "policies"),
    [
        (LAUNCH_ROLE, ["LaunchRoleIamPolicyArn", "LaunchRolePolicyArn"]),
        (USE_ROLE, []),
        (EXECUTION_ROLE, ["ExecutionRolePolicyArn", "ExecutionRoleCatalogPolicyArn"]),
    ],
    ids=["launch-role", "use-role-gets-nothing", "execution-role"],
)
def test_cloudformation_attached_each_policy_to_its_role(emulator, outputs, role, policies):
    attached = emulator.client("iam").list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert sorted(p["PolicyArn"] for p in attached) == sorted(outputs[output] for output in policies)


def test_the_boundary_is_the_policy_project_roles_are_created_with(emulator, outputs):
    boundary = emulator.client("iam").get_policy(PolicyArn=outputs["ProjectRolesBoundaryArn"])["Policy"]
    assert (
        boundary["Arn"]
        == f"arn:aws:iam::{emulator.account}:policy/sagemaker-fsi/project-roles-boundary-us-east-1"
    )
    assert (boundary["Path"], boundary["AttachmentCount"]) == ("/sagemaker-fsi/", 0)


def test_a_list_parameter_reads_back_as_aws_returns_it(emulator, first_deploy):
    [stack] = emulator.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["DataBucketNames"] == f"sagemaker-us-east-1-{emulator.account}"


@pytest.mark.parametrize(
    ("call", "arguments", "code"),
    [
        ("describe_product", {"Id": "prod-missing"}, "ResourceNotFoundException"),
        ("describe_product_as_admin", {"Id": "prod-missing"}, "ResourceNotFoundException"),
        ("list_launch_paths", {"ProductId": "prod-missing"}, "ResourceNotFoundException"),
        ("list_principals_for_portfolio", {"PortfolioId": "port-missing"}, "ResourceNotFoundException"),
        ("list_constraints_for_portfolio", {"PortfolioId": "port-missing"}, "ResourceNotFoundException"),
        ("describe_constraint", {"Id": "cons-missing"}, "ResourceNotFoundException"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_service_catalog_errors_are_aws_errors(emulator, first_deploy, call, arguments, code):
    with pytest.raises(ClientError) as raised:
        getattr(emulator.client("servicecatalog"), call)(**arguments)
    assert raised.value.response["Error"]["Code"] == code


def test_artifact_of_an_unknown_product_is_not_found(emulator, outputs):
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        emulator.client("servicecatalog").describe_provisioning_artifact(
            ProductId=outputs["ProductId"], ProvisioningArtifactId="pa-missing"
        )


def aws_cli(emulator, workspace, *arguments: str) -> dict:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "aws"), *arguments, "--output", "json"],
        env={"PATH": os.environ["PATH"], **emulator_environment(emulator.endpoint, workspace)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout) if completed.stdout.strip() else {}


def test_the_aws_cli_sees_the_stack_product_bucket_and_policies(emulator, outputs, workspace):
    [stack] = aws_cli(emulator, workspace, "cloudformation", "describe-stacks", "--stack-name", STACK)[
        "Stacks"
    ]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    products = aws_cli(emulator, workspace, "servicecatalog", "search-products-as-admin")[
        "ProductViewDetails"
    ]
    assert [p["ProductViewSummary"]["Name"] for p in products] == [outputs["ProductName"]]
    attached = aws_cli(emulator, workspace, "iam", "list-attached-role-policies", "--role-name", LAUNCH_ROLE)
    assert sorted(p["PolicyArn"] for p in attached["AttachedPolicies"]) == sorted(
        [outputs["LaunchRolePolicyArn"], outputs["LaunchRoleIamPolicyArn"]]
    )
    listing = subprocess.run(
        [str(Path(sys.executable).parent / "aws"), "s3", "ls"],
        env={"PATH": os.environ["PATH"], **emulator_environment(emulator.endpoint, workspace)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"fs-ingestion-templates-{emulator.account}-us-east-1" in listing.stdout
    assert f"sagemaker-us-east-1-{emulator.account}" in listing.stdout


def test_deploy_turns_on_s3_events_for_the_allowed_bucket_and_keeps_its_notifications(emulator, first_deploy):
    bucket = f"sagemaker-us-east-1-{emulator.account}"
    assert f"  s3://{bucket}: S3 events now go to EventBridge (kept 0 other notification(s))" in first_deploy
    configuration = emulator.client("s3").get_bucket_notification_configuration(Bucket=bucket)
    assert configuration["EventBridgeConfiguration"] == {}


def test_deploying_again_changes_nothing(emulator, kit, workspace, outputs):
    printed = package_and_deploy(emulator.endpoint, kit, workspace)
    assert f"No changes to deploy: stack {STACK} is up to date" in printed
    assert f"  s3://sagemaker-us-east-1-{emulator.account}: S3 events already go to EventBridge" in printed


def test_a_new_release_adds_an_artifact_and_keeps_the_old_one(emulator, kit, workspace, outputs):
    first = kit.read_version()
    major, minor, _ = first.split(".")
    second = f"{major}.{int(minor) + 1}.0"
    (kit.root / "VERSION").write_text(f"{second}\n")
    printed = package_and_deploy(emulator.endpoint, kit, workspace)
    assert f"Stack {STACK}: UPDATE_COMPLETE" in printed
    details = emulator.client("servicecatalog").list_provisioning_artifacts(ProductId=outputs["ProductId"])
    artifacts = [(d["Id"], d["Name"]) for d in details["ProvisioningArtifactDetails"]]
    assert artifacts[0] == (outputs["ProvisioningArtifactIds"], first)
    assert [name for _, name in artifacts] == [first, second]
    events = emulator.client("cloudformation").describe_stack_events(StackName=STACK)["StackEvents"]
    updated = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "UPDATE_COMPLETE"}
    assert updated == {STACK, "Product"}


def test_destroy_removes_the_portfolio_and_its_policies_and_leaves_s3_events_on(
    emulator, kit, workspace, outputs
):
    from scripts import destroy

    printed = io.StringIO()
    with pointed_at(emulator, workspace) as patch, contextlib.redirect_stdout(printed):
        patch.setattr(sys, "argv", ["destroy", "--build-dir", str(workspace / "build")])
        destroy.main()
    cloudformation = emulator.client("cloudformation")
    with pytest.raises(ClientError, match="does not exist"):
        cloudformation.describe_stacks(StackName=STACK)
    iam = emulator.client("iam")
    for role in (LAUNCH_ROLE, USE_ROLE, EXECUTION_ROLE):
        assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    catalog = emulator.client("servicecatalog")
    assert catalog.list_portfolios()["PortfolioDetails"] == []
    assert catalog.search_products_as_admin()["ProductViewDetails"] == []
    # other consumers may rely on the data bucket's S3 events: destroy never turns them off
    data_bucket = f"sagemaker-us-east-1-{emulator.account}"
    configuration = emulator.client("s3").get_bucket_notification_configuration(Bucket=data_bucket)
    assert configuration["EventBridgeConfiguration"] == {}
