"""scripts.policy_lint: intrinsics evaluated into concrete policies, parliament's findings, suppressions, CLI.

Offline: parliament reads the IAM definition shipped in its wheel. No test depends on what parliament
currently finds in cfn-templates/ (the templates change); one checks that all their policies are extracted
and evaluate to concrete JSON.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts import cfn_yaml
from scripts.errors import run_main
from scripts.policy_lint import (
    ACCOUNT,
    Evaluator,
    PolicyLintError,
    UnsupportedIntrinsicError,
    lint,
    load_suppressions,
    load_template,
    main,
    template_policies,
)
from tests.conftest import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "cfn-templates"

# A template using each supported function, in short and long form.
EVALUATED = cfn_yaml.loads(
    """
Parameters:
  ProjectId:
    Type: String
    AllowedPattern: ^p-[a-z0-9]{1,18}$
  Prefix:
    Type: String
    Default: incoming/
  Buckets:
    Type: CommaDelimitedList
  Stage:
    Type: String
    Default: prod
    AllowedValues: [prod, dev]
Mappings:
  Sizes:
    prod: {Instance: ml.m5.4xlarge}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  ProdAndDev: !And [!Condition IsProd, !Condition IsDev]
  ProdOrDev: !Or [!Condition IsDev, !Condition IsProd]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub data-${ProjectId}
  UnnamedBucket:
    Type: AWS::S3::Bucket
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub ${ProjectId}-role
      Path: /service/
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: boundary
      Path: /fsi/
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: dlq
  Function:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: start
  Rule:
    Type: AWS::Events::Rule
    Properties:
      Name: on-put
  BusRule:
    Type: AWS::Events::Rule
    Properties:
      Name: on-put
      EventBusName: projects
  LogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /aws/lambda/start
  Repository:
    Type: AWS::CodeCommit::Repository
    Properties:
      RepositoryName: repo
  Build:
    Type: AWS::CodeBuild::Project
    Properties:
      Name: build
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: cicd
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: trail
  Vpc:
    Type: AWS::EC2::VPC
