"""make destroy against moto: the stack goes, buckets only when asked, only ours, and never under
something alive (project buckets of live projects, a staging prefix a stack still uses)."""

from __future__ import annotations

import json
import sys

import boto3
import pytest
from moto.s3.models import s3_backends

from scripts import destroy
from scripts.destroy import delete_objects
from scripts.errors import run_main
from scripts.project_buckets import retained_project_buckets
from scripts.staging_references import references
from tests.conftest import ACCOUNT, REGION

RETAINED = [{"Key": "sagemaker-fs-ingestion:retained", "Value": "true"}]
STAGING = f"sagemaker-project-templates-{ACCOUNT}-{REGION}"  # an earlier release's: prefix below
PREFIX = "sagemaker-fs-ingestion"
PORTFOLIO = "sagemaker-fs-ingestion-portfolio"
PROJECT_STACK = f"SC-{ACCOUNT}-pp-"
# moto builds neither type; the stacks still exist and GetTemplate answers their templates.
UNBUILT_TYPES = pytest.mark.filterwarnings("ignore:Tried to parse AWS")


def s3(region: str = REGION):
    return boto3.client("s3", region_name=region)


def cfn():
    return boto3.client("cloudformation", region_name=REGION)


def make_bucket(name: str, tags=None, region: str = REGION, versions: int = 0) -> None:
    client = s3(region)
    arguments = {"Bucket": name}
    if region != "us-east-1":
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": region}
    client.create_bucket(**arguments)
    if tags:
        client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})
    if versions:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        for index in range(versions):
            client.put_object(Bucket=name, Key="pipeline/definition.json", Body=str(index).encode())
        client.delete_object(Bucket=name, Key="pipeline/definition.json")  # leaves a delete marker


def tag_with_stack_id(bucket: str, stack_id: str) -> None:
    """What CloudFormation does to every bucket it creates; an aws: tag no caller may set, so it is set
    on moto's backend directly."""
    tags = {t["Key"]: t["Value"] for t in s3().get_bucket_tagging(Bucket=bucket)["TagSet"]}
    s3_backends[ACCOUNT]["aws"].put_bucket_tagging(bucket, {**tags, "aws:cloudformation:stack-id": stack_id})


def project_template(*suffixes: str) -> str:
    """A small stand-in for the product template: its retained buckets, named and tagged as it does."""
    buckets = {
        f"{suffix.title()}Bucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "Properties": {
                "BucketName": {"Fn::Sub": f"sagemaker-fsi-${{SageMakerProjectId}}-{suffix}"},
                "Tags": RETAINED,
            },
        }
        for suffix in suffixes
    }
    return json.dumps({"Parameters": {"SageMakerProjectId": {"Type": "String"}}, "Resources": buckets})


def launch_project(project_id: str, *suffixes: str, deleted: bool = False) -> str:
    """A project stack as Service Catalog names it; returns its id."""
    stack_id = cfn().create_stack(
        StackName=f"{PROJECT_STACK}{project_id.removeprefix('p-')}",
        TemplateBody=project_template(*suffixes),
        Parameters=[{"ParameterKey": "SageMakerProjectId", "ParameterValue": project_id}],
    )["StackId"]
    if deleted:
        cfn().delete_stack(StackName=stack_id)  # the buckets stay (DeletionPolicy: Retain)
    return stack_id


def bucket_names() -> list[str]:
    return sorted(b["Name"] for b in s3().list_buckets()["Buckets"])


def staging_keys() -> list[str]:
    return sorted(o["Key"] for o in s3().list_objects_v2(Bucket=STAGING).get("Contents", []))


@pytest.fixture
def portfolio_stack(moto):
    body = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "portfolio-q"}}}}
    return cfn().create_stack(StackName=PORTFOLIO, TemplateBody=json.dumps(body))["StackId"]


@pytest.fixture
def staging(moto):
    make_bucket(STAGING)
    for key in (f"{PREFIX}/manifest.json", f"{PREFIX}/product/1.0.0/t.yaml", "another-kit/manifest.json"):
        s3().put_object(Bucket=STAGING, Key=key, Body=b"{}")


