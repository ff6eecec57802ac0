"""The emulator's lifecycle through the make targets users run, and the choice of target."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from scripts import PROJECT_ROOT
from scripts.errors import KitError
from scripts.local.process import Emulator, PortInUseError, free_port
from scripts.target import Target, choose, exports, local_environment


@pytest.fixture
def private_emulator(tmp_path, monkeypatch):
    """Make targets aimed at a private state directory and port, so no user's emulator is touched."""
    monkeypatch.setenv("LOCAL_STATE_DIR", str(tmp_path / "local"))
    monkeypatch.setenv("LOCAL_PORT", str(free_port()))
    yield Emulator(tmp_path / "local")
    Emulator(tmp_path / "local").stop()


def make(*targets: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-s", *targets],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_local_up_twice_refuses_the_second_start(private_emulator):
    first = make("local-up")
    assert first.returncode == 0, first.stderr
    state = private_emulator.state()
    assert state is not None and private_emulator.healthy(state)
    assert f"Local AWS emulator ready at {state.endpoint}" in first.stderr

    second = make("local-up")
    assert second.returncode != 0
    assert second.stderr.splitlines()[0] == (
        f"error: the local AWS emulator is already running at {state.endpoint} (pid {state.pid}): "
        "use it, or stop it first with `make local-down`"
    )
    assert private_emulator.state() == state

    status = make("local-status")
    assert f"running at {state.endpoint} (pid {state.pid}), answering" in status.stdout

    down = make("local-down")
    assert down.returncode == 0
    assert f"Stopped the local AWS emulator (pid {state.pid})" in down.stdout
    assert private_emulator.state() is None
    assert not private_emulator.state_file.exists()


def test_local_down_when_nothing_runs(private_emulator):
    result = make("local-down")
    assert result.returncode == 0
    assert result.stdout.strip() == "The local AWS emulator is not running; nothing to stop"
    assert "not running" in make("local-status").stdout


def test_a_taken_port_is_named_with_the_fix(private_emulator):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"port {port} on 127.0.0.1 is taken .* LOCAL_PORT=<port>"):
            private_emulator.start(port, "us-east-1")
    assert private_emulator.state() is None


def test_a_stale_state_file_does_not_count_as_running(private_emulator):
    private_emulator.state_dir.mkdir(parents=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    private_emulator.state_file.write_text(
        json.dumps({"pid": int(dead.stdout), "port": 1, "endpoint": "http://127.0.0.1:1"})
    )
    assert private_emulator.state() is None
    assert not private_emulator.state_file.exists()


def no_credentials(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "TARGET"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("environment", "name", "why"),
    [
        ({}, "local", "no AWS credentials found and no endpoint configured"),
        ({"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}, "aws", "credentials from env"),
        (
            {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"},
            "endpoint http://127.0.0.1:9",
            "AWS_ENDPOINT_URL is set",
        ),
        ({"TARGET": "aws"}, "aws", "TARGET=aws"),
        (
            {"TARGET": "local", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"},
            "local",
            "TARGET=local",
        ),
    ],
    ids=["no-credentials", "credentials", "endpoint", "forced-aws", "forced-local"],
)
def test_the_target_and_the_reason_in_its_banner(monkeypatch, environment, name, why):
    no_credentials(monkeypatch)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    target = choose()
    assert target.name == name
    assert target.banner().startswith(f"==> target: {name} (") and why in target.banner()


def test_an_unknown_target_is_refused(monkeypatch):
    monkeypatch.setenv("TARGET", "staging")
    with pytest.raises(
        KitError, match="TARGET=staging is not a target: use TARGET=auto, TARGET=aws or TARGET=local"
    ):
        choose()


def test_exports_point_a_shell_at_the_emulator():
    printed = exports(local_environment("http://127.0.0.1:4599", "eu-west-1"))
    lines = printed.splitlines()
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:4599" in lines
    assert "export AWS_REGION=eu-west-1" in lines and "export AWS_DEFAULT_REGION=eu-west-1" in lines
    assert "unset AWS_PROFILE" in lines and "unset AWS_SESSION_TOKEN" in lines
    assert Target("local", "x").banner() == "==> target: local (x)"


def test_make_env_and_a_job_on_the_local_target_reuse_the_running_emulator(
    emulator, emulator_process, monkeypatch
):
    process, state = emulator_process
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(
        LOCAL_STATE_DIR=str(process.state_dir),
        LOCAL_PORT=str(state.port),
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    printed = subprocess.run(
        ["make", "--no-print-directory", "-s", "env"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stderr.startswith("==> target: local (no AWS credentials found")
    assert f"export AWS_ENDPOINT_URL={state.endpoint}" in printed.stdout.splitlines()

    job = subprocess.run(
        [sys.executable, "-m", "scripts.target", "run", "scripts.destroy", "--help"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert job.returncode == 0, job.stderr
    assert job.stderr.splitlines()[0].startswith("==> target: local")
    assert "usage: python -m scripts.destroy" in job.stdout
    assert process.state().pid == state.pid


def test_eval_of_make_env_starts_the_emulator_and_sets_only_exports(private_emulator):
    """The README's `eval "$(make -s env)"` with nothing running: progress must not reach the eval."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    shell = subprocess.run(
        ["bash", "-c", 'set -e; eval "$(make --no-print-directory -s env)"; echo "$AWS_ENDPOINT_URL"'],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stderr
    state = private_emulator.state()
    assert shell.stdout.strip() == state.endpoint
    assert "Starting the local AWS emulator" in shell.stderr


def test_two_jobs_starting_the_emulator_at_once_share_one(private_emulator):
    ensure = "from scripts.local.process import Emulator, configured_port; " + (
        "print(Emulator().ensure_running(configured_port(), 'us-east-1').pid)"
    )
    jobs = [
        subprocess.Popen([sys.executable, "-c", ensure], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    printed = [job.communicate(timeout=120)[0] for job in jobs]
    assert all(job.returncode == 0 for job in jobs)
    pids = {line.strip() for output in printed for line in output.splitlines() if line.strip().isdigit()}
    assert pids == {str(private_emulator.state().pid)}


def test_another_region_is_bootstrapped_once_on_first_use(emulator, emulator_process):
    process, state = emulator_process
    same_emulator = Emulator(process.state_dir)
    again = same_emulator.ensure_running(state.port, "eu-west-1")
    assert again.pid == state.pid
    assert same_emulator.state().regions == ("us-east-1", "eu-west-1")
    [domain] = emulator.client("sagemaker", region="eu-west-1").list_domains()["Domains"]
    assert domain["DomainName"] == "local-studio"
    buckets = {b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]}
    assert f"sagemaker-eu-west-1-{emulator.account}" in buckets
