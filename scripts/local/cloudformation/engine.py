"""Create, update and delete stacks the way CloudFormation does.

moto creates resources lazily, in whatever order references are met, reports only stack-level
events, leaves a failed stack ``CREATE_IN_PROGRESS`` with half its resources, and applies updates
partly. Here every resource goes through ``*_IN_PROGRESS`` → ``*_COMPLETE``/``*_FAILED`` events in
dependency order, a failure rolls the stack back, and an update compares each resource's resolved
properties so only what changed is touched (and restored if the update fails).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation.models import Event, Stack
from moto.cloudformation.parsing import (
    ResourceMap,
    clean_json,
    parse_and_update_resource,
    resource_class_from_type,
)
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError, ServiceException

from scripts.local.cloudformation.dependencies import creation_order

OUTPUT_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"})
"""Stack states in which DescribeStacks shows outputs."""


class UnsupportedResourceTypeError(Exception):
    def __init__(self, resource_type: str) -> None:
        super().__init__(
            f"Resource type {resource_type} is not supported by the local emulator; deploy this template "
            "to AWS, or add a handler under scripts/local/"
        )


def failure_reason(error: Exception) -> str:
    """The ResourceStatusReason CloudFormation would show for a handler error."""
    if isinstance(error, ServiceException):
        return f'Resource handler returned message: "{error.message}" (HandlerErrorCode: {error.code})'
    if isinstance(error, JsonRESTError) or hasattr(error, "error_type"):
        return f'Resource handler returned message: "{error.message}" (HandlerErrorCode: {error.error_type})'
    return f"{type(error).__name__}: {error}"


def record(stack: Stack, logical_id: str, resource_type: str, status: str, **details: Any) -> None:
    """Append one resource event (``physical_id``, ``reason`` optional) to the stack's events."""
    event = Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=logical_id,
        physical_resource_id=details.get("physical_id") or "",
        resource_type=resource_type,
        resource_status=status,
        resource_status_reason=details.get("reason"),
        resource_properties=None,
    )
    event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
    stack.events.append(event)


def set_stack_status(stack: Stack, status: str, reason: str | None = None) -> None:
    stack.status = status
    stack._add_stack_event(status, resource_status_reason=reason)


def created_resources(resource_map: ResourceMap) -> dict[str, CloudFormationModel]:
    """The resources that exist, by logical id (parameters and pseudo parameters share moto's dict)."""
    return {
        logical_id: resource
        for logical_id, resource in resource_map._parsed_resources.items()
        if isinstance(resource, CloudFormationModel)
    }


def wanted_resources(resource_map: ResourceMap) -> list[str]:
    """Logical ids to create, in dependency order, leaving out those whose Condition is false."""
    resources = resource_map._resource_json_map
    included = [
        logical_id
        for logical_id, definition in resources.items()
        if "Condition" not in definition or resource_map.lazy_condition_map[definition["Condition"]]
    ]
    return creation_order(resources, included)


def physical_id(resource: Any) -> str:
    return str(getattr(resource, "physical_resource_id", "") or "")


def resolved_properties(resource_map: ResourceMap, logical_id: str) -> Any:
    definition = resource_map._resource_json_map[logical_id]
    return json.loads(json.dumps(clean_json(copy.deepcopy(definition.get("Properties", {})), resource_map)))


class _Provisioning:
    """Allows the resource map to create resources while the operation runs (see patches)."""

    def __init__(self, resource_map: ResourceMap) -> None:
        self.resource_map = resource_map

    def __enter__(self) -> ResourceMap:
        self.resource_map.provisioning = True
        return self.resource_map

    def __exit__(self, *exc: object) -> None:
        self.resource_map.provisioning = False


