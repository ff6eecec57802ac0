"""The emulator as a process, as users run it: started once per test session on a free port,
reset (and bootstrapped again) for each test module."""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config

from scripts.local import ACCOUNT_ID
from scripts.local.bootstrap import bootstrap
from scripts.local.process import Emulator, free_port
from tests.conftest import PROJECT_ROOT

REGION = "us-east-1"
_ABALONE_DATA = PROJECT_ROOT.parent / "shared" / "data" / "abalone.data"
ABALONE_URL = _ABALONE_DATA.as_uri() if _ABALONE_DATA.is_file() else "http://127.0.0.1:9/abalone.data"
"""Where `make demo` and the notebooks get the dataset in tests: a local copy, or offline (a closed
port): never the network."""
ABALONE_ORIGIN = "downloaded from" if _ABALONE_DATA.is_file() else "generated rows of the same shape"
"""What they then say about where the rows come from."""


@dataclass
class RunningEmulator:
    endpoint: str
    account: str = ACCOUNT_ID
    region: str = REGION

    def client(self, service: str, region: str | None = None):
        return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
            service,
            endpoint_url=self.endpoint,
            region_name=region or self.region,
            config=Config(retries={"max_attempts": 1}),
        )

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        bootstrap(self.endpoint, self.region)


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory):
    emulator = Emulator(tmp_path_factory.mktemp("emulator"))
    state = emulator.start(free_port(), REGION)
    yield emulator, state
    emulator.stop()


@pytest.fixture(scope="module")
def emulator(emulator_process) -> RunningEmulator:
    _, state = emulator_process
    running = RunningEmulator(state.endpoint)
    running.reset()
    return running


@pytest.fixture
def sdk_session(emulator, monkeypatch):
    """A SageMaker SDK session whose clients all talk to the emulator, as a notebook's would after
    `make env`: no telemetry, the default bucket given, the v2 deprecation warning silenced as the seed
    and the notebooks silence it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.endpoint)
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    import sagemaker

    no_telemetry = {
        "SchemaVersion": "1.0",
        "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
    }
    return sagemaker.Session(
        boto_session=boto3.Session(region_name=REGION),
        sagemaker_config=no_telemetry,
        default_bucket=f"sagemaker-{REGION}-{ACCOUNT_ID}",
    )


def project_settled(sagemaker, name: str, timeout: float = 120) -> dict:
    """DescribeProject once the project's creation has ended (CreateCompleted or CreateFailed), or at the
    timeout, whatever it then says."""
    deadline = time.monotonic() + timeout
    while True:
        described = sagemaker.describe_project(ProjectName=name)
        if described["ProjectStatus"] in ("CreateCompleted", "CreateFailed") or time.monotonic() > deadline:
            return described
        time.sleep(0.2)
