"""The packager against moto's S3: what it builds, what it uploads, and what it refuses."""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from scripts import cfn_yaml
from scripts.assemble import StagingLocation, assemble
from scripts.aws import AwsContext
from scripts.errors import (
    BucketAccessDeniedError,
    BucketInOtherRegionError,
    KitError,
    MissingSeedFilesError,
    NoCredentialsFoundError,
    PlaceholderError,
    ReleaseAlreadyPublishedError,
    TemplateLintError,
    TemplateTooLargeError,
)
from scripts.package import package
from scripts.releases import LiveProduct, live_releases
from scripts.staging_bucket import default_bucket_name
from tests.conftest import ACCOUNT, PROJECT_ROOT, REGION

BUCKET = "kit-staging-bucket"
PREFIX = "kit"
STAGING = StagingLocation(BUCKET, PREFIX, REGION)


@pytest.fixture
def run_package(aws, layout, tmp_path):
    def run(bucket: str = BUCKET):
        return package(aws, bucket=bucket, prefix=PREFIX, layout=layout, build_root=tmp_path / "build")

    return run


def s3():
    return boto3.client("s3", region_name=REGION)


def keys(bucket: str = BUCKET) -> list[str]:
    return sorted(o["Key"] for o in s3().list_objects_v2(Bucket=bucket).get("Contents", []))


def bucket_missing(bucket: str = BUCKET) -> bool:
    try:
        s3().head_bucket(Bucket=bucket)
    except ClientError:
        return True
    return False


def tags(key: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in s3().get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]}


def rendered(build, role: str) -> dict:
    return cfn_yaml.loads(build.object(role).path.read_text())


def edit_product_description(layout, text: str) -> None:
    path = layout.templates_dir / "project-s3-fs-ingestion.yaml"
    template = cfn_yaml.loads(path.read_text())
    template["Description"] = f"{template['Description']} ({text})"
    path.write_text(cfn_yaml.dumps(template))


# --- what a build is ---------------------------------------------------------------------------


def test_two_builds_of_the_same_sources_are_byte_identical(layout, tmp_path):
    first = assemble(layout, STAGING, tmp_path / "one")
    second = assemble(layout, STAGING, tmp_path / "two")
    compared = filecmp.dircmp(tmp_path / "one", tmp_path / "two")
    files = [o.path.relative_to(tmp_path / "one") for o in (*first.objects, first.manifest)]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "one", tmp_path / "two", files, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert len(match) == 5
    assert not compared.left_only and not compared.right_only
    assert [o.key for o in first.objects] == [o.key for o in second.objects]


