"""The policy evaluator (scripts/local/iam/evaluation.py), table by table: each row says what AWS's
evaluation logic decides and the id says which rule it checks."""

from __future__ import annotations

import json

import pytest

from scripts.local.iam.evaluation import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Context,
    Policy,
    PolicyError,
    Request,
    evaluate,
)

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/project-a-build"
PUBLISHER = f"arn:aws:iam::{ACCOUNT}:role/platform-publisher"
USER = f"arn:aws:iam::{ACCOUNT}:user/carlos"


def policy(*statements: dict, version: str | None = "2012-10-17", policy_id: str = "p") -> Policy:
    document: dict = {"Statement": list(statements)}
    if version:
        document["Version"] = version
    return Policy.parse(json.dumps(document), policy_id, "none")


def allow(action="*", resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action="*", resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(statement: dict, action="s3:GetObject", resource="*", context=None, version="2012-10-17") -> str:
    return evaluate(
        Request(action, resource, Context(context)), [policy(statement, version=version)]
    ).decision


def condition(operator: str, key: str, values) -> dict:
    return allow(Condition={operator: {key: values}})


# -- actions and resources -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("statement", "action", "resource", "expected"),
    [
        (allow("s3:GetObject"), "s3:GetObject", "*", ALLOWED),
        (allow("S3:getobject"), "s3:GetObject", "*", ALLOWED),
        (allow("s3:Get*"), "s3:GetObjectTagging", "*", ALLOWED),
        (allow("s3:Get?bject"), "s3:GetObject", "*", ALLOWED),
        (allow("s3:Get?bject"), "s3:GetXXbject", "*", IMPLICIT_DENY),
        (allow("s3:*"), "sqs:SendMessage", "*", IMPLICIT_DENY),
        (allow(["sqs:*", "s3:PutObject"]), "s3:PutObject", "*", ALLOWED),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "s3:PutObject", "*", ALLOWED),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "iam:CreateRole", "*", IMPLICIT_DENY),
        (
            allow("s3:*", "arn:aws:s3:::*sagemaker*"),
            "s3:PutObject",
            "arn:aws:s3:::bucket/sagemaker-x/key",
            ALLOWED,
        ),
        (
            allow("s3:*", "arn:aws:s3:::*sagemaker*"),
            "s3:PutObject",
            "arn:aws:s3:::bucket/data/key",
            IMPLICIT_DENY,
        ),
        (allow("s3:*", "arn:aws:s3:::bucket/*"), "s3:PutObject", "arn:aws:s3:::bucket/a/b:c", ALLOWED),
        (allow("s3:*", "arn:aws:s3:::bucket/*"), "s3:PutObject", "arn:aws:s3:::Bucket/a", IMPLICIT_DENY),
        (allow("s3:*", "arn:aws:s3:::bucket/?"), "s3:PutObject", "arn:aws:s3:::bucket/ab", IMPLICIT_DENY),
        (
            allow("sqs:*", "arn:aws:sqs:*:*:q-*"),
            "sqs:SendMessage",
            f"arn:aws:sqs:us-east-1:{ACCOUNT}:q-1",
            ALLOWED,
        ),
        (
            allow("sqs:*", "arn:aws:sqs:*:*:q-*"),
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:q-1",
            IMPLICIT_DENY,
        ),
        (
            allow("sqs:*", "arn:aws:sqs:us-*:*:*"),
            "sqs:SendMessage",
            f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q",
            IMPLICIT_DENY,
        ),
        (allow("s3:*", "arn:aws:s3:::bucket/*"), "s3:PutObject", "*", IMPLICIT_DENY),
        (allow("s3:*", "*"), "s3:PutObject", "arn:aws:s3:::anything", ALLOWED),
        (
            {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"},
            "s3:GetObject",
            "arn:aws:s3:::public/k",
            ALLOWED,
        ),
        (
            {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"},
            "s3:GetObject",
            "arn:aws:s3:::secret/k",
            IMPLICIT_DENY,
        ),
    ],
    ids=[
        "exact-action",
        "action-case-insensitive",
        "action-star-wildcard",
        "action-question-wildcard",
        "action-question-is-one-char",
        "other-service-not-matched",
        "action-list",
        "notaction-allows-the-rest",
        "notaction-excludes-listed",
        "star-sagemaker-star-matches-a-key-with-slashes",
        "star-sagemaker-star-needs-the-word",
        "sixth-component-star-spans-slash-and-colon",
        "resource-case-sensitive",
        "resource-question-is-one-char",
        "arn-components-wildcards",
        "arn-with-five-components-does-not-match",
        "region-component-compared-on-its-own",
        "resource-star-simulated-only-matches-star-pattern",
        "star-alone-matches-every-resource",
        "notresource-allows-the-rest",
        "notresource-excludes-listed",
    ],
)
def test_actions_and_resources(statement, action, resource, expected):
    assert decide(statement, action, resource) == expected


