"""What the notebooks find out about where they run (scripts.notebooks.environment): outside Studio from
the emulator's one domain, in Studio from its metadata file, and a clear error when it cannot tell."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from scripts.local.bootstrap import EXECUTION_ROLE
from scripts.notebooks import environment
from scripts.notebooks.environment import NoDomainError, NoExecutionRoleError, detect
from scripts.project_stack import DEFAULT_BUCKET, pointed_at


@pytest.fixture
def emulated(emulator, tmp_path, monkeypatch):
    monkeypatch.setattr(environment, "STUDIO_METADATA", tmp_path / "no-studio" / "resource-metadata.json")
    with pointed_at(emulator.endpoint, tmp_path, WALKTHROUGH_DIR=str(tmp_path / "work")):
        for name in ("EXECUTION_ROLE_ARN", "SAGEMAKER_DOMAIN_ID"):
            monkeypatch.delenv(name, raising=False)
        yield tmp_path


def studio_metadata(folder, **values) -> None:
    path = folder / "studio" / "resource-metadata.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"AppType": "JupyterLab", "ResourceName": "default", **values}))
    environment.STUDIO_METADATA = path  # monkeypatch in emulated() restores it


def role_arn(emulator) -> str:
    return emulator.client("iam").get_role(RoleName=EXECUTION_ROLE)["Role"]["Arn"]


def test_outside_studio_the_regions_one_domain_and_its_default_role(emulator, emulated):
    env = detect()
    assert (env.region, env.account, env.bucket) == ("us-east-1", emulator.account, DEFAULT_BUCKET)
    assert env.domain_id == "d-local-studio"
    assert env.execution_role == role_arn(emulator)
    assert env.target == f"the local AWS emulator at {emulator.endpoint}"
    assert env.work_dir == emulated / "work"


def test_the_sdk_session_works_on_the_emulator_without_sts_at_awss_endpoint(emulator, emulated):
    session = detect().sagemaker_session
    assert session.default_bucket() == DEFAULT_BUCKET  # no STS: the sandbox has no route to AWS
    assert session.sagemaker_config["SageMaker"]["PythonSDK"]["Modules"]["TelemetryOptOut"] is True


def test_execution_role_arn_comes_first(emulated, monkeypatch):
    monkeypatch.setenv("EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/mine")
    studio_metadata(emulated, DomainId="d-studio", ExecutionRoleArn="arn:aws:iam::123456789012:role/studio")
    assert detect().execution_role == "arn:aws:iam::123456789012:role/mine"


def test_in_studio_the_metadata_files_domain_and_role(emulated):
    studio_metadata(emulated, DomainId="d-studio", ExecutionRoleArn="arn:aws:iam::123456789012:role/studio")
    env = detect()
    assert (env.domain_id, env.execution_role) == ("d-studio", "arn:aws:iam::123456789012:role/studio")
    assert "(not running in Studio)" not in env.describe()


def test_in_an_older_studio_the_user_profiles_role(emulated):
    studio_metadata(emulated, DomainId="d-studio", UserProfileName="ana")
    env = detect()
    with Stubber(env.client("sagemaker")) as stub:
        stub.add_response(
            "describe_user_profile",
            {"UserSettings": {"ExecutionRole": "arn:aws:iam::123456789012:role/ana"}},
            {"DomainId": "d-studio", "UserProfileName": "ana"},
        )
        assert env.execution_role == "arn:aws:iam::123456789012:role/ana"


def test_in_a_shared_space_the_domains_space_role(emulated):
    studio_metadata(emulated, DomainId="d-studio", SpaceName="team")
    env = detect()
    with Stubber(env.client("sagemaker")) as stub:
        stub.add_response(
            "describe_domain",
            {
                "DefaultUserSettings": {"ExecutionRole": "arn:aws:iam::123456789012:role/user"},
                "DefaultSpaceSettings": {"ExecutionRole": "arn:aws:iam::123456789012:role/space"},
            },
            {"DomainId": "d-studio"},
        )
        assert env.execution_role == "arn:aws:iam::123456789012:role/space"


def test_a_domain_without_a_role_says_to_set_one(emulated):
    studio_metadata(emulated, DomainId="d-studio")
    env = detect()
    with Stubber(env.client("sagemaker")) as stub:
        stub.add_response("describe_domain", {"DefaultUserSettings": {}}, {"DomainId": "d-studio"})
        with pytest.raises(
            NoExecutionRoleError,
            match=r"^Studio domain d-studio has no default execution role: set EXECUTION_ROLE_ARN=",
        ):
            _ = env.execution_role


def test_two_domains_and_no_studio_ask_which_one(emulator, emulated, monkeypatch):
    sagemaker = emulator.client("sagemaker")
    created = sagemaker.create_domain(
        DomainName="second",
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": role_arn(emulator)},
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
    )
    second = created["DomainArn"].rsplit("/", 1)[-1]
    try:
        with pytest.raises(
            NoDomainError,
            match=r"found 2 \(d-local-studio, .*\): run them in Studio, or set SAGEMAKER_DOMAIN_ID=",
        ):
            _ = detect().domain_id
        monkeypatch.setenv("SAGEMAKER_DOMAIN_ID", second)
        assert detect().domain_id == second
    finally:
        sagemaker.delete_domain(DomainId=second)
