"""AWS::IAM::ManagedPolicy, in place of moto's handler, which can neither update nor delete a policy
(a stack update left the old policy attached beside the new one; a stack deletion left them all).

Creation is moto's (``ManagedPolicy.create_from_cloudformation_json``); an update writes a new default
version and re-syncs the attachments, as IAM does in place; a new name, path or description replaces
the policy. Deletion detaches it from every role, group and user (``IAMBackend.detach_*_policy``),
then deletes it (``IAMBackend.delete_policy``)."""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.iam.models import IAMBackend, ManagedPolicy, iam_backends
from moto.utilities.utils import get_partition

from scripts.local.resources.common import replace_resource

_REPLACED_BY = ("ManagedPolicyName", "Path", "Description")
_MAX_VERSIONS = 5


def _iam(account_id: str, region_name: str) -> IAMBackend:
    return iam_backends[account_id][get_partition(region_name)]


class CfnManagedPolicy(CloudFormationModel):
    """Ref: the policy ARN; GetAtt: PolicyArn, PolicyId, DefaultVersionId, AttachmentCount."""

    _ATTRIBUTES = ("PolicyArn", "PolicyId", "DefaultVersionId", "AttachmentCount")

    def __init__(self, arn: str, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        self.arn = arn
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::IAM::ManagedPolicy"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""  # CloudFormation generates the name when ManagedPolicyName is absent

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @property
    def policy(self) -> ManagedPolicy:
        return _iam(self.account_id, self.region_name).get_policy(self.arn)

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls._ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        policy = self.policy
        values = {
            "PolicyArn": policy.arn,
            "PolicyId": policy.id,
            "DefaultVersionId": policy.default_version_id,
            "AttachmentCount": policy.attachment_count,
        }
        if attribute_name not in values:
            raise NotImplementedError(attribute_name)
        return values[attribute_name]

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        policy = ManagedPolicy.create_from_cloudformation_json(
            resource_name, cloudformation_json, account_id, region_name
        )
        return cls(policy.arn, cloudformation_json["Properties"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json["Properties"]
        if any(properties.get(name) != original_resource.properties.get(name) for name in _REPLACED_BY):
            return replace_resource(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        iam = _iam(account_id, region_name)
        arn = original_resource.arn
        if properties["PolicyDocument"] != original_resource.properties["PolicyDocument"]:
            policy = iam.get_policy(arn)
            stale = [v.version_id for v in policy.versions if v.version_id != policy.default_version_id]
            while len(policy.versions) >= _MAX_VERSIONS and stale:
                iam.delete_policy_version(arn, stale.pop(0))
            iam.create_policy_version(arn, json.dumps(properties["PolicyDocument"]), set_as_default=True)
        for kind in ("Roles", "Groups", "Users"):
            before, after = set(original_resource.properties.get(kind, [])), set(properties.get(kind, []))
            for name in sorted(after - before):
                _attach(iam, kind, arn, name)
            for name in sorted(before - after):
                _detach(iam, kind, arn, name)
        original_resource.properties = properties
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        iam = _iam(account_id, region_name)
        for kind, entities in (("Roles", iam.roles), ("Groups", iam.groups), ("Users", iam.users)):
            for entity in list(entities.values()):
                if self.arn in entity.managed_policies:
                    _detach(iam, kind, self.arn, entity.name)
        iam.delete_policy(self.arn)


def _attach(iam: IAMBackend, kind: str, arn: str, name: str) -> None:
    {"Roles": iam.attach_role_policy, "Groups": iam.attach_group_policy, "Users": iam.attach_user_policy}[
        kind
    ](arn, name)


def _detach(iam: IAMBackend, kind: str, arn: str, name: str) -> None:
    {"Roles": iam.detach_role_policy, "Groups": iam.detach_group_policy, "Users": iam.detach_user_policy}[
        kind
    ](arn, name)
