"""The walkthrough with the template delivered from S3 only (`make notebooks DELIVERY=s3`): notebook 01
creates its project with TemplateProviders, the project runs end to end, and 99-clean-up deletes it and
withdraws the S3 delivery with the portfolio. tests/local/test_walkthrough.py runs the Service Catalog way
and checks the notebooks' own output in detail."""

from __future__ import annotations

import contextlib
import io

import pytest

from scripts import s3_delivery
from scripts.notebooks.__main__ import publish_if_missing
from scripts.project_stack import pointed_at
from tests.local import notebook_runs
from tests.local.notebook_runs import PROJECT, run


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("walkthrough-s3")


@pytest.fixture(scope="module")
def published(emulator, workspace) -> str:
    output = io.StringIO()
    with pointed_at(emulator.endpoint, workspace, DELIVERY="s3"), contextlib.redirect_stdout(output):
        publish_if_missing(workspace / "build")
    return output.getvalue()


@pytest.fixture(scope="module")
def kernel_environment(emulator, workspace, published) -> dict[str, str]:
    return notebook_runs.kernel_environment(emulator.endpoint, workspace)


@pytest.fixture(scope="module")
def ingest_output(kernel_environment) -> str:
    run("00-setup.ipynb", kernel_environment)
    return run("01-feature-store-ingest-pipeline.ipynb", kernel_environment, DELIVERY="s3")


def test_01_creates_its_project_from_the_s3_template_and_ingests(emulator, published, ingest_output):
    assert "Project template delivered from S3:" in published
    assert "template https://" in ingest_output and "/project-templates/s3-fs-ingestion.yaml" in ingest_output
    assert (
        "launched as arn:aws:iam::123456789012:role/service-role/fs-ingestion-projects-launch-"
        in ingest_output
    )
    assert "Source Succeeded, Build Succeeded" in ingest_output
    assert ": 4,177 rows, 4,177 records" in ingest_output
    described = emulator.client("sagemaker").describe_project(ProjectName=PROJECT)
    assert "ServiceCatalogProvisioningDetails" not in described
    [provider] = described["TemplateProviderDetails"]
    assert provider["CfnTemplateProviderDetail"]["StackDetail"]["Name"] in ingest_output


def test_clean_up_deletes_the_project_and_withdraws_the_s3_delivery(
    emulator, kernel_environment, ingest_output
):
    said = run("99-clean-up.ipynb", kernel_environment, ASSUME_YES="1")
    assert f"Delete project {PROJECT}" in said and "Withdrawing the S3-delivered template" in said
    sagemaker = emulator.client("sagemaker")
    assert sagemaker.list_projects()["ProjectSummaryList"] == []
    [domain] = sagemaker.list_domains()["Domains"]
    assert sagemaker.list_tags(ResourceArn=domain["DomainArn"])["Tags"] == []
    stacks = emulator.client("cloudformation").list_stacks()["StackSummaries"]
    assert {s["StackStatus"] for s in stacks} == {"DELETE_COMPLETE"}
    s3 = emulator.client("s3")
    for bucket in (b["Name"] for b in s3.list_buckets()["Buckets"]):
        listed = s3.list_objects_v2(Bucket=bucket, Prefix="fs-ingestion/" + s3_delivery.TEMPLATES_FOLDER)
        assert listed.get("KeyCount", 0) == 0, bucket
