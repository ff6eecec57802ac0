"""CloudFormation checks a stack's parameters before it creates anything, and so does the emulator: on
create_stack, update_stack, and create_change_set (CREATE and UPDATE) a bad value is a ValidationError
(HTTP 400) with AWS's message, and no stack, REVIEW_IN_PROGRESS stack, change set or resource is left."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from scripts.local import patches

PARAMETERS = {
    "Name": {"Type": "String", "AllowedPattern": "[a-z][a-z0-9-]*", "MinLength": 3, "MaxLength": 12},
    "Bucket": {
        "Type": "String",
        "AllowedPattern": "[a-z0-9.-]+",
        "ConstraintDescription": "a bucket name without wildcards",
    },
    "Stage": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"},
    "Count": {"Type": "Number", "MinValue": 1, "MaxValue": 5, "Default": 2},
    "Ports": {"Type": "List<Number>", "Default": "80,443"},
    "Zones": {"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"], "Default": "a, b"},
}
RULES = {
    "ProdRunsFive": {
        "RuleCondition": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "Assertions": [
            {"Assert": {"Fn::Equals": [{"Ref": "Count"}, 5]}, "AssertDescription": "prod runs five copies"}
        ],
    }
}
RESOURCES = {
    "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "${AWS::StackName}"}}}
}
BODY = json.dumps({"Parameters": PARAMETERS, "Rules": RULES, "Resources": RESOURCES})
VALID = {"Name": "alpha", "Bucket": "my-data"}

BAD = [
    pytest.param({"Nope": "x"}, "Parameters: [Nope] do not exist in the template", id="unknown-name"),
    pytest.param({"Name": None}, "Parameters: [Name] must have values", id="required-without-value"),
    pytest.param(
        {"Name": None, "Bucket": None}, "Parameters: [Name, Bucket] must have values", id="two-without-values"
    ),
    pytest.param(
        {"Name": "alpha*"},
        "Parameter 'Name' must match pattern [a-z][a-z0-9-]*",
        id="pattern-matches-a-prefix",
    ),
    pytest.param(
        {"Bucket": "my-*"},
        "Parameter Bucket failed to satisfy constraint: a bucket name without wildcards",
        id="pattern-with-constraint-description",
    ),
    pytest.param(
        {"Stage": "test"}, "Parameter 'Stage' must be one of AllowedValues", id="not-an-allowed-value"
    ),
    pytest.param(
        {"Name": "ab"}, "Parameter 'Name' must contain at least 3 characters", id="shorter-than-min"
    ),
    pytest.param(
        {"Name": "a" * 13}, "Parameter 'Name' must contain at most 12 characters", id="longer-than-max"
    ),
    pytest.param({"Count": "two"}, "Parameter 'Count' must be a number.", id="number-not-a-number"),
    pytest.param({"Count": "0"}, "Parameter 'Count' must be a number not less than 1", id="number-below-min"),
    pytest.param(
        {"Count": "6"}, "Parameter 'Count' must be a number not greater than 5", id="number-above-max"
    ),
    pytest.param(
        {"Ports": "80,http"}, "Parameter 'Ports' must be a number.", id="number-list-member-not-a-number"
    ),
    pytest.param(
        {"Zones": "a,c"}, "Parameter 'Zones' must be one of AllowedValues", id="list-member-not-allowed"
    ),
    pytest.param(
        {"Stage": "prod", "Count": "4"}, "prod runs five copies", id="template-rule-assertion-fails"
    ),
]


def entries(values: dict[str, str | None]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items() if v is not None]


def with_changes(changes: dict[str, str | None]) -> dict[str, str | None]:
    return {**VALID, **changes}


def refused(call, message: str) -> None:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ValidationError", message)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def stack_names(cloudformation) -> set[str]:
    return {s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"]}


def bucket_names(emulator) -> set[str]:
    return {b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]}


def create(cloudformation, stack: str, values: dict[str, str | None], body: str = BODY) -> None:
    cloudformation.create_stack(StackName=stack, TemplateBody=body, Parameters=entries(values))


@pytest.fixture(scope="module")
def cloudformation(emulator):
    return emulator.client("cloudformation")


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_create_stack_refuses(emulator, cloudformation, request, changes, message):
    stack = f"create-{request.node.callspec.id}"
    refused(lambda: create(cloudformation, stack, with_changes(changes)), message)
    assert stack not in stack_names(cloudformation)
    assert stack not in bucket_names(emulator)


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_create_change_set_refuses(emulator, cloudformation, request, changes, message):
    stack = f"review-{request.node.callspec.id}"
    refused(
        lambda: cloudformation.create_change_set(
            StackName=stack,
            ChangeSetName="first",
            ChangeSetType="CREATE",
            TemplateBody=BODY,
            Parameters=entries(with_changes(changes)),
        ),
        message,
    )
    assert stack not in stack_names(cloudformation)  # not even REVIEW_IN_PROGRESS


UPDATE_PREFIXES = {
    "test_update_stack_refuses": "us",
    "test_update_change_set_refuses": "uc",
    "test_update_refuses_bad_previous_values": "up",
}


@pytest.fixture
def existing(cloudformation, request) -> str:
    """A valid stack to update, named after the test."""
    stack = f"{UPDATE_PREFIXES[request.function.__name__]}-{request.node.callspec.id}"
    create(cloudformation, stack, VALID)
    assert status(cloudformation, stack) == "CREATE_COMPLETE"
    return stack


def change_sets(cloudformation, stack: str) -> list[str]:
    """moto lists every change set whatever StackName says; keep the stack's own."""
    summaries = cloudformation.list_change_sets(StackName=stack)["Summaries"]
    return [s["ChangeSetName"] for s in summaries if s["StackName"] == stack]


