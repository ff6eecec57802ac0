"""AWS::SQS::QueuePolicy: the Policy attribute of each listed queue, through moto's SQS backend."""

from __future__ import annotations

import contextlib
import json
import re

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import sqs_backends

from scripts.local.resources.common import InvalidRequest, required_properties

_QUEUE_URL = re.compile(
    r"https?://(?:sqs\.(?P<region>[a-z0-9-]+)\.amazonaws\.com[^/]*|[^/]+)/(?P<account>\d{12})/(?P<name>[^/]+)"
)


class CfnQueuePolicy(CloudFormationModel):
    """AWS::SQS::QueuePolicy: the PolicyDocument becomes the ``Policy`` attribute of every queue in
    Queues (URLs); deleting it removes them. Ref and GetAtt Id: the policy id CloudFormation
    generates. Both properties update in place."""

    _REQUIRED = ("PolicyDocument", "Queues")

    def __init__(self, policy_id: str, queue_urls: list[str], region_name: str) -> None:
        self.id = policy_id
        self.queue_urls = queue_urls
        self.region_name = region_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @property
    def physical_resource_id(self) -> str:
        return self.id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Id"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Id":
            return self.id
        raise UnformattedGetAttTemplateException()

    @staticmethod
    def _set_policy(url: str, region_name: str, policy: str) -> None:
        match = _QUEUE_URL.fullmatch(url)
        if not match:
            raise InvalidRequest(f"AWS::SQS::QueuePolicy: {url} is not a queue URL.")
        backend = sqs_backends[match["account"]][match["region"] or region_name]
        backend.set_queue_attributes(match["name"], {"Policy": policy})

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        policy = json.dumps(properties["PolicyDocument"])
        for url in properties["Queues"]:
            cls._set_policy(url, region_name, policy)
        return cls(resource_name, list(properties["Queues"]), region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = required_properties(cls, cloudformation_json)
        dropped = [url for url in original_resource.queue_urls if url not in properties["Queues"]]
        cls(original_resource.id, dropped, region_name).delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            original_resource.id, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        for url in self.queue_urls:
            with contextlib.suppress(QueueDoesNotExist):  # a deleted queue took its policy with it
                self._set_policy(url, self.region_name, "")


# -- Lambda ----------------------------------------------------------------------------------------