def run_destroy(monkeypatch, tmp_path, *arguments: str) -> None:
    monkeypatch.setattr(sys, "argv", ["destroy", "--build-dir", str(tmp_path), *arguments])
    destroy.main()


def refused(monkeypatch, tmp_path, capsys, *arguments: str) -> str:
    """Run destroy as ``make destroy`` does; return its one-line error (exit 1 asserted)."""
    monkeypatch.setattr(sys, "argv", ["destroy", "--build-dir", str(tmp_path), *arguments])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        run_main(destroy.main)
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    return captured.err.removeprefix("error: ").rstrip("\n")


# --- finding and emptying retained buckets -------------------------------------------------------


def test_only_this_regions_tagged_project_buckets_are_found(aws):
    make_bucket("sagemaker-fsi-p-one-artifacts", RETAINED)
    make_bucket("sagemaker-fsi-p-one-trail", RETAINED)
    make_bucket("sagemaker-fsi-p-two-artifacts")  # untagged: not ours to delete
    make_bucket("sagemaker-fsi-p-three-trail", [{"Key": "owner", "Value": "someone"}])
    make_bucket("other-team-bucket", RETAINED)  # tagged, but not a project bucket name
    make_bucket("sagemaker-fsi-p-four-artifacts", RETAINED, region="eu-west-1")
    assert retained_project_buckets(aws) == ["sagemaker-fsi-p-one-artifacts", "sagemaker-fsi-p-one-trail"]


def test_emptying_removes_every_version_and_delete_marker(aws):
    make_bucket("sagemaker-fsi-p-one-artifacts", RETAINED, versions=3)
    assert delete_objects(aws, "sagemaker-fsi-p-one-artifacts") == 4
    assert "Versions" not in s3().list_object_versions(Bucket="sagemaker-fsi-p-one-artifacts")
    s3().delete_bucket(Bucket="sagemaker-fsi-p-one-artifacts")  # possible only when truly empty


# --- the portfolio stack -------------------------------------------------------------------------


def test_destroy_keeps_buckets_unless_asked(portfolio_stack, staging, monkeypatch, tmp_path, capsys):
    launch_project("p-gone", "artifacts", deleted=True)
    (tmp_path / REGION).mkdir()
    (tmp_path / REGION / "portfolio-outputs.json").write_text("{}")

    run_destroy(monkeypatch, tmp_path)

    assert cfn().list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"] == []
    assert not (tmp_path / REGION / "portfolio-outputs.json").exists()
    assert "sagemaker-fsi-p-gone-artifacts" in bucket_names()
    assert len(staging_keys()) == 3
    output = capsys.readouterr().out
    assert (
        "Project buckets kept (DELETE_PROJECT_BUCKETS=1 empties and deletes those of deleted projects)"
        in (output)
    )
    assert "Staging objects kept (DELETE_STAGING=1 deletes them)" in output


def test_destroy_without_a_stack_is_not_an_error(moto, monkeypatch, tmp_path, capsys):
    run_destroy(monkeypatch, tmp_path)
    output = capsys.readouterr().out
    assert f"Stack {PORTFOLIO} does not exist: nothing to delete" in output


# --- DELETE_PROJECT_BUCKETS: only buckets whose project stack is gone --------------------------------