"""
)
PARAMETERS = {"ProjectId": "p-abc123", "Buckets": ["data-one", "data-two"]}
STACK = "my-stack"


def evaluate(snippet: str, template: dict[str, Any] = EVALUATED) -> Any:
    node = cfn_yaml.loads(f"value: {snippet}")["value"]
    return Evaluator(template, "t.yaml", stack_name=STACK, parameters=PARAMETERS).evaluate(node, "value")


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        # Ref: parameters (Default, given, list), pseudo parameters, resources by type
        ("!Ref Prefix", "incoming/"),
        ("!Ref ProjectId", "p-abc123"),
        ("{Ref: Buckets}", ["data-one", "data-two"]),
        ("!Ref AWS::Partition", "aws"),
        ("!Ref AWS::Region", "us-east-1"),
        ("!Ref AWS::AccountId", ACCOUNT),
        ("!Ref AWS::StackName", STACK),
        ("!Ref Bucket", "data-p-abc123"),
        ("!Ref UnnamedBucket", "my-stack-unnamedbucket-k3xz9qw7tb2m"),
        ("!Ref Role", "p-abc123-role"),
        ("!Ref Boundary", f"arn:aws:iam::{ACCOUNT}:policy/fsi/boundary"),
        ("!Ref Queue", f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/dlq"),
        ("!Ref Function", "start"),
        ("!Ref Rule", "on-put"),
        ("!Ref BusRule", "projects|on-put"),
        ("!Ref LogGroup", "/aws/lambda/start"),
        ("!Ref Build", "build"),
        ("!Ref Pipeline", "cicd"),
        # Fn::GetAtt: the ARN AWS builds from the resource's own name
        ("!GetAtt Role.Arn", f"arn:aws:iam::{ACCOUNT}:role/service/p-abc123-role"),
        ("{'Fn::GetAtt': [Bucket, Arn]}", "arn:aws:s3:::data-p-abc123"),
        ("!GetAtt Queue.Arn", f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"),
        ("!GetAtt Function.Arn", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:start"),
        ("!GetAtt Rule.Arn", f"arn:aws:events:us-east-1:{ACCOUNT}:rule/on-put"),
        ("!GetAtt BusRule.Arn", f"arn:aws:events:us-east-1:{ACCOUNT}:rule/projects/on-put"),
        ("!GetAtt LogGroup.Arn", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/start:*"),
        ("!GetAtt Repository.Arn", f"arn:aws:codecommit:us-east-1:{ACCOUNT}:repo"),
        ("!GetAtt Repository.Name", "repo"),
        ("!GetAtt Build.Arn", f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/build"),
        ("!GetAtt Trail.Arn", f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/trail"),
        # Fn::Sub: both forms, resources, attributes, escapes
        ("!Sub 'arn:${AWS::Partition}:s3:::${Bucket}/${Prefix}*'", "arn:aws:s3:::data-p-abc123/incoming/*"),
        ("!Sub '${Bucket.Arn}/*'", "arn:aws:s3:::data-p-abc123/*"),
        ("!Sub 'home/${!aws:username}/'", "home/${aws:username}/"),
        (
            "!Sub ['arn:*:s3:::${Names}', {Names: !Join [',arn:*:s3:::', !Ref Buckets]}]",
            "arn:*:s3:::data-one,arn:*:s3:::data-two",
        ),
        # Fn::Join, Fn::Split, Fn::Select
        ("!Join ['/', [a, !Ref Prefix]]", "a/incoming/"),
        ("!Split [',', 'a,b,c']", ["a", "b", "c"]),
        ("!Select [1, !Ref Buckets]", "data-two"),
        ("!Select ['0', !Split ['/', !Ref Prefix]]", "incoming"),
        # Fn::If with Conditions (Equals, Not, And, Or, Condition), and AWS::NoValue
        ("!If [IsProd, big, small]", "big"),
        ("!If [IsDev, big, small]", "small"),
        ("!If [ProdAndDev, both, not-both]", "not-both"),
        ("!If [ProdOrDev, either, neither]", "either"),
        ("[a, !If [IsDev, b, !Ref AWS::NoValue]]", ["a"]),
        ("{Keep: 1, Drop: !Ref AWS::NoValue}", {"Keep": 1}),
        ("!FindInMap [Sizes, !Ref Stage, Instance]", "ml.m5.4xlarge"),
    ],
)
def test_evaluates_each_function(snippet, expected):
    assert evaluate(snippet) == expected


@pytest.mark.parametrize(
    ("snippet", "named"),
    [
        ("!ImportValue shared-bucket", "Fn::ImportValue"),
        ("!GetAZs ''", "Fn::GetAZs"),
        ("!Base64 text", "Fn::Base64"),
        ("{'Fn::ToJsonString': {a: 1}}", "Fn::ToJsonString"),
        ("!Sub '${Bucket}-${AWS::NoSuchThing}'", None),
        ("!GetAtt Role.RoleArnish", "Fn::GetAtt Role.RoleArnish"),
        ("!GetAtt Vpc.VpcId", "Fn::GetAtt Vpc.VpcId"),
        ("!Ref Vpc", "Ref"),
    ],
)
def test_an_unsupported_function_is_an_error_naming_it_and_where(snippet, named):
    with pytest.raises(PolicyLintError) as raised:
        evaluate(f"[x, {{Nested: {snippet}}}]")
    message = str(raised.value)
    assert "t.yaml:value.1.Nested" in message
    assert "\n" not in message
    if named:
        assert isinstance(raised.value, UnsupportedIntrinsicError)
        assert f"cannot evaluate {named} at" in message
    else:
        assert "AWS::NoSuchThing" in message


def test_samples_must_satisfy_the_parameters_constraints():
    with pytest.raises(PolicyLintError, match=r"parameter ProjectId of t.yaml: .*'P-UPPER' does not match"):
        Evaluator(EVALUATED, "t.yaml", parameters={**PARAMETERS, "ProjectId": "P-UPPER"})
    with pytest.raises(
        PolicyLintError, match=r"parameter Stage of t\.yaml: .* is not one of its AllowedValues"
    ):
        Evaluator(EVALUATED, "t.yaml", parameters={**PARAMETERS, "Stage": "test"})


def test_a_parameter_without_default_or_sample_is_named():
    template = {"Parameters": {"Mystery": {"Type": "String"}}, "Resources": {}}
    with pytest.raises(PolicyLintError, match=r"parameter Mystery of t\.yaml has no Default and no sample"):
        Evaluator(template, "t.yaml")


def test_the_sample_parameters_are_realistic():
    evaluator = Evaluator(
        load_template(TEMPLATES / "project-s3-fs-ingestion.yaml"), "project-s3-fs-ingestion.yaml"
    )
    assert evaluator.parameters["SageMakerProjectId"] == "p-abcdefgh1234"
    portfolio = Evaluator(
        load_template(TEMPLATES / "sm-project-sc-portfolio.yaml"), "sm-project-sc-portfolio.yaml"
    )
    buckets = portfolio.parameters["DataBucketNames"]
    assert isinstance(buckets, list) and len(buckets) == 2


# ------------------------------------------------------------------------------------------------
# Templates and the command
# ------------------------------------------------------------------------------------------------
PRODUCT_LIKE = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  SageMakerProjectId:
    Type: String
    AllowedPattern: ^p-[a-z0-9]{1,18}$
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub sagemaker-fsi-${SageMakerProjectId}-data
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: ReadObjects
                Effect: Allow
                Action: s3:GetObject
                Resource: %(read)s
              - Sid: WriteObjects
                Effect: Allow
                Action: s3:PutObject
                Resource: %(write)s
              - Sid: List
                Effect: Allow
                Action: s3:ListBucket
                Resource: %(list)s
"""
OBJECTS = "!Sub '${Bucket.Arn}/*'"
BUCKET = "!GetAtt Bucket.Arn"


