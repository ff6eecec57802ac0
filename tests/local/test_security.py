"""The security review's escalations, tried against the real templates deployed in the emulator.

The portfolio is published and deployed by the real packager and deployer (``DATA_BUCKETS`` set), two
projects are launched from the published product template, and each escalation is then tried as the
principal in question would try it: a launch with a widening parameter (CloudFormation refuses it), a
launch naming a bucket outside the allow-list (the portfolio's launch template constraint, evaluated
with the emulator's rules engine, refuses it), and every permission question through IAM's policy
simulator (``SimulatePrincipalPolicy``), which evaluates the roles' real policies, their permissions
boundary and, where given, the bucket's real policy as IAM evaluates them (AWS's evaluation logic; see
``scripts/local/iam/evaluation.py``). The same simulator calls can be run on an AWS account (README,
"Security model").
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from scripts import PROJECT_ROOT
from scripts.cfn_yaml import loads
from scripts.local.cloudformation.rules import failed_assertions
from scripts.project_stack import (
    ACCOUNT,
    DEFAULT_BUCKET,
    REGION,
    as_cfn_parameters,
    copy_kit,
    launch,
    package_and_deploy,
    project_parameters,
    stack_name,
)

PRODUCT = PROJECT_ROOT / "cfn-templates" / "project-s3-fs-ingestion.yaml"
TEAM_BUCKET = "team-data-bucket"
VICTIM_BUCKET = "victim-finance-bucket"
VICTIM_CONNECTION = (
    "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"
)
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/sagemaker-fsi/project-roles-boundary-{REGION}"
LAUNCH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsLaunchRole"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-local"
PUBLISHER = f"arn:aws:iam::{ACCOUNT}:user/platform-engineer"
SAGEMAKER_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
PROJECT_A, PROJECT_B = "p-aaaaaaaaaaaa", "p-bbbbbbbbbbbb"


@pytest.fixture(scope="module")
def deployed(emulator, tmp_path_factory, monkeypatch_module) -> dict:
    """``make package && make deploy`` with DATA_BUCKETS and a second publisher; returns the manifest."""
    workspace = tmp_path_factory.mktemp("security")
    emulator.client("s3").create_bucket(Bucket=TEAM_BUCKET)
    emulator.client("iam").create_user(UserName="platform-engineer")
    emulator.client("iam").attach_user_policy(
        UserName="platform-engineer", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    monkeypatch_module.setenv("PUBLISHERS", PUBLISHER)
    package_and_deploy(
        emulator.endpoint,
        copy_kit(workspace / "kit"),
        workspace,
        DATA_BUCKETS=f"{DEFAULT_BUCKET},{TEAM_BUCKET}",
    )
    return json.loads((workspace / "build" / REGION / "manifest.json").read_text())


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def projects(emulator, deployed) -> dict[str, str]:
    """Two projects launched from the published product template, as the launch role launches them."""
    for project_id in (PROJECT_A, PROJECT_B):
        launch(emulator.endpoint, deployed["product_template_url"], project_parameters(project_id))
    return {project_id: stack_name(project_id) for project_id in (PROJECT_A, PROJECT_B)}


def simulate(emulator, role_or_user: str, action: str, resource: str, **kwargs) -> dict:
    context = kwargs.pop("context", {})
    entries = [
        {"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"}
        for key, value in context.items()
    ]
    [result] = emulator.client("iam").simulate_principal_policy(
        PolicySourceArn=role_or_user,
        ActionNames=[action],
        ResourceArns=[resource],
        ContextEntries=entries,
        **kwargs,
    )["EvaluationResults"]
    return result


def decision(emulator, principal: str, action: str, resource: str, **kwargs) -> str:
    return simulate(emulator, principal, action, resource, **kwargs)["EvalDecision"]


def role(project_id: str, suffix: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/sagemaker-fsi-{project_id}-{suffix}"


def pipeline(project_id: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/s3-fs-ingest-pipeline-{project_id}"


# --- 1. a project's parameters cannot widen its own roles -------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"DataKeyPrefix": "*/"}, "DataKeyPrefix"),
        ({"DataKeyPrefix": "in/?/"}, "DataKeyPrefix"),
        ({"DataWranglerFlowKey": "s3://victim-finance-bucket/s3://x.flow"}, "DataWranglerFlowKey"),
        ({"DataWranglerFlowKey": "*.flow"}, "DataWranglerFlowKey"),
        ({"DataBucketName": "victim-*"}, "DataBucketName"),
        ({"SageMakerProjectId": "p-x-p-aaaaaaaaaaaa"}, "SageMakerProjectId"),
        ({"ProcessingInstanceType": "ml.p4d.24xlarge"}, "ProcessingInstanceType"),
    ],
    ids=[
        "prefix-star",
        "prefix-question-mark",
        "flow-key-scheme",
        "flow-key-star",
        "bucket-star",
        "id-names-another-project",
        "instance-type",
    ],
)
def test_a_widening_parameter_is_refused_at_launch_and_nothing_is_created(
    emulator, deployed, overrides, parameter
):
    cloudformation = emulator.client("cloudformation")
    stack = f"SC-{ACCOUNT}-pp-widening"
    with pytest.raises(ClientError) as raised:
        cloudformation.create_stack(
            StackName=stack,
            TemplateURL=deployed["product_template_url"],
            Parameters=as_cfn_parameters(project_parameters("p-widening0000", **overrides)),
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
    error = raised.value.response["Error"]
    spec = loads(PRODUCT.read_text())["Parameters"][parameter]
    expected = (
        f"Parameter {parameter} failed to satisfy constraint: {spec['ConstraintDescription'].strip()}"
        if "ConstraintDescription" in spec
        else f"Parameter '{parameter}' must be one of AllowedValues"
    )
    assert (error["Code"], error["Message"]) == ("ValidationError", expected)
    assert stack not in [s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"]]
    assert not [r for r in emulator.client("iam").list_roles()["Roles"] if "widening" in r["RoleName"]]


def launch_constraint_rules(emulator, deployed) -> dict:
    catalog = emulator.client("servicecatalog")
    [portfolio] = catalog.list_portfolios()["PortfolioDetails"]
    templates = [
        c
        for c in catalog.list_constraints_for_portfolio(PortfolioId=portfolio["Id"])["ConstraintDetails"]
        if c["Type"] == "TEMPLATE"
    ]
    [constraint] = templates
    return json.loads(catalog.describe_constraint(Id=constraint["ConstraintId"])["ConstraintParameters"])[
        "Rules"
    ]


@pytest.mark.parametrize(
    ("overrides", "refused"),
    [
        ({}, []),
        ({"DataBucketName": TEAM_BUCKET, "DataWranglerFlowBucket": TEAM_BUCKET}, []),
        ({"DataBucketName": VICTIM_BUCKET}, ["AllowedDataBucket"]),
        ({"DataWranglerFlowBucket": VICTIM_BUCKET}, ["AllowedFlowBucket"]),
        ({"SourceRepository": "CodeConnections", "ConnectionArn": VICTIM_CONNECTION}, ["AllowedConnection"]),
    ],
    ids=[
        "default-bucket",
        "team-bucket",
        "data-bucket-not-allowed",
        "flow-bucket-not-allowed",
        "connection-not-allowed",
    ],
)
def test_only_the_allowed_buckets_and_connections_pass_the_portfolios_launch_constraint(
    emulator, deployed, overrides, refused
):
    rules = launch_constraint_rules(emulator, deployed)
    defaults = {
        "SourceRepository": "CodeCommit",
        "ConnectionArn": "",
    }  # the product's, as a launch resolves them
    failures = failed_assertions(rules, {**defaults, **project_parameters("p-cccccccccccc", **overrides)})
    assert [failure.rule for failure in failures] == refused
    for failure in failures:
        assert failure.description.endswith(
            f"one of the buckets this portfolio allows: {DEFAULT_BUCKET}, {TEAM_BUCKET}"
            if failure.rule != "AllowedConnection"
            else "one of the connections this portfolio allows (make deploy CONNECTIONS=...): "
        )


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [(DEFAULT_BUCKET, "allowed"), (TEAM_BUCKET, "allowed"), (VICTIM_BUCKET, "implicitDeny")],
)
def test_the_boundary_caps_what_any_project_role_can_read(emulator, projects, bucket, expected):
    # Even a role whose own policy reads every bucket (what a template launched with the shared launch
    # role could write) reads only the allowed buckets.
    read_everything = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )
    result = simulate(
        emulator,
        role(PROJECT_A, "pipeline"),
        "s3:GetObject",
        f"arn:aws:s3:::{bucket}/any/key.csv",
        PolicyInputList=[read_everything],
    )
    assert result["EvalDecision"] == expected
    assert result["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"] is (
        expected == "allowed"
    )


def test_the_pipeline_role_reads_exactly_its_flow_and_its_prefix(emulator, projects):
    pipeline_role = role(PROJECT_A, "pipeline")
    flow = f"arn:aws:s3:::{DEFAULT_BUCKET}/feature-store-ingestion/flows/abalone.flow"
    data = f"arn:aws:s3:::{DEFAULT_BUCKET}/feature-store-ingestion/incoming/"
    assert decision(emulator, pipeline_role, "s3:GetObject", flow) == "allowed"
    assert decision(emulator, pipeline_role, "s3:GetObject", flow + ".bak") == "implicitDeny"
    assert decision(emulator, pipeline_role, "s3:GetObject", data + "a.csv") == "allowed"
    assert decision(
        emulator, pipeline_role, "s3:GetObject", f"arn:aws:s3:::{DEFAULT_BUCKET}/other/a.csv"
    ) == ("implicitDeny")
    feature_groups = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:feature-group/"
    assert (
        decision(emulator, pipeline_role, "sagemaker:PutRecord", feature_groups + "abalone-aaaa") == "allowed"
    )
    assert decision(emulator, pipeline_role, "sagemaker:PutRecord", feature_groups + "other-teams-fg") == (
        "implicitDeny"
    )


@pytest.mark.parametrize(
    ("job", "instance_type", "expected"),
    [
        (f"sagemaker-fsi-{PROJECT_A}-abc123", "ml.m5.4xlarge", "allowed"),
        (f"sagemaker-fsi-{PROJECT_A}-abc123", "ml.p4d.24xlarge", "implicitDeny"),
        (f"sagemaker-fsi-{PROJECT_B}-abc123", "ml.m5.4xlarge", "implicitDeny"),
        ("pipelines-abc123-datawrangler", "ml.m5.4xlarge", "implicitDeny"),
    ],
    ids=["own-job-own-type", "other-instance-type", "other-projects-job", "unprefixed-job"],
)
def test_the_pipeline_role_starts_only_its_own_jobs_of_its_instance_type(
    emulator, projects, job, instance_type, expected
):
    result = simulate(
        emulator,
        role(PROJECT_A, "pipeline"),
        "sagemaker:CreateProcessingJob",
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/{job}",
        context={"sagemaker:InstanceTypes": instance_type},
    )
    assert result["EvalDecision"] == expected


# --- 2. roles the product creates can never exceed a boundary ---------------------------------------


def test_every_project_role_carries_the_portfolio_boundary(emulator, projects):
    iam = emulator.client("iam")
    for project_id in (PROJECT_A, PROJECT_B):
        for suffix in ("pipeline", "build", "cicd", "events", "lambda"):
            found = iam.get_role(RoleName=f"sagemaker-fsi-{project_id}-{suffix}")["Role"]
            assert found["PermissionsBoundary"] == {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": BOUNDARY,
            }, found["RoleName"]


@pytest.mark.parametrize(
    ("action", "boundary", "expected"),
    [
        ("iam:CreateRole", BOUNDARY, "allowed"),
        ("iam:CreateRole", None, "explicitDeny"),
        ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess", "explicitDeny"),
        ("iam:PutRolePolicy", None, "explicitDeny"),
        ("iam:PutRolePolicy", BOUNDARY, "allowed"),
        ("iam:AttachRolePolicy", "arn:aws:iam::aws:policy/AdministratorAccess", "explicitDeny"),
        ("iam:PutRolePermissionsBoundary", f"arn:aws:iam::{ACCOUNT}:policy/wide-open", "explicitDeny"),
        ("iam:DeleteRolePermissionsBoundary", None, "explicitDeny"),
    ],
    ids=[
        "create-with-boundary",
        "create-without",
        "create-other-boundary",
        "put-policy-without",
        "put-policy-with",
        "attach-admin",
        "swap-boundary",
        "remove-boundary",
    ],
)
def test_the_launch_role_changes_project_roles_only_within_the_boundary(
    emulator, deployed, action, boundary, expected
):
    context = {"iam:PermissionsBoundary": boundary} if boundary else {}
    result = simulate(
        emulator,
        LAUNCH_ROLE,
        action,
        f"arn:aws:iam::{ACCOUNT}:role/sagemaker-fsi-x-escalate",
        context=context,
    )
    assert result["EvalDecision"] == expected


def test_the_launch_role_creates_no_role_outside_the_project_names_and_cannot_edit_the_boundary(
    emulator, deployed
):
    outside = f"arn:aws:iam::{ACCOUNT}:role/admin-backdoor"
    assert decision(
        emulator, LAUNCH_ROLE, "iam:CreateRole", outside, context={"iam:PermissionsBoundary": BOUNDARY}
    ) == ("implicitDeny")
    for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"):
        assert decision(emulator, LAUNCH_ROLE, action, BOUNDARY) == "explicitDeny", action


def test_the_boundary_allows_nothing_in_iam_but_passing_project_roles_to_sagemaker(emulator, projects):
    build_role = role(PROJECT_A, "build")
    everything = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
    )
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreateUser"):
        result = simulate(
            emulator,
            build_role,
            action,
            f"arn:aws:iam::{ACCOUNT}:role/sagemaker-fsi-x",
            PolicyInputList=[everything],
        )
        assert result["EvalDecision"] == "implicitDeny", action


# --- 3. no project can act on another project ------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "action", "resource", "context"),
    [
        ("build", "sagemaker:UpdatePipeline", "pipeline", {}),
        ("build", "sagemaker:CreatePipeline", "pipeline", {}),
        ("build", "iam:PassRole", "pipeline-role", {"iam:PassedToService": "sagemaker.amazonaws.com"}),
        ("build", "s3:PutObject", "artifacts", {}),
        ("build", "s3:GetObject", "artifacts", {}),
        ("cicd", "codebuild:StartBuild", "build-project", {}),
        ("cicd", "s3:PutObject", "artifacts", {}),
        ("events", "codepipeline:StartPipelineExecution", "build-pipeline", {}),
        ("lambda", "sagemaker:StartPipelineExecution", "pipeline", {}),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_project_a_may_act_on_its_own_resources_and_not_on_project_bs(
    emulator, projects, suffix, action, resource, context
):
    def arn(project_id: str) -> str:
        prefix = f"sagemaker-fsi-{project_id}"
        return {
            "pipeline": pipeline(project_id),
            "pipeline-role": role(project_id, "pipeline"),
            "artifacts": f"arn:aws:s3:::{prefix}-artifacts/SourceCode/a.zip",
            "build-project": f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{prefix}-demo-{project_id[-4:]}",
            "build-pipeline": f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{prefix}-demo-{project_id[-4:]}",
        }[resource]

    principal = role(PROJECT_A, suffix)
    assert decision(emulator, principal, action, arn(PROJECT_A), context=context) == "allowed"
    assert decision(emulator, principal, action, arn(PROJECT_B), context=context) == "implicitDeny"


def test_the_shared_use_role_gets_nothing_from_the_kit(emulator, projects):
    iam = emulator.client("iam")
    use_role = "AmazonSageMakerServiceCatalogProductsUseRole"
    assert iam.list_attached_role_policies(RoleName=use_role)["AttachedPolicies"] == []
    described = emulator.client("cloudformation").describe_stack_resources(StackName=projects[PROJECT_A])
    roles = {
        r["PhysicalResourceId"] for r in described["StackResources"] if r["ResourceType"] == "AWS::IAM::Role"
    }
    assert use_role not in " ".join(roles)


def test_the_execution_role_cannot_delete_project_buckets(emulator, projects):
    for action in ("s3:DeleteBucket", "s3:DeleteObjectVersion"):
        resource = f"arn:aws:s3:::sagemaker-fsi-{PROJECT_A}-artifacts" + ("/k" if "Object" in action else "")
        assert decision(emulator, EXECUTION_ROLE, action, resource) == "implicitDeny", action


# --- 4. what every project runs cannot be replaced by a data scientist ------------------------------


@pytest.fixture(scope="module")
def staging_policy(emulator, deployed) -> str:
    return emulator.client("s3").get_bucket_policy(Bucket=deployed["bucket"])["Policy"]


@pytest.fixture(scope="module")
def data_scientist(emulator) -> str:
    """The Studio execution role as data scientists usually have it: AmazonSageMakerFullAccess."""
    emulator.client("iam").attach_role_policy(
        RoleName="AmazonSageMaker-ExecutionRole-local", PolicyArn=SAGEMAKER_FULL_ACCESS
    )
    return EXECUTION_ROLE


@pytest.mark.parametrize(
    "action",
    ["s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl", "s3:DeleteObjectVersion", "s3:PutObjectTagging"],
)
def test_a_data_scientist_cannot_overwrite_published_code(
    emulator, deployed, staging_policy, data_scientist, action
):
    [function] = [o for o in deployed["objects"] if o["role"] == "function-code"]
    resource = f"arn:aws:s3:::{deployed['bucket']}/{function['key']}"
    context = {"aws:PrincipalArn": data_scientist, "aws:SecureTransport": "true"}
    result = simulate(
        emulator,
        data_scientist,
        action,
        resource,
        context=context,
        ResourcePolicy=staging_policy,
        CallerArn=PUBLISHER,
    )
    assert result["EvalDecision"] == "explicitDeny"


def test_the_old_default_name_was_writable_by_any_data_scientist_without_the_policy(emulator, data_scientist):
    # Why the default name changed: AmazonSageMakerFullAccess allows PutObject on *sagemaker* ARNs.
    legacy = f"arn:aws:s3:::sagemaker-project-templates-{ACCOUNT}-{REGION}/sagemaker-fs-ingestion/a.zip"
    assert decision(emulator, data_scientist, "s3:PutObject", legacy) == "allowed"
    new = f"arn:aws:s3:::fs-ingestion-templates-{ACCOUNT}-{REGION}/fs-ingestion/a.zip"
    assert decision(emulator, data_scientist, "s3:PutObject", new) == "implicitDeny"


def test_a_publisher_may_still_publish(emulator, deployed, staging_policy):
    resource = f"arn:aws:s3:::{deployed['bucket']}/{deployed['prefix']}/artifacts/x.zip"
    context = {"aws:PrincipalArn": PUBLISHER, "aws:SecureTransport": "true"}
    result = simulate(
        emulator, PUBLISHER, "s3:PutObject", resource, context=context, ResourcePolicy=staging_policy
    )
    assert result["EvalDecision"] == "allowed", (result, staging_policy)


def test_the_published_code_is_pinned_by_version(emulator, deployed, projects):
    versions = {o["role"]: o["version_id"] for o in deployed["objects"] if "version_id" in o}
    function = emulator.client("lambda").get_function(
        FunctionName=f"sagemaker-fsi-{PROJECT_A}-start-ingestion"
    )
    assert function["Configuration"]["FunctionName"].endswith("start-ingestion")
    template = emulator.client("cloudformation").get_template(StackName=projects[PROJECT_A])["TemplateBody"]
    assert versions["function-code"] in template and versions["seed-code"] in template


# --- the boundary allows what the project's roles need ----------------------------------------------


def _concrete(pattern: str) -> str:
    """A value a wildcard pattern (ARN or condition value) matches."""
    return pattern.replace("*", "x").replace("?", "x")


def _context_meeting(condition: dict) -> dict[str, str]:
    context = {}
    for operator, keys in condition.items():
        for key, values in keys.items():
            if operator == "Null":
                continue
            value = values[0] if isinstance(values, list) else values
            context[key] = _concrete(str(value))
    return context


@pytest.mark.parametrize("suffix", ["pipeline", "build", "cicd", "events", "lambda"])
def test_the_boundary_allows_every_request_a_project_role_is_granted(emulator, projects, suffix):
    iam = emulator.client("iam")
    name = f"sagemaker-fsi-{PROJECT_A}-{suffix}"
    checked = 0
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            context = _context_meeting(statement.get("Condition", {}))
            # One simulation of the statement: every action on every resource, each with its own result.
            results = iam.simulate_principal_policy(
                PolicySourceArn=role(PROJECT_A, suffix),
                ActionNames=actions,
                ResourceArns=[_concrete(resource) for resource in resources],
                ContextEntries=[
                    {"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"}
                    for key, value in context.items()
                ],
            )["EvaluationResults"]
            assert len(results) == len(actions) * len(resources)
            for result in results:
                assert result["EvalDecision"] == "allowed", (
                    statement.get("Sid"),
                    result["EvalActionName"],
                    result["EvalResourceName"],
                    result,
                )
            checked += len(results)
    assert checked, f"{name} has no inline statement"
