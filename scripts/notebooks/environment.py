"""What a walkthrough notebook works with, found the same way in SageMaker Studio, on your own machine
with AWS credentials, and against the local emulator (`make notebooks`).

Studio's own facts have fallbacks: the domain comes from Studio's metadata file, else
``SAGEMAKER_DOMAIN_ID``, else the region's only domain; the execution role from ``EXECUTION_ROLE_ARN``,
else Studio's metadata, else the user profile's, else the domain's default (a shared space's, in a
shared space). The account comes from boto3's
STS client, which honours ``AWS_ENDPOINT_URL``: the SageMaker SDK's ``get_execution_role()`` and
``Session().default_bucket()`` call STS at its regional AWS endpoint instead, so they would fail on the
emulator. The SDK session is therefore given its default bucket, and its telemetry is turned off.
"""

from __future__ import annotations

import json
import logging
import os
import platform
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import boto3

from scripts import PROJECT_ROOT
from scripts.aws import AwsContext
from scripts.errors import KitError
from scripts.execution_role import studio_domains

STUDIO_METADATA = Path("/opt/ml/metadata/resource-metadata.json")
WORK_DIR_VARIABLE = "WALKTHROUGH_DIR"
DEFAULT_WORK_DIR = PROJECT_ROOT / "build" / "walkthrough"
NO_TELEMETRY = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}


class NoExecutionRoleError(KitError):
    def __init__(self, domain_id: str) -> None:
        super().__init__(
            f"Studio domain {domain_id} has no default execution role: set "
            "EXECUTION_ROLE_ARN=arn:...:role/<your SageMaker execution role>"
        )


class NoDomainError(KitError):
    def __init__(self, region: str, found: list[str]) -> None:
        seen = f"{len(found)} ({', '.join(found)})" if found else "none"
        super().__init__(
            f"the notebooks need one SageMaker Studio domain in {region} and found {seen}: run them in "
            "Studio, or set SAGEMAKER_DOMAIN_ID=d-... for the domain to use"
        )


@dataclass
class Environment:
    aws: AwsContext
    studio: dict
    """Studio's metadata file (empty outside Studio)."""
    work_dir: Path
    """Where the notebooks keep their files (the dataset, the flow, the hand-off file)."""
    clients: dict = field(default_factory=dict, repr=False)

    @property
    def region(self) -> str:
        return self.aws.region

    @property
    def account(self) -> str:
        return self.aws.account

    @property
    def endpoint(self) -> str | None:
        return os.environ.get("AWS_ENDPOINT_URL")

    @property
    def target(self) -> str:
        return f"the local AWS emulator at {self.endpoint}" if self.endpoint else "AWS"

    @property
    def bucket(self) -> str:
        """SageMaker's default bucket, the one ``make deploy`` lets projects read by default."""
        return f"sagemaker-{self.region}-{self.account}"

    @cached_property
    def boto3_session(self) -> boto3.Session:
        return boto3.Session(botocore_session=self.aws.session)

    def client(self, service: str):
        """A boto3 client (the kind a notebook's reader knows: ``upload_file``, ``exceptions``...)."""
        if service not in self.clients:
            self.clients[service] = self.boto3_session.client(service)
        return self.clients[service]

    @cached_property
    def domain_id(self) -> str:
        if self.studio.get("DomainId"):
            return self.studio["DomainId"]
        if os.environ.get("SAGEMAKER_DOMAIN_ID"):
            return os.environ["SAGEMAKER_DOMAIN_ID"]
        found = [domain["DomainId"] for domain in studio_domains(self.client("sagemaker"))]
        if len(found) != 1:
            raise NoDomainError(self.region, found)
        return found[0]

    @cached_property
    def execution_role(self) -> str:
        if os.environ.get("EXECUTION_ROLE_ARN"):
            return os.environ["EXECUTION_ROLE_ARN"]
        if self.studio.get("ExecutionRoleArn"):
            return self.studio["ExecutionRoleArn"]
        sagemaker = self.client("sagemaker")
        if self.studio.get("UserProfileName"):
            profile = sagemaker.describe_user_profile(
                DomainId=self.domain_id, UserProfileName=self.studio["UserProfileName"]
            )
            if profile.get("UserSettings", {}).get("ExecutionRole"):
                return profile["UserSettings"]["ExecutionRole"]
        domain = sagemaker.describe_domain(DomainId=self.domain_id)
        shared_space = domain.get("DefaultSpaceSettings", {}) if self.studio.get("SpaceName") else {}
        role = shared_space.get("ExecutionRole") or domain.get("DefaultUserSettings", {}).get("ExecutionRole")
        if not role:
            raise NoExecutionRoleError(self.domain_id)
        return role

    @cached_property
    def sagemaker_session(self):
        """A SageMaker SDK session on the same credentials and endpoint as boto3, telemetry off."""
        import sagemaker  # after SAGEMAKER_SUPPRESS_V2_WARNING is set (detect())

        return sagemaker.Session(
            boto_session=self.boto3_session,
            sagemaker_config=NO_TELEMETRY,
            default_bucket=self.bucket,
        )

    def path(self, name: str) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir / name

    def describe(self) -> str:
        import sagemaker

        return "\n".join(
            [
                f"target:         {self.target}",
                f"region:         {self.region}",
                f"account:        {self.account}",
                f"bucket:         {self.bucket}",
                f"Studio domain:  {self.domain_id}" + ("" if self.studio else " (not running in Studio)"),
                f"execution role: {self.execution_role}",
                f"work folder:    {self.work_dir}",
                f"Python {platform.python_version()}, boto3 {boto3.__version__}, "
                f"sagemaker {sagemaker.__version__}",
            ]
        )


def detect() -> Environment:
    """The environment the notebook runs in; fails naming what is missing (region, credentials)."""
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)  # "Applied value from config..."
    studio = json.loads(STUDIO_METADATA.read_text()) if STUDIO_METADATA.is_file() else {}
    work_dir = Path(os.environ.get(WORK_DIR_VARIABLE) or DEFAULT_WORK_DIR)
    return Environment(AwsContext.from_environment(), studio, work_dir)
