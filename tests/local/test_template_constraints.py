"""Service Catalog template constraints: the rules evaluator they share with CloudFormation's Rules
section, CreateConstraint/DescribeConstraint/ListConstraintsForPortfolio/DeleteConstraint with
Type=TEMPLATE, the AWS::ServiceCatalog::LaunchTemplateConstraint resource, and the check of a launch's
parameters that ProvisionProduct makes against them."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
from botocore.exceptions import ClientError
from moto.s3.models import s3_backends

from scripts.local.cloudformation import rules
from scripts.local.servicecatalog.exceptions import InvalidParametersException, ResourceNotFoundException
from scripts.local.servicecatalog.models import Backend

P = rules.Parameter


# -- the evaluator (no emulator) ---------------------------------------------------------------------
class FakeAccount:
    """Two VPCs (one tagged IT) and two subnets, as Fn::RefAll / Fn::ValueOf(All) see an account."""

    ids_by_type: ClassVar = {
        "AWS::EC2::VPC::Id": ["vpc-it", "vpc-hr"],
        "AWS::EC2::Subnet::Id": ["subnet-1", "subnet-2"],
    }
    attributes: ClassVar = {
        ("vpc-it", "Tags.Department"): "IT",
        ("subnet-1", "VpcId"): "vpc-it",
        ("subnet-2", "VpcId"): "vpc-hr",
        ("subnet-1", "AvailabilityZone"): "us-east-1a",
    }

    def ids(self, parameter_type: str) -> list[str]:
        return self.ids_by_type[parameter_type]

    def attribute(self, parameter_type: str, resource_id: str, attribute: str) -> str | None:
        return self.attributes.get((resource_id, attribute))


PARAMETERS = {
    "Env": P("String", "test"),
    "Instance": P("String", "m1.small"),
    "Count": P("Number", "3"),
    "Buckets": P("CommaDelimitedList", ["data-a", "data-b"]),
    "Vpc": P("AWS::EC2::VPC::Id", "vpc-it"),
    "Subnets": P("List<AWS::EC2::Subnet::Id>", ["subnet-1"]),
    "Empty": P("String", ""),
}


def holds(assertion: dict) -> bool:
    section = {"R": {"Assertions": [{"Assert": assertion, "AssertDescription": "d"}]}}
    return not rules.evaluate(section, PARAMETERS, FakeAccount())


EQ_TEST = {"Fn::Equals": [{"Ref": "Env"}, "test"]}
EQ_PROD = {"Fn::Equals": [{"Ref": "Env"}, "prod"]}


@pytest.mark.parametrize(
    ("assertion", "expected"),
    [
        pytest.param(EQ_TEST, True, id="equals-ref-and-string"),
        pytest.param(EQ_PROD, False, id="equals-different"),
        pytest.param({"Fn::Equals": [{"Ref": "Count"}, 3]}, True, id="equals-number-literal-as-text"),
        pytest.param({"Fn::Equals": [{"Ref": "Empty"}, ""]}, True, id="equals-empty-value"),
        pytest.param({"Fn::And": [EQ_TEST, EQ_TEST]}, True, id="and-all-true"),
        pytest.param({"Fn::And": [EQ_TEST, EQ_PROD]}, False, id="and-one-false"),
        pytest.param({"Fn::Or": [EQ_PROD, EQ_TEST]}, True, id="or-one-true"),
        pytest.param({"Fn::Or": [EQ_PROD, EQ_PROD]}, False, id="or-none-true"),
        pytest.param({"Fn::Not": [EQ_PROD]}, True, id="not-false"),
        pytest.param({"Fn::Not": [EQ_TEST]}, False, id="not-true"),
        pytest.param({"Fn::Contains": [["m1.small", "m1.large"], {"Ref": "Instance"}]}, True, id="contains"),
        pytest.param({"Fn::Contains": [["m1.large"], {"Ref": "Instance"}]}, False, id="contains-not"),
        pytest.param(
            {"Fn::Contains": [{"Ref": "Buckets"}, "data-b"]}, True, id="contains-in-a-list-parameter"
        ),
        pytest.param({"Fn::EachMemberEquals": [["a", "a"], "a"]}, True, id="each-member-equals"),
        pytest.param({"Fn::EachMemberEquals": [["a", "b"], "a"]}, False, id="each-member-equals-not"),
        pytest.param(
            {"Fn::EachMemberIn": [{"Ref": "Buckets"}, ["data-a", "data-b", "data-c"]]},
            True,
            id="each-member-in",
        ),
        pytest.param({"Fn::EachMemberIn": [{"Ref": "Buckets"}, ["data-a"]]}, False, id="each-member-in-not"),
        pytest.param(
            {"Fn::Contains": [{"Fn::RefAll": "AWS::EC2::VPC::Id"}, {"Ref": "Vpc"}]},
            True,
            id="refall-has-the-vpc",
        ),
        pytest.param(
            {"Fn::Contains": [{"Fn::RefAll": "AWS::EC2::VPC::Id"}, "vpc-other"]},
            False,
            id="refall-lacks-a-vpc",
        ),
        pytest.param(
            {"Fn::Equals": [{"Fn::ValueOf": ["Vpc", "Tags.Department"]}, "IT"]}, True, id="valueof-tag"
        ),
        pytest.param(
            {"Fn::EachMemberEquals": [{"Fn::ValueOf": ["Subnets", "VpcId"]}, {"Ref": "Vpc"}]},
            True,
            id="valueof-list-parameter",
        ),
        pytest.param(
            {"Fn::EachMemberIn": [{"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", "VpcId"]}, ["vpc-it"]]},
            True,
            id="valueofall-of-the-parameters-of-a-type",
        ),
        pytest.param(
            {"Fn::EachMemberEquals": [{"Fn::ValueOfAll": ["AWS::EC2::VPC::Id", "Tags.Department"]}, "IT"]},
            True,
            id="valueofall-tags",
        ),
    ],
)
def test_rule_functions(assertion, expected):
    assert holds(assertion) is expected


def test_rule_conditions_and_failed_assertion_descriptions():
    section = {
        "WhenTest": {
            "RuleCondition": EQ_TEST,
            "Assertions": [
                {
                    "Assert": {"Fn::Contains": [["m1.large"], {"Ref": "Instance"}]},
                    "AssertDescription": "large",
                },
                {"Assert": EQ_TEST, "AssertDescription": "holds"},
                {"Assert": EQ_PROD},
            ],
        },
        "WhenProd": {
            "RuleCondition": EQ_PROD,
            "Assertions": [{"Assert": EQ_PROD, "AssertDescription": "skipped"}],
        },
        "Always": {"Assertions": [{"Assert": {"Fn::Not": [EQ_TEST]}, "AssertDescription": "always checked"}]},
    }
    failed = rules.evaluate(section, PARAMETERS, FakeAccount())
    assert failed == [
        rules.FailedAssertion("WhenTest", "large"),
        rules.FailedAssertion("WhenTest", None),
        rules.FailedAssertion("Always", "always checked"),
    ]
    assert [rules.failure_message(f) for f in failed] == [
        "large",
        "Assertion failed for rule WhenTest",
        "always checked",
    ]


def test_failed_assertions_of_plain_values():
    section = allow_list_rules(["data-a", "data-b"])
    values = {"DataBucketName": "data-a", "DataWranglerFlowBucket": "elsewhere"}
    assert rules.failed_assertions(section, values) == [
        rules.FailedAssertion("AllowedFlowBucket", FLOW_MESSAGE)
    ]
    assert rules.failed_assertions(section, {**values, "DataWranglerFlowBucket": "data-b"}) == []


def one_rule(assertion) -> dict:
    return {"R": {"Assertions": [{"Assert": assertion}]}}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        pytest.param(
            one_rule({"Fn::And": [{"Condition": "C"}, {"Fn::If": ["C", EQ_TEST, EQ_PROD]}]}),
            "Template format error: Following functions are not supported in the Rules block of the "
            "template: [Condition, Fn::If]",
            id="unsupported-functions-all-named",
        ),
        pytest.param(
            one_rule({"Fn::Equals": [{"Ref": "Nope"}, {"Fn::ValueOf": ["Other", "VpcId"]}]}),
            "Template format error: Rules block references undeclared parameters: [Nope, Other]",
            id="undeclared-parameters",
        ),
        pytest.param(
            [], "Template format error: Rules must be a JSON object of named rules", id="not-an-object"
        ),
        pytest.param(
            {"R": {"RuleCondition": EQ_TEST}},
            "Template format error: rule R must have a non-empty Assertions list",
            id="no-assertions",
        ),
        pytest.param(
            {"R": {"Assertions": [{"AssertDescription": "d"}]}},
            "Template format error: every assertion of rule R must have an Assert",
            id="assertion-without-assert",
        ),
        pytest.param(
            {"R": {"Assertion": [{"Assert": EQ_TEST}], "Assertions": [{"Assert": EQ_TEST}]}},
            "Template format error: rule R has unknown properties ['Assertion']",
            id="misspelt-property",
        ),
        pytest.param(
            one_rule({"Ref": "Env"}),
            "Template format error: the Assert of rule R must be one of Fn::And, Fn::Contains, "
            'Fn::EachMemberEquals, Fn::EachMemberIn, Fn::Equals, Fn::Not, Fn::Or, not {"Ref": "Env"}',
            id="assert-is-not-a-condition",
        ),
        pytest.param(
            one_rule({"Fn::Or": [EQ_TEST]}),
            'Template format error: Fn::Or takes a list of 2 to 10 arguments, not [{"Fn::Equals": [{"Ref": '
            '"Env"}, "test"]}]',
            id="or-with-one-condition",
        ),
        pytest.param(
            one_rule({"Fn::Not": [EQ_TEST, EQ_PROD]}),
            "Template format error: Fn::Not takes a list of 1 arguments, not "
            '[{"Fn::Equals": [{"Ref": "Env"}, "test"]}, {"Fn::Equals": [{"Ref": "Env"}, "prod"]}]',
            id="not-with-two-conditions",
        ),
        pytest.param(
            one_rule({"Fn::Equals": [{"Fn::ValueOf": [{"Ref": "Vpc"}, "VpcId"]}, "x"]}),
            "Template format error: Fn::ValueOf takes a list of two strings (no functions inside it), "
            'not [{"Ref": "Vpc"}, "VpcId"]',
            id="function-inside-valueof",
        ),
        pytest.param(
            one_rule({"Fn::Equals": [{"Fn::ValueOf": ["Env", "VpcId"]}, "x"]}),
            "Template format error: Fn::ValueOf reads attributes of AWS::EC2::VPC::Id, AWS::EC2::Subnet::Id, "
            "AWS::EC2::SecurityGroup::Id only, not of String",
            id="valueof-of-a-string-parameter",
        ),
        pytest.param(
            one_rule({"Fn::Equals": [{"Fn::ValueOf": ["Vpc", "CidrBlock"]}, "x"]}),
            "Template format error: Fn::ValueOf: AWS::EC2::VPC::Id has no attribute CidrBlock (it has "
            "DefaultNetworkAcl, DefaultSecurityGroup, Tags.<key>)",
            id="valueof-of-an-unsupported-attribute",
        ),
        pytest.param(
            one_rule({"Fn::Contains": [{"Ref": "Env"}, "test"]}),
            'Template error: Fn::Contains takes a list of strings, not "test"',
            id="contains-in-a-string",
        ),
    ],
)
def test_rules_aws_refuses(section, message):
    with pytest.raises(rules.RulesError) as caught:
        rules.evaluate(section, PARAMETERS, FakeAccount())
    assert caught.value.message == message


def test_without_parameter_names_only_the_shape_is_checked():
    rules.validate(one_rule({"Fn::Equals": [{"Ref": "DeclaredAtLaunch"}, "x"]}))  # no error
    with pytest.raises(rules.RulesError, match="not supported"):
        rules.validate(one_rule({"Fn::If": ["C", EQ_TEST, EQ_PROD]}))


# -- the backend's launch check, in this process (its own account, nothing shared) --------------------
ACCOUNT = "210987654321"
REGION = "us-east-1"
PRODUCT_TEMPLATE = {
    "Parameters": {
        "DataBucketName": {"Type": "String"},
        "DataWranglerFlowBucket": {"Type": "String", "Default": "flows-elsewhere"},
    },
    "Resources": {"Data": {"Type": "AWS::S3::Bucket"}},
}


def allow_list_rules(buckets: list[str]) -> dict:
    """What the portfolio stack's DataBucketsConstraint says."""
    listed = ", ".join(buckets)
    return {
        "AllowedDataBucket": {
            "Assertions": [
                {
                    "Assert": {"Fn::Contains": [buckets, {"Ref": "DataBucketName"}]},
                    "AssertDescription": (
                        f"DataBucketName must be one of the buckets this portfolio allows: {listed}"
                    ),
                }
            ]
        },
        "AllowedFlowBucket": {
            "Assertions": [
                {
                    "Assert": {"Fn::Contains": [buckets, {"Ref": "DataWranglerFlowBucket"}]},
                    "AssertDescription": (
                        f"DataWranglerFlowBucket must be one of the buckets this portfolio allows: {listed}"
                    ),
                }
            ]
        },
    }


