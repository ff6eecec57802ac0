"""IAM's policy simulator in the emulator: roles and users created through the IAM API, then
``SimulatePrincipalPolicy``/``SimulateCustomPolicy`` answer with AWS's shapes, decisions and error codes; AWS
managed policies exist as in a real account."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

_names = itertools.count()
ACCOUNT = "123456789012"
SAGEMAKER_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
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


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def statement(effect: str, action, resource="*", **extra) -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def failure(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def decisions(response) -> list[tuple[str, str, str]]:
    return [
        (r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"]) for r in response["EvaluationResults"]
    ]


@pytest.fixture(scope="module")
def iam(emulator):
    return emulator.client("iam")


@pytest.fixture
def make_role(iam):
    def make(inline: str | None = None, managed: tuple[str, ...] = (), boundary: str | None = None) -> str:
        name = f"sim-role-{next(_names)}"
        extra = {"PermissionsBoundary": boundary} if boundary else {}
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Path="/project/", **extra)[
            "Role"
        ]["Arn"]
        if inline:
            iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=inline)
        for policy_arn in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        return arn

    return make


@pytest.fixture
def make_policy(iam):
    def make(policy_document: str) -> str:
        return iam.create_policy(PolicyName=f"sim-policy-{next(_names)}", PolicyDocument=policy_document)[
            "Policy"
        ]["Arn"]

    return make


@pytest.fixture
def boundary(make_policy) -> str:
    return make_policy(document(statement("Allow", ["s3:*", "logs:*"])))


def test_the_boundary_caps_what_the_role_policies_allow(iam, make_role, boundary):
    role = make_role(inline=document(statement("Allow", ["s3:*", "iam:*"])), boundary=boundary)
    response = iam.simulate_principal_policy(
        PolicySourceArn=role, ActionNames=["s3:GetObject", "iam:CreateRole"]
    )
    allowed, capped = response["EvaluationResults"]
    assert (allowed["EvalDecision"], capped["EvalDecision"]) == ("allowed", "implicitDeny")
    assert allowed["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert capped["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    assert [(s["SourcePolicyId"], s["SourcePolicyType"]) for s in allowed["MatchedStatements"]] == [
        ("inline", "role"),
        (boundary.rsplit("/", 1)[-1], "user-managed"),
    ]
    assert capped["MatchedStatements"] == []
    assert response["IsTruncated"] is False


def test_a_boundary_given_as_input_replaces_the_attached_one(iam, make_role, boundary):
    role = make_role(inline=document(statement("Allow", "*")), boundary=boundary)
    response = iam.simulate_principal_policy(
        PolicySourceArn=role,
        ActionNames=["s3:GetObject", "sqs:SendMessage"],
        PermissionsBoundaryPolicyInputList=[document(statement("Allow", "sqs:*"))],
    )
    assert [r["EvalDecision"] for r in response["EvaluationResults"]] == ["implicitDeny", "allowed"]
    assert response["EvaluationResults"][1]["MatchedStatements"][1]["SourcePolicyId"] == (
        "PermissionsBoundaryPolicyInputList.1"
    )


def test_an_explicit_deny_in_an_attached_policy_wins(iam, make_role, make_policy):
    deny = make_policy(document(statement("Deny", "s3:DeleteObject", "arn:aws:s3:::staging/*")))
    role = make_role(inline=document(statement("Allow", "s3:*")), managed=(deny,))
    response = iam.simulate_principal_policy(
        PolicySourceArn=role,
        ActionNames=["s3:DeleteObject"],
        ResourceArns=["arn:aws:s3:::staging/seed.zip", "arn:aws:s3:::other/seed.zip"],
    )
    assert decisions(response) == [
        ("s3:DeleteObject", "arn:aws:s3:::staging/seed.zip", "explicitDeny"),
        ("s3:DeleteObject", "arn:aws:s3:::other/seed.zip", "allowed"),
    ]
    denied = response["EvaluationResults"][0]
    assert [(s["SourcePolicyId"], s["SourcePolicyType"]) for s in denied["MatchedStatements"]] == [
        (deny.rsplit("/", 1)[-1], "user-managed")
    ]
    assert denied["ResourceSpecificResults"] == [
        {
            "EvalResourceName": "arn:aws:s3:::staging/seed.zip",
            "EvalResourceDecision": "explicitDeny",
            "MatchedStatements": denied["MatchedStatements"],
            "MissingContextValues": [],
            "EvalDecisionDetails": {},  # AWS: present and empty for a same-account simulation of a resource
        }
    ]
    assert "PermissionsBoundaryDecisionDetail" not in denied


def test_a_user_has_its_groups_policies(iam):
    user = f"sim-user-{next(_names)}"
    group = f"sim-group-{next(_names)}"
    user_arn = iam.create_user(UserName=user)["User"]["Arn"]
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.put_group_policy(
        GroupName=group, PolicyName="team", PolicyDocument=document(statement("Allow", "sqs:*"))
    )
    iam.put_user_policy(UserName=user, PolicyName="own", PolicyDocument=document(statement("Allow", "s3:*")))
    response = iam.simulate_principal_policy(
        PolicySourceArn=user_arn, ActionNames=["sqs:SendMessage", "s3:GetObject"]
    )
    assert [
        [(s["SourcePolicyId"], s["SourcePolicyType"]) for s in r["MatchedStatements"]]
        for r in response["EvaluationResults"]
    ] == [[("team", "group")], [("own", "user")]]


BUCKET_POLICY = document(
    {
        "Sid": "OnlyThePublisherWrites",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:PutObject", "s3:DeleteObject"],
        "Resource": "arn:aws:s3:::sagemaker-staging/*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/platform-publisher"}},
    }
)


def principal_arn(value: str) -> list[dict]:
    return [{"ContextKeyName": "aws:PrincipalArn", "ContextKeyValues": [value], "ContextKeyType": "string"}]


@pytest.mark.parametrize(
    ("context_principal", "expected", "missing"),
    [
        ("arn:aws:iam::123456789012:role/project/data-scientist", "explicitDeny", []),
        ("arn:aws:iam::123456789012:role/platform-publisher", "allowed", []),
        (None, "explicitDeny", ["aws:PrincipalArn"]),
    ],
    ids=["another-principal-denied", "the-publisher-allowed", "no-principal-arn-reported-missing"],
)
def test_a_resource_policy_with_caller_and_context(iam, context_principal, expected, missing):
    user_arn = iam.create_user(UserName=f"sim-caller-{next(_names)}")["User"]["Arn"]
    response = iam.simulate_principal_policy(
        PolicySourceArn=user_arn,
        PolicyInputList=[document(statement("Allow", "s3:*"))],
        ActionNames=["s3:PutObject"],
        ResourceArns=["arn:aws:s3:::sagemaker-staging/seed/v1.zip"],
        ResourcePolicy=BUCKET_POLICY,
        CallerArn=user_arn,
        ContextEntries=principal_arn(context_principal) if context_principal else [],
    )
    [result] = response["EvaluationResults"]
    assert result["EvalDecision"] == expected
    assert result["MissingContextValues"] == missing
    assert result["ResourceSpecificResults"][0]["MissingContextValues"] == missing
    if expected == "explicitDeny":
        assert [(s["SourcePolicyId"], s["SourcePolicyType"]) for s in result["MatchedStatements"]] == [
            ("ResourcePolicy", "resource")
        ]


def test_sagemaker_full_access_writes_any_sagemaker_key_unless_the_bucket_policy_denies(iam, make_role):
    role = make_role(managed=(SAGEMAKER_FULL_ACCESS,))
    key = "arn:aws:s3:::any-bucket/sagemaker-x/k"
    plain = iam.simulate_principal_policy(
        PolicySourceArn=role, ActionNames=["s3:PutObject"], ResourceArns=[key]
    )
    [allowed] = plain["EvaluationResults"]
    assert allowed["EvalDecision"] == "allowed"
    assert allowed["MatchedStatements"][0]["SourcePolicyId"] == "AmazonSageMakerFullAccess"
    assert allowed["MatchedStatements"][0]["SourcePolicyType"] == "aws-managed"

    user_arn = iam.create_user(UserName=f"sim-reviewer-{next(_names)}")["User"]["Arn"]
    guarded = iam.simulate_principal_policy(
        PolicySourceArn=role,
        ActionNames=["s3:PutObject"],
        ResourceArns=[key],
        ResourcePolicy=BUCKET_POLICY.replace("sagemaker-staging", "any-bucket"),
        CallerArn=user_arn,
        ContextEntries=principal_arn(role),
    )
    assert guarded["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"


def test_the_caller_defaults_to_the_policy_source(iam, make_role):
    role = make_role(inline=document(statement("Allow", "s3:*")))
    resource_policy = document(
        {"Effect": "Deny", "Principal": {"AWS": role}, "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}
    )
    response = iam.simulate_principal_policy(
        PolicySourceArn=role,
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::b/k"],
        ResourcePolicy=resource_policy,
    )
    assert response["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"


def test_results_are_paged(iam, make_role):
    role = make_role(inline=document(statement("Allow", "s3:Get*")))
    request = {
        "PolicySourceArn": role,
        "ActionNames": ["s3:GetObject", "s3:PutObject", "s3:GetObjectTagging"],
        "ResourceArns": ["arn:aws:s3:::b/1", "arn:aws:s3:::b/2"],
    }
    first = iam.simulate_principal_policy(**request, MaxItems=4)
    assert (len(first["EvaluationResults"]), first["IsTruncated"]) == (4, True)
    rest = iam.simulate_principal_policy(**request, MaxItems=4, Marker=first["Marker"])
    assert (len(rest["EvaluationResults"]), rest["IsTruncated"]) == (2, False)
    assert "Marker" not in rest
    assert [r[2] for r in decisions(first) + decisions(rest)] == [
        "allowed",
        "allowed",
        "implicitDeny",
        "implicitDeny",
        "allowed",
        "allowed",
    ]
    pages = iam.get_paginator("simulate_principal_policy").paginate(
        **request, PaginationConfig={"PageSize": 1}
    )
    assert sum(len(page["EvaluationResults"]) for page in pages) == 6


def test_simulate_custom_policy(iam):
    policy = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
    )

    def at(time: str):
        context = [
            {"ContextKeyName": "aws:CurrentTime", "ContextKeyValues": [time], "ContextKeyType": "date"}
        ]
        response = iam.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["dynamodb:CreateBackup"], ContextEntries=context
        )
        return response["EvaluationResults"][0]

    later, earlier = at("2019-04-25T11:00:00Z"), at("2014-04-25T11:00:00Z")
    assert later["EvalDecision"] == "allowed"
    assert later["MatchedStatements"] == [  # AWS CLI's documented example, position for position
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "none",
            "StartPosition": {"Line": 1, "Column": 38},
            "EndPosition": {"Line": 1, "Column": 167},
        }
    ]
    assert (earlier["EvalDecision"], earlier["MatchedStatements"], earlier["MissingContextValues"]) == (
        "implicitDeny",
        [],
        [],
    )


def test_aws_managed_policies_exist_as_in_a_real_account(iam):
    policy = iam.get_policy(PolicyArn=SAGEMAKER_FULL_ACCESS)["Policy"]
    assert policy["PolicyName"] == "AmazonSageMakerFullAccess"
    listed = iam.get_paginator("list_policies").paginate(Scope="AWS").build_full_result()["Policies"]
    assert SAGEMAKER_FULL_ACCESS in {p["Arn"] for p in listed}
    assert len(listed) > 1000


ERRORS = [
    (
        "simulate_principal_policy",
        {"PolicySourceArn": f"arn:aws:iam::{ACCOUNT}:role/missing", "ActionNames": ["s3:GetObject"]},
        "NoSuchEntity",
        "The role with name missing cannot be found.",
    ),
    (
        "simulate_principal_policy",
        {"PolicySourceArn": f"arn:aws:iam::{ACCOUNT}:policy/not-an-entity", "ActionNames": ["s3:GetObject"]},
        "InvalidInput",
        "is not the ARN of an IAM user, group or role",
    ),
    (
        "simulate_custom_policy",
        {
            "PolicyInputList": [document(statement("Allow", "s3:*", Condition={"StringEqualz": {"k": "v"}}))],
            "ActionNames": ["s3:GetObject"],
        },
        "InvalidInput",
        "PolicyInputList.1: Statement[0]: unknown condition operator 'StringEqualz'",
    ),
    (
        "simulate_custom_policy",
        {"PolicyInputList": ["{not json"], "ActionNames": ["s3:GetObject"]},
        "InvalidInput",
        "PolicyInputList.1: the policy is not valid JSON",
    ),
    (
        "simulate_custom_policy",
        {"PolicyInputList": [document(statement("Allow", "s3:*"))], "ActionNames": ["s3:*"]},
        "InvalidInput",
        "does not support wildcards",
    ),
    (
        "simulate_custom_policy",
        {"PolicyInputList": [document(statement("Allow", "s3:*"))], "ActionNames": ["GetObject"]},
        "InvalidInput",
        "must include its service prefix",
    ),
    (
        "simulate_custom_policy",
        {
            "PolicyInputList": [document(statement("Allow", "s3:*"))],
            "ActionNames": ["s3:GetObject"],
            "ResourcePolicy": BUCKET_POLICY,
        },
        "InvalidInput",
        "CallerArn is required",
    ),
    (
        "simulate_custom_policy",
        {
            "PolicyInputList": [document(statement("Allow", "s3:*"))],
            "ActionNames": ["s3:GetObject"],
            "ResourcePolicy": BUCKET_POLICY,
            "CallerArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/r/session",
        },
        "InvalidInput",
        "is not the ARN of an IAM user, group or role",
    ),
    (
        "simulate_custom_policy",
        {
            "PolicyInputList": [document(statement("Allow", "s3:*"))],
            "ActionNames": ["s3:GetObject"],
            "ResourceOwner": "arn:aws:iam::999999999999:root",
        },
        "InvalidInput",
        "cross-account simulation is not supported",
    ),
    (
        "simulate_custom_policy",
        {
            "PolicyInputList": [document(statement("Allow", "s3:*"))],
            "ActionNames": ["s3:GetObject"],
            "ContextEntries": [
                {"ContextKeyName": "s3:max-keys", "ContextKeyValues": ["ten"], "ContextKeyType": "numeric"}
            ],
        },
        "InvalidInput",
        "'ten' is not a valid numeric",
    ),
    (
        "simulate_custom_policy",
        {
            "PolicyInputList": [document(statement("Allow", "s3:*"))],
            "ActionNames": ["s3:GetObject"],
            "ContextEntries": [
                {"ContextKeyName": "s3:prefix", "ContextKeyValues": ["a", "b"], "ContextKeyType": "string"}
            ],
        },
        "InvalidInput",
        "use stringList for several",
    ),
    (
        "simulate_custom_policy",
        {
            "PolicyInputList": [document(statement("Allow", "s3:*"))],
            "ActionNames": ["s3:GetObject"],
            "PermissionsBoundaryPolicyInputList": [document(statement("Allow", "*"))] * 2,
        },
        "InvalidInput",
        "takes one permissions boundary",
    ),
    (
        "simulate_custom_policy",
        {
            "PolicyInputList": [document(statement("Allow", "s3:*"))],
            "ActionNames": ["s3:GetObject"],
            "Marker": "7",
        },
        "InvalidInput",
        "Marker 7 is not valid",
    ),
    (
        "simulate_custom_policy",
        {
            "PolicyInputList": [document(statement("Allow", "s3:*"))],
            "ActionNames": ["s3:GetObject"],
            "OrderedOrganizationPolicyInputList": [
                {"ServiceControlPolicyInputList": [document(statement("Allow", "*"))]}
            ],
        },
        "InvalidInput",
        "is not supported by the local emulator",
    ),
]


@pytest.mark.parametrize(
    ("operation", "request_parameters", "code", "message"),
    ERRORS,
    ids=[
        "unknown-role",
        "source-arn-not-an-entity",
        "unknown-condition-operator",
        "policy-not-json",
        "custom-policy-action-wildcard",
        "action-without-service",
        "resource-policy-without-caller",
        "assumed-role-caller",
        "cross-account-resource-owner",
        "context-value-of-the-wrong-type",
        "several-values-for-a-single-valued-type",
        "two-boundaries",
        "marker-not-issued",
        "scps-not-supported",
    ],
)
def test_errors(iam, operation, request_parameters, code, message):
    error_code, error_message = failure(getattr(iam, operation), **request_parameters)
    assert error_code == code
    assert message in error_message


def test_the_aws_cli_simulates_against_the_emulator(emulator, iam, make_role, boundary):
    role = make_role(inline=document(statement("Allow", ["s3:*", "iam:*"])), boundary=boundary)
    aws = Path(sys.executable).with_name("aws")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": emulator.region,
    }
    completed = subprocess.run(
        [
            str(aws),
            "iam",
            "simulate-principal-policy",
            "--endpoint-url",
            emulator.endpoint,
            "--output",
            "json",
            "--policy-source-arn",
            role,
            "--action-names",
            "s3:GetObject",
            "iam:CreateRole",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalDecision"]) for r in results] == [
        ("s3:GetObject", "allowed"),
        ("iam:CreateRole", "implicitDeny"),
    ]


def test_the_moto_internals_the_extension_replaces_still_exist():
    """scripts/local/iam/models.py overrides these two IAMBackend methods to build AWS managed policies on
    first use; if moto renames them, this fails instead of a user's attach_role_policy."""
    from moto.iam.models import IAMBackend

    from scripts.local.iam.models import Backend, ManagedPolicies

    assert {"_init_aws_policies", "_init_managed_policies"} <= set(vars(IAMBackend))
    backend = Backend("aws", ACCOUNT)
    policies = backend.managed_policies
    assert isinstance(policies, ManagedPolicies)
    backend.create_policy(
        description="",
        path="/",
        policy_document=document(statement("Allow", "s3:*")),
        policy_name="p",
        tags=[],
    )
    assert dict.__len__(policies) == 1  # a customer policy alone does not build the AWS ones
    assert backend.get_policy(SAGEMAKER_FULL_ACCESS).name == "AmazonSageMakerFullAccess"
    assert dict.__len__(policies) > 1000
    backend.reset()
    assert dict.__len__(backend.managed_policies) == 0  # a reset is cheap again