def write_template(folder: Path, read=OBJECTS, write=OBJECTS, list_=BUCKET) -> Path:
    path = folder / "product.yaml"
    path.write_text(PRODUCT_LIKE % {"read": read, "write": write, "list": list_})
    return path


def write_suppressions(folder: Path, entries: list[dict[str, str]]) -> Path:
    path = folder / "suppressions.yaml"
    path.write_text(json.dumps({"suppressions": entries}))
    return path


def run_cli(capsys, *arguments: str) -> tuple[int, list[str], list[str]]:
    """main() as `python -m scripts.policy_lint` runs it: (exit code, stdout lines, stderr lines)."""
    original = sys.argv
    sys.argv = ["python -m scripts.policy_lint", *arguments]
    try:
        run_main(main)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    finally:
        sys.argv = original
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


MISMATCH = "MEDIUM RESOURCE_MISMATCH statement ReadObjects: s3:GetObject needs a resource like arn:*:s3:::*/*"


def test_an_object_action_on_a_bucket_arn_is_a_resource_mismatch_and_fails(tmp_path, capsys):
    template = write_template(tmp_path, read=BUCKET)
    code, out, err = run_cli(capsys, str(template), "--suppressions", str(tmp_path / "none.yaml"))
    assert code == 1
    bucket = "arn:aws:s3:::sagemaker-fsi-p-abcdefgh1234-data"
    assert out[0] == f"product.yaml:Role:read: {MISMATCH}, the statement has {bucket}"
    assert out[-1].endswith("1 finding(s) at MEDIUM or above, 0 below, 0 suppressed")
    assert len(err) == 1 and err[0].startswith("error: parliament: 1 finding(s) at MEDIUM or above")


def test_a_clean_template_passes_and_says_what_it_linted(tmp_path, capsys):
    code, out, err = run_cli(capsys, str(write_template(tmp_path)), "--suppressions", str(tmp_path / "none"))
    assert code == 0, out + err
    assert out == [
        "parliament 1.6.4: 1 template(s), 1 policy(ies) (1 identity, 0 resource; "
        "1 trust policy(ies) not linted), 0 finding(s) at MEDIUM or above, 0 below, 0 suppressed"
    ]
    assert err == []


def test_findings_below_medium_are_listed_but_pass(tmp_path, capsys):
    template = write_template(tmp_path, list_="'*'")
    code, out, _ = run_cli(capsys, str(template), "--suppressions", str(tmp_path / "none"))
    assert code == 0
    assert out[0] == (
        "product.yaml:Role:read: LOW RESOURCE_STAR statement List: s3:ListBucket can be scoped to resources "
        "but is granted on *"
    )


def test_an_action_parliament_does_not_know_hides_nothing_else_in_its_statement(tmp_path):
    template = write_template(tmp_path, read=BUCKET)
    template.write_text(
        template.read_text().replace("Action: s3:GetObject", "Action: [s3:GetObjekt, s3:GetObject]")
    )
    report = lint([template], tmp_path / "none")
    assert [(f.severity, f.issue, f.statement, f.action) for f in report.findings] == [
        ("LOW", "UNKNOWN_ACTION", "ReadObjects", "s3:GetObjekt"),
        ("MEDIUM", "RESOURCE_MISMATCH", "ReadObjects", "s3:GetObject"),
    ]