DATA_MESSAGE = "DataBucketName must be one of the buckets this portfolio allows: data-a, data-b"
FLOW_MESSAGE = "DataWranglerFlowBucket must be one of the buckets this portfolio allows: data-a, data-b"


@pytest.fixture
def catalog():
    """Our Service Catalog backend with a portfolio, a product (its template in S3) and the association."""
    s3 = s3_backends[ACCOUNT]["aws"]
    s3.create_bucket("launch-check-templates", REGION)
    s3.put_object("launch-check-templates", "product.json", json.dumps(PRODUCT_TEMPLATE).encode())
    backend = Backend(REGION, ACCOUNT)
    portfolio, _ = backend.create_portfolio(None, "portfolio", None, "tests", [], None)
    product = backend.create_product(
        name="product",
        owner="tests",
        description=None,
        distributor=None,
        support_description=None,
        support_email=None,
        support_url=None,
        product_type="CLOUD_FORMATION_TEMPLATE",
        tags=[],
        provisioning_artifact_parameters={
            "Name": "1.0.0",
            "Info": {"LoadTemplateFromURL": "https://launch-check-templates.s3.amazonaws.com/product.json"},
        },
        idempotency_token=None,
        source_connection=None,
        accept_language=None,
    )
    backend.associate_product_with_portfolio(product.id, portfolio["Id"])
    yield backend, portfolio["Id"], product.id
    s3.delete_object("launch-check-templates", "product.json")
    s3.delete_bucket("launch-check-templates")
    s3_backends.pop(ACCOUNT, None)