def status(cloudformation, stack: str) -> str:
    return cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]


def parameters_of(cloudformation, stack: str) -> dict[str, str]:
    [described] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {p["ParameterKey"]: p["ParameterValue"] for p in described.get("Parameters", [])}


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_update_stack_refuses(cloudformation, existing, changes, message):
    before = cloudformation.describe_stack_events(StackName=existing)["StackEvents"]
    refused(
        lambda: cloudformation.update_stack(
            StackName=existing, TemplateBody=BODY, Parameters=entries(with_changes(changes))
        ),
        message,
    )
    assert status(cloudformation, existing) == "CREATE_COMPLETE"
    assert cloudformation.describe_stack_events(StackName=existing)["StackEvents"] == before


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_update_change_set_refuses(cloudformation, existing, changes, message):
    refused(
        lambda: cloudformation.create_change_set(
            StackName=existing,
            ChangeSetName="second",
            ChangeSetType="UPDATE",
            TemplateBody=BODY,
            Parameters=entries(with_changes(changes)),
        ),
        message,
    )
    assert change_sets(cloudformation, existing) == []
    assert status(cloudformation, existing) == "CREATE_COMPLETE"


def test_a_valid_stack_creates_with_its_defaults(emulator, cloudformation):
    create(cloudformation, "valid-stack", VALID)
    assert status(cloudformation, "valid-stack") == "CREATE_COMPLETE"
    assert "valid-stack" in bucket_names(emulator)
    values = parameters_of(cloudformation, "valid-stack")
    assert (values["Name"], values["Bucket"], values["Stage"]) == ("alpha", "my-data", "dev")


def test_a_rule_whose_condition_is_false_does_not_apply(cloudformation):
    create(cloudformation, "dev-four", {**VALID, "Stage": "dev", "Count": "4"})
    assert status(cloudformation, "dev-four") == "CREATE_COMPLETE"


def test_values_for_a_template_without_parameters(cloudformation):
    body = json.dumps({"Resources": RESOURCES})
    refused(
        lambda: create(cloudformation, "no-parameters", {"Name": "alpha"}, body),
        "Parameter values specified for a template which does not require them.",
    )
    assert "no-parameters" not in stack_names(cloudformation)


# -- UsePreviousValue ------------------------------------------------------------------------------
def test_use_previous_value_keeps_given_and_default_values(cloudformation):
    create(cloudformation, "reuse", {**VALID, "Count": "3"})
    cloudformation.update_stack(
        StackName="reuse",
        TemplateBody=BODY,
        Parameters=[
            {"ParameterKey": "Name", "UsePreviousValue": True},
            {"ParameterKey": "Bucket", "ParameterValue": "other-data"},
            {"ParameterKey": "Count", "UsePreviousValue": True},
            {"ParameterKey": "Stage", "UsePreviousValue": True},  # its value came from the Default
        ],
    )
    assert status(cloudformation, "reuse") == "UPDATE_COMPLETE"
    values = parameters_of(cloudformation, "reuse")
    assert (values["Name"], values["Bucket"], values["Count"], values["Stage"]) == (
        "alpha",
        "other-data",
        "3",
        "dev",
    )


def test_use_previous_value_in_an_update_change_set(cloudformation):
    create(cloudformation, "reuse-set", VALID)
    cloudformation.create_change_set(
        StackName="reuse-set",
        ChangeSetName="rename",
        ChangeSetType="UPDATE",
        TemplateBody=BODY,
        Parameters=[
            {"ParameterKey": "Name", "ParameterValue": "beta"},
            {"ParameterKey": "Bucket", "UsePreviousValue": True},
        ],
    )
    described = cloudformation.describe_change_set(StackName="reuse-set", ChangeSetName="rename")
    given = {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}
    assert (given["Name"], given["Bucket"]) == ("beta", "my-data")
    cloudformation.execute_change_set(StackName="reuse-set", ChangeSetName="rename")
    assert status(cloudformation, "reuse-set") == "UPDATE_COMPLETE"
    assert parameters_of(cloudformation, "reuse-set")["Name"] == "beta"


