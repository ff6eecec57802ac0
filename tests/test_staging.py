"""Where the kit publishes and who may write there: the staging location, its bucket policy, and the
code versions the product template pins (moto in-process; the policy's effect on AWS principals is
evaluated against the emulator in tests/local/test_security.py)."""

from __future__ import annotations

import json

import boto3
import pytest

from scripts import cfn_yaml
from scripts.errors import BadStagingPrefixError, BucketNotVersionedError
from scripts.package import package
from scripts.staging_bucket import default_bucket_name, legacy_bucket_name, staging_location
from scripts.staging_policy import (
    BUCKET_SID,
    OBJECTS_SID,
    BadPublisherError,
    NotAPublisherError,
    is_publisher,
    parse_publishers,
    principal_patterns,
)
from tests.conftest import ACCOUNT, REGION

BUCKET = "kit-staging-bucket"
CALLER = "arn:aws:sts::123456789012:user/moto"  # moto's caller identity
STS, IAM = "arn:aws:sts::123456789012:", "arn:aws:iam::123456789012:"


@pytest.fixture
def run_package(aws, layout, tmp_path):
    def run(bucket: str = BUCKET, prefix: str = "kit", publishers=None):
        return package(
            aws,
            bucket=bucket,
            prefix=prefix,
            layout=layout,
            build_root=tmp_path / "build",
            publishers=publishers,
        )

    return run


def s3():
    return boto3.client("s3", region_name=REGION)


def policy(bucket: str = BUCKET) -> dict:
    return json.loads(s3().get_bucket_policy(Bucket=bucket)["Policy"])


def statement(document: dict, sid: str) -> dict:
    return next(s for s in document["Statement"] if s.get("Sid") == sid)


def object_count(bucket: str = BUCKET) -> int:
    return s3().list_objects_v2(Bucket=bucket).get("KeyCount", 0)


# --- where ----------------------------------------------------------------------------------------


def test_the_default_location_names_no_sagemaker(aws):
    staging = staging_location(aws)
    assert (staging.bucket, staging.prefix, staging.legacy) == (
        f"fs-ingestion-templates-{ACCOUNT}-{REGION}",
        "fs-ingestion",
        False,
    )
    # AmazonSageMakerFullAccess grants s3:PutObject on every ARN containing "sagemaker".
    assert "sagemaker" not in f"{staging.bucket}/{staging.prefix}".lower()


def test_an_earlier_releases_bucket_keeps_being_used_with_its_prefix(aws):
    s3().create_bucket(Bucket=legacy_bucket_name(ACCOUNT, REGION))
    staging = staging_location(aws)
    assert (staging.bucket, staging.prefix, staging.legacy) == (
        f"sagemaker-project-templates-{ACCOUNT}-{REGION}",
        "sagemaker-fs-ingestion",
        True,
    )


def test_a_legacy_named_bucket_of_another_account_is_not_taken(aws):
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn="arn:aws:iam::210987654321:role/other", RoleSessionName="other"
    )["Credentials"]
    boto3.client(
        "s3",
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    ).create_bucket(Bucket=legacy_bucket_name(ACCOUNT, REGION))
    assert staging_location(aws).bucket == default_bucket_name(ACCOUNT, REGION)


def test_cfn_bucket_name_and_s3_prefix_win(aws, monkeypatch):
    s3().create_bucket(Bucket=legacy_bucket_name(ACCOUNT, REGION))
    monkeypatch.setenv("CFN_BUCKET_NAME", "my-templates")
    monkeypatch.setenv("S3_PREFIX", "/team/kit/")
    staging = staging_location(aws)
    assert (staging.bucket, staging.prefix, staging.legacy) == ("my-templates", "team/kit", False)


@pytest.mark.parametrize(
    "prefix",
    ["", "/", "//", "kit/*", "kit?", "a//b", "with space", "s3://kit"],
    ids=["empty", "slash", "slashes", "star", "question-mark", "empty-segment", "space", "scheme"],
)
def test_a_prefix_that_is_the_root_or_could_widen_an_arn_is_refused(run_package, prefix):
    with pytest.raises(BadStagingPrefixError) as raised:
        run_package(prefix=prefix)
    assert str(raised.value) == (
        f"S3_PREFIX={prefix!r} must be one or more folder names of letters, digits and !_.'()- "
        "(not empty, not /, no wildcards), because the launch role may read only under it: "
        "use e.g. S3_PREFIX=fs-ingestion"
    )
    assert BUCKET not in [b["Name"] for b in s3().list_buckets()["Buckets"]]


# --- who may write --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "patterns"),
    [
        ("arn:aws:iam::123456789012:user/ops/alice", ["arn:aws:iam::123456789012:user/ops/alice"]),
        (
            "arn:aws:sts::123456789012:assumed-role/Platform/alice@example.com",
            ["arn:aws:iam::123456789012:role/Platform", "arn:aws:iam::123456789012:role/*/Platform"],
        ),
        ("arn:aws-cn:iam::123456789012:root", ["arn:aws-cn:iam::123456789012:root"]),
    ],
    ids=["user-with-path", "assumed-role", "root-china"],
)
def test_the_publisher_is_the_callers_principal(caller, patterns):
    assert principal_patterns(caller) == patterns
    assert is_publisher(caller, patterns)


@pytest.mark.parametrize(
    ("caller", "publishers", "expected"),
    [
        (f"{STS}assumed-role/Platform/s", [f"{IAM}role/team/Platform"], True),
        (f"{STS}assumed-role/Platform/s", [f"{IAM}role/Platform2"], False),
        (f"{STS}assumed-role/DataScientist/s", [f"{IAM}role/*/Platform"], False),
        (f"{IAM}user/bob", [f"{IAM}user/alice"], False),
    ],
    ids=["role-under-a-path", "other-role", "other-role-any-path", "other-user"],
)
def test_whether_a_caller_is_a_publisher(caller, publishers, expected):
    assert is_publisher(caller, publishers) is expected


