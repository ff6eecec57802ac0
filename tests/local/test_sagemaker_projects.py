"""SageMaker projects in the emulator: CreateProject provisions the Service Catalog product (stack
``SC-<account>-pp-<id>`` with the SageMakerProjectName/SageMakerProjectId parameters and the
sagemaker:project-name/sagemaker:project-id tags), the status follows the stack, ListProjects sorts and
filters, UpdateProject moves the stack to a new artifact, DeleteProject terminates it. A project from a
template in S3 (TemplateProviders) gets the stack ``sagemaker-<project id>-<template name>`` with the same
parameters and tags, moved to a new template URL by UpdateProject and deleted by DeleteProject. A small
product template keeps these fast; tests/local/test_project_portfolio.py uses the real portfolio and
product."""

from __future__ import annotations

import datetime
import json
import re
import time

import pytest
from botocore.exceptions import ClientError

BUCKET = "project-templates"
LAUNCH_ROLE = "AmazonSageMakerServiceCatalogProductsLaunchRole"

TEMPLATE = {
    "Parameters": {
        "SageMakerProjectName": {"Type": "String", "AllowedPattern": "^[a-zA-Z](-*[a-zA-Z0-9])*"},
        "SageMakerProjectId": {"Type": "String"},
        "Prefix": {
            "Type": "String",
            "Default": "landing",
            "AllowedPattern": "[a-z][a-z0-9-]*",
            "ConstraintDescription": "Prefix: lowercase letters, digits and hyphens",
        },
    },
    "Resources": {
        "Setting": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": {"Fn::Sub": "/projects/${SageMakerProjectName}-${SageMakerProjectId}"},
                "Type": "String",
                "Value": {"Ref": "Prefix"},
            },
        }
    },
}
TEMPLATE_V2 = {
    **TEMPLATE,
    "Resources": {
        **TEMPLATE["Resources"],
        "Second": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": {"Fn::Sub": "/projects/${SageMakerProjectId}/second"},
                "Type": "String",
                "Value": "v2",
            },
        },
    },
}


@pytest.fixture(scope="module")
def product(emulator) -> dict[str, str]:
    s3, catalog = emulator.client("s3"), emulator.client("servicecatalog")
    s3.create_bucket(Bucket=BUCKET)
    for key, body in (("v1.json", TEMPLATE), ("v2.json", TEMPLATE_V2)):
        s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(body).encode())
    portfolio = catalog.create_portfolio(DisplayName="projects", ProviderName="tests")["PortfolioDetail"][
        "Id"
    ]
    created = catalog.create_product(
        Name="project-product",
        Owner="tests",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Info": {"LoadTemplateFromURL": f"https://{BUCKET}.s3.amazonaws.com/v1.json"},
        },
    )
    product_id = created["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    v2 = catalog.create_provisioning_artifact(
        ProductId=product_id,
        Parameters={
            "Name": "v2",
            "Info": {"LoadTemplateFromURL": f"https://{BUCKET}.s3.amazonaws.com/v2.json"},
        },
    )["ProvisioningArtifactDetail"]["Id"]
    catalog.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
    catalog.create_constraint(
        PortfolioId=portfolio,
        ProductId=product_id,
        Type="LAUNCH",
        Parameters=json.dumps({"LocalRoleName": LAUNCH_ROLE}),
    )
    return {
        "product": product_id,
        "v1": created["ProvisioningArtifactDetail"]["Id"],
        "v2": v2,
        "path": f"lpv3-{portfolio}",
    }


def create(sagemaker, product, name: str, **parameters: str) -> dict:
    return sagemaker.create_project(
        ProjectName=name,
        ProjectDescription=f"project {name}",
        ServiceCatalogProvisioningDetails={
            "ProductId": product["product"],
            "ProvisioningArtifactId": product["v1"],
            "PathId": product["path"],
            "ProvisioningParameters": [{"Key": k, "Value": v} for k, v in parameters.items()],
        },
        Tags=[{"Key": "team", "Value": "features"}],
    )


