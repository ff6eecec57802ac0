"""A project created from the real portfolio and product, as a data scientist creates one: the portfolio
published and deployed as `make package && make deploy` do it, then CreateProject through Service Catalog.
The project's builds are not awaited (the pipeline and build runners are tested on their own)."""

from __future__ import annotations

import time

import pytest
import yaml
from botocore.exceptions import ClientError

from scripts.project_stack import DEFAULT_BUCKET, copy_kit, package_and_deploy, project_parameters
from tests.conftest import PROJECT_ROOT
from tests.local.conftest import project_settled

PRODUCT_TEMPLATE = PROJECT_ROOT / "cfn-templates" / "project-s3-fs-ingestion.yaml"


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags, read as plain values (only Parameters are needed)."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.fixture(scope="module")
def portfolio(emulator, tmp_path_factory) -> dict[str, str]:
    workspace = tmp_path_factory.mktemp("portfolio")
    package_and_deploy(emulator.endpoint, copy_kit(workspace / "kit"), workspace, DATA_BUCKETS=DEFAULT_BUCKET)
    cloudformation = emulator.client("cloudformation")
    for stack in cloudformation.describe_stacks()["Stacks"]:
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if "PortfolioId" in outputs:
            return outputs
    raise AssertionError("the portfolio stack has no PortfolioId output")


def details(portfolio: dict[str, str], project_id_suffix: str, **overrides: str) -> dict:
    parameters = project_parameters(f"p-{project_id_suffix}", **overrides)
    return {
        "ProductId": portfolio["ProductId"],
        "ProvisioningArtifactId": portfolio["ProvisioningArtifactIds"].split(",")[-1],
        "PathId": f"lpv3-{portfolio['PortfolioId']}",
        "ProvisioningParameters": [
            {"Key": k, "Value": v} for k, v in parameters.items() if not k.startswith("SageMakerProject")
        ],
    }


def test_create_project_from_the_real_product(emulator, portfolio):
    sagemaker, cloudformation = emulator.client("sagemaker"), emulator.client("cloudformation")
    created = sagemaker.create_project(
        ProjectName="fs-ingest",
        ServiceCatalogProvisioningDetails=details(portfolio, "real"),
        Tags=[{"Key": "cost-center", "Value": "ml"}],
    )
    described = project_settled(sagemaker, "fs-ingest")
    details_ = described.get("ServiceCatalogProvisionedProductDetails", {})
    assert described["ProjectStatus"] == "CreateCompleted", details_.get("ProvisionedProductStatusMessage")
    pp_id = details_["ProvisionedProductId"]
    [stack] = cloudformation.describe_stacks(StackName=f"SC-{emulator.account}-{pp_id}")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["SageMakerProjectName"] == "fs-ingest"
    assert parameters["SageMakerProjectId"] == created["ProjectId"]
    assert parameters["DataBucketName"] == DEFAULT_BUCKET
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    assert tags["sagemaker:project-name"] == "fs-ingest"
    assert tags["sagemaker:project-id"] == created["ProjectId"]
    assert tags["cost-center"] == "ml"
    assert tags["aws:servicecatalog:productArn"].endswith(f":product/{portfolio['ProductId']}")
    # CloudFormation passes the stack's tags on to what it creates
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    bucket_tags = emulator.client("s3").get_bucket_tagging(Bucket=outputs["ArtifactsBucketName"])["TagSet"]
    assert {"Key": "sagemaker:project-id", "Value": created["ProjectId"]} in bucket_tags
    assert {
        "Key": "aws:servicecatalog:provisionedProductArn",
        "Value": tags["aws:servicecatalog:provisionedProductArn"],
    } in bucket_tags
    assert stack["RoleARN"].endswith(":role/service-role/AmazonSageMakerServiceCatalogProductsLaunchRole")
    assert "PipelineName" in outputs


def test_a_parameter_breaking_its_pattern_fails_the_project_and_leaves_no_stack(emulator, portfolio):
    sagemaker, cloudformation = emulator.client("sagemaker"), emulator.client("cloudformation")
    declared = yaml.load(PRODUCT_TEMPLATE.read_text(), Loader=_Loader)["Parameters"]["PipelineNamePrefix"]
    before = {s["StackName"] for s in cloudformation.describe_stacks()["Stacks"]}
    sagemaker.create_project(
        ProjectName="bad-prefix",
        ServiceCatalogProvisioningDetails=details(portfolio, "bad", PipelineNamePrefix="Not_Lower"),
    )
    described = project_settled(sagemaker, "bad-prefix")
    assert described["ProjectStatus"] == "CreateFailed"
    message = described["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"]
    expected = (
        f"Parameter PipelineNamePrefix failed to satisfy constraint: {declared['ConstraintDescription']}"
    )
    assert message == expected
    assert {s["StackName"] for s in cloudformation.describe_stacks()["Stacks"]} == before


def test_the_template_constraint_refuses_a_bucket_outside_the_allow_list(emulator, portfolio):
    sagemaker = emulator.client("sagemaker")
    with pytest.raises(ClientError) as raised:
        sagemaker.create_project(
            ProjectName="other-bucket",
            ServiceCatalogProvisioningDetails=details(
                portfolio, "other", DataBucketName="someone-elses-bucket"
            ),
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "DataBucketName must be one of the buckets this portfolio allows" in str(raised.value)


def test_the_template_constraint_refuses_a_connection_the_portfolio_does_not_allow(emulator, portfolio):
    """The portfolio was deployed without CONNECTIONS: no CodeConnections source may be launched."""
    connection = (
        "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"
    )
    source = {
        "SourceRepository": "CodeConnections",
        "ConnectionArn": connection,
        "FullRepositoryId": "org/app",
    }
    with pytest.raises(ClientError) as raised:
        emulator.client("sagemaker").create_project(
            ProjectName="from-github",
            ServiceCatalogProvisioningDetails=details(portfolio, "github", **source),
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert (
        "ConnectionArn must be one of the connections this portfolio allows (make deploy CONNECTIONS=...)"
        in str(raised.value)
    )


def test_delete_project_terminates_the_real_stack(emulator, portfolio):
    sagemaker, cloudformation = emulator.client("sagemaker"), emulator.client("cloudformation")
    sagemaker.create_project(
        ProjectName="short-lived", ServiceCatalogProvisioningDetails=details(portfolio, "gone")
    )
    described = project_settled(sagemaker, "short-lived")
    assert described["ProjectStatus"] == "CreateCompleted"
    pp_id = described["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
    sagemaker.delete_project(ProjectName="short-lived")
    deadline = time.monotonic() + 120
    while sagemaker.describe_project(ProjectName="short-lived")["ProjectStatus"] == "DeleteInProgress":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    final = sagemaker.describe_project(ProjectName="short-lived")
    assert final["ProjectStatus"] == "DeleteCompleted", final
    live = {s["StackName"] for s in cloudformation.describe_stacks()["Stacks"]}
    assert f"SC-{emulator.account}-{pp_id}" not in live