def test_a_suppression_with_a_reason_silences_exactly_that_finding(tmp_path, capsys):
    template = write_template(tmp_path, read=BUCKET, write=BUCKET)
    suppressions = write_suppressions(
        tmp_path,
        [
            {
                "issue": "RESOURCE_MISMATCH",
                "template": "product.yaml",
                "resource": "Role",
                "policy": "read",
                "statement": "ReadObjects",
                "action": "s3:GetObject",
                "reason": "testing a suppression",
            }
        ],
    )
    report = lint([template], suppressions)
    assert [(f.statement, f.action) for f in report.suppressed] == [("ReadObjects", "s3:GetObject")]
    assert [(f.issue, f.statement, f.action) for f in report.failing] == [
        ("RESOURCE_MISMATCH", "WriteObjects", "s3:PutObject")
    ]
    assert report.unused == []
    code, out, _ = run_cli(capsys, str(template), "--suppressions", str(suppressions))
    assert code == 1
    assert not any("ReadObjects" in line for line in out)
    assert out[-1].endswith("1 finding(s) at MEDIUM or above, 0 below, 1 suppressed")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_suppression_without_a_reason_is_refused_in_one_line(tmp_path, capsys, reason):
    entry = {"issue": "RESOURCE_MISMATCH", "template": "product.yaml", "resource": "Role"}
    if reason is not None:
        entry["reason"] = reason
    suppressions = write_suppressions(tmp_path, [entry])
    code, out, err = run_cli(
        capsys, str(write_template(tmp_path, read=BUCKET)), "--suppressions", str(suppressions)
    )
    assert code == 1
    assert out == []
    assert err == [
        f"error: {suppressions}: suppression 1 (RESOURCE_MISMATCH Role) has no reason: say in `reason` why "
        "the finding is acceptable, or fix the template instead"
    ]


def test_a_suppression_with_an_unknown_key_is_refused(tmp_path):
    suppressions = write_suppressions(
        tmp_path,
        [{"issue": "X", "template": "t", "resource": "R", "reason": "r", "sid": "A"}],
    )
    with pytest.raises(PolicyLintError, match="suppression 1 has unknown key"):
        load_suppressions(suppressions)


def test_an_unused_suppression_is_reported_and_fails(tmp_path, capsys):
    suppressions = write_suppressions(
        tmp_path,
        [{"issue": "RESOURCE_MISMATCH", "template": "product.yaml", "resource": "Gone", "reason": "old"}],
    )
    code, out, err = run_cli(capsys, str(write_template(tmp_path)), "--suppressions", str(suppressions))
    assert code == 1
    assert "suppressions.yaml: suppression 1 matches no finding: RESOURCE_MISMATCH product.yaml:Gone" in out
    assert err[0].startswith("error: parliament: 1 unused suppression(s)")


def test_an_unsupported_intrinsic_fails_the_command_in_one_line(tmp_path, capsys):
    template = write_template(tmp_path, read="!ImportValue shared-data-arn")
    code, out, err = run_cli(capsys, str(template), "--suppressions", str(tmp_path / "none"))
    assert code == 1
    assert out == []
    assert err == [
        "error: cannot evaluate Fn::ImportValue at product.yaml:Resources.Role.Properties.Policies.0."
        "PolicyDocument.Statement.0.Resource: not supported by scripts.policy_lint; write "
        "the policy without it or teach scripts/policy_lint.py to evaluate it"
    ]


def test_a_policy_on_a_resource_type_it_does_not_know_is_an_error(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      RepositoryPolicyText:\n"
        "        Version: '2012-10-17'\n        Statement: []\n"
    )
    with pytest.raises(
        PolicyLintError, match="RepositoryPolicyText of AWS::ECR::Repository looks like an IAM"
    ):
        lint([path], tmp_path / "none")


def test_the_command_runs_as_a_module_with_help():
    result = subprocess.run(
        [sys.executable, "-m", "scripts.policy_lint", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m scripts.policy_lint")


def test_nothing_is_downloaded(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    report = lint([TEMPLATES, write_template(tmp_path, read=BUCKET)], tmp_path / "none")
    assert report.policies


# ------------------------------------------------------------------------------------------------
# The project's templates: every policy extracted and concrete (whatever parliament finds in them)
# ------------------------------------------------------------------------------------------------
LINTED_TYPES = {
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
}


def expected_policy_count(path: Path) -> int:
    """Counted on the template as written: one per policy resource, one per inline policy of a role."""
    resources = cfn_yaml.loads(path.read_text())["Resources"].values()
    inline = sum(
        len(r.get("Properties", {}).get("Policies", [])) for r in resources if r["Type"] == "AWS::IAM::Role"
    )
    return inline + sum(r["Type"] in LINTED_TYPES for r in resources)


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_policy_of_the_project_templates_is_extracted_and_concrete(path):
    extracted = template_policies(path)
    assert len({policy.where for policy in extracted.policies}) == expected_policy_count(path) > 0
    for policy in extracted.policies:
        text = json.dumps(policy.document)
        assert "${" not in text and "Fn::" not in text and '"Ref"' not in text, policy.where
        assert "{{package:" not in text, policy.where
        assert policy.document["Statement"], policy.where
