"""Resolving the AWS context the tooling runs in: session, region, account, clients.

The tooling never chooses an endpoint: boto3 resolves it (``AWS_ENDPOINT_URL`` included), so the same
code publishes to AWS or to any S3/CloudFormation-compatible endpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

import boto3
from botocore.config import Config
from botocore.exceptions import NoCredentialsError

from scripts.errors import NoCredentialsFoundError, NoRegionConfiguredError

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@dataclass
class AwsContext:
    """One region of one account, with the clients the tooling needs."""

    session: boto3.Session
    _clients: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_environment(cls, region: str | None = None) -> AwsContext:
        """Build the context from REGION (or the given region), then boto3's own resolution."""
        region = region or os.environ.get("REGION") or None
        session = boto3.Session(region_name=region)
        if not session.region_name:
            raise NoRegionConfiguredError()
        if session.get_credentials() is None:
            raise NoCredentialsFoundError()
        return cls(session)

    @property
    def region(self) -> str:
        return self.session.region_name

    @cached_property
    def account(self) -> str:
        try:
            return self.client("sts").get_caller_identity()["Account"]
        except NoCredentialsError as error:
            raise NoCredentialsFoundError() from error

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
            self._clients[service] = self.session.client(service, config=_CLIENT_CONFIG)
        return self._clients[service]
