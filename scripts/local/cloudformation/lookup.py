"""The account's EC2 resources, for the rule functions that read them (``Fn::RefAll``, ``Fn::ValueOf``,
``Fn::ValueOfAll``; see :mod:`scripts.local.cloudformation.rules`).

Reads moto's EC2 backend of the account and region (``moto.ec2.models.ec2_backends``): its
``describe_vpcs``, ``describe_subnets``, ``describe_security_groups`` and ``describe_network_acls``, a
subnet's ``availability_zone``/``vpc_id``, and the tag backend's ``tags`` dict (resource id -> tags).
The three parameter types whose attributes rules can read are looked up; any other type is refused
loudly rather than answered with an empty list.
"""

from __future__ import annotations

from typing import Any

from scripts.local.cloudformation.rules import UnsupportedLookupError

VPC = "AWS::EC2::VPC::Id"
SUBNET = "AWS::EC2::Subnet::Id"
SECURITY_GROUP = "AWS::EC2::SecurityGroup::Id"


class Ec2Lookup:
    def __init__(self, account_id: str, region_name: str) -> None:
        self.account_id = account_id
        self.region_name = region_name

    @property
    def _ec2(self) -> Any:
        from moto.ec2.models import ec2_backends

        return ec2_backends[self.account_id][self.region_name]

    def _resources(self, parameter_type: str) -> list[Any]:
        if parameter_type == VPC:
            return self._ec2.describe_vpcs()
        if parameter_type == SUBNET:
            return self._ec2.describe_subnets()
        if parameter_type == SECURITY_GROUP:
            return self._ec2.describe_security_groups()
        raise UnsupportedLookupError(
            f"The local emulator cannot list the account's {parameter_type} values for a rule; "
            f"it looks up only {VPC}, {SUBNET} and {SECURITY_GROUP}"
        )

    def ids(self, parameter_type: str) -> list[str]:
        return [resource.id for resource in self._resources(parameter_type)]

    def attribute(self, parameter_type: str, resource_id: str, attribute: str) -> str | None:
        resource = next((r for r in self._resources(parameter_type) if r.id == resource_id), None)
        if resource is None:
            return None
        if attribute.startswith("Tags."):
            return self._ec2.tags.get(resource_id, {}).get(attribute[len("Tags.") :])
        if (parameter_type, attribute) == (SUBNET, "AvailabilityZone"):
            return resource.availability_zone
        if (parameter_type, attribute) == (SUBNET, "VpcId"):
            return resource.vpc_id
        if (parameter_type, attribute) == (VPC, "DefaultSecurityGroup"):
            groups = self._ec2.describe_security_groups(filters={"vpc-id": [resource_id]})
            return next((g.id for g in groups if g.name == "default"), None)
        if (parameter_type, attribute) == (VPC, "DefaultNetworkAcl"):
            acls = self._ec2.describe_network_acls(filters={"vpc-id": [resource_id], "default": ["true"]})
            return acls[0].id if acls else None
        raise UnsupportedLookupError(f"{parameter_type} has no attribute {attribute}")