WIDER = json.dumps(
    {"Parameters": {**PARAMETERS, "Extra": {"Type": "String"}}, "Rules": RULES, "Resources": RESOURCES}
)


@pytest.mark.parametrize(
    ("given", "body", "message"),
    [
        pytest.param(
            [{"ParameterKey": "Extra", "UsePreviousValue": True}],
            WIDER,
            "Invalid input for parameter key Extra. Cannot specify usePreviousValue as true for a parameter "
            "key not in the previous template",
            id="previous-value-of-a-new-parameter",
        ),
        pytest.param(
            [{"ParameterKey": "Name", "UsePreviousValue": True, "ParameterValue": "beta"}],
            BODY,
            "Invalid input for parameter key Name. Cannot specify usePreviousValue as true and non empty "
            "value for a parameter",
            id="previous-value-and-a-value",
        ),
        pytest.param(
            [{"ParameterKey": "Name", "UsePreviousValue": False}],
            BODY,
            "Invalid input for parameter key Name. Need to specify either usePreviousValue as true or a "
            "value for the parameter",
            id="neither-previous-value-nor-a-value",
        ),
        pytest.param(
            [{"ParameterKey": "Bucket", "UsePreviousValue": True}],
            BODY,
            "Parameters: [Name] must have values",
            id="update-omits-a-required-parameter",
        ),
    ],
)
def test_update_refuses_bad_previous_values(cloudformation, existing, given, body, message):
    refused(
        lambda: cloudformation.update_stack(StackName=existing, TemplateBody=body, Parameters=given), message
    )
    refused(
        lambda: cloudformation.create_change_set(
            StackName=existing,
            ChangeSetName="bad",
            ChangeSetType="UPDATE",
            TemplateBody=body,
            Parameters=given,
        ),
        message,
    )
    assert status(cloudformation, existing) == "CREATE_COMPLETE"
    assert change_sets(cloudformation, existing) == []


def test_use_previous_value_when_creating_is_refused(cloudformation):
    given = [
        {"ParameterKey": "Name", "UsePreviousValue": True},
        {"ParameterKey": "Bucket", "ParameterValue": "b"},
    ]
    message = (
        "Invalid input for parameter key Name. Cannot specify usePreviousValue as true for a parameter key "
        "not in the previous template"
    )
    refused(
        lambda: cloudformation.create_stack(StackName="new-reuse", TemplateBody=BODY, Parameters=given),
        message,
    )
    assert "new-reuse" not in stack_names(cloudformation)


# -- the template alone: ValidateTemplate ----------------------------------------------------------
def template_with(parameters: dict, rules: dict | None = None) -> str:
    return json.dumps(
        {"Parameters": parameters, **({"Rules": rules} if rules else {}), "Resources": RESOURCES}
    )


def rule(assertion: dict) -> dict:
    return {"Checked": {"Assertions": [{"Assert": assertion, "AssertDescription": "checked"}]}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            template_with({"Name": {"Type": "String"}}, rule({"Fn::If": ["c", "a", "b"]})),
            "Template format error: Following functions are not supported in the Rules block of the "
            "template: [Fn::If]",
            id="rule-with-fn-if",
        ),
        pytest.param(
            template_with({"Name": {"Type": "String"}}, rule({"Fn::Equals": [{"Ref": "Other"}, "x"]})),
            "Template format error: Rules block references undeclared parameters: [Other]",
            id="rule-names-an-undeclared-parameter",
        ),
        pytest.param(
            template_with({"Name": {"Default": "x"}}),
            "Template format error: Every Parameters object must contain a Type member.",
            id="parameter-without-type",
        ),
        pytest.param(
            template_with({"Name": {"Type": "Text"}}),
            "Template format error: Unrecognized parameter type: Text",
            id="parameter-of-unknown-type",
        ),
    ],
)
def test_templates_aws_refuses(cloudformation, request, body, message):
    refused(lambda: cloudformation.validate_template(TemplateBody=body), message)
    stack = f"bad-template-{request.node.callspec.id}"
    refused(lambda: cloudformation.create_stack(StackName=stack, TemplateBody=body), message)
    assert stack not in stack_names(cloudformation)


