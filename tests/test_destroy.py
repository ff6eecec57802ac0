"""make destroy against moto: the stack goes, buckets only when asked, and only ours."""

from __future__ import annotations

import json
import sys

import boto3
import pytest

from scripts import destroy
from scripts.destroy import delete_objects, retained_project_buckets
from tests.conftest import ACCOUNT, REGION

RETAINED = [{"Key": "sagemaker-fs-ingestion:retained", "Value": "true"}]
STAGING = f"sagemaker-project-templates-{ACCOUNT}-{REGION}"


def s3(region: str = REGION):
    return boto3.client("s3", region_name=region)


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


@pytest.fixture
def portfolio_stack(moto):
    body = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "portfolio-q"}}}}
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="sagemaker-fs-ingestion-portfolio", TemplateBody=json.dumps(body)
    )


def run_destroy(monkeypatch, tmp_path, *arguments: str) -> None:
    monkeypatch.setattr(sys, "argv", ["destroy", "--build-dir", str(tmp_path), *arguments])
    destroy.main()


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


def test_destroy_keeps_buckets_unless_asked(portfolio_stack, monkeypatch, tmp_path, capsys):
    make_bucket("sagemaker-fsi-p-one-artifacts", RETAINED, versions=2)
    make_bucket(STAGING)
    s3().put_object(Bucket=STAGING, Key="sagemaker-fs-ingestion/manifest.json", Body=b"{}")
    (tmp_path / REGION).mkdir()
    (tmp_path / REGION / "portfolio-outputs.json").write_text("{}")

    run_destroy(monkeypatch, tmp_path)

    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"] == []
    assert not (tmp_path / REGION / "portfolio-outputs.json").exists()
    assert s3().head_bucket(Bucket="sagemaker-fsi-p-one-artifacts")
    assert s3().list_objects_v2(Bucket=STAGING)["KeyCount"] == 1
    output = capsys.readouterr().out
    assert "Project buckets kept (DELETE_PROJECT_BUCKETS=1 empties and deletes them)" in output
    assert "Staging objects kept (DELETE_STAGING=1 deletes them)" in output


def test_destroy_deletes_project_buckets_and_staging_objects_when_asked(
    portfolio_stack, monkeypatch, tmp_path
):
    make_bucket("sagemaker-fsi-p-one-artifacts", RETAINED, versions=2)
    make_bucket("sagemaker-fsi-p-two-artifacts")
    make_bucket(STAGING)
    s3().put_object(Bucket=STAGING, Key="sagemaker-fs-ingestion/manifest.json", Body=b"{}")
    s3().put_object(Bucket=STAGING, Key="another-kit/manifest.json", Body=b"{}")
    monkeypatch.setenv("DELETE_PROJECT_BUCKETS", "1")
    monkeypatch.setenv("DELETE_STAGING", "1")

    run_destroy(monkeypatch, tmp_path)

    names = [b["Name"] for b in s3().list_buckets()["Buckets"]]
    assert "sagemaker-fsi-p-one-artifacts" not in names
    assert "sagemaker-fsi-p-two-artifacts" in names  # untagged: left alone
    remaining = [o["Key"] for o in s3().list_objects_v2(Bucket=STAGING).get("Contents", [])]
    assert remaining == ["another-kit/manifest.json"]  # only our prefix was deleted


def test_destroy_without_a_stack_is_not_an_error(moto, monkeypatch, tmp_path, capsys):
    run_destroy(monkeypatch, tmp_path)
    output = capsys.readouterr().out
    assert "Stack sagemaker-fs-ingestion-portfolio does not exist: nothing to delete" in output
