"""What the handlers share: CloudFormation's own validation errors and property helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError


class InvalidRequest(JsonRESTError):
    """What CloudFormation's handler reports (HandlerErrorCode ``InvalidRequest``)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequest", message)


def required_properties(
    handler: type[CloudFormationModel], cloudformation_json: dict[str, Any]
) -> dict[str, Any]:
    """The resolved properties, once the handler's ``_REQUIRED`` ones are known to be there (the check
    CloudFormation makes against the type's schema before calling the handler)."""
    properties = cloudformation_json["Properties"]
    missing = [name for name in handler._REQUIRED if name not in properties]  # type: ignore[attr-defined]
    if missing:
        raise InvalidRequest(
            f"{handler.cloudformation_type()} properties validation failed: required key "
            f"[{', '.join(missing)}] not found."
        )
    return properties


class GetAttFromFields:
    """``Fn::GetAtt`` answered from the handler's own fields: ``GET_ATT`` maps each attribute the
    type returns to the field (or property) holding it; any other name is CloudFormation's error."""

    GET_ATT: ClassVar[dict[str, str]] = {}

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.GET_ATT

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.GET_ATT:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.GET_ATT[attribute_name])


class AlreadyExists(JsonRESTError):
    """CloudFormation's HandlerErrorCode ``AlreadyExists``: a named resource that exists already."""

    code = 400

    def __init__(self, resource_type: str, identifier: str) -> None:
        super().__init__(
            "AlreadyExists",
            f"Resource of type '{resource_type}' with identifier '{identifier}' already exists.",
        )


def generated_name(resource_name: str, limit: int, suffix: str = "") -> str:
    """The name CloudFormation gives a resource whose template names none: moto's
    ``<stack>-<logical id>-<random>`` cut to the service's ``limit`` (keeping the random part) and,
    for a FIFO queue or topic, ending in ``suffix`` (``.fifo``)."""
    head, _, random_part = resource_name.rpartition("-")
    room = limit - len(suffix) - len(random_part) - 1
    return f"{head[:room].rstrip('-')}-{random_part}{suffix}" if head else resource_name[:limit]


def api_value(value: Any) -> str:
    """A template value as the query APIs take attribute values: booleans as true/false, objects as
    JSON, everything else as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: str(tag["Value"]) for tag in tags or []}


def is_system_tag(key: str) -> bool:
    """Tags under ``aws:`` (CloudFormation's ``aws:cloudformation:*``) are set by AWS, never by a caller:
    APIs that refuse them from callers must still take them from CloudFormation."""
    return key.startswith("aws:")


def reject_unsupported(resource_type: str, properties: dict[str, Any], unsupported: Iterable[str]) -> None:
    present = [name for name in unsupported if properties.get(name) not in (None, [], {})]
    if present:
        raise InvalidRequest(
            f"{resource_type} properties {', '.join(present)} are not supported by the local emulator; "
            "remove them to deploy locally."
        )


def as_bool(value: Any, default: bool) -> bool:
    """A template boolean: true/false, or the strings a parameter gives."""
    return default if value is None else str(value).lower() == "true"


def camel_case(value: Any, keep: frozenset[str] = frozenset(), names: dict[str, str] | None = None) -> Any:
    """CloudFormation's PascalCase property names → the API's camelCase, recursively. The values of
    keys in ``keep`` (free-form maps such as an action's Configuration) are copied as they are;
    ``names`` gives the API name where it is not simply camelCase (CodeBuild's ``buildspec``)."""
    if isinstance(value, list):
        return [camel_case(item, keep, names) for item in value]
    if isinstance(value, dict):
        renamed = names or {}
        return {
            renamed.get(key, key[:1].lower() + key[1:]): (
                item if key in keep else camel_case(item, keep, names)
            )
            for key, item in value.items()
        }
    return value


def needs_replacement(handler: type[CloudFormationModel], original: Any, properties: dict[str, Any]) -> bool:
    """Whether an update changes one of the handler's ``_REPLACING`` properties (those AWS cannot
    change in place)."""
    replacing = handler._REPLACING  # type: ignore[attr-defined]
    return any(properties.get(name) != original.properties.get(name) for name in replacing)


def sync_tags(
    current: Iterable[str],
    wanted: dict[str, str],
    untag: Callable[[list[str]], Any],
    tag: Callable[[dict[str, str]], Any],
) -> None:
    """Make a resource's tags ``wanted``: untag the keys it drops, then (re)tag the rest."""
    dropped = [key for key in current if key not in wanted]
    if dropped:
        untag(dropped)
    if wanted:
        tag(wanted)


def replace_resource(cls, original, new_resource_name, cloudformation_json, account_id, region_name):
    """Replacement as CloudFormation does it during an update: create the new resource, then delete
    the old one."""
    replacement = cls.create_from_cloudformation_json(
        new_resource_name, cloudformation_json, account_id, region_name
    )
    original.delete(account_id, region_name)
    return replacement


# -- S3 --------------------------------------------------------------------------------------------
