"""The tags CloudFormation gives every resource it creates.

A stack's tags go to each resource whose type is taggable, and types that take them also get the system tags
``aws:cloudformation:stack-name``, ``stack-id`` and ``logical-id``; a tag the resource declares itself wins
over a stack tag of the same key. Which types are taggable, through which property and in which shape (a
list of Key/Value pairs or a map), and which take system tags, is in each type's resource provider schema
(its ``tagging`` section), read from the schemas cfn-lint ships (offline).

The tags are merged into the properties the handler receives, and, as moto itself does, put on an EC2
resource through the EC2 tag API, since several of moto's EC2 handlers ignore ``Tags``.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from scripts.local.cloudformation.schemas import resource_schema

SYSTEM_TAG_PREFIX = "aws:cloudformation:"
_provisioning = contextvars.ContextVar("provisioning", default=False)


@dataclass(frozen=True)
class Tagging:
    property: str
    as_map: bool
    system_tags: bool


@cache
def tagging(resource_type: str, region: str) -> Tagging | None:
    """How ``resource_type`` takes tags, or None when it takes none (or has no published schema)."""
    schema = resource_schema(resource_type, region)
    if schema is None:
        return None
    settings = schema.get("tagging") or {}
    path = settings.get("tagProperty", "/properties/Tags")
    name = path.removeprefix("/properties/")
    declared = schema.get("properties", {}).get(name)
    if not settings.get("taggable") or "/" in name or not declared:
        return None
    return Tagging(
        property=name,
        as_map=declared.get("type") == "object",
        system_tags=settings.get("cloudFormationSystemTags", False),
    )


def tags_for(resource_map: Any, logical_id: str, resource_type: str) -> dict[str, str]:
    """The operation's stack tags (``resource_map.tags``) and, where the type takes them, the system
    tags, for one resource of the stack."""
    found = tagging(resource_type, resource_map._region_name)
    if found is None:
        return {}
    tags = {str(key): str(value) for key, value in (resource_map.tags or {}).items()}
    if found.system_tags:
        tags |= {
            f"{SYSTEM_TAG_PREFIX}stack-name": resource_map["AWS::StackName"],
            f"{SYSTEM_TAG_PREFIX}stack-id": resource_map.stack_id,
            f"{SYSTEM_TAG_PREFIX}logical-id": logical_id,
        }
    return tags


def with_tags(
    definition: dict[str, Any], tags: dict[str, str], region: str, resolve: Callable[[Any], Any]
) -> dict[str, Any]:
    """A copy of the resource's definition whose tag property also holds ``tags``; its own win, their
    keys compared once ``resolve`` has resolved any intrinsic function in them."""
    found = tagging(definition["Type"], region)
    if found is None or not tags:
        return definition
    tagged = copy.deepcopy(definition)
    properties = tagged.setdefault("Properties", {})
    own = properties.get(found.property)
    if isinstance(own, dict) or (own is None and found.as_map):
        properties[found.property] = {**tags, **(own or {})}
    else:
        declared = {resolve(entry.get("Key")) for entry in own or [] if isinstance(entry, dict)}
        extra = [{"Key": key, "Value": value} for key, value in tags.items() if key not in declared]
        properties[found.property] = [*(own or []), *extra]
    return tagged


def tag_ec2_resource(resource: Any, tags: dict[str, str], account_id: str, region: str) -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.core import TaggedEC2Resource

    if tags and isinstance(resource, TaggedEC2Resource):
        ec2_backends[account_id][region].create_tags([resource.physical_resource_id], tags)


@contextlib.contextmanager
def provisioning() -> Iterator[None]:
    """While a handler runs for CloudFormation: services then accept the ``aws:cloudformation:`` tags,
    whose prefix they refuse from anyone else."""
    token = _provisioning.set(True)
    try:
        yield
    finally:
        _provisioning.reset(token)


SERVICE_CATALOG_TAG_PREFIX = "aws:servicecatalog:"
"""The tags Service Catalog puts on a provisioned product's stack, which CloudFormation passes on."""


def is_cloudformation_system_tag(key: str) -> bool:
    """A system tag CloudFormation is putting on a resource it provisions (see :func:`provisioning`): its
    own, or one Service Catalog put on the stack."""
    return _provisioning.get() and key.startswith((SYSTEM_TAG_PREFIX, SERVICE_CATALOG_TAG_PREFIX))
