"""What a resource type's provider schema declares, read from the schemas cfn-lint ships (offline)."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any


@cache
def resource_schema(resource_type: str, region: str) -> dict[str, Any] | None:
    """The type's provider schema, or None when the region has no published schema for it."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    except ResourceNotFoundError:
        return None


def with_declared_scalars(definition: dict[str, Any], region: str) -> dict[str, Any]:
    """A copy of the definition whose literal numbers and booleans are strings wherever the schema
    declares a string, as CloudFormation hands them to a handler (``QueueName: 12345678`` names the
    queue "12345678")."""
    schema = resource_schema(definition["Type"], region)
    properties = definition.get("Properties")
    if schema is None or not isinstance(properties, dict):
        return definition
    converted = copy.deepcopy(definition)
    converted["Properties"] = _converted(properties, {"type": "object", **schema}, schema)
    return converted


def _converted(value: Any, node: dict[str, Any], schema: dict[str, Any]) -> Any:
    node = _dereferenced(node, schema)
    if node.get("type") == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if node.get("type") == "string" and isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and "items" in node:
        return [_converted(item, node["items"], schema) for item in value]
    if isinstance(value, dict) and "properties" in node:
        declared = node["properties"]
        return {
            key: _converted(item, declared[key], schema) if key in declared else item
            for key, item in value.items()
        }
    return value


def _dereferenced(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    reference = node.get("$ref", "")
    if reference.startswith("#/definitions/"):
        return schema.get("definitions", {}).get(reference.removeprefix("#/definitions/"), {})
    return node