# -- condition operators, key present ----------------------------------------------------------------------
OPERATOR_CASES = [
    ("StringEquals", "k", "abc", "abc", True),
    ("StringEquals", "k", "abc", "ABC", False),
    ("StringEquals", "k", "a*", "abc", False),
    ("StringNotEquals", "k", "abc", "abd", True),
    ("StringNotEquals", "k", ["abc", "abd"], "abd", False),
    ("StringEqualsIgnoreCase", "k", "ABC", "abc", True),
    ("StringNotEqualsIgnoreCase", "k", "ABC", "abc", False),
    ("StringLike", "k", "team-*/?", "team-a/b/x", True),
    ("StringLike", "k", "team-?", "team-ab", False),
    ("StringNotLike", "k", "team-*", "other", True),
    ("StringNotLike", "k", ["x*", "team-*"], "team-a", False),
    ("NumericEquals", "k", "10", "10.0", True),
    ("NumericNotEquals", "k", "10", "11", True),
    ("NumericLessThan", "k", "10", "9", True),
    ("NumericLessThan", "k", "10", "10", False),
    ("NumericLessThanEquals", "k", "10", "10", True),
    ("NumericGreaterThan", "k", "10", "11", True),
    ("NumericGreaterThanEquals", "k", 10, "9", False),
    ("NumericEquals", "k", "10", "ten", False),
    ("DateEquals", "k", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00+00:00", True),
    ("DateNotEquals", "k", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", True),
    ("DateLessThan", "k", "2020-01-01T00:00:00Z", "2019-12-31T23:59:59Z", True),
    ("DateLessThanEquals", "k", "2020-01-01T00:00:00Z", "1577836800", True),
    ("DateGreaterThan", "k", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z", True),
    ("DateGreaterThanEquals", "k", "2020-01-01", "2019-06-01T00:00:00Z", False),
    ("Bool", "aws:SecureTransport", "true", "true", True),
    ("Bool", "aws:SecureTransport", True, "false", False),
    ("Bool", "aws:SecureTransport", "false", "FALSE", True),
    ("BinaryEquals", "k", "QmluYXJ5", "QmluYXJ5", True),
    ("BinaryEquals", "k", "QmluYXJ5", "T3RoZXI=", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.7", True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1", False),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32", "2001:db8::1", True),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1", True),
    ("ArnEquals", "aws:SourceArn", "arn:aws:sqs:*:*:q", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/project-*", ROLE, True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/project-*", "not-an-arn", False),
    ("ArnNotEquals", "aws:PrincipalArn", PUBLISHER, ROLE, True),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/platform-*", PUBLISHER, False),
    ("StringEquals", "AWS:USERNAME", "carlos", "carlos", True),
]


@pytest.mark.parametrize(
    ("operator", "key", "policy_values", "context_value", "holds"),
    OPERATOR_CASES,
    ids=[f"{op}-{pv}-vs-{cv}" for op, _, pv, cv, _ in OPERATOR_CASES],
)
def test_operator_with_key_present(operator, key, policy_values, context_value, holds):
    context = {"aws:username" if key == "AWS:USERNAME" else key: context_value}
    expected = ALLOWED if holds else IMPLICIT_DENY
    assert decide(condition(operator, key, policy_values), context=context) == expected


# -- a key missing from the context ------------------------------------------------------------------------
MISSING_CASES = [
    ("StringEquals", "x", False),
    ("StringLike", "x*", False),
    ("NumericLessThan", "5", False),
    ("DateGreaterThan", "2020-01-01T00:00:00Z", False),
    ("Bool", "true", False),
    ("BinaryEquals", "QmluYXJ5", False),
    ("IpAddress", "10.0.0.0/8", False),
    ("ArnLike", "arn:aws:iam::*:role/*", False),
    ("StringNotEquals", "x", True),
    ("StringNotEqualsIgnoreCase", "x", True),
    ("StringNotLike", "x*", True),
    ("NumericNotEquals", "5", True),
    ("DateNotEquals", "2020-01-01T00:00:00Z", True),
    ("NotIpAddress", "10.0.0.0/8", True),
    ("ArnNotEquals", "arn:aws:iam::1:role/r", True),
    ("ArnNotLike", "arn:aws:iam::*:role/*", True),
    ("StringEqualsIfExists", "x", True),
    ("NumericLessThanIfExists", "5", True),
    ("ArnLikeIfExists", "arn:aws:iam::*:role/*", True),
    ("Null", "true", True),
    ("Null", "false", False),
    ("ForAllValues:StringEquals", "x", True),
    ("ForAllValues:StringNotLike", "x*", True),
    ("ForAnyValue:StringEquals", "x", False),
    ("ForAnyValue:StringNotEquals", "x", False),
    ("ForAnyValue:StringEqualsIfExists", "x", False),
]


@pytest.mark.parametrize(
    ("operator", "value", "holds"),
    MISSING_CASES,
    ids=[f"{op}-missing-key-{'true' if holds else 'false'}" for op, _, holds in MISSING_CASES],
)
def test_operator_with_key_missing(operator, value, holds):
    result = evaluate(Request("s3:GetObject"), [policy(condition(operator, "aws:RequestTag/team", value))])
    assert result.decision == (ALLOWED if holds else IMPLICIT_DENY)
    assert result.missing_context_values == ("aws:RequestTag/team",)


def test_null_with_key_present():
    assert decide(condition("Null", "k", "false"), context={"k": "v"}) == ALLOWED
    assert decide(condition("Null", "k", "true"), context={"k": "v"}) == IMPLICIT_DENY


def test_if_exists_checks_a_present_key():
    assert decide(condition("StringEqualsIfExists", "k", "a"), context={"k": "b"}) == IMPLICIT_DENY
    assert decide(condition("StringEqualsIfExists", "k", "a"), context={"k": "a"}) == ALLOWED


# -- multivalued keys and set operators --------------------------------------------------------------------
SET_CASES = [
    ("ForAllValues:StringEquals", ["a", "b"], ["a"], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "b"], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "c"], False),
    ("ForAnyValue:StringEquals", ["a", "b"], ["c", "b"], True),
    ("ForAnyValue:StringEquals", ["a", "b"], ["c", "d"], False),
    ("ForAllValues:StringNotLike", ["key1*"], ["key2", "key3"], True),
    ("ForAllValues:StringNotLike", ["key1*"], ["key2", "key1x"], False),
    ("ForAnyValue:StringNotEquals", ["a", "b"], ["a", "c"], True),
    ("ForAnyValue:StringNotEquals", ["a", "b"], ["a", "b"], False),
    ("StringEquals", ["a"], ["b", "a"], True),
    ("StringNotEquals", ["a"], ["b", "a"], False),
]