def constrain(backend: Backend, portfolio: str, product: str, section: dict) -> str:
    return backend.create_constraint(portfolio, product, "TEMPLATE", json.dumps({"Rules": section}), "").id


ALLOWED = {"DataBucketName": "data-a", "DataWranglerFlowBucket": "data-b"}


def test_a_launch_within_the_allow_list_passes(catalog):
    backend, portfolio, product = catalog
    constrain(backend, portfolio, product, allow_list_rules(["data-a", "data-b"]))
    backend.check_launch_parameters(portfolio, product, "1.0.0", ALLOWED)
    backend.check_launch_parameters(
        f"lpv3-{portfolio}", product, "1.0.0", [{"Key": k, "Value": v} for k, v in ALLOWED.items()]
    )


@pytest.mark.parametrize(
    ("launch", "message"),
    [
        pytest.param({**ALLOWED, "DataBucketName": "other"}, DATA_MESSAGE, id="data-bucket-not-allowed"),
        pytest.param({**ALLOWED, "DataBucketName": "data-*"}, DATA_MESSAGE, id="data-bucket-wildcard"),
        pytest.param({"DataBucketName": "data-a"}, FLOW_MESSAGE, id="flow-bucket-default-not-allowed"),
    ],
)
def test_a_launch_outside_the_allow_list_is_refused(catalog, launch, message):
    backend, portfolio, product = catalog
    constrain(backend, portfolio, product, allow_list_rules(["data-a", "data-b"]))
    with pytest.raises(InvalidParametersException) as caught:
        backend.check_launch_parameters(portfolio, product, "1.0.0", launch)
    assert (caught.value.error_type, caught.value.message) == ("InvalidParametersException", message)


