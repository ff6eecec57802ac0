"""Shared fixtures of the seed's tests. They run offline, here and in CodeBuild.

- The seed root goes on sys.path, so `import pipeline` / `import build` work whether pytest runs
  from the seed directory (CodeBuild) or from the kit's root.
- Every test gets fake AWS credentials and a socket guard that refuses (and records) any outside
  connection or DNS lookup: building the pipeline definition must not touch AWS.
- Expensive things a module's tests only read are made once per module (`boto_session`,
  `module_tiny_flow`); each test still gets its own flow file (`tiny_flow`).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

# Before anything imports the SageMaker SDK (its v2 FutureWarning is an error under -W error).
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")

SEED_ROOT = Path(__file__).resolve().parents[1]
if str(SEED_ROOT) not in sys.path:
    sys.path.insert(0, str(SEED_ROOT))

# The public abalone flows, when this checkout has them (never in CodeBuild).
SHARED_FLOWS = Path("/work/shared/data/flows")

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


BUILD_VARIABLES = (
    "SAGEMAKER_PROJECT_NAME", "SAGEMAKER_PROJECT_ID", "SAGEMAKER_PIPELINE_NAME", "PIPELINE_DESCRIPTION",
    "DW_FLOW_URL", "DW_FLOW_OUTPUT_NAME", "FEATURE_GROUP_NAME", "PIPELINE_ROLE_ARN",
    "PROCESSING_INSTANCE_TYPE", "PROCESSING_JOB_PREFIX", "ARTIFACT_BUCKET",
)  # fmt: skip
"""What the project's CodeBuild sets for build.py, so what the environment holds when CodeBuild runs these
tests: a test sees only the values it gives (one of a missing variable would otherwise find CodeBuild's)."""


def fake_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in BUILD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def network_calls(monkeypatch):
    """Fake credentials; refuse and record every connect() and DNS lookup. Yields the record."""
    fake_aws_environment(monkeypatch)

    calls: list[object] = []

    def refuse_connect(sock, address, *args):
        calls.append(address)
        raise OSError(f"network access blocked in tests: connect to {address!r}")

    def refuse_lookup(host, *args, **kwargs):
        calls.append(host)
        raise OSError(f"network access blocked in tests: DNS lookup of {host!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_lookup)
    return calls


@pytest.fixture(scope="module")
def boto_session() -> boto3.Session:
    """One boto3 session for a module's tests, with the fake credentials (resolved here, and kept).

    A new session loads botocore's endpoint data and service models again: that was most of the time
    of building a pipeline once the SDK's own overhead is gone. Tests only create clients from it.
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        fake_aws_environment(monkeypatch)
        session = boto3.Session(region_name=FAKE_AWS_ENV["AWS_REGION"])
        assert session.get_credentials().access_key == FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"]
    return session


def tiny_flow_document() -> dict:
    """A small flow: SOURCE (tiny.csv) -> TRANSFORM -> VISUALIZATION (last in the file)."""
    return {
        "metadata": {"version": 1, "disable_limits": False},
        "nodes": [
            {
                "node_id": "11111111-aaaa-4aaa-8aaa-000000000001",
                "type": "SOURCE",
                "operator": "sagemaker.s3_source_0.1",
                "parameters": {
                    "dataset_definition": {
                        "datasetSourceType": "S3",
                        "name": "tiny.csv",
                        "s3ExecutionContext": {
                            "s3Uri": "s3://example-bucket/datasets/tiny.csv",
                            "s3ContentType": "csv",
                            "s3HasHeader": True,
                        },
                    }
                },
                "inputs": [],
                "outputs": [{"name": "default"}],
            },
            {
                "node_id": "11111111-aaaa-4aaa-8aaa-000000000002",
                "type": "TRANSFORM",
                "operator": "sagemaker.spark.infer_and_cast_type_0.1",
                "parameters": {},
                "inputs": [
                    {
                        "name": "default",
                        "node_id": "11111111-aaaa-4aaa-8aaa-000000000001",
                        "output_name": "default",
                    }
                ],
                "outputs": [{"name": "default"}],
            },
            {
                "node_id": "11111111-aaaa-4aaa-8aaa-000000000003",
                "type": "VISUALIZATION",
                "operator": "sagemaker.visualizations.describe_0.1",
                "parameters": {},
                "inputs": [
                    {
                        "name": "df",
                        "node_id": "11111111-aaaa-4aaa-8aaa-000000000002",
                        "output_name": "default",
                    }
                ],
                "outputs": [{"name": "default"}],
            },
        ],
    }


@dataclass(frozen=True)
class TinyFlow:
    path: Path
    document: dict
    dataset: str = "tiny.csv"
    source_uri: str = "s3://example-bucket/datasets/tiny.csv"
    output: str = "11111111-aaaa-4aaa-8aaa-000000000002.default"
    source_output: str = "11111111-aaaa-4aaa-8aaa-000000000001.default"
    visualization_output: str = "11111111-aaaa-4aaa-8aaa-000000000003.default"


def write_tiny_flow(directory: Path) -> TinyFlow:
    document = tiny_flow_document()
    path = directory / "tiny.flow"
    path.write_text(json.dumps(document), encoding="utf-8")
    return TinyFlow(path=path, document=document)


@pytest.fixture
def tiny_flow(tmp_path) -> TinyFlow:
    """The tiny flow written to a file, with the facts tests assert about it."""
    return write_tiny_flow(tmp_path)


@pytest.fixture(scope="module")
def module_tiny_flow(tmp_path_factory) -> TinyFlow:
    """The tiny flow for a module-scoped fixture (one file, which no test may change)."""
    return write_tiny_flow(tmp_path_factory.mktemp("tiny-flow"))


@pytest.fixture
def shared_flow():
    """Path of a public abalone flow by file name; skips the test where the file is absent."""

    def get(name: str) -> Path:
        path = SHARED_FLOWS / name
        if not path.is_file():
            pytest.skip(f"{path} is not available here (only in the development workspace)")
        return path

    return get
