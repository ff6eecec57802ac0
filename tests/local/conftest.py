"""The emulator as a process, as users run it: started once per test session on a free port,
reset (and bootstrapped again) for each test module."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config

from scripts.local import ACCOUNT_ID
from scripts.local.bootstrap import bootstrap
from scripts.local.process import Emulator, free_port

REGION = "us-east-1"


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