def test_every_template_constraint_of_the_product_applies(catalog):
    backend, portfolio, product = catalog
    constrain(backend, portfolio, product, allow_list_rules(["data-a", "data-b"]))
    extra = {
        "NotB": {
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "DataBucketName"}, "data-b"]}]},
                    "AssertDescription": "not b",
                }
            ]
        }
    }
    constrain(backend, portfolio, product, extra)
    backend.check_launch_parameters(portfolio, product, "1.0.0", ALLOWED)
    with pytest.raises(InvalidParametersException) as caught:
        backend.check_launch_parameters(portfolio, product, "1.0.0", {**ALLOWED, "DataBucketName": "data-b"})
    assert caught.value.message == "not b"


def test_rules_naming_a_parameter_the_artifact_lacks(catalog):
    backend, portfolio, product = catalog
    constrain(
        backend,
        portfolio,
        product,
        {"R": {"Assertions": [{"Assert": {"Fn::Equals": [{"Ref": "Gone"}, "x"]}}]}},
    )
    with pytest.raises(InvalidParametersException) as caught:
        backend.check_launch_parameters(portfolio, product, "1.0.0", ALLOWED)
    assert (
        caught.value.message == "Template format error: Rules block references undeclared parameters: [Gone]"
    )


def test_without_template_constraints_any_launch_passes(catalog):
    backend, portfolio, product = catalog
    backend.check_launch_parameters(portfolio, product, "1.0.0", {"DataBucketName": "anything"})