@pytest.mark.parametrize(
    ("operator", "policy_values", "context_values", "holds"),
    SET_CASES,
    ids=[f"{op}-{'+'.join(pv)}-vs-{'+'.join(cv)}" for op, pv, cv, _ in SET_CASES],
)
def test_set_operators(operator, policy_values, context_values, holds):
    statement = condition(operator, "aws:TagKeys", policy_values)
    expected = ALLOWED if holds else IMPLICIT_DENY
    assert decide(statement, context={"aws:TagKeys": context_values}) == expected


def test_conditions_are_anded_across_operators_and_keys():
    statement = allow(
        Condition={
            "StringEquals": {"a": "1", "b": "2"},
            "Bool": {"aws:SecureTransport": "true"},
        }
    )
    full = {"a": "1", "b": "2", "aws:SecureTransport": "true"}
    assert decide(statement, context=full) == ALLOWED
    for key in full:
        assert decide(statement, context={**full, key: "other"}) == IMPLICIT_DENY, key


# -- policy variables --------------------------------------------------------------------------------------
VARIABLE_CASES = [
    (
        allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"),
        "arn:aws:s3:::home/carlos/k",
        {"aws:username": "carlos"},
        ALLOWED,
    ),
    (
        allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"),
        "arn:aws:s3:::home/maria/k",
        {"aws:username": "carlos"},
        IMPLICIT_DENY,
    ),
    (allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"), "arn:aws:s3:::home/carlos/k", {}, IMPLICIT_DENY),
    (
        allow("s3:*", "arn:aws:s3:::home/${aws:username, 'shared'}/*"),
        "arn:aws:s3:::home/shared/k",
        {},
        ALLOWED,
    ),
    (allow("s3:*", "arn:aws:s3:::b/${*}"), "arn:aws:s3:::b/*", {}, ALLOWED),
    (allow("s3:*", "arn:aws:s3:::b/${*}"), "arn:aws:s3:::b/anything", {}, IMPLICIT_DENY),
    (allow("s3:*", "arn:aws:s3:::b/${?}"), "arn:aws:s3:::b/x", {}, IMPLICIT_DENY),
    (allow("s3:*", "arn:aws:s3:::b/${$}x"), "arn:aws:s3:::b/$x", {}, ALLOWED),
    (
        condition("StringLike", "s3:prefix", "${aws:username}/*"),
        "*",
        {"aws:username": "carlos", "s3:prefix": "carlos/docs"},
        ALLOWED,
    ),
    (
        condition("StringLike", "s3:prefix", "${aws:username}/*"),
        "*",
        {"aws:username": "carlos", "s3:prefix": "maria/docs"},
        IMPLICIT_DENY,
    ),
    (
        condition("ArnEquals", "aws:SourceArn", "arn:aws:iam::${aws:PrincipalAccount}:role/x"),
        "*",
        {"aws:PrincipalAccount": ACCOUNT, "aws:SourceArn": f"arn:aws:iam::{ACCOUNT}:role/x"},
        ALLOWED,
    ),
    (
        condition("StringNotEquals", "s3:prefix", "${aws:username}"),
        "*",
        {"s3:prefix": "x"},
        IMPLICIT_DENY,
    ),
    (
        allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"),
        "arn:aws:s3:::home/a/k",
        {"aws:username": ["a", "b"]},
        IMPLICIT_DENY,
    ),
]


@pytest.mark.parametrize(
    ("statement", "resource", "context", "expected"),
    VARIABLE_CASES,
    ids=[
        "resource-variable-resolved",
        "resource-variable-other-value",
        "resource-variable-unresolved-statement-does-not-match",
        "variable-default-value",
        "escape-star-is-literal-star",
        "escape-star-is-not-a-wildcard",
        "escape-question-is-not-a-wildcard",
        "escape-dollar",
        "condition-variable-resolved",
        "condition-variable-other-value",
        "arn-condition-variable",
        "unresolved-variable-in-negated-condition-does-not-match",
        "multivalued-key-is-not-a-variable",
    ],
)
def test_policy_variables(statement, resource, context, expected):
    assert decide(statement, resource=resource, context=context) == expected


def test_variables_are_literal_text_in_2008_policies():
    statement = allow("s3:*", "arn:aws:s3:::home/${aws:username}/*")
    context = {"aws:username": "carlos"}
    assert decide(
        statement, resource="arn:aws:s3:::home/carlos/k", context=context, version="2008-10-17"
    ) == (IMPLICIT_DENY)
    assert decide(
        statement, resource="arn:aws:s3:::home/${aws:username}/k", context=context, version=None
    ) == (ALLOWED)


def test_an_unresolved_variable_also_disables_a_deny():
    identity = policy(allow("s3:*"), deny("s3:*", "arn:aws:s3:::home/${aws:username}/*"))
    result = evaluate(Request("s3:GetObject", "arn:aws:s3:::home/carlos/k"), [identity])
    assert result.decision == ALLOWED
    assert result.missing_context_values == ("aws:username",)


# -- decisions across policy types ------------------------------------------------------------------------
BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OnlyThePublisherWrites",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::staging/*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": PUBLISHER}},
        },
        {
            "Sid": "ReadForTheAccount",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::staging/*",
        },
    ],
}


def resource_policy(document: dict) -> Policy:
    return Policy.parse(json.dumps(document), "ResourcePolicy", "resource", resource=True)


DECISION_CASES = [
    ([policy(allow("s3:*"), deny("s3:DeleteObject"))], None, None, "s3:DeleteObject", None, EXPLICIT_DENY),
    (
        [policy(allow("s3:*")), policy(deny("s3:*"), policy_id="q")],
        None,
        None,
        "s3:GetObject",
        None,
        EXPLICIT_DENY,
    ),
    ([policy(allow("s3:*"))], policy(allow("sqs:*")), None, "s3:GetObject", None, IMPLICIT_DENY),
    ([policy(allow("s3:*"))], policy(allow("s3:Get*")), None, "s3:GetObject", None, ALLOWED),
    (
        [policy(allow("s3:*"))],
        policy(allow("*"), deny("s3:GetObject")),
        None,
        "s3:GetObject",
        None,
        EXPLICIT_DENY,
    ),
    ([], policy(allow("*")), None, "s3:GetObject", None, IMPLICIT_DENY),
    ([], None, BUCKET_POLICY, "s3:GetObject", ROLE, ALLOWED),
    ([], None, BUCKET_POLICY, "s3:GetObject", "arn:aws:iam::999999999999:role/x", IMPLICIT_DENY),
    ([policy(allow("s3:*"))], None, BUCKET_POLICY, "s3:PutObject", ROLE, EXPLICIT_DENY),
    ([policy(allow("s3:*"))], None, BUCKET_POLICY, "s3:PutObject", PUBLISHER, EXPLICIT_DENY),
    ([], policy(allow("sqs:*")), BUCKET_POLICY, "s3:GetObject", ROLE, IMPLICIT_DENY),
]


@pytest.mark.parametrize(
    ("identity", "boundary", "resource_document", "action", "caller", "expected"),
    DECISION_CASES,
    ids=[
        "explicit-deny-beats-allow-in-the-same-policy",
        "explicit-deny-in-another-policy-beats-allow",
        "boundary-caps-an-identity-allow",
        "boundary-and-identity-both-allow",
        "deny-in-the-boundary-is-explicit",
        "boundary-alone-grants-nothing",
        "resource-policy-allows-the-account-principals",
        "resource-policy-account-principal-is-not-another-account",
        "resource-deny-principal-star-without-principal-arn-in-context",
        "resource-deny-without-context-denies-even-the-publisher",
        "boundary-caps-a-resource-policy-allow",
    ],
)
def test_decisions(identity, boundary, resource_document, action, caller, expected):
    result = evaluate(
        Request(action, "arn:aws:s3:::staging/seed.zip", Context(), caller),
        identity,
        boundary=boundary,
        resource_policy=resource_policy(resource_document) if resource_document else None,
    )
    assert result.decision == expected


@pytest.mark.parametrize(
    ("principal_arn", "expected"),
    [(ROLE, EXPLICIT_DENY), (PUBLISHER, ALLOWED)],
    ids=["principal-arn-not-the-publisher-denied", "principal-arn-the-publisher-allowed"],
)
def test_resource_policy_condition_on_principal_arn(principal_arn, expected):
    result = evaluate(
        Request(
            "s3:PutObject",
            "arn:aws:s3:::staging/seed.zip",
            Context({"aws:PrincipalArn": principal_arn}),
            USER,
        ),
        [policy(allow("s3:*"))],
        resource_policy=resource_policy(BUCKET_POLICY),
    )
    assert result.decision == expected
    assert result.missing_context_values == ()


def test_matched_statements_say_which_policy_decided():
    identity = policy({"Sid": "A", **allow("s3:*")}, policy_id="inline")
    boundary = policy(allow("s3:*"), policy_id="boundary")
    allowed = evaluate(Request("s3:GetObject"), [identity], boundary=boundary)
    assert [(m.policy_id, m.statement.sid) for m in allowed.matched_statements] == [
        ("inline", "A"),
        ("boundary", None),
    ]
    assert allowed.allowed_by_boundary is True
    denied = evaluate(
        Request("s3:PutObject", "arn:aws:s3:::staging/k", Context(), ROLE),
        [identity],
        resource_policy=resource_policy(BUCKET_POLICY),
    )
    assert [(m.policy_id, m.policy_type, m.statement.sid) for m in denied.matched_statements] == [
        ("ResourcePolicy", "resource", "OnlyThePublisherWrites")
    ]
    assert denied.missing_context_values == ("aws:PrincipalArn",)
    assert denied.allowed_by_boundary is None


def test_missing_context_values_only_from_statements_matching_action_and_resource():
    identity = policy(
        condition("StringEquals", "aws:RequestTag/a", "1") | {"Action": "s3:GetObject"},
        condition("StringEquals", "aws:RequestTag/b", "1") | {"Action": "sqs:*"},
        condition("StringEquals", "aws:RequestTag/c", "1") | {"Resource": "arn:aws:s3:::other/*"},
    )
    result = evaluate(Request("s3:GetObject", "arn:aws:s3:::bucket/k"), [identity])
    assert result.missing_context_values == ("aws:RequestTag/a",)


@pytest.mark.parametrize(
    ("principal", "caller", "applies"),
    [
        ("*", None, True),
        ({"AWS": "*"}, ROLE, True),
        ({"AWS": ACCOUNT}, ROLE, True),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, USER, True),
        ({"AWS": ROLE}, ROLE, True),
        ({"AWS": [PUBLISHER, USER]}, ROLE, False),
        ({"AWS": ROLE}, None, False),
        ({"Service": "lambda.amazonaws.com"}, ROLE, False),
    ],
    ids=[
        "star-includes-anonymous",
        "aws-star",
        "account-id",
        "account-root-arn",
        "exact-role-arn",
        "other-principals",
        "anonymous-is-not-a-role",
        "service-is-never-the-caller",
    ],
)
def test_principal(principal, caller, applies):
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:*", "Resource": "*"}],
    }
    result = evaluate(
        Request("s3:GetObject", "*", Context(), caller), [], resource_policy=resource_policy(document)
    )
    assert result.decision == (ALLOWED if applies else IMPLICIT_DENY)


def test_not_principal_deny_applies_to_everyone_else_and_to_any_principal_with_a_boundary():
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "NotPrincipal": {"AWS": PUBLISHER}, "Action": "s3:PutObject", "Resource": "*"}
        ],
    }
    identity = [policy(allow("s3:*"))]

    def decide_for(caller, boundary=None):
        return evaluate(
            Request("s3:PutObject", "*", Context(), caller),
            identity,
            boundary=boundary,
            resource_policy=resource_policy(document),
        ).decision

    assert decide_for(ROLE) == EXPLICIT_DENY
    assert decide_for(PUBLISHER) == ALLOWED
    assert decide_for(PUBLISHER, boundary=policy(allow("*"))) == EXPLICIT_DENY


def test_statement_positions_as_aws_reports_them():
    text = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
    )
    statement = Policy.parse(text, "PolicyInputList.1").statements[0]
    assert (statement.start.line, statement.start.column) == (1, 38)  # AWS CLI's documented example
    assert (statement.end.line, statement.end.column) == (1, 167)
    pretty = Policy.parse(json.dumps({"Statement": [allow(), deny()]}, indent=2), "p").statements
    assert [(s.start.line, s.end.line) for s in pretty] == [(3, 7), (8, 12)]


# -- malformed policies -----------------------------------------------------------------------------------
def with_condition(block) -> str:
    return json.dumps({"Statement": [allow(Condition=block)]})


MALFORMED = [
    ("not json", "not valid JSON"),
    ("[]", "must be a JSON object"),
    ('{"Version": "2012-10-17"}', "has no Statement"),
    ('{"Version": "2020-01-01", "Statement": []}', "Version must be"),
    ('{"Statement": [], "Extra": 1}', "unknown element Extra"),
    ('{"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}', "Effect must be"),
    ('{"Statement": [{"Effect": "Allow", "Resource": "*"}]}', "neither Action nor NotAction"),
    (
        '{"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}]}',
        "both Action and NotAction",
    ),
    ('{"Statement": [{"Effect": "Allow", "Action": "*"}]}', "neither Resource nor NotResource"),
    (
        '{"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}',
        "prefixed with its service",
    ),
    ('{"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}', "non-empty string"),
    (
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Princpal": "*"}]}',
        "unknown element Princpal",
    ),
    (
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}]}',
        "identity-based policy cannot have a Principal",
    ),
    (
        with_condition({"StringEqualz": {"k": "v"}}),
        "unknown condition operator 'StringEqualz'",
    ),
    (
        with_condition({"ForSomeValues:StringEquals": {"k": "v"}}),
        "unknown condition set operator 'ForSomeValues'",
    ),
    (
        with_condition({"NumericLessThan": {"k": "ten"}}),
        "'ten' is not a valid value for condition operator 'NumericLessThan'",
    ),
    (
        with_condition({"IpAddress": {"k": "300.1.1.1/8"}}),
        "is not a valid value for condition operator 'IpAddress'",
    ),
    (
        with_condition({"NullIfExists": {"k": "true"}}),
        "Null takes no qualifier",
    ),
    (
        with_condition({"StringEquals": {"k": {"a": 1}}}),
        "must be a string, number or boolean",
    ),
    (
        with_condition({"StringEquals": {}}),
        "must map condition keys",
    ),
]


@pytest.mark.parametrize(
    ("document", "message"),
    MALFORMED,
    ids=[
        "not-json",
        "not-an-object",
        "no-statement",
        "unknown-version",
        "unknown-top-level-element",
        "bad-effect",
        "no-action",
        "action-and-notaction",
        "no-resource",
        "action-without-service",
        "empty-action-list",
        "misspelt-element",
        "principal-in-identity-policy",
        "unknown-operator",
        "unknown-set-operator",
        "numeric-value-not-a-number",
        "ip-value-not-an-address",
        "null-with-ifexists",
        "object-as-condition-value",
        "operator-without-keys",
    ],
)
def test_malformed_policies_raise_a_named_error(document, message):
    with pytest.raises(PolicyError) as raised:
        Policy.parse(document, "bad-policy")
    assert str(raised.value).startswith("bad-policy: ")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, "neither Principal nor NotPrincipal"),
        ({"Effect": "Allow", "Principal": {"User": "x"}, "Action": "*"}, "unknown principal type 'User'"),
        ({"Effect": "Allow", "Principal": "everyone", "Action": "*"}, 'must be "*" or an object'),
    ],
    ids=["resource-policy-without-principal", "unknown-principal-type", "principal-string-not-star"],
)
def test_malformed_resource_policies(statement, message):
    with pytest.raises(PolicyError) as raised:
        Policy.parse(json.dumps({"Statement": [statement]}), "ResourcePolicy", "resource", resource=True)
    assert message in str(raised.value)