def test_a_valid_template_with_rules_validates(cloudformation):
    # Every parameter is used: moto's ValidateTemplate refuses any cfn-lint finding, warnings included.
    body = json.dumps(
        {
            "Description": "rules that hold",
            "Parameters": {"Stage": PARAMETERS["Stage"], "Count": PARAMETERS["Count"]},
            "Rules": RULES,
            "Resources": {
                "Data": {
                    "Type": "AWS::S3::Bucket",
                    "Properties": {"BucketName": {"Fn::Sub": "data-${Stage}-${Count}"}},
                }
            },
        }
    )
    assert cloudformation.validate_template(TemplateBody=body)["Description"] == "rules that hold"


# -- rules that read the account ---------------------------------------------------------------------
def test_rules_read_the_accounts_vpcs_and_subnets(emulator, cloudformation):
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Department", "Value": "IT"}])
    body = json.dumps(
        {
            "Parameters": {
                "Vpc": {"Type": "AWS::EC2::VPC::Id"},
                "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>"},
            },
            "Rules": {
                "SubnetsInTheVpc": {
                    "Assertions": [
                        {
                            "Assert": {"Fn::Contains": [{"Fn::RefAll": "AWS::EC2::VPC::Id"}, {"Ref": "Vpc"}]},
                            "AssertDescription": "the VPC must exist",
                        },
                        {
                            "Assert": {
                                "Fn::EachMemberEquals": [
                                    {"Fn::ValueOf": ["Subnets", "VpcId"]},
                                    {"Ref": "Vpc"},
                                ]
                            },
                            "AssertDescription": "every subnet must be in the VPC",
                        },
                        {
                            "Assert": {
                                "Fn::EachMemberEquals": [
                                    {"Fn::ValueOfAll": ["AWS::EC2::VPC::Id", "Tags.Department"]},
                                    "IT",
                                ]
                            },
                            "AssertDescription": "the VPC must belong to IT",
                        },
                    ]
                }
            },
            "Resources": RESOURCES,
        }
    )
    finance = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    finance_subnet = ec2.create_subnet(VpcId=finance, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_tags(Resources=[finance], Tags=[{"Key": "Department", "Value": "Finance"}])
    cases = {
        "vpc-absent": ({"Vpc": "vpc-0absent", "Subnets": subnet}, "the VPC must exist"),
        "vpc-elsewhere": ({"Vpc": finance, "Subnets": subnet}, "every subnet must be in the VPC"),
        "vpc-of-finance": ({"Vpc": finance, "Subnets": finance_subnet}, "the VPC must belong to IT"),
    }
    for stack, (values, message) in cases.items():
        refused(lambda stack=stack, values=values: create(cloudformation, stack, values, body), message)
    create(cloudformation, "vpc-right", {"Vpc": vpc, "Subnets": subnet}, body)
    assert status(cloudformation, "vpc-right") == "CREATE_COMPLETE"
    assert set(cases).isdisjoint(stack_names(cloudformation))


def test_rules_see_the_value_an_ssm_parameter_holds(emulator, cloudformation):
    """The CDK's bootstrap check: a rule reads the stored value, not the parameter's name."""
    ssm = emulator.client("ssm")
    body = json.dumps(
        {
            "Parameters": {
                "BootstrapVersion": {
                    "Type": "AWS::SSM::Parameter::Value<String>",
                    "Default": "/cdk-bootstrap/tests/version",
                }
            },
            "Rules": {
                "CheckBootstrapVersion": {
                    "Assertions": [
                        {
                            "Assert": {
                                "Fn::Not": [
                                    {"Fn::Contains": [["1", "2", "3", "4", "5"], {"Ref": "BootstrapVersion"}]}
                                ]
                            },
                            "AssertDescription": "CDK bootstrap stack version 6 required.",
                        }
                    ]
                }
            },
            "Resources": RESOURCES,
        }
    )
    ssm.put_parameter(Name="/cdk-bootstrap/tests/version", Value="5", Type="String")
    refused(
        lambda: create(cloudformation, "bootstrap-old", {}, body), "CDK bootstrap stack version 6 required."
    )
    ssm.put_parameter(Name="/cdk-bootstrap/tests/version", Value="21", Type="String", Overwrite=True)
    create(cloudformation, "bootstrap-new", {}, body)
    assert status(cloudformation, "bootstrap-new") == "CREATE_COMPLETE"


# -- the hook ------------------------------------------------------------------------------------------
def test_every_patch_names_what_this_moto_has():
    for owner, name, _ in patches.PATCHES:
        assert name in vars(owner), f"{owner.__name__}.{name}"


def test_a_patch_of_something_moto_no_longer_has_stops_the_start(monkeypatch):
    class Renamed:
        pass

    monkeypatch.setattr(patches, "PATCHES", ((Renamed, "create_stack", lambda self: None),))
    with pytest.raises(patches.MotoChangedError, match=r"moto no longer has Renamed\.create_stack"):
        patches.apply()