def test_the_first_package_lets_only_its_caller_write(run_package):
    run_package()
    document = policy()
    assert [s["Sid"] for s in document["Statement"]] == ["DenyInsecureTransport", OBJECTS_SID, BUCKET_SID]
    for sid in (OBJECTS_SID, BUCKET_SID):
        denied = statement(document, sid)
        assert (denied["Effect"], denied["Principal"]) == ("Deny", "*")
        assert denied["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [CALLER]}}
    objects = statement(document, OBJECTS_SID)
    assert objects["Resource"] == f"arn:aws:s3:::{BUCKET}/*"
    assert {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectTagging"} <= set(
        objects["Action"]
    )
    changes = statement(document, BUCKET_SID)
    assert {"s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning"} <= set(
        changes["Action"]
    )


def test_publishers_are_added_never_removed_and_other_statements_are_kept(run_package, capsys):
    s3().create_bucket(Bucket=BUCKET)
    s3().put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    theirs = {
        "Sid": "TheirAuditRead",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/Audit"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    s3().put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [theirs]}))
    run_package(publishers=["arn:aws:iam::123456789012:role/Platform"])
    assert theirs in policy()["Statement"]
    assert statement(policy(), OBJECTS_SID)["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [
        "arn:aws:iam::123456789012:role/Platform",
        CALLER,
    ]
    capsys.readouterr()
    run_package()  # PUBLISHERS not given again: nobody is removed, and the policy is not rewritten
    assert "Bucket policy" not in capsys.readouterr().out
    assert len(statement(policy(), OBJECTS_SID)["Condition"]["ArnNotLike"]["aws:PrincipalArn"]) == 2


def test_a_caller_the_policy_does_not_list_is_refused_before_anything_is_written(run_package):
    run_package()
    document = policy()
    for sid in (OBJECTS_SID, BUCKET_SID):
        statement(document, sid)["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = [
            "arn:aws:iam::123456789012:role/Platform"
        ]
    s3().put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(document))
    versions_before = s3().list_object_versions(Bucket=BUCKET)["Versions"]
    with pytest.raises(NotAPublisherError) as raised:
        run_package(publishers=[CALLER])
    assert str(raised.value) == (
        f"only arn:aws:iam::123456789012:role/Platform may publish to s3://{BUCKET} and you are {CALLER}: "
        "ask one of them to run `make package PUBLISHERS=<your role or user ARN>` once"
    )
    assert policy() == document
    assert s3().list_object_versions(Bucket=BUCKET)["Versions"] == versions_before


@pytest.mark.parametrize(
    "value",
    ["alice", "arn:aws:iam::123456789012:policy/x", "arn:aws:s3:::bucket", "arn:aws:iam::12:role/x"],
    ids=["bare-name", "policy-arn", "bucket-arn", "short-account"],
)
def test_publishers_must_be_principal_arns(value):
    with pytest.raises(BadPublisherError) as raised:
        parse_publishers(f"arn:aws:iam::123456789012:role/Platform, {value}")
    assert str(raised.value) == (
        f"PUBLISHERS entry {value!r} is not an IAM user or role ARN (or account root): give e.g. "
        "arn:aws:iam::123456789012:role/PlatformEngineer"
    )


def test_a_bucket_without_versioning_is_refused_with_the_fix(run_package):
    s3().create_bucket(Bucket=BUCKET)
    with pytest.raises(BucketNotVersionedError) as raised:
        run_package()
    assert str(raised.value) == (
        f"staging bucket {BUCKET} does not have versioning enabled, and the templates pin the published "
        f"code by object version: run `aws s3api put-bucket-versioning --bucket {BUCKET} "
        "--versioning-configuration Status=Enabled`, or set CFN_BUCKET_NAME to another bucket"
    )
    assert object_count() == 0
    assert "Policy" not in str(s3().list_buckets())  # nothing else was touched


# --- what the templates pin -----------------------------------------------------------------------


def product_code(build) -> tuple[dict, dict]:
    resources = cfn_yaml.loads(build.object("product-template").path.read_text())["Resources"]
    return (
        resources["StartIngestionFunction"]["Properties"]["Code"],
        resources["Repository"]["Properties"]["Code"]["S3"],
    )


def test_the_product_template_pins_the_published_code_by_version(run_package):
    build = run_package()
    function_code, seed_code = product_code(build)
    function_key, seed_key = build.object("function-code").key, build.object("seed-code").key
    assert function_code["S3ObjectVersion"] == s3().head_object(Bucket=BUCKET, Key=function_key)["VersionId"]
    assert seed_code["ObjectVersion"] == s3().head_object(Bucket=BUCKET, Key=seed_key)["VersionId"]
    assert "pending-upload" not in build.object("product-template").path.read_text()
    manifest = json.loads(build.manifest.path.read_text())
    pinned = {o["role"]: o.get("version_id") for o in manifest["objects"]}
    assert pinned["function-code"] == function_code["S3ObjectVersion"]
    assert pinned["seed-code"] == seed_code["ObjectVersion"]

    # What a later write to the key puts there is not what the published release deploys.
    published = build.object("function-code").path.read_bytes()
    s3().put_object(Bucket=BUCKET, Key=function_key, Body=b"replaced")
    pinned_body = s3().get_object(Bucket=BUCKET, Key=function_key, VersionId=function_code["S3ObjectVersion"])
    assert pinned_body["Body"].read() == published


def test_a_rerun_pins_the_same_versions(run_package):
    first = product_code(run_package())
    assert product_code(run_package()) == first
