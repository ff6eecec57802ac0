"""AWS::SNS::Topic, AWS::SNS::TopicPolicy and AWS::SNS::Subscription, through moto's SNS backend.

moto has a handler for topics only: it has no GetAtt TopicArn, adopts an existing topic of the same
name, and updates a topic by deleting and creating it again, which drops its subscriptions and the
policy an AWS::SNS::TopicPolicy put on it. A subscription moto makes is confirmed at once; one whose
endpoint is a mailbox waits, on AWS, until a person follows the link SNS mails, so here it stays
pending confirmation, as the emulator sends no mail.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel
from moto.sns.exceptions import SNSNotFoundError, TopicNotFound
from moto.sns.models import SNSBackend, Subscription, Topic, sns_backends
from moto.utilities.arns import parse_arn

from scripts.local.resources.common import (
    AlreadyExists,
    GetAttFromFields,
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

CONFIRMED_BY_A_PERSON = frozenset({"email", "email-json"})
"""Protocols whose subscriptions wait for the recipient to confirm them."""


def _backend_of(arn: str) -> SNSBackend:
    parsed = parse_arn(arn)
    return sns_backends[parsed.account][parsed.region]


def subscribe(topic_arn: str, protocol: str, endpoint: str | None) -> Subscription:
    """``SNSBackend.subscribe``, leaving a subscription that needs a person's confirmation pending:
    ``PendingConfirmation`` in its attributes, and ``PendingConfirmation`` for its ARN where
    ListSubscriptions(ByTopic) shows it (moto's serializer reads ``subscription_arn`` before ``arn``)."""
    subscription = _backend_of(topic_arn).subscribe(topic_arn, endpoint or "", protocol)
    if protocol in CONFIRMED_BY_A_PERSON:
        subscription.attributes.update(PendingConfirmation=True, ConfirmationWasAuthenticated=False)
        subscription.subscription_arn = "PendingConfirmation"  # type: ignore[attr-defined]
    return subscription


class CfnTopic(GetAttFromFields, CloudFormationModel):
    """AWS::SNS::Topic, in place of moto's handler. Ref and GetAtt TopicArn: the ARN; GetAtt TopicName.
    Without TopicName the topic is named ``<stack>-<logical id>-<random>`` (``.fifo`` added for a FIFO
    topic). TopicName and FifoTopic replace the topic; DisplayName, KmsMasterKeyId,
    ContentBasedDeduplication, Subscription and Tags update in place, keeping the topic's policy and
    its other subscriptions."""

    GET_ATT: ClassVar[dict[str, str]] = {"TopicArn": "arn", "TopicName": "name"}

    _REPLACING = ("TopicName", "FifoTopic")
    _ATTRIBUTES: ClassVar[dict[str, Any]] = {"DisplayName": "", "KmsMasterKeyId": ""}
    _UNSUPPORTED = (
        "ArchivePolicy",
        "DataProtectionPolicy",
        "DeliveryStatusLogging",
        "FifoThroughputScope",
        "SignatureVersion",
        "TracingConfig",
    )
    """Properties moto's topics cannot store (GetTopicAttributes would not show them)."""

    def __init__(self, arn: str, name: str, properties: dict[str, Any]) -> None:
        self.arn = arn
        self.name = name
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Topic"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "TopicName"

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def _attributes(cls, properties: dict[str, Any]) -> dict[str, Any]:
        """moto's topic attributes (set as Python attributes: the booleans as booleans)."""
        reject_unsupported(cls.cloudformation_type(), properties, cls._UNSUPPORTED)
        attributes = {name: str(properties.get(name, default)) for name, default in cls._ATTRIBUTES.items()}
        if as_bool(properties.get("FifoTopic"), False):
            attributes["FifoTopic"] = True
            attributes["ContentBasedDeduplication"] = as_bool(
                properties.get("ContentBasedDeduplication"), False
            )
        return attributes

    @staticmethod
    def _endpoints(properties: dict[str, Any]) -> list[tuple[str, str]]:
        return [(entry["Protocol"], entry["Endpoint"]) for entry in properties.get("Subscription") or []]

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        fifo = as_bool(properties.get("FifoTopic"), False)
        name = properties.get("TopicName") or generated_name(resource_name, 256, ".fifo" if fifo else "")
        backend = sns_backends[account_id][region_name]
        attributes = cls._attributes(properties)
        if Topic(name, backend).arn in backend.topics:
            raise AlreadyExists(cls.cloudformation_type(), name)
        topic = backend.create_topic(name, attributes, tag_dict(properties.get("Tags")))
        for protocol, endpoint in cls._endpoints(properties):
            subscribe(topic.arn, protocol, endpoint)
        return cls(topic.arn, name, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json["Properties"]
        if needs_replacement(cls, original_resource, properties):
            return replace_resource(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        backend = sns_backends[account_id][region_name]
        topic = backend.get_topic(original_resource.arn)
        for name, value in cls._attributes(properties).items():
            backend.set_topic_attribute(topic.arn, _snake(name), value)
        sync_tags(
            topic._tags,
            tag_dict(properties.get("Tags")),
            untag=lambda keys: backend.untag_resource(topic.arn, keys),
            tag=lambda tags: backend.tag_resource(topic.arn, tags),
        )
        before, after = cls._endpoints(original_resource.properties), cls._endpoints(properties)
        for protocol, endpoint in before:
            if (protocol, endpoint) not in after:
                found = backend._find_subscription(topic.arn, endpoint, protocol)
                if found:
                    backend.unsubscribe(found.arn)
        for protocol, endpoint in after:
            if (protocol, endpoint) not in before:
                subscribe(topic.arn, protocol, endpoint)
        return cls(original_resource.arn, original_resource.name, properties)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend_of(self.arn).delete_topic(self.arn)


def _snake(name: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return camelcase_to_underscores(name)


class CfnTopicPolicy(GetAttFromFields, CloudFormationModel):
    """AWS::SNS::TopicPolicy: the PolicyDocument becomes the ``Policy`` attribute of every topic in
    Topics (ARNs); a topic the resource stops naming, or every topic when it is deleted, gets SNS's
    default policy back. Ref and GetAtt Id: the id CloudFormation generates. Both properties update in
    place."""

    GET_ATT: ClassVar[dict[str, str]] = {"Id": "id"}

    _REQUIRED = ("PolicyDocument", "Topics")

    def __init__(self, policy_id: str, topic_arns: list[str]) -> None:
        self.id = policy_id
        self.topic_arns = topic_arns

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @property
    def physical_resource_id(self) -> str:
        return self.id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        policy = json.dumps(properties["PolicyDocument"])
        for arn in properties["Topics"]:
            _backend_of(arn).set_topic_attribute(arn, "policy", policy)
        return cls(resource_name, list(properties["Topics"]))

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = required_properties(cls, cloudformation_json)
        dropped = [arn for arn in original_resource.topic_arns if arn not in properties["Topics"]]
        cls(original_resource.id, dropped).delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            original_resource.id, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        for arn in self.topic_arns:
            backend = _backend_of(arn)
            with contextlib.suppress(TopicNotFound):  # a deleted topic took its policy with it
                topic = backend.get_topic(arn)
                backend.set_topic_attribute(arn, "policy", Topic(topic.name, backend).policy)


class CfnSubscription(GetAttFromFields, CloudFormationModel):
    """AWS::SNS::Subscription. Ref and GetAtt Arn: the subscription's ARN. An email (or email-json)
    subscription stays pending confirmation (see :func:`subscribe`). TopicArn, Protocol, Endpoint and
    Region replace the subscription; its attributes update in place, one the template drops being
    removed."""

    GET_ATT: ClassVar[dict[str, str]] = {"Arn": "arn"}

    _REQUIRED = ("TopicArn", "Protocol")
    _REPLACING = ("TopicArn", "Protocol", "Endpoint", "Region")
    _ATTRIBUTES = (
        "FilterPolicyScope",  # before FilterPolicy, which moto validates against the scope
        "FilterPolicy",
        "RawMessageDelivery",
        "RedrivePolicy",
        "DeliveryPolicy",
        "SubscriptionRoleArn",
    )
    _UNSUPPORTED = ("ReplayPolicy",)

    def __init__(self, arn: str, properties: dict[str, Any]) -> None:
        self.arn = arn
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def _set_attributes(cls, subscription: Subscription, properties: dict[str, Any]) -> None:
        backend = _backend_of(subscription.topic.arn)
        for name in cls._ATTRIBUTES:
            if name in properties:
                backend.set_subscription_attributes(subscription.arn, name, api_value(properties[name]))
            elif name in subscription.attributes:
                if name == "FilterPolicy":
                    backend.set_subscription_attributes(subscription.arn, name, "")  # drops the matcher
                subscription.attributes.pop(name)
        if "RawMessageDelivery" not in properties:
            subscription.attributes["RawMessageDelivery"] = False

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        reject_unsupported(cls.cloudformation_type(), properties, cls._UNSUPPORTED)
        subscription = subscribe(properties["TopicArn"], properties["Protocol"], properties.get("Endpoint"))
        cls._set_attributes(subscription, properties)
        return cls(subscription.arn, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = required_properties(cls, cloudformation_json)
        if needs_replacement(cls, original_resource, properties):
            return replace_resource(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        reject_unsupported(cls.cloudformation_type(), properties, cls._UNSUPPORTED)
        backend = _backend_of(original_resource.arn)
        cls._set_attributes(backend.subscriptions[original_resource.arn], properties)
        return cls(original_resource.arn, properties)

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(SNSNotFoundError):  # deleting the topic took its subscriptions along
            _backend_of(self.arn).unsubscribe(self.arn)