def wait_for(sagemaker, name: str, statuses: tuple[str, ...], timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        described = sagemaker.describe_project(ProjectName=name)
        if not seen or seen[-1] != described["ProjectStatus"]:
            seen.append(described["ProjectStatus"])
        if described["ProjectStatus"] in statuses or time.monotonic() > deadline:
            described["seen"] = seen
            return described
        time.sleep(0.05)


def stack_of(emulator, described: dict) -> dict:
    pp_id = described["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
    cloudformation = emulator.client("cloudformation")
    return cloudformation.describe_stacks(StackName=f"SC-{emulator.account}-{pp_id}")["Stacks"][0]


def test_create_project_provisions_the_product(emulator, product):
    sagemaker = emulator.client("sagemaker")
    created = create(sagemaker, product, "alpha", Prefix="incoming")
    assert re.fullmatch(r"p-[a-z0-9]{12}", created["ProjectId"])
    assert created["ProjectArn"] == f"arn:aws:sagemaker:{emulator.region}:{emulator.account}:project/alpha"
    first = sagemaker.describe_project(ProjectName="alpha")["ProjectStatus"]
    assert first in ("Pending", "CreateInProgress", "CreateCompleted")

    described = wait_for(sagemaker, "alpha", ("CreateCompleted", "CreateFailed"))
    assert described["ProjectStatus"] == "CreateCompleted", described
    assert described["ProjectId"] == created["ProjectId"]
    assert described["ProjectDescription"] == "project alpha"
    assert described["ServiceCatalogProvisioningDetails"]["ProvisioningArtifactId"] == product["v1"]
    pp_id = described["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
    assert re.fullmatch(r"pp-[a-z0-9]{13}", pp_id)

    stack = stack_of(emulator, described)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "SageMakerProjectName": "alpha",
        "SageMakerProjectId": created["ProjectId"],
        "Prefix": "incoming",
    }
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    catalog_arn = f"arn:aws:catalog:{emulator.region}:{emulator.account}"
    assert tags == {
        "team": "features",
        "sagemaker:project-name": "alpha",
        "sagemaker:project-id": created["ProjectId"],
        "aws:servicecatalog:portfolioArn": f"{catalog_arn}:portfolio/{product['path'][len('lpv3-') :]}",
        "aws:servicecatalog:productArn": f"{catalog_arn}:product/{product['product']}",
        "aws:servicecatalog:provisionedProductArn": (
            f"arn:aws:servicecatalog:{emulator.region}:{emulator.account}:stack/alpha-{created['ProjectId']}/{pp_id}"
        ),
        "aws:servicecatalog:provisioningArtifactIdentifier": product["v1"],
        "aws:servicecatalog:provisioningPrincipalArn": f"arn:aws:iam::{emulator.account}:root",
    }
    value = emulator.client("ssm").get_parameter(Name=f"/projects/alpha-{created['ProjectId']}")
    assert value["Parameter"]["Value"] == "incoming"

    catalog = emulator.client("servicecatalog")
    pp = catalog.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert (pp["Status"], pp["Name"]) == ("AVAILABLE", f"alpha-{created['ProjectId']}")


def test_a_parameter_breaking_its_pattern_fails_the_project(emulator, product):
    sagemaker, cloudformation = emulator.client("sagemaker"), emulator.client("cloudformation")
    create(sagemaker, product, "broken", Prefix="Not_Valid")
    described = wait_for(sagemaker, "broken", ("CreateCompleted", "CreateFailed"))
    assert described["ProjectStatus"] == "CreateFailed"
    message = described["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"]
    assert (
        message
        == "Parameter Prefix failed to satisfy constraint: Prefix: lowercase letters, digits and hyphens"
    )
    pp_id = described["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
    live = [
        s["StackName"]
        for s in cloudformation.list_stacks()["StackSummaries"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    ]
    assert f"SC-{emulator.account}-{pp_id}" not in live

    sagemaker.delete_project(ProjectName="broken")
    assert (
        wait_for(sagemaker, "broken", ("DeleteCompleted", "DeleteFailed"))["ProjectStatus"]
        == "DeleteCompleted"
    )


def test_project_names_are_checked(emulator, product):
    sagemaker = emulator.client("sagemaker")
    with pytest.raises(ClientError) as raised:
        create(sagemaker, product, "no_underscores")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    create(sagemaker, product, "twice")
    with pytest.raises(ClientError) as raised:
        create(sagemaker, product, "twice")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as raised:
        sagemaker.describe_project(ProjectName="never-made")
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_list_projects_sorts_filters_and_pages(emulator, product):
    sagemaker = emulator.client("sagemaker")
    names = ["list-b", "list-a", "list-c"]
    for name in names:
        create(sagemaker, product, name)
        time.sleep(0.01)
    listed = sagemaker.list_projects(NameContains="list-", SortBy="Name", SortOrder="Ascending")
    assert [p["ProjectName"] for p in listed["ProjectSummaryList"]] == ["list-a", "list-b", "list-c"]
    summary = listed["ProjectSummaryList"][0]
    assert set(summary) == {
        "ProjectName",
        "ProjectDescription",
        "ProjectArn",
        "ProjectId",
        "CreationTime",
        "ProjectStatus",
    }
    newest_first = sagemaker.list_projects(NameContains="LIST-")["ProjectSummaryList"]
    assert [p["ProjectName"] for p in newest_first] == ["list-c", "list-a", "list-b"]

    page = sagemaker.list_projects(NameContains="list-", SortBy="Name", SortOrder="Ascending", MaxResults=2)
    assert [p["ProjectName"] for p in page["ProjectSummaryList"]] == ["list-a", "list-b"]
    rest = sagemaker.list_projects(
        NameContains="list-", SortBy="Name", SortOrder="Ascending", MaxResults=2, NextToken=page["NextToken"]
    )
    assert [p["ProjectName"] for p in rest["ProjectSummaryList"]] == ["list-c"]
    assert "NextToken" not in rest

    created_b = next(p for p in newest_first if p["ProjectName"] == "list-a")["CreationTime"]
    after = sagemaker.list_projects(NameContains="list-", CreationTimeAfter=created_b)["ProjectSummaryList"]
    assert [p["ProjectName"] for p in after] == ["list-c"]
    before = sagemaker.list_projects(NameContains="list-", CreationTimeBefore=created_b)["ProjectSummaryList"]
    assert [p["ProjectName"] for p in before] == ["list-b"]
    future = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    assert sagemaker.list_projects(CreationTimeAfter=future)["ProjectSummaryList"] == []


def test_update_project_moves_the_stack_to_the_new_artifact(emulator, product):
    sagemaker = emulator.client("sagemaker")
    create(sagemaker, product, "updated")
    wait_for(sagemaker, "updated", ("CreateCompleted", "CreateFailed"))
    other_kind = [
        {"CfnTemplateProvider": {"TemplateName": "t", "TemplateURL": "https://b.s3.amazonaws.com/t.yaml"}}
    ]
    assert refused(sagemaker.update_project, ProjectName="updated", TemplateProvidersToUpdate=other_kind) == (
        "Project updated was provisioned from a Service Catalog product; update it with "
        "ServiceCatalogProvisioningUpdateDetails, not TemplateProvidersToUpdate."
    )
    sagemaker.update_project(
        ProjectName="updated",
        ServiceCatalogProvisioningUpdateDetails={"ProvisioningArtifactId": product["v2"]},
    )
    described = wait_for(sagemaker, "updated", ("UpdateCompleted", "UpdateFailed"))
    assert described["ProjectStatus"] == "UpdateCompleted", described
    assert described["ServiceCatalogProvisioningDetails"]["ProvisioningArtifactId"] == product["v2"]
    stack = stack_of(emulator, described)
    resources = emulator.client("cloudformation").describe_stack_resources(StackName=stack["StackName"])
    assert sorted(r["LogicalResourceId"] for r in resources["StackResources"]) == ["Second", "Setting"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["SageMakerProjectId"] == described["ProjectId"]


def test_delete_project_terminates_the_stack(emulator, product):
    sagemaker, cloudformation = emulator.client("sagemaker"), emulator.client("cloudformation")
    create(sagemaker, product, "deleted")
    described = wait_for(sagemaker, "deleted", ("CreateCompleted", "CreateFailed"))
    stack_name = stack_of(emulator, described)["StackName"]
    sagemaker.delete_project(ProjectName="deleted")
    assert sagemaker.describe_project(ProjectName="deleted")["ProjectStatus"] in (
        "DeleteInProgress",
        "DeleteCompleted",
    )
    assert (
        wait_for(sagemaker, "deleted", ("DeleteCompleted", "DeleteFailed"))["ProjectStatus"]
        == "DeleteCompleted"
    )
    with pytest.raises(ClientError):
        cloudformation.describe_stacks(StackName=stack_name)
    assert "deleted" not in [p["ProjectName"] for p in sagemaker.list_projects()["ProjectSummaryList"]]
    pp_id = described["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
    with pytest.raises(ClientError) as raised:
        emulator.client("servicecatalog").describe_provisioned_product(Id=pp_id)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # the name can be used again
    create(sagemaker, product, "deleted")
    assert (
        wait_for(sagemaker, "deleted", ("CreateCompleted", "CreateFailed"))["ProjectStatus"]
        == "CreateCompleted"
    )


def test_an_update_breaking_a_pattern_fails_and_keeps_the_stack(emulator, product):
    sagemaker = emulator.client("sagemaker")
    create(sagemaker, product, "kept", Prefix="first")
    before = stack_of(emulator, wait_for(sagemaker, "kept", ("CreateCompleted", "CreateFailed")))
    sagemaker.update_project(
        ProjectName="kept",
        ServiceCatalogProvisioningUpdateDetails={
            "ProvisioningArtifactId": product["v1"],
            "ProvisioningParameters": [{"Key": "Prefix", "Value": "Bad_Prefix"}],
        },
    )
    described = wait_for(sagemaker, "kept", ("UpdateCompleted", "UpdateFailed"))
    assert described["ProjectStatus"] == "UpdateFailed"
    message = described["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"]
    assert (
        message
        == "Parameter Prefix failed to satisfy constraint: Prefix: lowercase letters, digits and hyphens"
    )
    after = stack_of(emulator, described)
    assert (after["StackStatus"], after["Parameters"]) == (before["StackStatus"], before["Parameters"])
    # a failed update can be retried, and the project deleted
    sagemaker.update_project(
        ProjectName="kept",
        ServiceCatalogProvisioningUpdateDetails={
            "ProvisioningArtifactId": product["v1"],
            "ProvisioningParameters": [{"Key": "Prefix", "Value": "second"}],
        },
    )
    assert (
        wait_for(sagemaker, "kept", ("UpdateCompleted", "UpdateFailed"))["ProjectStatus"] == "UpdateCompleted"
    )
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack_of(emulator, described)["Parameters"]}
    assert parameters["Prefix"] == "second"
    assert parameters["SageMakerProjectName"] == "kept"
    sagemaker.delete_project(ProjectName="kept")
    assert (
        wait_for(sagemaker, "kept", ("DeleteCompleted", "DeleteFailed"))["ProjectStatus"] == "DeleteCompleted"
    )


# -- projects from a CloudFormation template in S3 (TemplateProviders) ----------------------------------
TEMPLATE_CLASH = {
    **TEMPLATE,
    "Resources": {
        **TEMPLATE["Resources"],
        "Clash": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": {"Fn::Sub": "/projects/${SageMakerProjectName}-${SageMakerProjectId}"},
                "Type": "String",
                "Value": "the same name as Setting's",
            },
        },
    },
}


@pytest.fixture(scope="module")
def templates(emulator, product) -> dict[str, str]:
    """The product's templates (and one whose update fails) as S3 URLs; ``role``: a role for the stacks."""
    emulator.client("s3").put_object(
        Bucket=BUCKET, Key="clash.json", Body=json.dumps(TEMPLATE_CLASH).encode()
    )
    base = f"https://{BUCKET}.s3.{emulator.region}.amazonaws.com"
    return {
        "v1": f"{base}/v1.json",
        "v2": f"{base}/v2.json",
        "clash": f"{base}/clash.json",
        "role": f"arn:aws:iam::{emulator.account}:role/service-role/{LAUNCH_ROLE}",
    }


def provider(url: str, role: str | None = None, name: str = "ingest", **parameters: str) -> dict:
    given = {
        "TemplateName": name,
        "TemplateURL": url,
        "Parameters": [{"Key": k, "Value": v} for k, v in parameters.items()],
    }
    if role:
        given["RoleARN"] = role
    return {"CfnTemplateProvider": given}


def template_stack(emulator, described: dict) -> dict:
    stack_name = f"sagemaker-{described['ProjectId']}-ingest"
    return emulator.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]


def refused(call, **request) -> str:
    with pytest.raises(ClientError) as raised:
        call(**request)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    return raised.value.response["Error"]["Message"]


def test_a_project_from_an_s3_template_creates_its_stack(emulator, templates):
    sagemaker = emulator.client("sagemaker")
    created = sagemaker.create_project(
        ProjectName="from-s3",
        TemplateProviders=[
            provider(templates["v1"], templates["role"], Prefix="incoming", SageMakerProjectName="x")
        ],
        Tags=[{"Key": "team", "Value": "features"}],
    )
    described = wait_for(sagemaker, "from-s3", ("CreateCompleted", "CreateFailed"))
    order = ["Pending", "CreateInProgress", "CreateCompleted"]
    assert described["seen"] == [s for s in order if s in described["seen"]], described

    stack = template_stack(emulator, described)
    assert stack["StackName"] == f"sagemaker-{created['ProjectId']}-ingest"
    assert (stack["StackStatus"], stack["RoleARN"]) == ("CREATE_COMPLETE", templates["role"])
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "SageMakerProjectName": "from-s3",
        "SageMakerProjectId": created["ProjectId"],
        "Prefix": "incoming",
    }
    assert {t["Key"]: t["Value"] for t in stack["Tags"]} == {
        "team": "features",
        "sagemaker:project-name": "from-s3",
        "sagemaker:project-id": created["ProjectId"],
    }
    value = emulator.client("ssm").get_parameter(Name=f"/projects/from-s3-{created['ProjectId']}")
    assert value["Parameter"]["Value"] == "incoming"

    assert "ServiceCatalogProvisioningDetails" not in described
    assert described["TemplateProviderDetails"] == [
        {
            "CfnTemplateProviderDetail": {
                "TemplateName": "ingest",
                "TemplateURL": templates["v1"],
                "RoleARN": templates["role"],
                "Parameters": [
                    {"Key": "Prefix", "Value": "incoming"},
                    {"Key": "SageMakerProjectName", "Value": "x"},
                ],
                "StackDetail": {
                    "Name": stack["StackName"],
                    "Id": stack["StackId"],
                    "StatusMessage": "CREATE_COMPLETE",
                },
            }
        }
    ]


@pytest.mark.parametrize("form", ["global", "path", "emulator"])
def test_each_s3_url_form_names_the_template(emulator, templates, form):
    sagemaker = emulator.client("sagemaker")
    url = {
        "global": f"https://{BUCKET}.s3.amazonaws.com/v1.json",
        "path": f"https://s3.{emulator.region}.amazonaws.com/{BUCKET}/v1.json",
        "emulator": f"{emulator.endpoint.replace('http://', 'https://')}/{BUCKET}/v1.json",
    }[form]
    sagemaker.create_project(ProjectName=f"url-{form}", TemplateProviders=[provider(url)])
    described = wait_for(sagemaker, f"url-{form}", ("CreateCompleted", "CreateFailed"))
    assert described["ProjectStatus"] == "CreateCompleted", described
    assert "RoleARN" not in template_stack(emulator, described)


def test_a_template_parameter_breaking_its_pattern_fails_the_project(emulator, templates):
    sagemaker = emulator.client("sagemaker")
    sagemaker.create_project(
        ProjectName="s3-broken", TemplateProviders=[provider(templates["v1"], Prefix="Not_Valid")]
    )
    described = wait_for(sagemaker, "s3-broken", ("CreateCompleted", "CreateFailed"))
    assert described["ProjectStatus"] == "CreateFailed"
    detail = described["TemplateProviderDetails"][0]["CfnTemplateProviderDetail"]["StackDetail"]
    assert detail == {
        "Name": f"sagemaker-{described['ProjectId']}-ingest",
        "StatusMessage": (
            "Parameter Prefix failed to satisfy constraint: Prefix: lowercase letters, digits and hyphens"
        ),
    }
    with pytest.raises(ClientError):
        template_stack(emulator, described)


def test_a_template_that_is_not_there_is_refused_and_nothing_is_created(emulator, templates):
    sagemaker = emulator.client("sagemaker")
    for url in (
        f"https://{BUCKET}.s3.amazonaws.com/missing.json",
        "https://no-such-bucket.s3.amazonaws.com/v1.json",
        "https://example.com/v1.json",
    ):
        message = refused(
            sagemaker.create_project, ProjectName="s3-missing", TemplateProviders=[provider(url)]
        )
        assert url in message
    assert message == "Invalid templateUrl https://example.com/v1.json: not an S3 object URL."
    refused(sagemaker.describe_project, ProjectName="s3-missing")
    assert "s3-missing" not in [p["ProjectName"] for p in sagemaker.list_projects()["ProjectSummaryList"]]


def test_template_providers_are_checked_as_the_api_checks_them(emulator, product, templates):
    sagemaker = emulator.client("sagemaker")
    both = refused(
        sagemaker.create_project,
        ProjectName="s3-checked",
        TemplateProviders=[provider(templates["v1"])],
        ServiceCatalogProvisioningDetails={"ProductId": product["product"]},
    )
    assert both == (
        "CreateProject takes exactly one of ServiceCatalogProvisioningDetails and TemplateProviders; "
        "both were given."
    )
    assert "neither was given" in refused(sagemaker.create_project, ProjectName="s3-checked")
    two = refused(
        sagemaker.create_project,
        ProjectName="s3-checked",
        TemplateProviders=[provider(templates["v1"]), provider(templates["v2"], name="other")],
    )
    assert two == "TemplateProviders has 2 template providers; a project takes exactly one."
    path = "templateProviders.1.member.cfnTemplateProvider"
    for bad, member in (
        (provider(templates["v1"], name="under_score"), "templateName"),
        (provider(templates["v1"], name="x" * 33), "templateName"),
        (provider(templates["v1"].replace("https", "http")), "templateURL"),
        (provider(templates["v1"], role="arn:aws:iam::123:role/short-account"), "roleARN"),
    ):
        message = refused(sagemaker.create_project, ProjectName="s3-checked", TemplateProviders=[bad])
        assert f"at '{path}.{member}' failed to satisfy constraint" in message
    refused(sagemaker.describe_project, ProjectName="s3-checked")


def test_update_project_moves_the_template_stack_and_a_failed_update_rolls_back(emulator, templates):
    sagemaker = emulator.client("sagemaker")
    sagemaker.create_project(
        ProjectName="s3-updated", TemplateProviders=[provider(templates["v1"], Prefix="first")]
    )
    wait_for(sagemaker, "s3-updated", ("CreateCompleted", "CreateFailed"))
    assert "with TemplateProvidersToUpdate" in refused(
        sagemaker.update_project,
        ProjectName="s3-updated",
        ServiceCatalogProvisioningUpdateDetails={"ProvisioningArtifactId": "pa-x"},
    )
    assert "has no template other" in refused(
        sagemaker.update_project,
        ProjectName="s3-updated",
        TemplateProvidersToUpdate=[provider(templates["v2"], name="other")],
    )

    sagemaker.update_project(
        ProjectName="s3-updated", TemplateProvidersToUpdate=[provider(templates["v2"], Prefix="second")]
    )
    assert sagemaker.describe_project(ProjectName="s3-updated")["ProjectStatus"] in (
        "UpdateInProgress",
        "UpdateCompleted",
    )
    described = wait_for(sagemaker, "s3-updated", ("UpdateCompleted", "UpdateFailed"))
    assert described["ProjectStatus"] == "UpdateCompleted", described
    detail = described["TemplateProviderDetails"][0]["CfnTemplateProviderDetail"]
    assert (detail["TemplateURL"], detail["Parameters"]) == (
        templates["v2"],
        [{"Key": "Prefix", "Value": "second"}],
    )
    cloudformation = emulator.client("cloudformation")
    stack = template_stack(emulator, described)
    resources = cloudformation.describe_stack_resources(StackName=stack["StackName"])["StackResources"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["Second", "Setting"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Prefix"] == "second"

    sagemaker.update_project(
        ProjectName="s3-updated", TemplateProvidersToUpdate=[provider(templates["clash"])]
    )
    described = wait_for(sagemaker, "s3-updated", ("UpdateCompleted", "UpdateFailed"))
    assert described["ProjectStatus"] == "UpdateFailed", described
    message = described["TemplateProviderDetails"][0]["CfnTemplateProviderDetail"]["StackDetail"][
        "StatusMessage"
    ]
    assert "Clash" in message, message
    stack = template_stack(emulator, described)
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    resources = cloudformation.describe_stack_resources(StackName=stack["StackName"])["StackResources"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["Second", "Setting"]


def test_delete_project_deletes_the_template_stack(emulator, templates):
    sagemaker, cloudformation = emulator.client("sagemaker"), emulator.client("cloudformation")
    sagemaker.create_project(ProjectName="s3-deleted", TemplateProviders=[provider(templates["v1"])])
    described = wait_for(sagemaker, "s3-deleted", ("CreateCompleted", "CreateFailed"))
    stack_name = template_stack(emulator, described)["StackName"]
    sagemaker.delete_project(ProjectName="s3-deleted")
    assert (
        wait_for(sagemaker, "s3-deleted", ("DeleteCompleted", "DeleteFailed"))["ProjectStatus"]
        == "DeleteCompleted"
    )
    with pytest.raises(ClientError):
        cloudformation.describe_stacks(StackName=stack_name)
    assert "s3-deleted" not in [p["ProjectName"] for p in sagemaker.list_projects()["ProjectSummaryList"]]
