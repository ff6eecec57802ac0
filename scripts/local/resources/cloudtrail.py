"""AWS::CloudTrail::Trail, through moto's CloudTrail backend."""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.cloudtrail.exceptions import InvalidParameterCombinationException
from moto.cloudtrail.models import cloudtrail_backends
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError

from scripts.local.resources.common import InvalidRequest, as_bool, replace_resource, required_properties


class TrailAlreadyExistsException(JsonRESTError):
    code = 400

    def __init__(self, name: str) -> None:
        super().__init__("TrailAlreadyExistsException", f"Trail {name} already exists for customer.")


class CfnTrail(CloudFormationModel):
    """AWS::CloudTrail::Trail. Ref: the trail name; GetAtt Arn, SnsTopicArn. Everything but TrailName
    updates in place; a new name replaces the trail.

    moto's ``Trail.update`` cannot clear a setting, so an update re-creates the trail under the same
    name (and so the same ARN) with the new settings: ``create_trail`` replaces the entry in
    ``trails``. ``delete_trail`` leaves the trail's tags behind, so they are removed explicitly."""

    _REQUIRED = ("IsLogging", "S3BucketName")

    def __init__(self, name: str, arn: str, topic_arn: str | None) -> None:
        self.name = name
        self.arn = arn
        self.topic_arn = topic_arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudTrail::Trail"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "TrailName"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "SnsTopicArn")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Arn":
            return self.arn
        if attribute_name == "SnsTopicArn" and self.topic_arn:
            return self.topic_arn
        if attribute_name == "SnsTopicArn":
            raise InvalidRequest(
                f"Trail {self.name} has no SNS topic: set SnsTopicName to use its SnsTopicArn."
            )
        raise UnformattedGetAttTemplateException()

    @classmethod
    def _apply(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str) -> CfnTrail:
        backend = cloudtrail_backends[account_id][region_name]
        is_global = as_bool(properties.get("IncludeGlobalServiceEvents"), True)
        is_multi_region = as_bool(properties.get("IsMultiRegionTrail"), False)
        if is_multi_region and not is_global:
            raise InvalidParameterCombinationException(
                "Multi-Region trail must include global service events."
            )
        if properties.get("EventSelectors") and properties.get("AdvancedEventSelectors"):
            raise InvalidParameterCombinationException(
                "A trail has either EventSelectors or AdvancedEventSelectors."
            )
        trail = backend.create_trail(
            name,
            properties["S3BucketName"],
            properties.get("S3KeyPrefix"),
            properties.get("SnsTopicName"),
            is_global,
            is_multi_region,
            as_bool(properties.get("EnableLogFileValidation"), False),
            as_bool(properties.get("IsOrganizationTrail"), False),
            properties.get("CloudWatchLogsLogGroupArn"),
            properties.get("CloudWatchLogsRoleArn"),
            properties.get("KMSKeyId"),
            properties.get("Tags") or [],
        )
        if properties.get("EventSelectors") or properties.get("AdvancedEventSelectors"):
            backend.put_event_selectors(
                name, properties.get("EventSelectors"), properties.get("AdvancedEventSelectors")
            )
        if properties.get("InsightSelectors"):
            backend.put_insight_selectors(name, properties["InsightSelectors"])
        if as_bool(properties["IsLogging"], False):
            backend.start_logging(name)
        return cls(name, trail.arn, trail.topic_arn)

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        if resource_name in cloudtrail_backends[account_id][region_name].trails:
            raise TrailAlreadyExistsException(resource_name)
        return cls._apply(
            resource_name, required_properties(cls, cloudformation_json), account_id, region_name
        )

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = required_properties(cls, cloudformation_json)
        if properties.get("TrailName", original_resource.name) != original_resource.name:
            return replace_resource(
                cls, original_resource, properties["TrailName"], cloudformation_json, account_id, region_name
            )
        original_resource.remove_tags(account_id, region_name)
        return cls._apply(original_resource.name, properties, account_id, region_name)

    def remove_tags(self, account_id: str, region_name: str) -> None:
        backend = cloudtrail_backends[account_id][region_name]
        backend.remove_tags(self.arn, backend.list_tags([self.arn])[0]["TagsList"])

    def delete(self, account_id: str, region_name: str) -> None:
        self.remove_tags(account_id, region_name)
        cloudtrail_backends[account_id][region_name].delete_trail(self.name)
