"""Stack operations in the emulator behave as CloudFormation's: per-resource events, rollback of a
failed create (nothing left behind), rollback of a failed update (the old state restored), and a
resource type nobody handles fails loudly instead of being skipped."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

MISSING_TEMPLATE_URL = "https://absent-bucket.s3.us-east-1.amazonaws.com/product.yaml"


def template(resources: dict, outputs: dict | None = None) -> str:
    return json.dumps({"Resources": resources, **({"Outputs": outputs} if outputs else {})})


def bucket(name: str) -> dict:
    return {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}}


def portfolio(name: str) -> dict:
    return {
        "Type": "AWS::ServiceCatalog::Portfolio",
        "Properties": {"DisplayName": name, "ProviderName": "tests"},
    }


def product(url: str, depends_on: str) -> dict:
    return {
        "Type": "AWS::ServiceCatalog::CloudFormationProduct",
        "DependsOn": depends_on,
        "Properties": {
            "Name": "broken",
            "Owner": "tests",
            "ProvisioningArtifactParameters": [{"Name": "1.0.0", "Info": {"LoadTemplateFromURL": url}}],
        },
    }


def statuses(cloudformation, stack: str) -> list[tuple[str, str]]:
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(events)]


def reason(cloudformation, stack: str, logical_id: str, status: str) -> str:
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    return next(
        e["ResourceStatusReason"]
        for e in events
        if e["LogicalResourceId"] == logical_id and e["ResourceStatus"] == status
    )


def test_a_failed_create_rolls_back_and_leaves_nothing(emulator):
    cloudformation = emulator.client("cloudformation")
    body = template(
        {
            "Data": bucket("rollback-data"),
            "Catalog": portfolio("rollback-portfolio"),
            "Product": product(MISSING_TEMPLATE_URL, "Catalog"),
        },
        {"Bucket": {"Value": {"Ref": "Data"}}},
    )
    cloudformation.create_stack(StackName="broken-create", TemplateBody=body)

    [stack] = cloudformation.describe_stacks(StackName="broken-create")["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Outputs" not in stack
    assert statuses(cloudformation, "broken-create") == [
        ("broken-create", "CREATE_IN_PROGRESS"),
        ("Data", "CREATE_IN_PROGRESS"),
        ("Data", "CREATE_COMPLETE"),
        ("Catalog", "CREATE_IN_PROGRESS"),
        ("Catalog", "CREATE_COMPLETE"),
        ("Product", "CREATE_IN_PROGRESS"),
        ("Product", "CREATE_FAILED"),
        ("broken-create", "ROLLBACK_IN_PROGRESS"),
        ("Catalog", "DELETE_IN_PROGRESS"),
        ("Catalog", "DELETE_COMPLETE"),
        ("Data", "DELETE_IN_PROGRESS"),
        ("Data", "DELETE_COMPLETE"),
        ("broken-create", "ROLLBACK_COMPLETE"),
    ]
    failure = reason(cloudformation, "broken-create", "Product", "CREATE_FAILED")
    assert MISSING_TEMPLATE_URL in failure and "InvalidParametersException" in failure
    assert "[Product]" in reason(cloudformation, "broken-create", "broken-create", "ROLLBACK_IN_PROGRESS")
    assert "rollback-data" not in {b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]}
    assert emulator.client("servicecatalog").list_portfolios()["PortfolioDetails"] == []
    assert cloudformation.list_stack_resources(StackName="broken-create")["StackResourceSummaries"] == []


def test_a_failed_change_set_execution_rolls_back(emulator):
    cloudformation = emulator.client("cloudformation")
    body = template(
        {"Catalog": portfolio("change-set-portfolio"), "Product": product(MISSING_TEMPLATE_URL, "Catalog")}
    )
    cloudformation.create_change_set(
        StackName="broken-change-set", ChangeSetName="first", ChangeSetType="CREATE", TemplateBody=body
    )
    cloudformation.execute_change_set(StackName="broken-change-set", ChangeSetName="first")

    [stack] = cloudformation.describe_stacks(StackName="broken-change-set")["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    change_set = cloudformation.describe_change_set(StackName="broken-change-set", ChangeSetName="first")
    assert change_set["ExecutionStatus"] == "EXECUTE_FAILED"
    assert ("Product", "CREATE_FAILED") in statuses(cloudformation, "broken-change-set")
    assert emulator.client("servicecatalog").list_portfolios()["PortfolioDetails"] == []


def test_a_failed_update_restores_what_it_changed_and_removes_what_it_added(emulator):
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(
        StackName="broken-update", TemplateBody=template({"Catalog": portfolio("before")})
    )
    portfolio_id = cloudformation.describe_stack_resource(
        StackName="broken-update", LogicalResourceId="Catalog"
    )["StackResourceDetail"]["PhysicalResourceId"]

    changed = template(
        {
            "Catalog": portfolio("after"),
            "Extra": bucket("update-extra"),
            "Product": product(MISSING_TEMPLATE_URL, "Extra"),
        }
    )
    cloudformation.update_stack(StackName="broken-update", TemplateBody=changed)

    [stack] = cloudformation.describe_stacks(StackName="broken-update")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    catalog = emulator.client("servicecatalog")
    assert catalog.describe_portfolio(Id=portfolio_id)["PortfolioDetail"]["DisplayName"] == "before"
    assert "update-extra" not in {b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]}
    assert catalog.search_products_as_admin()["ProductViewDetails"] == []
    events = statuses(cloudformation, "broken-update")
    assert events[-1] == ("broken-update", "UPDATE_ROLLBACK_COMPLETE")
    assert ("Product", "CREATE_FAILED") in events and ("Extra", "DELETE_COMPLETE") in events


def test_an_update_touches_only_what_resolves_differently(emulator):
    cloudformation = emulator.client("cloudformation")
    parameters = {"Parameters": {"Name": {"Type": "String"}}}
    resources = {
        "Catalog": {**portfolio("x"), "Properties": {"DisplayName": {"Ref": "Name"}, "ProviderName": "t"}}
    }
    body = json.dumps({**parameters, "Resources": {**resources, "Data": bucket("untouched-bucket")}})
    cloudformation.create_stack(
        StackName="partial-update",
        TemplateBody=body,
        Parameters=[{"ParameterKey": "Name", "ParameterValue": "one"}],
    )
    cloudformation.update_stack(
        StackName="partial-update",
        TemplateBody=body,
        Parameters=[{"ParameterKey": "Name", "ParameterValue": "two"}],
    )
    events = statuses(cloudformation, "partial-update")
    assert [logical for logical, status in events if status == "UPDATE_COMPLETE"] == [
        "Catalog",
        "partial-update",
    ]
    portfolio_id = cloudformation.describe_stack_resource(
        StackName="partial-update", LogicalResourceId="Catalog"
    )["StackResourceDetail"]["PhysicalResourceId"]
    catalog = emulator.client("servicecatalog")
    assert catalog.describe_portfolio(Id=portfolio_id)["PortfolioDetail"]["DisplayName"] == "two"


def test_a_resource_type_without_a_handler_fails_loudly(emulator):
    cloudformation = emulator.client("cloudformation")
    body = template({"Unknown": {"Type": "AWS::GameLift::Fleet", "Properties": {"Name": "fleet"}}})
    cloudformation.create_stack(StackName="unsupported", TemplateBody=body)
    [stack] = cloudformation.describe_stacks(StackName="unsupported")["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "AWS::GameLift::Fleet is not supported by the local emulator" in reason(
        cloudformation, "unsupported", "Unknown", "CREATE_FAILED"
    )


def test_deleting_a_stack_deletes_its_resources_dependents_first(emulator):
    cloudformation = emulator.client("cloudformation")
    body = template({"Data": bucket("deleted-with-stack"), "Catalog": portfolio("deleted-portfolio")})
    cloudformation.create_stack(StackName="to-delete", TemplateBody=body)
    stack_id = cloudformation.describe_stacks(StackName="to-delete")["Stacks"][0]["StackId"]
    cloudformation.delete_stack(StackName="to-delete")
    [stack] = cloudformation.describe_stacks(StackName=stack_id)["Stacks"]
    assert stack["StackStatus"] == "DELETE_COMPLETE"
    assert ("Data", "DELETE_COMPLETE") in statuses(cloudformation, stack_id)
    assert "deleted-with-stack" not in {b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]}
    with pytest.raises(ClientError, match="does not exist"):
        cloudformation.describe_stacks(StackName="to-delete")


def role(name: str) -> dict:
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    }
    return {"Type": "AWS::IAM::Role", "Properties": {"RoleName": name, "AssumeRolePolicyDocument": trust}}


def managed_policy(action: str, role_logical_id: str) -> dict:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
    }
    return {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {"Roles": [{"Ref": role_logical_id}], "PolicyDocument": document},
    }


def test_a_managed_policy_is_updated_in_place_and_detached_on_delete(emulator):
    cloudformation, iam = emulator.client("cloudformation"), emulator.client("iam")
    cloudformation.create_stack(
        StackName="policies",
        TemplateBody=template(
            {"Role": role("policy-holder"), "Policy": managed_policy("s3:GetObject", "Role")}
        ),
    )
    [before] = iam.list_attached_role_policies(RoleName="policy-holder")["AttachedPolicies"]

    cloudformation.update_stack(
        StackName="policies",
        TemplateBody=template(
            {"Role": role("policy-holder"), "Policy": managed_policy("s3:PutObject", "Role")}
        ),
    )
    [after] = iam.list_attached_role_policies(RoleName="policy-holder")["AttachedPolicies"]
    assert after["PolicyArn"] == before["PolicyArn"]
    policy = iam.get_policy(PolicyArn=after["PolicyArn"])["Policy"]
    document = iam.get_policy_version(PolicyArn=after["PolicyArn"], VersionId=policy["DefaultVersionId"])
    assert document["PolicyVersion"]["Document"]["Statement"][0]["Action"] == "s3:PutObject"

    cloudformation.delete_stack(StackName="policies")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_policy(PolicyArn=after["PolicyArn"])
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName="policy-holder")


def test_a_lambda_permission_is_a_statement_that_goes_with_its_stack(emulator):
    import io
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handler_zip:
        handler_zip.writestr("index.py", "def handler(event, context):\n    return event\n")
    emulator.client("iam").create_role(
        RoleName="function-role",
        AssumeRolePolicyDocument=json.dumps(role("x")["Properties"]["AssumeRolePolicyDocument"]),
    )
    emulator.client("lambda").create_function(
        FunctionName="permitted",
        Runtime="python3.13",
        Role=f"arn:aws:iam::{emulator.account}:role/function-role",
        Handler="index.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    permission = {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "FunctionName": "permitted",
            "Action": "lambda:InvokeFunction",
            "Principal": "events.amazonaws.com",
        },
    }
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(
        StackName="permission",
        TemplateBody=template({"Allow": permission}, {"Sid": {"Value": {"Ref": "Allow"}}}),
    )
    [output] = cloudformation.describe_stacks(StackName="permission")["Stacks"][0]["Outputs"]
    assert output["OutputValue"].startswith("permission-Allow-")
    statements = json.loads(emulator.client("lambda").get_policy(FunctionName="permitted")["Policy"])[
        "Statement"
    ]
    assert [s["Sid"] for s in statements] == [output["OutputValue"]]

    cloudformation.delete_stack(StackName="permission")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        emulator.client("lambda").get_policy(FunctionName="permitted")


def test_an_update_that_turns_a_condition_false_deletes_its_resource(emulator):
    cloudformation, s3 = emulator.client("cloudformation"), emulator.client("s3")
    body = json.dumps(
        {
            "Parameters": {"Extra": {"Type": "String", "AllowedValues": ["yes", "no"]}},
            "Conditions": {"WantsExtra": {"Fn::Equals": [{"Ref": "Extra"}, "yes"]}},
            "Resources": {
                "Kept": bucket("condition-kept"),
                "Extra": {**bucket("condition-extra"), "Condition": "WantsExtra"},
            },
        }
    )
    cloudformation.create_stack(
        StackName="conditions",
        TemplateBody=body,
        Parameters=[{"ParameterKey": "Extra", "ParameterValue": "yes"}],
    )
    assert {"condition-kept", "condition-extra"} <= {b["Name"] for b in s3.list_buckets()["Buckets"]}
    cloudformation.update_stack(
        StackName="conditions",
        TemplateBody=body,
        Parameters=[{"ParameterKey": "Extra", "ParameterValue": "no"}],
    )
    [stack] = cloudformation.describe_stacks(StackName="conditions")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert "condition-kept" in names and "condition-extra" not in names
    logical = {
        r["LogicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName="conditions")["StackResources"]
    }
    assert logical == {"Kept"}
    assert ("Extra", "DELETE_COMPLETE") in statuses(cloudformation, "conditions")
