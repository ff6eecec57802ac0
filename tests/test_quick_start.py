"""`make package && make deploy`, in-process against moto: the whole command path of the quick start.

moto builds the IAM managed policies but silently skips the five Service Catalog types (see
shared/notes/moto-5.2.5.md), so the portfolio's own resources and outputs are asserted by the local
emulator's tests (issue 3); here the wiring is: manifest -> roles -> change set -> outputs file.
"""

from __future__ import annotations

import json
import sys

import boto3
import pytest

from scripts import deploy
from scripts.package import package
from tests.conftest import ACCOUNT, REGION
from tests.test_deploy import LAUNCH, create_domain, create_role

# moto says it skips the Service Catalog types with a UserWarning; that skip is the known gap above.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS..ServiceCatalog:UserWarning")


@pytest.fixture
def studio_account(aws):
    execution_arn = create_role(deploy.RoleRef.parse("service-role/AmazonSageMaker-ExecutionRole-1"))
    create_domain("studio", execution_arn)
    create_role(LAUNCH)
    return execution_arn


def run_deploy(monkeypatch, build_root) -> None:
    monkeypatch.setattr(sys, "argv", ["deploy", "--build-dir", str(build_root)])
    deploy.main()


def test_package_then_deploy_then_deploy_again(aws, layout, studio_account, tmp_path, monkeypatch, capsys):
    build_root = tmp_path / "build"
    package(aws, bucket="quick-start-staging", layout=layout, build_root=build_root)

    run_deploy(monkeypatch, build_root)
    output = capsys.readouterr().out
    assert f"Portfolio granted to {studio_account}" in output
    for logical_id, resource_type in [
        ("Portfolio", "AWS::ServiceCatalog::Portfolio"),
        ("Product", "AWS::ServiceCatalog::CloudFormationProduct"),
        ("LaunchRoleConstraint", "AWS::ServiceCatalog::LaunchRoleConstraint"),
        ("LaunchRolePolicy", "AWS::IAM::ManagedPolicy"),
    ]:
        assert any(
            "+ Add" in line and logical_id in line and resource_type in line for line in output.splitlines()
        )
    assert "Stack sagemaker-fs-ingestion-portfolio: CREATE_COMPLETE" in output

    cfn = boto3.client("cloudformation", region_name=REGION)
    [stack] = cfn.describe_stacks(StackName="sagemaker-fs-ingestion-portfolio")["Stacks"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["SageMakerExecutionRoleArn"] == studio_account
    assert parameters["LaunchRolePath"] == "/service-role/"
    # In-process moto shows a list parameter as a Python list's repr (the emulator answers as AWS does).
    assert f"sagemaker-{REGION}-{ACCOUNT}" in parameters["DataBucketNames"]
    assert {"Key": "sagemaker-fs-ingestion:version", "Value": layout.read_version()} in stack["Tags"]
    saved = json.loads((build_root / REGION / "portfolio-outputs.json").read_text())
    assert saved["stack"] == "sagemaker-fs-ingestion-portfolio" and saved["region"] == REGION

    run_deploy(monkeypatch, build_root)
    assert (
        "No changes to deploy: stack sagemaker-fs-ingestion-portfolio is up to date"
        in capsys.readouterr().out
    )


def test_deploy_before_package_says_what_to_run(aws, studio_account, tmp_path, monkeypatch):
    with pytest.raises(deploy.ManifestNotFoundError, match="run `make package` first"):
        run_deploy(monkeypatch, tmp_path / "build")


def test_deploy_after_the_package_vanished_says_to_package_again(
    aws, layout, studio_account, tmp_path, monkeypatch
):
    build_root = tmp_path / "build"
    package(aws, bucket="quick-start-staging", layout=layout, build_root=build_root)
    manifest = json.loads((build_root / REGION / "manifest.json").read_text())
    [portfolio] = [o for o in manifest["objects"] if o["role"] == "portfolio-template"]
    s3 = boto3.client("s3", region_name=REGION)
    for version in s3.list_object_versions(Bucket="quick-start-staging", Prefix=portfolio["key"])["Versions"]:
        s3.delete_object(Bucket="quick-start-staging", Key=portfolio["key"], VersionId=version["VersionId"])

    with pytest.raises(deploy.PackageNotPublishedError) as raised:
        run_deploy(monkeypatch, build_root)
    assert str(raised.value) == (
        f"the package recorded in {build_root / REGION / 'manifest.json'} is not at "
        f"s3://quick-start-staging/{portfolio['key']} (the object or its bucket is gone; with the local "
        "emulator, its state goes when it stops): run `make package`"
    )
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    assert cloudformation.list_stacks()["StackSummaries"] == []


@pytest.mark.parametrize("role", ["portfolio-template", "product-template"])
def test_deploy_refuses_a_template_written_since_package(
    aws, layout, studio_account, tmp_path, monkeypatch, role
):
    build_root = tmp_path / "build"
    package(aws, bucket="quick-start-staging", layout=layout, build_root=build_root)
    manifest = json.loads((build_root / REGION / "manifest.json").read_text())
    [template] = [o for o in manifest["objects"] if o["role"] == role]
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket="quick-start-staging", Key=template["key"], Body=b"Resources: {}\n")

    with pytest.raises(deploy.PublishedTemplateChangedError) as raised:
        run_deploy(monkeypatch, build_root)
    assert str(raised.value) == (
        f"s3://quick-start-staging/{template['key']} is not the template `make package` published (its "
        "SHA-256 differs): someone wrote to the staging bucket since; run `make package` again and check "
        "who may write it"
    )
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    assert cloudformation.list_stacks()["StackSummaries"] == []