def test_only_buckets_of_deleted_project_stacks_are_deleted_and_the_rest_listed_with_why(
    portfolio_stack, monkeypatch, tmp_path, capsys
):
    launch_project("p-gone", "artifacts", "trail", deleted=True)
    live = launch_project("p-live", "artifacts", "trail")
    make_bucket("sagemaker-fsi-p-orphan-artifacts", RETAINED, versions=2)  # no stack ever named it
    relaunched = launch_project("p-again", "artifacts", deleted=True)  # the same project, twice:
    cfn().create_stack(  # the second stack lives on
        StackName=f"{PROJECT_STACK}again-2",
        TemplateBody=json.dumps(
            {
                "Parameters": {"SageMakerProjectId": {"Type": "String"}},
                "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
            }
        ),
        Parameters=[{"ParameterKey": "SageMakerProjectId", "ParameterValue": "p-again"}],
    )
    for name in ("gone", "live", "again"):
        s3().put_object(
            Bucket=f"sagemaker-fsi-p-{name}-artifacts", Key="pipeline/definition.json", Body=b"{}"
        )
    monkeypatch.setenv("DELETE_PROJECT_BUCKETS", "1")

    run_destroy(monkeypatch, tmp_path)

    assert bucket_names() == [
        "sagemaker-fsi-p-again-artifacts",
        "sagemaker-fsi-p-live-artifacts",
        "sagemaker-fsi-p-live-trail",
        "sagemaker-fsi-p-orphan-artifacts",
    ]
    output = capsys.readouterr().out
    plan = output[output.index("Retained project buckets: 6") : output.index("Deleting 2 retained")]
    assert plan.splitlines()[1:] == [
        f"  keep   s3://sagemaker-fsi-p-again-artifacts: its project stack lives ({PROJECT_STACK}again-2 "
        "is CREATE_COMPLETE)",
        f"  delete s3://sagemaker-fsi-p-gone-artifacts: its project stack was deleted ({PROJECT_STACK}gone)",
        f"  delete s3://sagemaker-fsi-p-gone-trail: its project stack was deleted ({PROJECT_STACK}gone)",
        f"  keep   s3://sagemaker-fsi-p-live-artifacts: its project stack lives ({PROJECT_STACK}live is "
        "CREATE_COMPLETE)",
        f"  keep   s3://sagemaker-fsi-p-live-trail: its project stack lives ({PROJECT_STACK}live is "
        "CREATE_COMPLETE)",
        "  keep   s3://sagemaker-fsi-p-orphan-artifacts: no project stack found for project p-orphan: "
        "delete it by hand once you know it is unused",
    ]
    assert "  [1/2] deleted s3://sagemaker-fsi-p-gone-artifacts" in output
    assert "  [2/2] deleted s3://sagemaker-fsi-p-gone-trail" in output
    assert output.index("Retained project buckets") < output.index("emptying")  # listed before deleting
    assert live and relaunched


def test_the_stack_id_tag_names_the_stack_that_decides(portfolio_stack, monkeypatch, tmp_path, capsys):
    """CloudFormation tags each bucket it creates with its stack's id: that stack counts even when no
    project stack carries the bucket's project id."""
    body = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
    alive = cfn().create_stack(StackName="renamed-live", TemplateBody=body)["StackId"]
    gone = cfn().create_stack(StackName="renamed-gone", TemplateBody=body)["StackId"]
    cfn().delete_stack(StackName=gone)
    unknown = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{PROJECT_STACK}lost/0000"
    for project, stack_id in (("p-tag-live", alive), ("p-tag-gone", gone), ("p-tag-lost", unknown)):
        make_bucket(f"sagemaker-fsi-{project}-artifacts", RETAINED)
        tag_with_stack_id(f"sagemaker-fsi-{project}-artifacts", stack_id)
    monkeypatch.setenv("DELETE_PROJECT_BUCKETS", "1")

    run_destroy(monkeypatch, tmp_path)

    assert bucket_names() == ["sagemaker-fsi-p-tag-live-artifacts", "sagemaker-fsi-p-tag-lost-artifacts"]
    output = capsys.readouterr().out
    assert "its project stack lives (renamed-live is CREATE_COMPLETE)" in output
    assert "delete s3://sagemaker-fsi-p-tag-gone-artifacts: its project stack was deleted (renamed-gone)" in (
        output
    )
    assert (
        "  keep   s3://sagemaker-fsi-p-tag-lost-artifacts: the stack its aws:cloudformation:stack-id tag "
        f"names cannot be found ({unknown}): delete it by hand once you know it is unused"
    ) in output