def test_a_launch_path_the_product_is_not_in(catalog):
    backend, _, product = catalog
    other, _ = backend.create_portfolio(None, "other", None, "tests", [], None)
    with pytest.raises(ResourceNotFoundException):
        backend.check_launch_parameters(other["Id"], product, "1.0.0", ALLOWED)


# -- the API in the emulator ---------------------------------------------------------------------------
BUCKET = "constraint-templates"
PRODUCT_URL = f"https://{BUCKET}.s3.amazonaws.com/product.json"


@pytest.fixture(scope="module")
def published(emulator) -> str:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="product.json", Body=json.dumps(PRODUCT_TEMPLATE).encode())
    return PRODUCT_URL


@pytest.fixture(scope="module")
def associated(emulator, published) -> tuple[str, str]:
    catalog = emulator.client("servicecatalog")
    portfolio = catalog.create_portfolio(DisplayName="api", ProviderName="tests")["PortfolioDetail"]["Id"]
    product = catalog.create_product(
        Name="api-product",
        Owner="tests",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={"Name": "1.0.0", "Info": {"LoadTemplateFromURL": published}},
    )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    catalog.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio)
    return portfolio, product


def test_template_constraints_through_the_api(emulator, associated):
    catalog = emulator.client("servicecatalog")
    portfolio, product = associated
    first = json.dumps({"Rules": allow_list_rules(["data-a"])})
    second = json.dumps(
        {
            "Rules": {
                "NotB": {
                    "Assertions": [
                        {"Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "DataBucketName"}, "b"]}]}}
                    ]
                }
            }
        }
    )
    created = catalog.create_constraint(
        PortfolioId=portfolio, ProductId=product, Type="TEMPLATE", Parameters=first, Description="allow-list"
    )
    assert (created["ConstraintDetail"]["Type"], created["Status"]) == ("TEMPLATE", "AVAILABLE")
    another = catalog.create_constraint(
        PortfolioId=portfolio, ProductId=product, Type="TEMPLATE", Parameters=second
    )
    first_id = created["ConstraintDetail"]["ConstraintId"]
    described = catalog.describe_constraint(Id=first_id)
    assert described["ConstraintParameters"] == first
    assert (described["ConstraintDetail"]["Description"], described["ConstraintDetail"]["PortfolioId"]) == (
        "allow-list",
        portfolio,
    )
    listed = catalog.list_constraints_for_portfolio(PortfolioId=portfolio, ProductId=product)[
        "ConstraintDetails"
    ]
    assert {c["ConstraintId"] for c in listed} == {first_id, another["ConstraintDetail"]["ConstraintId"]}
    for constraint_id in (first_id, another["ConstraintDetail"]["ConstraintId"]):
        catalog.delete_constraint(Id=constraint_id)
    assert catalog.list_constraints_for_portfolio(PortfolioId=portfolio)["ConstraintDetails"] == []
    with pytest.raises(ClientError) as caught:
        catalog.describe_constraint(Id=first_id)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_update_constraint_checks_the_new_rules(emulator, associated):
    catalog = emulator.client("servicecatalog")
    portfolio, product = associated
    first = json.dumps({"Rules": allow_list_rules(["data-a"])})
    constraint_id = catalog.create_constraint(
        PortfolioId=portfolio, ProductId=product, Type="TEMPLATE", Parameters=first
    )["ConstraintDetail"]["ConstraintId"]
    wider = json.dumps({"Rules": allow_list_rules(["data-a", "data-b"])})
    updated = catalog.update_constraint(Id=constraint_id, Description="wider", Parameters=wider)
    assert (updated["ConstraintParameters"], updated["ConstraintDetail"]["Description"]) == (wider, "wider")
    with pytest.raises(ClientError) as caught:
        catalog.update_constraint(
            Id=constraint_id, Parameters=json.dumps({"Rules": one_rule({"Condition": "C"})})
        )
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParametersException",
        "Template format error: Following functions are not supported in the Rules block of the template: "
        "[Condition]",
    )
    assert catalog.describe_constraint(Id=constraint_id)["ConstraintParameters"] == wider
    catalog.delete_constraint(Id=constraint_id)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        pytest.param(
            "{Rules:",
            "The TEMPLATE constraint parameters are not valid JSON: Expecting property name enclosed "
            "in double quotes: line 1 column 2 (char 1)",
            id="malformed-json",
        ),
        pytest.param("[]", "The TEMPLATE constraint parameters must be a JSON object.", id="not-an-object"),
        pytest.param("{}", "The TEMPLATE constraint parameters must have a Rules property.", id="no-rules"),
        pytest.param(
            json.dumps({"Rules": one_rule({"Fn::If": ["C", EQ_TEST, EQ_PROD]})}),
            "Template format error: Following functions are not supported in the Rules block of the "
            "template: [Fn::If]",
            id="unsupported-function",
        ),
        pytest.param(
            json.dumps({"Rules": {"R": {"RuleCondition": EQ_TEST}}}),
            "Template format error: rule R must have a non-empty Assertions list",
            id="rule-without-assertions",
        ),
    ],
)
def test_create_constraint_refuses(emulator, associated, parameters, message):
    catalog = emulator.client("servicecatalog")
    portfolio, product = associated
    with pytest.raises(ClientError) as caught:
        catalog.create_constraint(
            PortfolioId=portfolio, ProductId=product, Type="TEMPLATE", Parameters=parameters
        )
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("InvalidParametersException", message)
    assert catalog.list_constraints_for_portfolio(PortfolioId=portfolio)["ConstraintDetails"] == []


