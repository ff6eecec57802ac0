"""Service Catalog provisioning in the emulator: ProvisionProduct creates the stack in the background
(``SC-<account>-pp-<id>``, the launch role, the given parameters and tags), the provisioned product follows
the stack (UNDER_CHANGE → AVAILABLE, or ERROR with the stack's reason), records keep the history, updates
and terminations change the stack; the read calls Studio makes to draw the launch form."""

from __future__ import annotations

import contextlib
import json
import re
import time

import pytest
from botocore.exceptions import ClientError

from tests.local.test_stack_fidelity import next_request, respond, sns_provider

BUCKET = "provisioning-templates"
LAUNCH_ROLE = "AmazonSageMakerServiceCatalogProductsLaunchRole"

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {
        "Env": {
            "Type": "String",
            "AllowedPattern": "[a-z]+",
            "ConstraintDescription": "lowercase letters only",
            "Description": "the environment",
        },
        "Size": {"Type": "Number", "Default": 3, "MinValue": 1, "MaxValue": 9},
    },
    "Resources": {
        "Setting": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": {"Fn::Sub": "/${AWS::StackName}/setting"},
                "Type": "String",
                "Value": {"Fn::Sub": "${Env}-${Size}"},
            },
        }
    },
    "Outputs": {"SettingName": {"Value": {"Ref": "Setting"}, "Description": "the parameter's name"}},
}
TEMPLATE_V2 = {
    **TEMPLATE,
    "Resources": {
        **TEMPLATE["Resources"],
        "Second": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": {"Fn::Sub": "/${AWS::StackName}/second"},
                "Type": "String",
                "Value": "two",
            },
        },
    },
}
FAILING = {
    **TEMPLATE,
    "Resources": {
        "Setting": TEMPLATE["Resources"]["Setting"],
        "Broken": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": BUCKET}},  # exists already
    },
}


WAITING = {
    "Parameters": {"Env": {"Type": "String"}, "Provider": {"Type": "String"}},
    "Resources": {
        "Info": {
            "Type": "Custom::Info",
            "Properties": {"ServiceToken": {"Ref": "Provider"}, "ServiceTimeout": 30},
        }
    },
    "Outputs": {"Answer": {"Value": {"Fn::GetAtt": ["Info", "Answer"]}}},
}


def put_template(emulator, key: str, body: dict) -> str:
    emulator.client("s3").put_object(Bucket=BUCKET, Key=key, Body=json.dumps(body).encode())
    return f"https://{BUCKET}.s3.amazonaws.com/{key}"


@pytest.fixture(scope="module")
def product(emulator) -> dict[str, str]:
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    catalog = emulator.client("servicecatalog")
    portfolio = catalog.create_portfolio(DisplayName="provisioning", ProviderName="tests")["PortfolioDetail"]
    created = catalog.create_product(
        Name="small-product",
        Owner="tests",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Info": {"LoadTemplateFromURL": put_template(emulator, "v1.json", TEMPLATE)},
        },
    )
    product_id = created["ProductViewDetail"]["ProductViewSummary"]["ProductId"]

    def version(name: str, key: str, template: dict) -> str:
        return catalog.create_provisioning_artifact(
            ProductId=product_id,
            Parameters={"Name": name, "Info": {"LoadTemplateFromURL": put_template(emulator, key, template)}},
        )["ProvisioningArtifactDetail"]["Id"]

    v2 = version("v2", "v2.json", TEMPLATE_V2)
    failing = version("failing", "f.json", FAILING)
    waiting = version("waiting", "w.json", WAITING)
    catalog.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio["Id"])
    catalog.create_constraint(
        PortfolioId=portfolio["Id"],
        ProductId=product_id,
        Type="LAUNCH",
        Parameters=json.dumps({"LocalRoleName": LAUNCH_ROLE}),
        Description="launch as the products launch role",
    )
    catalog.create_constraint(
        PortfolioId=portfolio["Id"],
        ProductId=product_id,
        Type="TEMPLATE",
        Parameters=json.dumps(
            {
                "Rules": {
                    "NotProd": {
                        "Assertions": [
                            {
                                "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Env"}, "prod"]}]},
                                "AssertDescription": "prod is not launched from this portfolio",
                            }
                        ]
                    }
                }
            }
        ),
        Description="no prod",
    )
    return {
        "portfolio": portfolio["Id"],
        "product": product_id,
        "v1": created["ProvisioningArtifactDetail"]["Id"],
        "v2": v2,
        "failing": failing,
        "waiting": waiting,
    }