def test_a_mistyped_portfolio_stack_is_refused_and_nothing_is_deleted(
    portfolio_stack, monkeypatch, tmp_path, capsys
):
    launch_project("p-gone", "artifacts", deleted=True)
    launch_project("p-live", "artifacts")
    monkeypatch.setenv("STACK_NAME", "sagemaker-fs-ingestion-portfolo")
    monkeypatch.setenv("DELETE_PROJECT_BUCKETS", "1")

    message = refused(monkeypatch, tmp_path, capsys)

    assert message == (
        f"stack sagemaker-fs-ingestion-portfolo does not exist in {REGION} and was not deleted there, so it "
        "is not a portfolio whose project buckets DELETE_PROJECT_BUCKETS=1 may delete; nothing was deleted: "
        f"check STACK_NAME (the portfolio stack, {PORTFOLIO} by default) and REGION"
    )
    assert bucket_names() == ["sagemaker-fsi-p-gone-artifacts", "sagemaker-fsi-p-live-artifacts"]
    assert cfn().describe_stacks(StackName=PORTFOLIO)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_a_portfolio_destroyed_earlier_may_still_clean_up(portfolio_stack, monkeypatch, tmp_path, capsys):
    """make destroy, then (once its projects are deleted) make destroy DELETE_PROJECT_BUCKETS=1."""
    run_destroy(monkeypatch, tmp_path)
    launch_project("p-gone", "artifacts", deleted=True)
    monkeypatch.setenv("DELETE_PROJECT_BUCKETS", "1")

    run_destroy(monkeypatch, tmp_path)

    assert bucket_names() == []
    assert f"Stack {PORTFOLIO} does not exist: nothing to delete" in capsys.readouterr().out


# --- DELETE_STAGING: never under a stack that uses the prefix ----------------------------------------


def portfolio_template(url: str) -> str:
    """A portfolio's product, as the portfolio template declares it (YAML, as packaged)."""
    return (
        "Resources:\n  Product:\n    Type: AWS::ServiceCatalog::CloudFormationProduct\n    Properties:\n"
        "      Name: p\n      Owner: o\n      ProvisioningArtifactParameters:\n        - Name: 1.0.0\n"
        f"          Info:\n            LoadTemplateFromURL: {url}\n"
    )


def seeded_project_template(bucket: str, key: str) -> str:
    repository = {"RepositoryName": "r", "Code": {"S3": {"Bucket": bucket, "Key": key}}}
    return json.dumps(
        {"Resources": {"Repo": {"Type": "AWS::CodeCommit::Repository", "Properties": repository}}}
    )


PRODUCT_URL = (
    f"https://{STAGING}.s3.{REGION}.amazonaws.com/{PREFIX}/product/1.0.0/project-s3-fs-ingestion.yaml"
)


@UNBUILT_TYPES
def test_staging_is_refused_while_another_stack_uses_the_prefix_and_nothing_is_deleted(
    portfolio_stack, staging, monkeypatch, tmp_path, capsys
):
    cfn().create_stack(StackName="second-portfolio", TemplateBody=portfolio_template(PRODUCT_URL))
    cfn().create_stack(
        StackName=f"{PROJECT_STACK}abc",
        TemplateBody=seeded_project_template(STAGING, f"{PREFIX}/artifacts/s3-fs-ingestion-0123.zip"),
    )
    monkeypatch.setenv("DELETE_STAGING", "1")
    monkeypatch.setenv("DELETE_PROJECT_BUCKETS", "1")
    launch_project("p-gone", "artifacts", deleted=True)

    message = refused(monkeypatch, tmp_path, capsys)

    assert message == (
        f"s3://{STAGING}/{PREFIX}/ is still used by stack(s) second-portfolio, {PROJECT_STACK}abc (their "
        "templates load templates or code from it), so DELETE_STAGING=1 would break them; nothing was "
        "deleted: delete those stacks first (projects: in SageMaker Studio or with aws sagemaker "
        "delete-project), or destroy without DELETE_STAGING=1"
    )
    assert len(staging_keys()) == 3
    assert "sagemaker-fsi-p-gone-artifacts" in bucket_names()
    assert cfn().describe_stacks(StackName=PORTFOLIO)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