# -- the LaunchTemplateConstraint resource -------------------------------------------------------------
def portfolio_stack(
    *, description: str = "Projects read only allowed buckets", associate: bool = True
) -> str:
    """Portfolio, product, association and the allow-list constraint, written as the portfolio stack does."""
    rules_text = {
        "Fn::Sub": [
            '{"AllowedDataBucket": {"Assertions": [{"Assert": {"Fn::Contains": [["${Quoted}"], '
            '{"Ref": "DataBucketName"}]}, "AssertDescription": "DataBucketName must be one of the buckets '
            'this portfolio allows: ${Listed}"}]}}',
            {
                "Quoted": {"Fn::Join": ['", "', {"Ref": "AllowedBuckets"}]},
                "Listed": {"Fn::Join": [", ", {"Ref": "AllowedBuckets"}]},
            },
        ]
    }
    resources = {
        "Portfolio": {
            "Type": "AWS::ServiceCatalog::Portfolio",
            "Properties": {"DisplayName": "p", "ProviderName": "t"},
        },
        "Product": {
            "Type": "AWS::ServiceCatalog::CloudFormationProduct",
            "Properties": {
                "Name": "constrained",
                "Owner": "t",
                "ProvisioningArtifactParameters": [
                    {"Name": "1.0.0", "Info": {"LoadTemplateFromURL": PRODUCT_URL}}
                ],
            },
        },
        "Constraint": {
            "Type": "AWS::ServiceCatalog::LaunchTemplateConstraint",
            "Properties": {
                "Description": description,
                "PortfolioId": {"Ref": "Portfolio"},
                "ProductId": {"Ref": "Product"},
                "Rules": rules_text,
            },
        },
    }
    if associate:
        resources["Association"] = {
            "Type": "AWS::ServiceCatalog::PortfolioProductAssociation",
            "Properties": {"PortfolioId": {"Ref": "Portfolio"}, "ProductId": {"Ref": "Product"}},
        }
        resources["Constraint"]["DependsOn"] = "Association"
    return json.dumps(
        {
            "Parameters": {"AllowedBuckets": {"Type": "CommaDelimitedList"}},
            "Resources": resources,
            "Outputs": {
                "PortfolioId": {"Value": {"Ref": "Portfolio"}},
                "ProductId": {"Value": {"Ref": "Product"}},
                "ConstraintId": {"Value": {"Ref": "Constraint"}},
            },
        }
    )


