"""Releases a delete cannot forget, against the emulator process: two releases deployed, then the
mistakes that used to lose the older one (the security review's M11) are refused, each with its fix."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest

from scripts import deploy, destroy
from scripts.aws import AwsContext
from scripts.errors import run_main
from scripts.package import package
from scripts.releases import ArtifactsWouldBeLostError, ReleaseTemplateMissingError
from scripts.staging_bucket import staging_location
from tests.local.test_portfolio_deploy import STACK, copy_kit, pointed_at

FIRST, SECOND = "1.0.0", "1.1.0"


def run_package(emulator, kit, workspace: Path, build_root: Path) -> list[str]:
    """``make package`` in-process into ``build_root``; returns the releases the portfolio lists."""
    with pointed_at(emulator, workspace), contextlib.redirect_stdout(io.StringIO()):
        aws = AwsContext.from_environment()
        staging = staging_location(aws)
        build = package(aws, bucket=staging.bucket, prefix=staging.prefix, layout=kit, build_root=build_root)
    return [release.version for release in build.releases]


def run_deploy(emulator, workspace: Path, build_root: Path) -> str:
    output = io.StringIO()
    with pointed_at(emulator, workspace) as patch, contextlib.redirect_stdout(output):
        patch.setattr(sys, "argv", ["deploy", "--build-dir", str(build_root)])
        deploy.main()
    return output.getvalue()


def run_destroy(emulator, workspace: Path, capsys, **variables: str) -> str:
    """``make destroy`` with ``variables``; returns its one-line error, or '' when it succeeded."""
    capsys.readouterr()
    with pointed_at(emulator, workspace) as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        patch.setattr(sys, "argv", ["destroy", "--build-dir", str(workspace / "build")])
        try:
            run_main(destroy.main)
        except SystemExit as exited:
            assert exited.code == 1
            return capsys.readouterr().err.removeprefix("error: ").rstrip("\n")
    return ""


def artifact_names(emulator, product_id: str) -> list[str]:
    details = emulator.client("servicecatalog").list_provisioning_artifacts(ProductId=product_id)
    return [d["Name"] for d in details["ProvisioningArtifactDetails"]]


def staging_objects(emulator) -> list[tuple[str, str]]:
    s3 = emulator.client("s3")
    bucket = f"fs-ingestion-templates-{emulator.account}-{emulator.region}"
    listed = s3.list_object_versions(Bucket=bucket)
    return sorted((v["Key"], v["VersionId"]) for v in listed.get("Versions", []))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("releases")


@pytest.fixture(scope="module")
def kit(workspace):
    kit = copy_kit(workspace / "kit")
    (kit.root / "VERSION").write_text(f"{FIRST}\n")
    return kit


@pytest.fixture(scope="module")
def two_releases(emulator, kit, workspace) -> str:
    """Package 1.0.0, deploy; a second publisher packages then (a build that will be stale); package
    1.1.0, deploy. Returns the product id."""
    assert run_package(emulator, kit, workspace, workspace / "build") == [FIRST]
    run_deploy(emulator, workspace, workspace / "build")
    assert run_package(emulator, kit, workspace, workspace / "stale-build") == [FIRST]
    (kit.root / "VERSION").write_text(f"{SECOND}\n")
    assert run_package(emulator, kit, workspace, workspace / "build") == [FIRST, SECOND]
    assert f"Stack {STACK}: UPDATE_COMPLETE" in run_deploy(emulator, workspace, workspace / "build")
    [stack] = emulator.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"]
    product_id = next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "ProductId")
    assert artifact_names(emulator, product_id) == [FIRST, SECOND]
    return product_id


def test_delete_staging_by_mistake_is_refused_while_the_portfolio_stack_exists(
    emulator, two_releases, workspace, capsys
):
    before = staging_objects(emulator)
    message = run_destroy(emulator, workspace, capsys, STACK_NAME="sec-rb", DELETE_STAGING="1")
    bucket = f"fs-ingestion-templates-{emulator.account}-{emulator.region}"
    assert message == (
        f"s3://{bucket}/fs-ingestion/ is still used by stack(s) {STACK} (their templates load templates or "
        "code from it), so DELETE_STAGING=1 would break them; nothing was deleted: delete those stacks first "
        "(projects: in SageMaker Studio or with aws sagemaker delete-project), or destroy without "
        "DELETE_STAGING=1"
    )
    assert staging_objects(emulator) == before
    assert artifact_names(emulator, two_releases) == [FIRST, SECOND]


def test_deploying_a_package_that_lacks_a_live_release_is_refused(emulator, two_releases, workspace):
    cloudformation = emulator.client("cloudformation")
    with pytest.raises(ArtifactsWouldBeLostError) as raised:
        run_deploy(emulator, workspace, workspace / "stale-build")
    assert str(raised.value) == (
        f"deploying would remove provisioning artifact(s) {SECOND} of product {two_releases} "
        f"(stack {STACK}), and projects launched from them would lose them; nothing was changed: the "
        "package does not list them (it was made before they were deployed, or for another stack): "
        "run `make package` again, which keeps every live release, then `make deploy`"
    )
    assert artifact_names(emulator, two_releases) == [FIRST, SECOND]
    assert cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    pending = cloudformation.list_change_sets(StackName=STACK)["Summaries"]
    assert [c for c in pending if c["ExecutionStatus"] == "AVAILABLE"] == []  # the refused one is gone


def test_packaging_again_keeps_every_live_release_even_for_an_older_version(
    emulator, two_releases, kit, workspace
):
    """The stale publisher's fix: package again (still at 1.0.0), and the deploy keeps 1.1.0."""
    (kit.root / "VERSION").write_text(f"{FIRST}\n")
    try:
        assert run_package(emulator, kit, workspace, workspace / "stale-build") == [FIRST, SECOND]
        run_deploy(emulator, workspace, workspace / "stale-build")
    finally:
        (kit.root / "VERSION").write_text(f"{SECOND}\n")
    assert artifact_names(emulator, two_releases) == [FIRST, SECOND]