def wait_until_settled(catalog, record_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        detail = catalog.describe_record(Id=record_id)
        if detail["RecordDetail"]["Status"] in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            return detail
        time.sleep(0.1)


def provision(catalog, product, name: str, artifact: str = "v1", **parameters: str) -> dict:
    return catalog.provision_product(
        ProductId=product["product"],
        ProvisioningArtifactId=product[artifact],
        PathId=f"lpv3-{product['portfolio']}",
        ProvisionedProductName=name,
        ProvisioningParameters=[{"Key": k, "Value": v} for k, v in parameters.items()],
        Tags=[{"Key": "team", "Value": "features"}],
    )["RecordDetail"]


def test_ids_in_aws_form(product):
    assert re.fullmatch(r"port-[a-z0-9]{13}", product["portfolio"])
    assert re.fullmatch(r"prod-[a-z0-9]{13}", product["product"])
    assert re.fullmatch(r"pa-[a-z0-9]{13}", product["v1"])


def test_provision_creates_the_stack_in_the_background(emulator, product):
    catalog, cloudformation = emulator.client("servicecatalog"), emulator.client("cloudformation")
    record = provision(catalog, product, "first", Env="dev")
    pp_id = record["ProvisionedProductId"]
    assert re.fullmatch(r"pp-[a-z0-9]{13}", pp_id)
    assert re.fullmatch(r"rec-[a-z0-9]{13}", record["RecordId"])
    assert record["Status"] in ("CREATED", "IN_PROGRESS")
    assert record["RecordType"] == "PROVISION_PRODUCT"
    assert record["PathId"] == f"lpv3-{product['portfolio']}"

    settled = wait_until_settled(catalog, record["RecordId"])
    assert settled["RecordDetail"]["Status"] == "SUCCEEDED", settled["RecordDetail"]["RecordErrors"]
    outputs = {o["OutputKey"]: o for o in settled["RecordOutputs"]}
    assert outputs["SettingName"]["Description"] == "the parameter's name"

    detail = catalog.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["Status"] == "AVAILABLE"
    assert detail["Type"] == "CFN_STACK"
    assert detail["LastSuccessfulProvisioningRecordId"] == record["RecordId"]
    assert detail["LaunchRoleArn"] == f"arn:aws:iam::{emulator.account}:role/{LAUNCH_ROLE}"
    assert detail["Arn"].endswith(f":stack/first/{pp_id}")

    stack = cloudformation.describe_stacks(StackName=f"SC-{emulator.account}-{pp_id}")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "Env": "dev",
        "Size": "3",
    }
    assert {"Key": "team", "Value": "features"} in stack["Tags"]
    assert stack["RoleARN"] == detail["LaunchRoleArn"]
    setting = emulator.client("ssm").get_parameter(Name=outputs["SettingName"]["OutputValue"])
    assert setting["Parameter"]["Value"] == "dev-3"

    searched = catalog.search_provisioned_products(Filters={"SearchQuery": ["name:first"]})
    assert searched["TotalResultsCount"] == 1
    found = searched["ProvisionedProducts"][0]
    assert found["PhysicalId"] == stack["StackId"]
    assert found["ProductName"] == "small-product"
    assert found["ProvisioningArtifactName"] == "v1"
    assert found["Tags"] == [{"Key": "team", "Value": "features"}]
    scanned = catalog.scan_provisioned_products()["ProvisionedProducts"]
    assert pp_id in [p["Id"] for p in scanned]


def test_the_name_is_unique(emulator, product):
    catalog = emulator.client("servicecatalog")
    wait_until_settled(catalog, provision(catalog, product, "unique", Env="dev")["RecordId"])
    with pytest.raises(ClientError) as raised:
        provision(catalog, product, "unique", Env="dev")
    assert raised.value.response["Error"]["Code"] == "DuplicateResourceException"