def stack_outputs(cloudformation, stack: str) -> dict[str, str]:
    [described] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    assert described["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), described["StackStatus"]
    return {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}


def allowed(buckets: str) -> list[dict[str, str]]:
    return [{"ParameterKey": "AllowedBuckets", "ParameterValue": buckets}]


def test_the_resource_creates_updates_and_deletes_a_template_constraint(emulator, published, catalog):
    cloudformation = emulator.client("cloudformation")
    sc = emulator.client("servicecatalog")
    cloudformation.create_stack(
        StackName="constrained", TemplateBody=portfolio_stack(), Parameters=allowed("data-a,data-b")
    )
    outputs = stack_outputs(cloudformation, "constrained")

    described = sc.describe_constraint(Id=outputs["ConstraintId"])
    detail = described["ConstraintDetail"]
    assert (detail["Type"], detail["Description"], detail["PortfolioId"], detail["ProductId"]) == (
        "TEMPLATE",
        "Projects read only allowed buckets",
        outputs["PortfolioId"],
        outputs["ProductId"],
    )
    expected = {"AllowedDataBucket": allow_list_rules(["data-a", "data-b"])["AllowedDataBucket"]}
    assert json.loads(described["ConstraintParameters"]) == {"Rules": expected}
    [listed] = sc.list_constraints_for_portfolio(PortfolioId=outputs["PortfolioId"])["ConstraintDetails"]
    assert (listed["ConstraintId"], listed["Type"]) == (outputs["ConstraintId"], "TEMPLATE")

    # What the handler stored is what a launch is checked against.
    backend, portfolio, product = catalog
    backend.create_constraint(portfolio, product, "TEMPLATE", described["ConstraintParameters"], "")
    backend.check_launch_parameters(portfolio, product, "1.0.0", {"DataBucketName": "data-b"})
    with pytest.raises(InvalidParametersException) as caught:
        backend.check_launch_parameters(portfolio, product, "1.0.0", {"DataBucketName": "data-c"})
    assert caught.value.message == DATA_MESSAGE

    cloudformation.update_stack(
        StackName="constrained",
        TemplateBody=portfolio_stack(description="Only data-c now"),
        Parameters=allowed("data-c"),
    )
    assert stack_outputs(cloudformation, "constrained")["ConstraintId"] == outputs["ConstraintId"]  # in place
    described = sc.describe_constraint(Id=outputs["ConstraintId"])
    assert described["ConstraintDetail"]["Description"] == "Only data-c now"
    expected = {"AllowedDataBucket": allow_list_rules(["data-c"])["AllowedDataBucket"]}
    assert json.loads(described["ConstraintParameters"]) == {"Rules": expected}

    cloudformation.delete_stack(StackName="constrained")
    with pytest.raises(ClientError) as caught:
        sc.describe_constraint(Id=outputs["ConstraintId"])
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_resource_needs_the_product_in_the_portfolio(emulator, published):
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(
        StackName="unassociated", TemplateBody=portfolio_stack(associate=False), Parameters=allowed("data-a")
    )
    [described] = cloudformation.describe_stacks(StackName="unassociated")["Stacks"]
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cloudformation.describe_stack_events(StackName="unassociated")["StackEvents"]
    [failed] = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed["LogicalResourceId"] == "Constraint"
    assert "is not associated with portfolio" in failed["ResourceStatusReason"]
    assert "(HandlerErrorCode: ResourceNotFoundException)" in failed["ResourceStatusReason"]