@UNBUILT_TYPES
def test_a_mistyped_stack_name_cannot_delete_the_staging_of_the_real_portfolio(
    moto, staging, monkeypatch, tmp_path, capsys
):
    """The security review's M11: another STACK_NAME while the real portfolio stack exists."""
    cfn().create_stack(StackName=PORTFOLIO, TemplateBody=portfolio_template(PRODUCT_URL))
    monkeypatch.setenv("STACK_NAME", "sec-rb")
    monkeypatch.setenv("DELETE_STAGING", "1")

    message = refused(monkeypatch, tmp_path, capsys)

    assert message.startswith(f"s3://{STAGING}/{PREFIX}/ is still used by stack(s) {PORTFOLIO} (")
    assert len(staging_keys()) == 3


@UNBUILT_TYPES
def test_the_portfolio_being_destroyed_goes_first_so_its_own_staging_can_go(
    moto, staging, monkeypatch, tmp_path, capsys
):
    cfn().create_stack(StackName=PORTFOLIO, TemplateBody=portfolio_template(PRODUCT_URL))
    gone = cfn().create_stack(StackName="old-portfolio", TemplateBody=portfolio_template(PRODUCT_URL))
    cfn().delete_stack(StackName=gone["StackId"])  # deleted stacks use nothing
    other_prefix = PRODUCT_URL.replace(f"/{PREFIX}/", f"/{PREFIX}-old/")
    cfn().create_stack(StackName="other-prefix-portfolio", TemplateBody=portfolio_template(other_prefix))
    monkeypatch.setenv("DELETE_STAGING", "1")

    run_destroy(monkeypatch, tmp_path)

    assert staging_keys() == ["another-kit/manifest.json"]  # only our prefix was deleted
    output = capsys.readouterr().out
    assert f"Checking 1 stack(s) for references to s3://{STAGING}/{PREFIX}/" in output  # not itself
    assert output.index(f"Stack {PORTFOLIO}: DELETE_COMPLETE") < output.index(f"Deleting s3://{STAGING}/")


# --- what counts as using the staging prefix ------------------------------------------------------

KEY = f"{PREFIX}/artifacts/start-fs-ingestion-0123.zip"


@pytest.mark.parametrize(
    ("template", "uses"),
    [
        ({"Info": {"LoadTemplateFromURL": PRODUCT_URL}}, True),
        ({"TemplateURL": PRODUCT_URL.replace("1.0.0", "1.0.0%2Bx")}, True),
        ({"TemplateURL": f"https://s3.{REGION}.amazonaws.com/{STAGING}/{KEY}"}, True),
        ({"CodeUri": f"s3://{STAGING}/{KEY}"}, True),
        ({"Resource": f"arn:aws:s3:::{STAGING}/{PREFIX}/*"}, True),
        ({"Code": {"S3": {"Bucket": STAGING, "Key": KEY, "ObjectVersion": "v1"}}}, True),
        ({"Code": {"S3Bucket": STAGING, "S3Key": KEY}}, True),
        (portfolio_template(PRODUCT_URL), True),
        ({"Code": {"S3Bucket": STAGING, "S3Key": f"{PREFIX}-old/x.zip"}}, False),
        ({"Code": {"S3Bucket": "another-bucket", "S3Key": KEY}}, False),
        ({"Code": {"S3Bucket": STAGING}, "Other": {"S3Key": KEY}}, False),
        ({"TemplateURL": f"https://x{STAGING}.s3.{REGION}.amazonaws.com/{KEY}"}, False),
        ({"Bucket": STAGING}, False),
        ("not: [a template", False),
    ],
    ids=[
        "load-template-url",
        "url-encoded-key",
        "path-style-url",
        "s3-uri",
        "arn",
        "codecommit-code-s3",
        "lambda-s3bucket-s3key",
        "yaml-text",
        "other-prefix",
        "other-bucket",
        "bucket-and-key-apart",
        "bucket-name-suffix",
        "bucket-alone",
        "unparsable-text",
    ],
)
def test_what_counts_as_using_the_staging_prefix(template, uses):
    document = template if isinstance(template, str) else {"Resources": {"R": {"Properties": template}}}
    assert references(document, STAGING, PREFIX) is uses