def test_the_seed_zip_holds_the_seed_and_no_debris(layout, tmp_path):
    seed_dir = layout.seed_dir
    (seed_dir / "pipeline" / "__pycache__").mkdir(exist_ok=True)
    (seed_dir / "pipeline" / "__pycache__" / "pipeline.cpython-311.pyc").write_bytes(b"\0")
    (seed_dir / ".ipynb_checkpoints").mkdir()
    (seed_dir / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text("{}")
    (seed_dir / ".DS_Store").write_bytes(b"\0")

    build = assemble(layout, STAGING, tmp_path / "out")
    with zipfile.ZipFile(build.object("seed-code").path) as archive:
        names = archive.namelist()
    expected = sorted(
        p.relative_to(seed_dir).as_posix()
        for p in seed_dir.rglob("*")
        if p.is_file() and not {"__pycache__", ".ipynb_checkpoints", ".DS_Store"} & set(p.parts)
    )
    assert names == expected
    assert {"buildspec.yml", "build.py", "pipeline/pipeline.py", "functions/start_fs_ingestion.py"} <= set(
        names
    )


def test_the_lambda_zip_is_the_seed_handler_itself(layout, tmp_path):
    build = assemble(layout, STAGING, tmp_path / "out")
    with zipfile.ZipFile(build.object("function-code").path) as archive:
        assert archive.namelist() == ["start_fs_ingestion.py"]
        source = (layout.seed_dir / "functions" / "start_fs_ingestion.py").read_bytes()
        assert archive.read("start_fs_ingestion.py") == source


def test_rendered_templates_point_at_the_uploaded_objects(layout, tmp_path):
    build = assemble(layout, STAGING, tmp_path / "out")
    product_text = build.object("product-template").path.read_text()
    portfolio_text = build.object("portfolio-template").path.read_text()
    assert "{{package:" not in product_text + portfolio_text
    assert build.object("seed-code").key in product_text
    assert build.object("function-code").key in product_text
    assert build.object("seed-code").key.startswith(f"{PREFIX}/artifacts/s3-fs-ingestion-")

    product = rendered(build, "portfolio-template")["Resources"]
    artifacts = next(
        r["Properties"]["ProvisioningArtifactParameters"]
        for r in product.values()
        if r["Type"] == "AWS::ServiceCatalog::CloudFormationProduct"
    )
    version = layout.read_version()
    assert artifacts == [
        {
            **artifacts[0],
            "Name": version,
            "Info": {
                "LoadTemplateFromURL": f"https://{BUCKET}.s3.{REGION}.amazonaws.com/{PREFIX}/product/"
                f"{version}/project-s3-fs-ingestion.yaml"
            },
        }
    ]


def test_the_manifest_records_what_goes_where(layout, tmp_path):
    build = assemble(layout, STAGING, tmp_path / "out")
    manifest = json.loads(build.manifest.path.read_text())
    assert manifest["bucket"] == BUCKET and manifest["region"] == REGION
    assert [o["role"] for o in manifest["objects"]] == [
        "seed-code",
        "function-code",
        "product-template",
        "portfolio-template",
    ]
    assert manifest["portfolio_template_url"] == STAGING.url(build.object("portfolio-template").key)


# --- publishing ----------------------------------------------------------------------------------


def test_first_run_creates_the_bucket_and_uploads_artifacts_before_templates(run_package, capsys):
    build = run_package()
    output = capsys.readouterr().out
    uploads = [line for line in output.splitlines() if "uploading" in line]
    roles = ["seed-code", "function-code", "product-template", "portfolio-template"]
    assert [build.object(role).key in line for role, line in zip(roles, uploads, strict=False)] == [True] * 4
    assert build.manifest.key in uploads[-1]
    assert keys() == sorted([*(o.key for o in build.objects), build.manifest.key])

    for built in build.objects:
        head = s3().head_object(Bucket=BUCKET, Key=built.key)
        assert head["ServerSideEncryption"] == "AES256"
        assert head["Metadata"]["sha256"] == built.sha256
    for role in ("seed-code", "function-code", "product-template"):
        assert tags(build.object(role).key) == {"servicecatalog:provisioning": "true"}
    assert "Product template  https://kit-staging-bucket.s3.us-east-1.amazonaws.com/kit/product/" in output


def test_a_rerun_uploads_nothing_and_says_so(run_package, capsys):
    run_package()
    before = {k: s3().head_object(Bucket=BUCKET, Key=k)["ETag"] for k in keys()}
    capsys.readouterr()
    run_package()
    output = capsys.readouterr().out
    assert "uploading" not in output
    assert "Uploaded 0 object(s), 5 unchanged (nothing to upload)" in output
    assert output.count("unchanged, not uploaded") == 5
    versions = s3().list_object_versions(Bucket=BUCKET)["Versions"]
    assert len(versions) == 5  # versioned bucket: a re-upload would have added versions
    assert {k: s3().head_object(Bucket=BUCKET, Key=k)["ETag"] for k in keys()} == before


def test_a_lost_provisioning_tag_is_restored_on_rerun(run_package):
    build = run_package()
    s3().delete_object_tagging(Bucket=BUCKET, Key=build.object("seed-code").key)
    run_package()
    assert tags(build.object("seed-code").key) == {"servicecatalog:provisioning": "true"}


def test_the_default_bucket_is_created_private_encrypted_versioned_and_tls_only(aws, run_package):
    name = default_bucket_name(ACCOUNT, REGION)
    run_package(bucket=name)
    assert keys(name)
    client = s3()
    block = client.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rules = client.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert client.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    policy = json.loads(client.get_bucket_policy(Bucket=name)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_a_new_version_adds_a_provisioning_artifact_and_keeps_the_old_one(run_package, layout):
    first = run_package()
    old_template = first.object("product-template")
    old_body = old_template.path.read_bytes()
    (layout.root / "VERSION").write_text("1.1.0\n")
    edit_product_description(layout, "version 1.1.0")

    second = run_package()
    assert [r.version for r in second.releases] == ["1.0.0", "1.1.0"]
    portfolio = rendered(second, "portfolio-template")["Resources"]
    artifacts = next(
        r["Properties"]["ProvisioningArtifactParameters"]
        for r in portfolio.values()
        if r["Type"] == "AWS::ServiceCatalog::CloudFormationProduct"
    )
    assert [a["Name"] for a in artifacts] == ["1.0.0", "1.1.0"]
    assert s3().get_object(Bucket=BUCKET, Key=old_template.key)["Body"].read() == old_body
    assert second.object("product-template").key.endswith("/product/1.1.0/project-s3-fs-ingestion.yaml")


def test_changing_a_published_release_is_refused_and_publishes_nothing(run_package, layout):
    run_package()
    before = keys()
    edit_product_description(layout, "changed without a version bump")
    with pytest.raises(ReleaseAlreadyPublishedError) as raised:
        run_package()
    assert str(raised.value).startswith("version 1.0.0 is already published at kit/product/1.0.0/")
    assert "bump VERSION" in str(raised.value)
    assert keys() == before


# --- bad inputs: a one-line error, and nothing published -------------------------------------------


def test_no_credentials(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(NoCredentialsFoundError, match="no AWS credentials found: run `aws configure`"):
        AwsContext.from_environment()


def test_no_credentials_from_the_command_line_is_one_line_and_exit_1(tmp_path):
    secrets = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    environment = {key: value for key, value in os.environ.items() if key not in secrets}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.package"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: no AWS credentials found: run `aws configure`, set AWS_PROFILE, "
        "or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    ]


def test_bucket_owned_by_another_account(run_package):
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn="arn:aws:iam::210987654321:role/other", RoleSessionName="other-account"
    )["Credentials"]
    other = boto3.client(
        "s3",
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    other.create_bucket(Bucket=BUCKET)
    with pytest.raises(BucketAccessDeniedError) as raised:
        run_package()
    assert str(raised.value) == (
        f"staging bucket {BUCKET} belongs to another account or denies access to account {ACCOUNT}: "
        "set CFN_BUCKET_NAME to a bucket this account owns"
    )
    assert other.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_bucket_access_denied(aws, layout, tmp_path, monkeypatch):
    client = aws.session.create_client("s3", region_name=aws.region)
    stubber = Stubber(client)
    stubber.add_client_error("head_bucket", "403", "Forbidden", http_status_code=403)
    stubber.activate()
    monkeypatch.setattr(AwsContext, "client", lambda self, service: client)
    monkeypatch.setattr(AwsContext, "account", ACCOUNT)
    with pytest.raises(BucketAccessDeniedError, match="belongs to another account or denies access"):
        package(aws, bucket=BUCKET, prefix=PREFIX, layout=layout, build_root=tmp_path / "build")
    stubber.assert_no_pending_responses()  # nothing was attempted after the refusal


def test_bucket_in_another_region(run_package):
    s3().create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(BucketInOtherRegionError) as raised:
        run_package()
    assert str(raised.value) == (
        f"staging bucket {BUCKET} is in eu-west-1, not us-east-1: use REGION=eu-west-1 or set "
        "CFN_BUCKET_NAME to a bucket in us-east-1"
    )
    assert keys() == []


def test_missing_seed_files(run_package, layout):
    (layout.seed_dir / "buildspec.yml").unlink()
    (layout.seed_dir / "functions" / "start_fs_ingestion.py").unlink()
    with pytest.raises(MissingSeedFilesError) as raised:
        run_package()
    assert "is missing buildspec.yml, functions/start_fs_ingestion.py: restore them" in str(raised.value)
    assert bucket_missing()


def test_leftover_placeholder(run_package, layout):
    product = layout.templates_dir / "project-s3-fs-ingestion.yaml"
    product.write_text(product.read_text().replace("{{package:seed-code-key}}", "{{package:seed-zip}}"))
    with pytest.raises(
        PlaceholderError, match=r"unknown placeholder \{\{package:seed-zip\}\} at Resources\."
    ):
        run_package()
    assert bucket_missing()


def test_template_too_large(run_package, layout):
    product = layout.templates_dir / "project-s3-fs-ingestion.yaml"
    padding = "".join(f"  Padding{i}: {'x' * 1000}\n" for i in range(1100))
    product.write_text(product.read_text() + "\nMetadata2:\n" + padding)
    with pytest.raises(TemplateTooLargeError) as raised:
        run_package()
    assert "over CloudFormation's 1,048,576-byte limit" in str(raised.value)
    assert bucket_missing()


def test_lint_errors_upload_nothing(run_package, layout, capsys):
    product = layout.templates_dir / "project-s3-fs-ingestion.yaml"
    product.write_text(
        product.read_text().replace("Resources:\n", "Resources:\n  Bogus:\n    Type: AWS::Nope::Thing\n", 1)
    )
    with pytest.raises(TemplateLintError, match="nothing was uploaded: fix them and package again"):
        run_package()
    assert "AWS::Nope::Thing" in capsys.readouterr().out
    assert bucket_missing()


def test_bad_version_file(run_package, layout):
    (layout.root / "VERSION").write_text("v1\n")
    with pytest.raises(
        Exception, match=r"must hold the product version as MAJOR\.MINOR\.PATCH \(found 'v1'\)"
    ):
        run_package()
    assert bucket_missing()


@pytest.mark.own_lint_cache
def test_a_template_that_linted_clean_is_not_linted_again(run_package, layout, monkeypatch, capsys):
    run_package()
    import cfnlint.api

    def must_not_lint(*args, **kwargs):
        raise AssertionError("cfn-lint ran on a template it had already passed")

    with monkeypatch.context() as patch:
        patch.setattr(cfnlint.api, "lint_by_config", must_not_lint)
        run_package()
    assert "Uploaded 0 object(s), 5 unchanged" in capsys.readouterr().out

    portfolio = layout.templates_dir / "sm-project-sc-portfolio.yaml"
    portfolio.write_text(
        portfolio.read_text().replace("Resources:\n", "Resources:\n  Bogus:\n    Type: AWS::Nope::Thing\n", 1)
    )
    with pytest.raises(TemplateLintError):
        run_package()
    with pytest.raises(TemplateLintError):  # a template with findings is never remembered as clean
        run_package()


# --- releases: the live product's artifacts, not the staging bucket's listing, say what exists ---------


def live_product(*names: str, urls: dict[str, str] | None = None) -> LiveProduct:
    deployed = {name: STAGING.url(STAGING.product_template_key(name)) for name in names}
    return LiveProduct("portfolio", "Product", "prod-abc", names, {**deployed, **(urls or {})})


def test_every_live_release_is_kept_whatever_the_staging_bucket_lists():
    product = live_product("1.0.0", "1.1.0")
    assert live_releases([product], STAGING, frozenset({"1.0.0", "1.1.0"}), "1.2.0") == {"1.0.0", "1.1.0"}
    # the release being packaged is uploaded now, so its template may be missing yet
    assert live_releases([product], STAGING, frozenset({"1.0.0"}), "1.1.0") == {"1.0.0", "1.1.0"}
    assert live_releases([], STAGING, frozenset({"1.0.0"}), "1.1.0") == frozenset()


@pytest.mark.parametrize(
    ("product", "published", "message"),
    [
        (
            live_product("1.0.0", "1.1.0"),
            frozenset({"1.1.0"}),
            "release 1.0.0 is a provisioning artifact of product prod-abc (stack portfolio) but its product "
            "template s3://kit-staging-bucket/kit/product/1.0.0/project-s3-fs-ingestion.yaml is gone from "
            "the staging bucket: restore the object from its previous version (the bucket is versioned: "
            "aws s3api list-object-versions), then package again",
        ),
        (
            live_product("1.0.0", urls={"1.0.0": "https://old.s3.us-east-1.amazonaws.com/p/t.yaml"}),
            frozenset({"1.0.0"}),
            "release 1.0.0 of product prod-abc (stack portfolio) was created from "
            "https://old.s3.us-east-1.amazonaws.com/p/t.yaml, not from s3://kit-staging-bucket/kit/: package "
            "to the staging location its releases were published to (set CFN_BUCKET_NAME and S3_PREFIX to "
            "that URL's bucket and prefix)",
        ),
        (
            live_product("1.0.0", "beta"),
            frozenset({"1.0.0", "beta"}),
            "product prod-abc of stack portfolio has a provisioning artifact named 'beta', which is not a "
            "release (MAJOR.MINOR.PATCH) this kit can keep, and a deploy would remove it: delete that "
            "artifact by hand once no project uses it (aws servicecatalog delete-provisioning-artifact "
            "--product-id prod-abc ...)",
        ),
    ],
    ids=["template-deleted-from-staging", "published-elsewhere", "not-a-release"],
)
def test_a_live_release_the_package_cannot_keep_is_refused(product, published, message):
    with pytest.raises(KitError) as raised:
        live_releases([product], STAGING, published, "1.2.0")
    assert str(raised.value) == message


def test_packaging_reads_the_live_product_of_stack_name(run_package, monkeypatch):
    """No portfolio stack: the releases are what the staging location holds (plus this one)."""
    monkeypatch.setenv("STACK_NAME", "no-such-portfolio")
    assert [r.version for r in run_package().releases] == ["1.0.0"]