def test_a_live_release_whose_template_left_the_staging_bucket_is_not_dropped(
    emulator, two_releases, kit, workspace
):
    """Deleted by hand (a delete marker): the package refuses with the fix instead of listing only the
    releases it still finds; once the object is back, packaging lists both again."""
    s3 = emulator.client("s3")
    bucket = f"fs-ingestion-templates-{emulator.account}-{emulator.region}"
    key = f"fs-ingestion/product/{FIRST}/project-s3-fs-ingestion.yaml"
    marker = s3.delete_object(Bucket=bucket, Key=key)["VersionId"]

    with pytest.raises(ReleaseTemplateMissingError) as raised:
        run_package(emulator, kit, workspace, workspace / "build")
    assert str(raised.value) == (
        f"release {FIRST} is a provisioning artifact of product {two_releases} (stack {STACK}) but its "
        f"product template s3://{bucket}/{key} is gone from the staging bucket: restore the object from "
        "its previous version (the bucket is versioned: aws s3api list-object-versions), then package again"
    )

    s3.delete_object(Bucket=bucket, Key=key, VersionId=marker)  # the restore the message asks for
    assert run_package(emulator, kit, workspace, workspace / "build") == [FIRST, SECOND]
    assert "No changes to deploy" in run_deploy(emulator, workspace, workspace / "build")
    assert artifact_names(emulator, two_releases) == [FIRST, SECOND]


def test_destroying_the_portfolio_with_its_staging_deletes_the_stack_first(
    emulator, two_releases, workspace, capsys
):
    assert run_destroy(emulator, workspace, capsys, DELETE_STAGING="1") == ""
    output = capsys.readouterr().out
    assert output.index(f"Stack {STACK}: DELETE_COMPLETE") < output.index("Deleting s3://")
    assert [key for key, _ in staging_objects(emulator) if key.startswith("fs-ingestion/")] == []
