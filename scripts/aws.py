"""Resolving the AWS context the tooling runs in: session, region, account, clients.

The tooling never chooses an endpoint: botocore resolves it (``AWS_ENDPOINT_URL`` included), so the
same code publishes to AWS or to any S3/CloudFormation-compatible endpoint. The session is botocore's
rather than boto3's: the tooling uses clients only, and boto3 would add its transfer manager's
imports (tens of milliseconds) to every command.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

import botocore.session
from botocore.config import Config
from botocore.exceptions import NoCredentialsError

from scripts.errors import NoCredentialsFoundError, NoRegionConfiguredError

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@dataclass
class AwsContext:
    """One region of one account, with the clients the tooling needs."""

    session: botocore.session.Session
    _clients: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_environment(cls, region: str | None = None) -> AwsContext:
        """Build the context from REGION (or the given region), then botocore's own resolution."""
        session = botocore.session.Session()
        region = region or os.environ.get("REGION")
        if region:
            session.set_config_variable("region", region)
        if not session.get_config_variable("region"):
            raise NoRegionConfiguredError()
        if session.get_credentials() is None:
            raise NoCredentialsFoundError()
        return cls(session)

    @property
    def region(self) -> str:
        return self.session.get_config_variable("region")

    @cached_property
    def caller_identity(self) -> dict:
        try:
            return self.client("sts").get_caller_identity()
        except NoCredentialsError as error:
            raise NoCredentialsFoundError() from error

    @property
    def account(self) -> str:
        return self.caller_identity["Account"]

    @property
    def caller_arn(self) -> str:
        return self.caller_identity["Arn"]

    @cached_property
    def partition(self) -> str:
        return self.session.get_partition_for_region(self.region)

    @cached_property
    def url_suffix(self) -> str:
        """The DNS suffix of the region's partition (``amazonaws.com``, ``amazonaws.com.cn``)."""
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def client(self, service: str):
        """One client per service for the context's lifetime (creating one costs tens of ms)."""
        if service not in self._clients:
            self._clients[service] = self.session.create_client(
                service, region_name=self.region, config=_CLIENT_CONFIG
            )
        return self._clients[service]