def create_one(resource_map: ResourceMap, stack: Stack, logical_id: str) -> CloudFormationModel:
    """Create one resource with its events; raise after recording CREATE_FAILED."""
    resource_type = resource_map._resource_json_map[logical_id]["Type"]
    record(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
    try:
        if resource_class_from_type(resource_type) is None:
            raise UnsupportedResourceTypeError(resource_type)
        with _Provisioning(resource_map):
            resource = resource_map[logical_id]
        resource_map.resolved_properties[logical_id] = resolved_properties(resource_map, logical_id)
    except Exception as error:
        resource_map._parsed_resources.pop(logical_id, None)
        record(stack, logical_id, resource_type, "CREATE_FAILED", reason=failure_reason(error))
        raise
    record(stack, logical_id, resource_type, "CREATE_COMPLETE", physical_id=physical_id(resource))
    return resource


def delete_one(resource_map: ResourceMap, stack: Stack, logical_id: str) -> None:
    """Delete one resource with its events; raise after recording DELETE_FAILED."""
    resource = resource_map._parsed_resources[logical_id]
    definition = resource_map._resource_json_map[logical_id]
    resource_type = definition["Type"]
    if definition.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
        resource_map._parsed_resources.pop(logical_id)
        record(stack, logical_id, resource_type, "DELETE_SKIPPED", physical_id=physical_id(resource))
        return
    record(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id=physical_id(resource))
    try:
        resource_map._delete_resource(resource, definition)
    except Exception as error:
        record(stack, logical_id, resource_type, "DELETE_FAILED", reason=failure_reason(error))
        raise
    resource_map._parsed_resources.pop(logical_id)
    record(stack, logical_id, resource_type, "DELETE_COMPLETE", physical_id=physical_id(resource))


def delete_in_reverse(resource_map: ResourceMap, stack: Stack, logical_ids: list[str]) -> bool:
    """Delete resources, dependents first; True when all are gone."""
    succeeded = True
    for logical_id in reversed(logical_ids):
        if logical_id in resource_map._parsed_resources:
            try:
                delete_one(resource_map, stack, logical_id)
            except Exception:
                succeeded = False
    return succeeded


def prepare(resource_map: ResourceMap, stack: Stack) -> None:
    resource_map.resolved_properties = {}
    resource_map.provisioning = False
    resource_map.tags.update(
        {"aws:cloudformation:stack-name": stack.name, "aws:cloudformation:stack-id": stack.stack_id}
    )


def create(stack: Stack) -> None:
    """Replaces ``Stack.create_resources``: create everything, or roll back to nothing."""
    resource_map = stack.resource_map
    prepare(resource_map, stack)
    stack.status = "CREATE_IN_PROGRESS"
    done: list[str] = []
    current = None
    try:
        for current in wanted_resources(resource_map):
            create_one(resource_map, stack, current)
            done.append(current)
    except Exception as error:
        reason = (
            f"The following resource(s) failed to create: [{current}]. Rollback requested by user."
            if current
            else failure_reason(error)
        )
        set_stack_status(stack, "ROLLBACK_IN_PROGRESS", reason)
        cleaned = delete_in_reverse(resource_map, stack, done)
        set_stack_status(stack, "ROLLBACK_COMPLETE" if cleaned else "ROLLBACK_FAILED")
        return
    set_stack_status(stack, "CREATE_COMPLETE")


def create_from_change_set(stack: Stack, change_set: Any) -> None:
    """A CREATE change set: the stack (REVIEW_IN_PROGRESS, empty) takes the change set's template."""
    stack.template = change_set.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = change_set.parameters
    stack.resource_map = stack._create_resource_map()
    stack.output_map = stack._create_output_map()
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    create(stack)


@dataclass
class _UpdatePlan:
    """What an update did, so a failure can undo it in reverse."""

    new_map: ResourceMap
    created: list[str] = field(default_factory=list)
    updated: list[tuple[str, Any]] = field(default_factory=list)
    replaced: dict[str, CloudFormationModel] = field(default_factory=dict)


def update(stack: Stack, template: str, parameters: dict[str, Any], role_arn: str | None = None) -> None:
    """Replaces ``Stack.update``: add, modify (only what resolves differently), then remove."""
    old_map = stack.resource_map
    set_stack_status(stack, "UPDATE_IN_PROGRESS", "User Initiated")
    new_dict = Stack.parse_template(template)
    new_map = ResourceMap(
        stack.stack_id,
        stack.name,
        parameters,
        stack.tags,
        region_name=stack.region_name,
        account_id=stack.account_id,
        template=new_dict,
        cross_stack_resources=stack.cross_stack_resources,
    )
    plan = _UpdatePlan(new_map)
    kept: set[str] = set()
    try:
        new_map.load()
        prepare(new_map, stack)
        for logical_id, resource in created_resources(old_map).items():
            new_definition = new_dict["Resources"].get(logical_id)
            if new_definition and new_definition["Type"] == old_map._resource_json_map[logical_id]["Type"]:
                new_map._parsed_resources[logical_id] = resource
                kept.add(logical_id)
        for logical_id in wanted_resources(new_map):
            if logical_id in kept:
                _update_if_changed(stack, old_map, plan, logical_id)
            else:
                create_one(new_map, stack, logical_id)
                plan.created.append(logical_id)
    except Exception as error:
        _roll_back_update(stack, old_map, plan, failure_reason(error))
        return

    set_stack_status(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    removed = [
        logical_id
        for logical_id in creation_order(old_map._resource_json_map)
        if logical_id in old_map._parsed_resources and logical_id not in kept
    ]
    delete_in_reverse(old_map, stack, removed)  # what cannot be cleaned up stays; the update still completes
    stack.template = template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = parameters
    stack.resource_map = new_map
    stack.output_map = stack._create_output_map()
    if role_arn:
        stack.role_arn = role_arn
    set_stack_status(stack, "UPDATE_COMPLETE")


def _update_if_changed(stack: Stack, old_map: ResourceMap, plan: _UpdatePlan, logical_id: str) -> None:
    new_map = plan.new_map
    definition = new_map._resource_json_map[logical_id]
    old_properties = old_map.resolved_properties.get(logical_id)
    new_properties = resolved_properties(new_map, logical_id)
    if new_properties == old_properties:
        new_map.resolved_properties[logical_id] = old_properties
        return
    resource_type = definition["Type"]
    original = new_map._parsed_resources[logical_id]
    record(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical_id=physical_id(original))
    try:
        with _Provisioning(new_map):
            changed = parse_and_update_resource(
                logical_id, copy.deepcopy(definition), new_map, stack.account_id, stack.region_name
            )
            if changed is None:  # moto has no in-place update for this type: replace it
                new_map._parsed_resources.pop(logical_id)
                old_map._delete_resource(original, old_map._resource_json_map[logical_id])
                plan.replaced[logical_id] = original
                changed = new_map[logical_id]
    except Exception as error:
        record(stack, logical_id, resource_type, "UPDATE_FAILED", reason=failure_reason(error))
        raise
    new_map._parsed_resources[logical_id] = changed
    new_map.resolved_properties[logical_id] = new_properties
    if logical_id not in plan.replaced:
        plan.updated.append((logical_id, original))
    record(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical_id=physical_id(changed))


def _roll_back_update(stack: Stack, old_map: ResourceMap, plan: _UpdatePlan, reason: str) -> None:
    """Delete what the update added, restore what it changed; the old template stays in force."""
    set_stack_status(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
    new_map = plan.new_map
    clean = delete_in_reverse(new_map, stack, plan.created)
    for logical_id, original in reversed(plan.updated):
        resource_type = old_map._resource_json_map[logical_id]["Type"]
        record(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical_id=physical_id(original))
        try:
            with _Provisioning(old_map):
                restored = parse_and_update_resource(
                    logical_id,
                    copy.deepcopy(old_map._resource_json_map[logical_id]),
                    old_map,
                    stack.account_id,
                    stack.region_name,
                )
            old_map._parsed_resources[logical_id] = restored
            record(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical_id=physical_id(restored))
        except Exception as error:
            record(stack, logical_id, resource_type, "UPDATE_FAILED", reason=failure_reason(error))
            clean = False
    for logical_id in plan.replaced:
        resource_type = old_map._resource_json_map[logical_id]["Type"]
        if logical_id in new_map._parsed_resources:
            delete_in_reverse(new_map, stack, [logical_id])
        old_map._parsed_resources.pop(logical_id, None)
        try:
            create_one(old_map, stack, logical_id)
        except Exception:
            clean = False
    set_stack_status(stack, "UPDATE_ROLLBACK_COMPLETE" if clean else "UPDATE_ROLLBACK_FAILED")


def delete(stack: Stack) -> None:
    """Replaces ``Stack.delete``: dependents first, DeletionPolicy honoured."""
    set_stack_status(stack, "DELETE_IN_PROGRESS", "User Initiated")
    resource_map = stack.resource_map
    if delete_in_reverse(resource_map, stack, creation_order(resource_map._resource_json_map)):
        set_stack_status(stack, "DELETE_COMPLETE")
    else:
        set_stack_status(stack, "DELETE_FAILED", "The following resource(s) failed to delete (see events).")


def execute_change_set(backend: Any, change_set_name: str, stack_name: str | None = None) -> None:
    """Replaces ``CloudFormationBackend.execute_change_set``."""
    change_set = backend.describe_change_set(change_set_name)
    stack = backend.stacks[change_set.stack_id]
    if change_set.change_set_type == "CREATE":
        create_from_change_set(stack, change_set)
    else:
        update(stack, change_set.template, change_set.parameters, change_set.role_arn)
    succeeded = stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    change_set.execution_status = "EXECUTE_COMPLETE" if succeeded else "EXECUTE_FAILED"
