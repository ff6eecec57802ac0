"""Resolving the AWS context the tooling runs in: session, region, account, clients.

The tooling never chooses an endpoint: botocore resolves it (``AWS_ENDPOINT_URL`` included), so the
same code publishes to AWS or to any S3/CloudFormation-compatible endpoint. The session is botocore's
rather than boto3's: the tooling uses clients only, and boto3 would add its transfer manager's
imports (tens of milliseconds) to every command.

A region must be one botocore knows, in any partition (its endpoint data, offline): a mistyped region
would otherwise fail later and further away (an endpoint that does not resolve, the local emulator
failing on its first request).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from functools import cache, cached_property

import botocore
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import NoCredentialsError

from scripts.errors import NoCredentialsFoundError, NoRegionConfiguredError, UnknownRegionError

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def region_partitions() -> dict[str, dict]:
    """Every region botocore knows, with its partition's data (``partition``, ``dnsSuffix``...)."""
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    return {region: partition for partition in endpoints["partitions"] for region in partition["regions"]}


def check_region(region: str) -> str:
    """``region`` when botocore knows it, else an :class:`UnknownRegionError` suggesting the closest."""
    known = region_partitions()
    if region not in known:
        closest = difflib.get_close_matches(region.lower(), sorted(known), n=2, cutoff=0.5)
        suggestions = closest or ["us-east-1"]
        partitions = {partition["partition"] for partition in known.values()}
        source = f"botocore {botocore.__version__} knows {len(known)} in {len(partitions)} partitions"
        raise UnknownRegionError(region, source, suggestions)
    return region


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
        check_region(session.get_config_variable("region"))
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
        """The DNS suffix of the region's partition (``amazonaws.com``, ``amazonaws.com.cn``...)."""
        return region_partitions()[self.region]["dnsSuffix"]

    def client(self, service: str):
        """One client per service for the context's lifetime (creating one costs tens of ms)."""
        if service not in self._clients:
            self._clients[service] = self.session.create_client(
                service, region_name=self.region, config=_CLIENT_CONFIG
            )
        return self._clients[service]