def test_the_template_constraint_refuses_the_launch(emulator, product):
    catalog = emulator.client("servicecatalog")
    with pytest.raises(ClientError) as raised:
        provision(catalog, product, "refused", Env="prod")
    assert raised.value.response["Error"]["Code"] == "InvalidParametersException"
    assert "prod is not launched from this portfolio" in raised.value.response["Error"]["Message"]
    found = catalog.search_provisioned_products(Filters={"SearchQuery": ["name:refused"]})
    assert found["TotalResultsCount"] == 0


def test_a_parameter_breaking_its_pattern_fails_with_cloudformations_message(emulator, product):
    catalog, cloudformation = emulator.client("servicecatalog"), emulator.client("cloudformation")
    record = provision(catalog, product, "bad-pattern", Env="Not-Lower")
    settled = wait_until_settled(catalog, record["RecordId"])["RecordDetail"]
    assert settled["Status"] == "FAILED"
    message = settled["RecordErrors"][0]["Description"]
    assert message == "Parameter Env failed to satisfy constraint: lowercase letters only"
    detail = catalog.describe_provisioned_product(Id=record["ProvisionedProductId"])[
        "ProvisionedProductDetail"
    ]
    assert detail["Status"] == "ERROR"
    assert detail["StatusMessage"] == message
    stacks = [s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"]]
    assert f"SC-{emulator.account}-{record['ProvisionedProductId']}" not in stacks
    catalog.terminate_provisioned_product(ProvisionedProductId=record["ProvisionedProductId"])
    assert wait_until_settled(catalog, _last_record(catalog, record))["RecordDetail"]["Status"] == "SUCCEEDED"


def _last_record(catalog, record) -> str:
    history = catalog.list_record_history(
        SearchFilter={"Key": "provisionedproduct", "Value": record["ProvisionedProductId"]}
    )["RecordDetails"]
    return history[0]["RecordId"]


def test_a_failing_resource_puts_the_product_in_error_with_the_stacks_reason(emulator, product):
    catalog = emulator.client("servicecatalog")
    record = provision(catalog, product, "failing", artifact="failing", Env="dev")
    settled = wait_until_settled(catalog, record["RecordId"])["RecordDetail"]
    assert settled["Status"] == "FAILED"
    detail = catalog.describe_provisioned_product(Id=record["ProvisionedProductId"])[
        "ProvisionedProductDetail"
    ]
    assert detail["Status"] == "ERROR"
    assert "The following resource(s) failed to create: [Broken]" in detail["StatusMessage"]
    update = catalog.update_provisioned_product(
        ProvisionedProductId=record["ProvisionedProductId"], ProvisioningArtifactId=product["v1"]
    )["RecordDetail"]
    failed = wait_until_settled(catalog, update["RecordId"])["RecordDetail"]
    assert failed["Status"] == "FAILED"
    assert "is in ROLLBACK_COMPLETE state and can not be updated." in failed["RecordErrors"][0]["Description"]
    detail = catalog.describe_provisioned_product(Id=record["ProvisionedProductId"])
    assert detail["ProvisionedProductDetail"]["Status"] == "ERROR"


def test_update_moves_the_stack_to_the_new_artifact_and_terminate_deletes_it(emulator, product):
    catalog, cloudformation = emulator.client("servicecatalog"), emulator.client("cloudformation")
    record = provision(catalog, product, "updated", Env="dev")
    wait_until_settled(catalog, record["RecordId"])
    pp_id = record["ProvisionedProductId"]
    stack_name = f"SC-{emulator.account}-{pp_id}"

    update = catalog.update_provisioned_product(
        ProvisionedProductId=pp_id,
        ProvisioningArtifactId=product["v2"],
        ProvisioningParameters=[{"Key": "Size", "Value": "5"}, {"Key": "Env", "UsePreviousValue": True}],
    )["RecordDetail"]
    assert update["RecordType"] == "UPDATE_PROVISIONED_PRODUCT"
    assert wait_until_settled(catalog, update["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    detail = catalog.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert (detail["Status"], detail["ProvisioningArtifactId"]) == ("AVAILABLE", product["v2"])
    resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["Second", "Setting"]
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "Env": "dev",
        "Size": "5",
    }

    history = catalog.list_record_history(SearchFilter={"Key": "provisionedproduct", "Value": pp_id})
    assert [r["RecordType"] for r in history["RecordDetails"]] == [
        "UPDATE_PROVISIONED_PRODUCT",
        "PROVISION_PRODUCT",
    ]

    terminate = catalog.terminate_provisioned_product(ProvisionedProductId=pp_id)["RecordDetail"]
    assert terminate["RecordType"] == "TERMINATE_PROVISIONED_PRODUCT"
    assert wait_until_settled(catalog, terminate["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as raised:
        catalog.describe_provisioned_product(Id=pp_id)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError):
        cloudformation.describe_stacks(StackName=stack_name)


def test_describe_provisioning_parameters_draws_the_form(emulator, product):
    catalog = emulator.client("servicecatalog")
    form = catalog.describe_provisioning_parameters(
        ProductId=product["product"],
        ProvisioningArtifactId=product["v1"],
        PathId=f"lpv3-{product['portfolio']}",
    )
    parameters = {p["ParameterKey"]: p for p in form["ProvisioningArtifactParameters"]}
    assert parameters["Env"]["ParameterConstraints"] == {
        "AllowedPattern": "[a-z]+",
        "ConstraintDescription": "lowercase letters only",
    }
    assert parameters["Env"]["Description"] == "the environment"
    assert "DefaultValue" not in parameters["Env"]
    assert parameters["Size"]["DefaultValue"] == "3"
    assert parameters["Size"]["ParameterType"] == "Number"
    assert parameters["Size"]["ParameterConstraints"] == {"MinValue": "1", "MaxValue": "9"}
    assert sorted(c["Type"] for c in form["ConstraintSummaries"]) == ["LAUNCH", "TEMPLATE"]
    usage = {u["Type"]: u["Value"] for u in form["UsageInstructions"]}
    assert usage["launchAsRole"].endswith(f":role/{LAUNCH_ROLE}")
    assert "NotProd" in json.loads(usage["rules"])
    assert form["ProvisioningArtifactOutputKeys"] == [
        {"Key": "SettingName", "Description": "the parameter's name"}
    ]


def test_list_accepted_portfolio_shares(emulator, product):
    catalog = emulator.client("servicecatalog")
    assert catalog.list_accepted_portfolio_shares()["PortfolioDetails"] == []
    with pytest.raises(ClientError) as raised:
        catalog.accept_portfolio_share(PortfolioId="port-notsharedwith")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_product_follows_a_stack_that_waits_for_its_provider(emulator, product):
    """The stack waits for a custom resource's provider: requests are answered at once meanwhile, the
    product stays UNDER_CHANGE, and becomes AVAILABLE when the provider answers."""
    catalog = emulator.client("servicecatalog")
    topic, queue_url = sns_provider(emulator)
    record = provision(catalog, product, "waiting", artifact="waiting", Env="dev", Provider=topic)
    deadline = time.monotonic() + 30
    request = None
    while request is None and time.monotonic() < deadline:
        with contextlib.suppress(KeyError, ValueError):  # no message yet
            request = next_request(emulator, queue_url)
    assert request is not None
    started = time.monotonic()
    detail = catalog.describe_provisioned_product(Id=record["ProvisionedProductId"])[
        "ProvisionedProductDetail"
    ]
    assert time.monotonic() - started < 2
    assert detail["Status"] == "UNDER_CHANGE"
    assert catalog.describe_record(Id=record["RecordId"])["RecordDetail"]["Status"] == "IN_PROGRESS"

    assert respond(request, "SUCCESS", PhysicalResourceId="info-1", Data={"Answer": "42"}) == 200
    settled = wait_until_settled(catalog, record["RecordId"])
    assert settled["RecordDetail"]["Status"] == "SUCCEEDED"
    assert settled["RecordOutputs"] == [{"OutputKey": "Answer", "OutputValue": "42", "Description": ""}]
    detail = catalog.describe_provisioned_product(Id=record["ProvisionedProductId"])[
        "ProvisionedProductDetail"
    ]
    assert detail["Status"] == "AVAILABLE"
