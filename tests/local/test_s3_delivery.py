"""`make deploy DELIVERY=both|s3|servicecatalog` against the emulator: the template published where
SageMaker looks for it (object tag, bucket CORS rule, domain tag), the execution role's permissions, a
project created from it with TemplateProviders, the allow-lists checked at launch as the Service Catalog
constraint checks them, and deploy/destroy withdrawing exactly what was added.

The project here builds from a CodeConnections repository, which the emulator cannot reach: its source
stage fails at once, so no build runs (tests/local/test_demo.py runs an S3-delivered project end to end)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError

from scripts import destroy, project_stack, project_templates, s3_delivery
from scripts.assemble import SourceLayout
from scripts.aws import AwsContext
from scripts.notebooks import clean_up
from scripts.project_stack import DEFAULT_BUCKET, copy_kit, package_and_deploy, project_parameters
from tests.local.conftest import project_settled

STACK = "sagemaker-fs-ingestion-portfolio"
CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"
OTHER_CONNECTION = (
    "arn:aws:codeconnections:us-east-1:123456789012:connection/ffffffff-4e5f-4a7b-8c9d-0e1f2a3b4c5d"
)
OWN_CORS_RULE = {"ID": "team-uploads", "AllowedMethods": ["PUT"], "AllowedOrigins": ["https://example.com"]}
OWN_TAG = {"Key": "team", "Value": "ml-platform"}


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags read as plain values (only Rules are compared)."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("s3-delivery")


def deploy(emulator, workspace: Path, delivery: str) -> str:
    kit = workspace / "kit"
    return package_and_deploy(
        emulator.endpoint,
        SourceLayout(kit) if kit.is_dir() else copy_kit(kit),
        workspace,
        DATA_BUCKETS=DEFAULT_BUCKET,
        DELIVERY=delivery,
        CONNECTIONS=CONNECTION,
    )


def stack_outputs(emulator) -> dict[str, str]:
    [stack] = emulator.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def domain(emulator) -> tuple[str, str]:
    [summary] = emulator.client("sagemaker").list_domains()["Domains"]
    return summary["DomainId"], summary["DomainArn"]


def domain_tags(emulator) -> list[dict[str, str]]:
    return emulator.client("sagemaker").list_tags(ResourceArn=domain(emulator)[1])["Tags"]


def cors_rules(emulator, bucket: str) -> list[dict]:
    try:
        return emulator.client("s3").get_bucket_cors(Bucket=bucket)["CORSRules"]
    except ClientError:
        return []


@pytest.fixture(scope="module")
def delivered(emulator, workspace) -> tuple[str, dict[str, str]]:
    """Deployed with DELIVERY=both, the domain carrying a tag of its own."""
    emulator.client("sagemaker").add_tags(ResourceArn=domain(emulator)[1], Tags=[OWN_TAG])
    printed = deploy(emulator, workspace, "both")
    return printed, stack_outputs(emulator)


def template_location(outputs: dict[str, str]) -> tuple[str, str]:
    bucket, _, folder = outputs["ProjectTemplatesLocation"].removeprefix("s3://").partition("/")
    return bucket, folder + s3_delivery.TEMPLATE_FILE


def test_the_template_is_published_where_sagemaker_looks(emulator, delivered):
    printed, outputs = delivered
    bucket, key = template_location(outputs)
    assert outputs["Delivery"] == "both" and "PortfolioId" in outputs
    assert outputs["ProjectTemplateUrl"] == f"https://{bucket}.s3.us-east-1.amazonaws.com/{key}"
    s3 = emulator.client("s3")
    tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}
    assert tags["sagemaker:studio-visibility"] == "true"
    [rule] = [r for r in cors_rules(emulator, bucket) if r.get("ID") == s3_delivery.CORS_RULE_ID]
    assert rule["AllowedOrigins"] == ["https://*.sagemaker.aws"]
    assert {"Key": s3_delivery.LOCATION_TAG, "Value": outputs["ProjectTemplatesLocation"]} in domain_tags(
        emulator
    )
    assert f"  template s3://{bucket}/{key} (tagged sagemaker:studio-visibility=true)" in printed


def test_the_published_rules_are_the_service_catalog_constraint(emulator, delivered):
    _, outputs = delivered
    bucket, key = template_location(outputs)
    body = emulator.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    published = yaml.load(body, Loader=_Loader)["Rules"]
    catalog = emulator.client("servicecatalog")
    [path] = catalog.list_launch_paths(ProductId=outputs["ProductId"])["LaunchPathSummaries"]
    constraints = catalog.list_constraints_for_portfolio(PortfolioId=outputs["PortfolioId"])[
        "ConstraintDetails"
    ]
    [template] = [c for c in constraints if c["Type"] == "TEMPLATE"]
    parameters = catalog.describe_constraint(Id=template["ConstraintId"])["ConstraintParameters"]
    constraint_rules = json.loads(parameters)["Rules"]
    assert path["Id"]
    assert {name: published[name] for name in constraint_rules} == constraint_rules
    assert "ConnectionSourceNamed" in published  # the template's own rule is kept


def simulate(emulator, role_arn: str, actions: list[str], resources: list[str], **context: str) -> set[str]:
    entries = [
        {"ContextKeyName": name.replace("__", ":"), "ContextKeyValues": [value], "ContextKeyType": "string"}
        for name, value in context.items()
    ]
    results = emulator.client("iam").simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=actions, ResourceArns=resources, ContextEntries=entries
    )["EvaluationResults"]
    return {r["EvalActionName"] for r in results if r["EvalDecision"] == "allowed"}


def test_the_execution_role_reads_the_templates_and_launches_only_as_the_launch_role(emulator, delivered):
    _, outputs = delivered
    bucket, key = template_location(outputs)
    role = emulator.client("iam").get_role(RoleName=outputs["ExecutionRoleName"])["Role"]["Arn"]
    reads = ["s3:GetObject", "s3:GetObjectTagging"]
    assert simulate(emulator, role, reads, [f"arn:aws:s3:::{bucket}/{key}"]) == set(reads)
    seed_code = f"arn:aws:s3:::{bucket}/{key.split('/')[0]}/artifacts/seed.zip"
    assert simulate(emulator, role, ["s3:GetObjectTagging"], [seed_code]) == set()
    stacks = "arn:aws:cloudformation:us-east-1:123456789012:stack/any/id"
    launch = outputs["ProjectsLaunchRoleArn"]
    ours, theirs = outputs["ProjectTemplateUrl"], "https://elsewhere.s3.amazonaws.com/template.yaml"
    create = ["cloudformation:CreateStack"]
    other_role = launch.replace("fs-ingestion-projects-launch", "someone-else")
    for role_arn, url, expected in ((launch, ours, True), (launch, theirs, False), (other_role, ours, False)):
        allowed = simulate(
            emulator,
            role,
            create,
            [stacks],
            cloudformation__RoleArn=role_arn,
            cloudformation__TemplateUrl=url,
        )
        assert (allowed == set(create)) is expected, (role_arn, url)
    passing = ["iam:PassRole"]
    assert simulate(
        emulator, role, passing, [launch], iam__PassedToService="cloudformation.amazonaws.com"
    ) == set(passing)
    assert simulate(emulator, role, passing, [launch], iam__PassedToService="lambda.amazonaws.com") == set()


def test_the_launch_role_trusts_cloudformation_only_and_carries_the_launch_policies(emulator, delivered):
    _, outputs = delivered
    iam = emulator.client("iam")
    name = outputs["ProjectsLaunchRoleArn"].rsplit("/", 1)[-1]
    role = iam.get_role(RoleName=name)["Role"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
    assert {outputs["LaunchRolePolicyArn"], outputs["LaunchRoleIamPolicyArn"]} <= attached
    connections = ["codeconnections:PassConnection", "codeconnections:UseConnection"]
    assert simulate(emulator, role["Arn"], connections, [CONNECTION]) == set(connections)
    assert simulate(emulator, role["Arn"], connections, [OTHER_CONNECTION]) == set()
    catalog_launch_role = iam.list_attached_role_policies(
        RoleName="AmazonSageMakerServiceCatalogProductsLaunchRole"
    )
    assert attached == {p["PolicyArn"] for p in catalog_launch_role["AttachedPolicies"]}  # the same three


def create_from_template(emulator, outputs: dict[str, str], name: str, suffix: str, **overrides: str) -> dict:
    source = {
        "SourceRepository": "CodeConnections",
        "ConnectionArn": CONNECTION,
        "FullRepositoryId": "example-org/feature-pipelines",
    }
    parameters = project_parameters(f"p-{suffix}", **{**source, **overrides})
    sagemaker = emulator.client("sagemaker")
    sagemaker.create_project(
        ProjectName=name,
        TemplateProviders=[
            {
                "CfnTemplateProvider": {
                    "TemplateName": "fs-ingestion",
                    "TemplateURL": outputs["ProjectTemplateUrl"],
                    "RoleARN": outputs["ProjectsLaunchRoleArn"],
                    "Parameters": [
                        {"Key": k, "Value": v}
                        for k, v in parameters.items()
                        if not k.startswith("SageMakerProject")
                    ],
                }
            }
        ],
    )
    return project_settled(sagemaker, name)


def test_a_project_from_the_s3_template_builds_from_its_connection_which_fails_locally(emulator, delivered):
    _, outputs = delivered
    described = create_from_template(emulator, outputs, "from-s3", "s3deliv01")
    assert described["ProjectStatus"] == "CreateCompleted", described
    [provider] = described["TemplateProviderDetails"]
    stack = provider["CfnTemplateProviderDetail"]["StackDetail"]["Name"]
    [created] = emulator.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    stack_outputs_ = {o["OutputKey"]: o["OutputValue"] for o in created["Outputs"]}
    assert "RepositoryName" not in stack_outputs_
    assert stack_outputs_["SourceLocation"] == f"example-org/feature-pipelines@main (connection {CONNECTION})"
    codepipeline = emulator.client("codepipeline")
    deadline = time.monotonic() + 30
    while True:
        stages = codepipeline.get_pipeline_state(name=stack_outputs_["BuildPipelineName"])["stageStates"]
        source = stages[0].get("latestExecution", {}).get("status")
        if source == "Failed" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert source == "Failed"
    message = stages[0]["actionStates"][0]["latestExecution"]["errorDetails"]["message"]
    assert "cannot reach example-org/feature-pipelines" in message
    assert "latestExecution" not in stages[1]  # nothing was built
    cicd = emulator.client("iam").get_role(RoleName=f"sagemaker-fsi-{described['ProjectId']}-cicd")["Role"][
        "Arn"
    ]
    use = ["codeconnections:UseConnection"]
    assert simulate(emulator, cicd, use, [CONNECTION]) == set(use)
    assert (
        simulate(emulator, cicd, use, [OTHER_CONNECTION]) == set()
    )  # its boundary allows it; its policy not
    assert (
        simulate(emulator, cicd, ["codecommit:GetBranch"], ["arn:aws:codecommit:us-east-1:123456789012:x"])
        == set()
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"DataBucketName": "someone-elses-bucket"},
            "DataBucketName must be one of the buckets this portfolio allows",
        ),
        (
            {"ConnectionArn": OTHER_CONNECTION},
            "ConnectionArn must be one of the connections this portfolio allows",
        ),
        ({"FullRepositoryId": ""}, "SourceRepository CodeConnections needs FullRepositoryId"),
    ],
    ids=["bucket", "connection", "repository"],
)
def test_the_published_rules_refuse_a_launch_outside_the_allow_lists(emulator, delivered, overrides, message):
    _, outputs = delivered
    name = f"refused-{len(message) % 97}"
    described = create_from_template(emulator, outputs, name, f"refused{len(message) % 97:02d}", **overrides)
    assert described["ProjectStatus"] == "CreateFailed"
    detail = described["TemplateProviderDetails"][0]["CfnTemplateProviderDetail"]["StackDetail"]
    assert message in detail["StatusMessage"]


def test_the_notebooks_find_the_template_and_its_projects_either_way(emulator, workspace, delivered):
    _, outputs = delivered
    with project_stack.pointed_at(emulator.endpoint, workspace):
        context = AwsContext.from_environment()
        s3_template = project_templates.find_template(context, "s3", STACK)
        product = project_templates.find_template(context, "servicecatalog", STACK)
        assert project_templates.find_template(context, None, STACK) == product  # both: the product
        found = clean_up.projects_from(context, clean_up.delivered_templates(context, STACK))
    assert s3_template == project_templates.S3Template(
        outputs["ProjectTemplateUrl"], outputs["ProjectsLaunchRoleArn"]
    )
    assert product.product_id == outputs["ProductId"]
    [project] = [p for p in found if p.name == "from-s3"]
    assert project.feature_group == "abalone-iv01"  # project_parameters: the id's last four
    described = emulator.client("sagemaker").describe_project(ProjectName="from-s3")
    assert (
        project_templates.stack_of(described, emulator.account)
        == f"sagemaker-{described['ProjectId']}-fs-ingestion"
    )


def test_deploying_servicecatalog_only_withdraws_exactly_the_s3_delivery(emulator, workspace, delivered):
    _, outputs = delivered
    bucket, key = template_location(outputs)
    emulator.client("s3").put_bucket_cors(
        Bucket=bucket, CORSConfiguration={"CORSRules": [*cors_rules(emulator, bucket), OWN_CORS_RULE]}
    )
    printed = deploy(emulator, workspace, "servicecatalog")
    assert "S3 delivery withdrawn:" in printed
    assert [r["ID"] for r in cors_rules(emulator, bucket)] == [OWN_CORS_RULE["ID"]]
    assert domain_tags(emulator) == [OWN_TAG]
    versions = emulator.client("s3").list_object_versions(Bucket=bucket, Prefix=key)
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    after = stack_outputs(emulator)
    assert after["Delivery"] == "servicecatalog" and "ProjectTemplateUrl" not in after
    role = after["ExecutionRoleName"]
    attached = emulator.client("iam").list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert outputs["ExecutionRoleS3DeliveryPolicyArn"] not in {p["PolicyArn"] for p in attached}


def test_destroy_withdraws_the_s3_delivery_then_deletes_the_stack(emulator, workspace, delivered):
    _, outputs = delivered
    bucket, _ = template_location(outputs)
    deploy(emulator, workspace, "s3")
    assert "PortfolioId" not in stack_outputs(emulator)  # no Service Catalog with s3 alone
    printed = io.StringIO()
    argv = ["destroy", "--build-dir", str(workspace / "build")]
    with (
        project_stack.pointed_at(emulator.endpoint, workspace),
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(printed),
    ):
        patch.setattr(sys, "argv", argv)
        destroy.main()
    assert "Withdrawing the S3-delivered template" in printed.getvalue()
    assert [r["ID"] for r in cors_rules(emulator, bucket)] == [OWN_CORS_RULE["ID"]]
    assert domain_tags(emulator) == [OWN_TAG]
    with pytest.raises(ClientError, match="does not exist"):
        emulator.client("cloudformation").describe_stacks(StackName=STACK)


def test_a_domain_taking_templates_from_elsewhere_is_refused_before_anything_changes(
    emulator, workspace, delivered
):
    _, outputs = delivered
    bucket, key = template_location(outputs)
    elsewhere = {"Key": s3_delivery.LOCATION_TAG, "Value": "s3://another-team/templates/"}
    emulator.client("sagemaker").add_tags(ResourceArn=domain(emulator)[1], Tags=[elsewhere])
    with pytest.raises(
        s3_delivery.DomainTemplatesElsewhereError,
        match="already takes project templates from s3://another-team/templates/",
    ):
        deploy(emulator, workspace, "s3")
    with pytest.raises(ClientError, match="does not exist"):
        emulator.client("cloudformation").describe_stacks(StackName=STACK)
    assert elsewhere in domain_tags(emulator)
    assert emulator.client("s3").list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount") == 0
