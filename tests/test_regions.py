"""An unknown REGION is one line naming it, for both targets, before anything starts: no emulator, no
AWS API call. Every partition's regions are accepted (botocore's endpoint data, offline)."""

from __future__ import annotations

import os
import subprocess
import sys

import botocore.session
import pytest

from scripts import target
from scripts.aws import AwsContext, check_region, region_partitions
from scripts.errors import UnknownRegionError, run_main
from scripts.local.process import Emulator, free_port
from tests.conftest import PROJECT_ROOT

UNKNOWN = (
    "error: 'us-east-7' is not an AWS region (botocore {version} knows {count} in {partitions} partitions): "
    "set REGION to one, e.g. us-east-2 or us-east-1"
)


def unknown_region_line() -> str:
    known = region_partitions()
    return UNKNOWN.format(
        version=botocore.__version__,
        count=len(known),
        partitions=len({partition["partition"] for partition in known.values()}),
    )


@pytest.fixture
def no_aws_calls(monkeypatch):
    """Any client creation (the step before any API call) fails the test."""

    def refuse(self, service, *args, **kwargs):
        raise AssertionError(f"a {service} client was created")

    monkeypatch.setattr(botocore.session.Session, "create_client", refuse)


@pytest.fixture
def no_emulator(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the emulator was started")

    monkeypatch.setattr(Emulator, "ensure_running", refuse)
    monkeypatch.setattr(Emulator, "start", refuse)


def as_user(capsys, job) -> tuple[int, list[str]]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        run_main(job)
    output = capsys.readouterr()
    return exited.value.code, output.err.splitlines() + output.out.splitlines()


# --- which regions ------------------------------------------------------------------------------------


def test_every_partitions_regions_are_known():
    partitions = {partition["partition"] for partition in region_partitions().values()}
    assert {"aws", "aws-cn", "aws-us-gov"} <= partitions
    for region in region_partitions():
        assert check_region(region) == region


@pytest.mark.parametrize(
    ("region", "suffix"),
    [
        ("us-east-1", "amazonaws.com"),
        ("ap-northeast-2", "amazonaws.com"),
        ("cn-north-1", "amazonaws.com.cn"),
        ("us-gov-west-1", "amazonaws.com"),
        ("us-iso-east-1", "c2s.ic.gov"),
        ("eusc-de-east-1", "amazonaws.eu"),
    ],
)
def test_a_region_of_any_partition_is_accepted_with_its_partitions_dns_suffix(region, suffix, no_aws_calls):
    aws = AwsContext.from_environment(region)
    assert (aws.region, aws.url_suffix) == (region, suffix)


@pytest.mark.parametrize(
    ("region", "suggested"),
    [
        ("us-east-7", "us-east-2 or us-east-1"),
        ("eu-wset-1", "eu-west-1 or us-west-1"),
        ("useast1", "us-east-1 or us-west-1"),
        ("US-EAST-1", "us-east-1 or us-west-1"),  # regions are lower case
        ("mars-north-1", "eu-north-1 or cn-north-1"),
        ("xyz", "us-east-1"),
    ],
)
def test_an_unknown_region_is_named_with_the_closest_known_ones(region, suggested, no_aws_calls):
    with pytest.raises(UnknownRegionError) as raised:
        AwsContext.from_environment(region)
    assert str(raised.value).startswith(f"{region!r} is not an AWS region (botocore ")
    assert str(raised.value).endswith(f": set REGION to one, e.g. {suggested}")


# --- the jobs, as users run them ----------------------------------------------------------------------


@pytest.mark.parametrize("job", ["package", "deploy", "destroy"])
def test_every_job_refuses_an_unknown_region_before_any_call(job, monkeypatch, capsys, no_aws_calls):
    import importlib

    module = importlib.import_module(f"scripts.{job}")
    monkeypatch.setenv("REGION", "us-east-7")
    monkeypatch.setattr(sys, "argv", [job])
    assert as_user(capsys, module.main) == (1, [unknown_region_line()])


def test_a_region_from_the_aws_configuration_is_checked_too(monkeypatch, capsys, no_aws_calls):
    from scripts import package

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-7")
    monkeypatch.setattr(sys, "argv", ["package"])
    assert as_user(capsys, package.main) == (1, [unknown_region_line()])


@pytest.mark.parametrize("name", ["local", "aws"])
@pytest.mark.parametrize("command", ["run", "env"])
def test_the_target_refuses_an_unknown_region_before_its_banner(
    name, command, monkeypatch, capsys, no_aws_calls, no_emulator
):
    monkeypatch.setenv("TARGET", name)
    monkeypatch.setenv("REGION", "us-east-7")
    ran = []
    monkeypatch.setattr(target.runpy, "run_module", lambda *args, **kwargs: ran.append(args))
    arguments = ["run", "scripts.package"] if command == "run" else ["env"]
    assert as_user(capsys, lambda: target.main(arguments)) == (1, [unknown_region_line()])
    assert ran == []


def test_the_local_targets_region_comes_from_the_aws_variables_too(monkeypatch, capsys, no_emulator):
    monkeypatch.setenv("TARGET", "local")
    monkeypatch.setenv("AWS_REGION", "us-east-7")
    assert as_user(capsys, lambda: target.main(["env"])) == (1, [unknown_region_line()])


def test_make_package_with_an_unknown_region_starts_no_emulator(tmp_path):
    """The whole command as `make package` runs it, in a process of its own."""
    state_dir = tmp_path / "emulator"
    port = free_port()
    environment = {
        **os.environ,
        "TARGET": "local",
        "REGION": "us-east-7",
        "LOCAL_STATE_DIR": str(state_dir),
        "LOCAL_PORT": str(port),
    }
    result = subprocess.run(
        [sys.executable, "-m", "scripts.target", "run", "scripts.package"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr.splitlines(), result.stdout) == (1, [unknown_region_line()], "")
    assert not state_dir.exists()
    assert Emulator(state_dir).state() is None
