"""AWS::SQS::Queue and AWS::SQS::QueuePolicy (the Policy attribute of each listed queue), through
moto's SQS backend."""

from __future__ import annotations

import contextlib
import json
import re
from typing import ClassVar

from moto.core.common_models import CloudFormationModel
from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import MAXIMUM_MESSAGE_LENGTH, sqs_backends

from scripts.local.resources.common import (
    AlreadyExists,
    GetAttFromFields,
    InvalidRequest,
    api_value,
    as_bool,
    generated_name,
    needs_replacement,
    reject_unsupported,
    replace_resource,
    required_properties,
    sync_tags,
    tag_dict,
)

_QUEUE_URL = re.compile(
    r"https?://(?:sqs\.(?P<region>[a-z0-9-]+)\.amazonaws\.com[^/]*|[^/]+)/(?P<account>\d{12})/(?P<name>[^/]+)"
)


class CfnQueue(GetAttFromFields, CloudFormationModel):
    """AWS::SQS::Queue, in place of moto's handler, which cannot name a FIFO queue itself, has no
    GetAtt QueueUrl, adopts an existing queue of the same name, and on update applies only two
    attributes. Ref: the queue URL; GetAtt Arn, QueueName, QueueUrl. Without QueueName the queue is
    named ``<stack>-<logical id>-<random>`` (``.fifo`` added for a FIFO queue), as CloudFormation names
    it. QueueName and FifoQueue replace the queue; every other property updates in place, a removed
    one going back to SQS's default. The queue policy (AWS::SQS::QueuePolicy) survives an update."""

    GET_ATT: ClassVar[dict[str, str]] = {"Arn": "arn", "QueueName": "name", "QueueUrl": "url"}

    _ATTRIBUTES: ClassVar[dict[str, str]] = {
        "DelaySeconds": "0",
        "MaximumMessageSize": str(MAXIMUM_MESSAGE_LENGTH),
        "MessageRetentionPeriod": "345600",
        "ReceiveMessageWaitTimeSeconds": "0",
        "VisibilityTimeout": "30",
        "RedrivePolicy": "",
        "KmsMasterKeyId": "",
        "KmsDataKeyReusePeriodSeconds": "300",
        "SqsManagedSseEnabled": "true",
    }
    """Queue attributes a property sets, with the value SQS gives a queue that does not set it."""
    _FIFO_ATTRIBUTES: ClassVar[dict[str, str]] = {
        "ContentBasedDeduplication": "false",
        "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
    }
    _REPLACING = ("QueueName", "FifoQueue")
    _UNSUPPORTED = ("RedriveAllowPolicy",)
    """Properties moto's queues cannot store (GetQueueAttributes would not show them)."""

    def __init__(self, name: str, account_id: str, region_name: str, properties: dict) -> None:
        self.name = name
        self.account_id = account_id
        self.region_name = region_name
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::Queue"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "QueueName"

    @property
    def url(self) -> str:
        return f"https://sqs.{self.region_name}.amazonaws.com/{self.account_id}/{self.name}"

    @property
    def arn(self) -> str:
        return sqs_backends[self.account_id][self.region_name].get_queue(self.name).queue_arn

    @property
    def physical_resource_id(self) -> str:
        return self.url

    @classmethod
    def _attributes(cls, properties: dict) -> dict[str, str]:
        """Every attribute the properties govern: the given value, or SQS's default."""
        reject_unsupported(cls.cloudformation_type(), properties, cls._UNSUPPORTED)
        fifo = as_bool(properties.get("FifoQueue"), False)
        governed = {**cls._ATTRIBUTES, **(cls._FIFO_ATTRIBUTES if fifo else {})}
        misplaced = [name for name in cls._FIFO_ATTRIBUTES if name in properties and not fifo]
        if misplaced:
            raise InvalidRequest(
                f"AWS::SQS::Queue properties {', '.join(misplaced)} apply only to FIFO queues "
                "(FifoQueue: true)."
            )
        attributes = {name: api_value(properties.get(name, default)) for name, default in governed.items()}
        if "KmsMasterKeyId" in properties and "SqsManagedSseEnabled" not in properties:
            attributes["SqsManagedSseEnabled"] = "false"  # SSE-KMS replaces SQS's own encryption
        return attributes

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        fifo = as_bool(properties.get("FifoQueue"), False)
        name = properties.get("QueueName") or generated_name(resource_name, 80, ".fifo" if fifo else "")
        backend = sqs_backends[account_id][region_name]
        if name in backend.queues:
            raise AlreadyExists(cls.cloudformation_type(), name)
        attributes = {key: value for key, value in cls._attributes(properties).items() if value != ""}
        if fifo:
            attributes["FifoQueue"] = "true"
        backend.create_queue(name, tags=tag_dict(properties.get("Tags")), **attributes)
        return cls(name, account_id, region_name, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json["Properties"]
        if needs_replacement(cls, original_resource, properties):
            return replace_resource(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        backend = sqs_backends[account_id][region_name]
        queue = backend.get_queue(original_resource.name)
        # moto's set_queue_attributes resets Policy unless it is given
        backend.set_queue_attributes(queue.name, {**cls._attributes(properties), "Policy": queue.policy})
        sync_tags(
            queue.tags,
            tag_dict(properties.get("Tags")),
            untag=lambda keys: backend.untag_queue(queue.name, keys),
            tag=lambda tags: backend.tag_queue(queue.name, tags),
        )
        return cls(original_resource.name, account_id, region_name, properties)

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(QueueDoesNotExist):
            sqs_backends[self.account_id][self.region_name].delete_queue(self.name)


class CfnQueuePolicy(GetAttFromFields, CloudFormationModel):
    """AWS::SQS::QueuePolicy: the PolicyDocument becomes the ``Policy`` attribute of every queue in
    Queues (URLs); deleting it removes them. Ref and GetAtt Id: the policy id CloudFormation
    generates. Both properties update in place."""

    GET_ATT: ClassVar[dict[str, str]] = {"Id": "id"}

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
