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

from moto.cloudformation.exceptions import ExportNotFound
from moto.cloudformation.models import Event, Stack, cloudformation_backends
from moto.cloudformation.parsing import (
    ResourceMap,
    clean_json,
    parse_and_create_resource,
    parse_and_update_resource,
    resource_class_from_type,
)
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError, ServiceException

from scripts.local.cloudformation import exports, tags, workers
from scripts.local.cloudformation.dependencies import creation_order
from scripts.local.cloudformation.schemas import with_declared_scalars

OUTPUT_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"})
"""Stack states in which DescribeStacks shows outputs."""


class UnsupportedResourceTypeError(Exception):
    def __init__(self, resource_type: str) -> None:
        super().__init__(
            f"Resource type {resource_type} is not supported by the local emulator; deploy this template "
            "to AWS, or add a handler under scripts/local/"
        )


class ResourceFailed(Exception):
    """A resource's failure whose message is its status reason as CloudFormation words it."""


def failure_reason(error: Exception) -> str:
    """The ResourceStatusReason CloudFormation would show for a handler error."""
    if isinstance(error, ResourceFailed):
        return str(error)
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
    """The stack's status, with the reason DescribeStacks shows for it (StackStatusReason)."""
    stack.status = status
    stack.status_reason = reason
    stack._add_stack_event(status, resource_status_reason=reason)


def created_resources(resource_map: ResourceMap) -> dict[str, CloudFormationModel]:
    """The resources that exist, by logical id, in template order (parameters and pseudo parameters share
    moto's dict)."""
    parsed = resource_map._parsed_resources
    return {
        logical_id: parsed[logical_id]
        for logical_id in resource_map._resource_json_map
        if isinstance(parsed.get(logical_id), CloudFormationModel)
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


def definition_of(resource_map: ResourceMap, logical_id: str) -> dict[str, Any]:
    """The resource's definition as its handler gets it: the template's, its scalars typed as the schema
    declares them, with the operation's tags."""
    region = resource_map._region_name
    definition = with_declared_scalars(resource_map._resource_json_map[logical_id], region)
    stack_tags = tags.tags_for(resource_map, logical_id, definition["Type"])
    return tags.with_tags(definition, stack_tags, region, lambda value: clean_json(value, resource_map))


def resolved_properties(resource_map: ResourceMap, definition: dict[str, Any]) -> Any:
    """The properties with every intrinsic function resolved, as JSON (what an update compares)."""
    resolved = clean_json(copy.deepcopy(definition.get("Properties", {})), resource_map)
    return json.loads(json.dumps(resolved, default=_as_json))


def _as_json(value: Any) -> Any:
    """A ``Ref`` moto resolves to a resource object (its type has no physical id): the object's identity,
    so an update sees a change when the object is replaced."""
    return f"<{type(value).__name__} {id(value)}>"


def instantiate(
    resource_map: ResourceMap, stack: Stack, logical_id: str, definition: dict[str, Any]
) -> CloudFormationModel:
    """Create the resource through its handler and put the operation's tags on it."""
    with tags.provisioning():
        resource = parse_and_create_resource(
            logical_id, definition, resource_map, stack.account_id, stack.region_name
        )
    resource_map._parsed_resources[logical_id] = resource
    ec2_tags = tags.tags_for(resource_map, logical_id, definition["Type"])
    tags.tag_ec2_resource(resource, ec2_tags, stack.account_id, stack.region_name)
    return resource


def create_one(resource_map: ResourceMap, stack: Stack, logical_id: str) -> CloudFormationModel:
    """Create one resource with its events; raise after recording CREATE_FAILED. A resource that exists
    when a later step fails stays in the map, so the rollback deletes it."""
    resource_type = resource_map._resource_json_map[logical_id]["Type"]
    record(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
    try:
        if resource_class_from_type(resource_type) is None:
            raise UnsupportedResourceTypeError(resource_type)
        definition = definition_of(resource_map, logical_id)
        properties = resolved_properties(resource_map, definition)
        resource = instantiate(resource_map, stack, logical_id, definition)
        resource_map.resolved_properties[logical_id] = properties
    except Exception as error:
        record(stack, logical_id, resource_type, "CREATE_FAILED", reason=failure_reason(error))
        raise
    record(stack, logical_id, resource_type, "CREATE_COMPLETE", physical_id=physical_id(resource))
    return resource


def delete_one(resource_map: ResourceMap, stack: Stack, logical_id: str, create_failed: bool = False) -> None:
    """Delete one resource with its events; raise after recording DELETE_FAILED. ``create_failed``: the
    rollback of a failed create, which deletes RetainExceptOnCreate resources too."""
    resource = resource_map._parsed_resources[logical_id]
    definition = resource_map._resource_json_map[logical_id]
    resource_type = definition["Type"]
    retained = ("Retain",) if create_failed else ("Retain", "RetainExceptOnCreate")
    if definition.get("DeletionPolicy") in retained:
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


def delete_in_reverse(
    resource_map: ResourceMap, stack: Stack, logical_ids: list[str], create_failed: bool = False
) -> bool:
    """Delete resources, dependents first; True when all are gone."""
    succeeded = True
    for logical_id in reversed(logical_ids):
        if logical_id in resource_map._parsed_resources:
            try:
                delete_one(resource_map, stack, logical_id, create_failed)
            except Exception:
                succeeded = False
    return succeeded


def prepare(resource_map: ResourceMap) -> None:
    resource_map.resolved_properties = {}


def backend_of(stack: Stack) -> Any:
    return cloudformation_backends[stack.account_id][stack.region_name]


def create(stack: Stack) -> None:
    """Replaces ``Stack.create_resources``: create everything and publish the exports, or roll back to
    nothing."""
    workers.run(f"create {stack.name}", _create, stack)


def _create(stack: Stack) -> None:
    resource_map = stack.resource_map
    prepare(resource_map)
    stack.status = "CREATE_IN_PROGRESS"
    done: list[str] = []
    current = None
    try:
        for current in wanted_resources(resource_map):
            done.append(current)
            create_one(resource_map, stack, current)
        current = None
        exports.publish(backend_of(stack), stack, stack.template_dict, resource_map)
    except Exception as error:
        set_stack_status(stack, "ROLLBACK_IN_PROGRESS", _create_failure(error, current))
        cleaned = delete_in_reverse(resource_map, stack, done, create_failed=True)
        set_stack_status(stack, "ROLLBACK_COMPLETE" if cleaned else "ROLLBACK_FAILED")
        return
    set_stack_status(stack, "CREATE_COMPLETE")


def _create_failure(error: Exception, logical_id: str | None) -> str:
    """The stack's status reason when its creation fails: an export it imports that does not exist, the
    resource that failed, or (exports) the error itself."""
    if isinstance(error, ExportNotFound):
        return f"{error.message} Rollback requested by user."
    if logical_id:
        return f"The following resource(s) failed to create: [{logical_id}]. Rollback requested by user."
    return str(error) if isinstance(error, exports.ExportInUseError) else failure_reason(error)


def create_from_change_set(stack: Stack, change_set: Any) -> None:
    """A CREATE change set: the stack (REVIEW_IN_PROGRESS, empty) takes the change set's template."""
    stack.template = change_set.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = change_set.parameters
    stack.resource_map = stack._create_resource_map()
    stack.output_map = stack._create_output_map()
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    _create(stack)


@dataclass
class _UpdatePlan:
    """What an update did, so a failure can undo it in reverse."""

    new_map: ResourceMap
    created: list[str] = field(default_factory=list)
    updated: list[tuple[str, Any]] = field(default_factory=list)
    replaced: dict[str, CloudFormationModel] = field(default_factory=dict)


def update(
    stack: Stack,
    template: str,
    parameters: dict[str, Any],
    role_arn: str | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Replaces ``Stack.update``: add, modify (only what resolves differently), publish the exports, then
    remove. ``tags``: the stack's new tags (None keeps them)."""
    workers.run(f"update {stack.name}", _update, stack, template, parameters, role_arn, tags)


def _update(
    stack: Stack,
    template: str,
    parameters: dict[str, Any],
    role_arn: str | None,
    tags: dict[str, str] | None,
) -> None:
    old_map = stack.resource_map
    set_stack_status(stack, "UPDATE_IN_PROGRESS", "User Initiated")
    new_dict = Stack.parse_template(template)
    new_tags = stack.tags if tags is None else tags
    new_map = ResourceMap(
        stack.stack_id,
        stack.name,
        parameters,
        new_tags,
        region_name=stack.region_name,
        account_id=stack.account_id,
        template=new_dict,
        cross_stack_resources=stack.cross_stack_resources,
    )
    plan = _UpdatePlan(new_map)
    kept: set[str] = set()
    try:
        new_map.load()
        prepare(new_map)
        wanted = wanted_resources(new_map)
        for logical_id, resource in created_resources(old_map).items():
            new_definition = new_dict["Resources"].get(logical_id)
            same_type = (
                new_definition and new_definition["Type"] == old_map._resource_json_map[logical_id]["Type"]
            )
            if same_type and logical_id in wanted:  # a resource whose Condition turned false is removed
                new_map._parsed_resources[logical_id] = resource
                kept.add(logical_id)
        for logical_id in wanted:
            if logical_id in kept:
                _update_if_changed(stack, old_map, plan, logical_id)
            else:
                plan.created.append(logical_id)
                create_one(new_map, stack, logical_id)
        exports.publish(backend_of(stack), stack, new_dict, new_map)
    except Exception as error:
        reason = str(error) if isinstance(error, exports.ExportInUseError) else failure_reason(error)
        _roll_back_update(stack, old_map, plan, reason)
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
    stack.tags = new_tags
    stack.resource_map = new_map
    stack.output_map = stack._create_output_map()
    if role_arn:
        stack.role_arn = role_arn
    set_stack_status(stack, "UPDATE_COMPLETE")


def _update_if_changed(stack: Stack, old_map: ResourceMap, plan: _UpdatePlan, logical_id: str) -> None:
    new_map = plan.new_map
    definition = definition_of(new_map, logical_id)
    old_properties = old_map.resolved_properties.get(logical_id)
    new_properties = resolved_properties(new_map, definition)
    if new_properties == old_properties:
        new_map.resolved_properties[logical_id] = old_properties
        return
    resource_type = definition["Type"]
    original = new_map._parsed_resources[logical_id]
    record(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical_id=physical_id(original))
    try:
        with tags.provisioning():
            changed = parse_and_update_resource(
                logical_id, copy.deepcopy(definition), new_map, stack.account_id, stack.region_name
            )
        if changed is None:  # moto has no in-place update for this type: replace it
            new_map._parsed_resources.pop(logical_id)
            old_map._delete_resource(original, old_map._resource_json_map[logical_id])
            plan.replaced[logical_id] = original
            changed = instantiate(new_map, stack, logical_id, definition)
        else:
            ec2_tags = tags.tags_for(new_map, logical_id, resource_type)
            tags.tag_ec2_resource(changed, ec2_tags, stack.account_id, stack.region_name)
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
            with tags.provisioning():
                restored = parse_and_update_resource(
                    logical_id,
                    definition_of(old_map, logical_id),
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
    """Replaces ``Stack.delete``: dependents first, DeletionPolicy honoured; not while another stack
    imports one of its exports."""
    workers.run(f"delete {stack.name}", _delete, stack)


def _delete(stack: Stack) -> None:
    set_stack_status(stack, "DELETE_IN_PROGRESS", "User Initiated")
    backend = backend_of(stack)
    try:
        exports.check_removable(backend, stack)
    except exports.ExportInUseError as error:
        set_stack_status(stack, "DELETE_FAILED", str(error))
        return
    resource_map = stack.resource_map
    if delete_in_reverse(resource_map, stack, creation_order(resource_map._resource_json_map)):
        exports.withdraw(backend, stack)
        set_stack_status(stack, "DELETE_COMPLETE")
    else:
        set_stack_status(stack, "DELETE_FAILED", "The following resource(s) failed to delete (see events).")


def delete_stack(backend: Any, name_or_stack_id: str) -> None:
    """Replaces ``CloudFormationBackend.delete_stack``: a stack whose delete failed stays listed (moto
    moves it to the deleted stacks whatever happened); deleting a stack that does not exist does nothing."""
    stack = backend.stacks.get(name_or_stack_id) or next(
        (s for s in backend.stacks.values() if s.name == name_or_stack_id), None
    )
    if stack is not None:
        workers.run(f"delete {stack.name}", _delete_and_forget, backend, stack)


def _delete_and_forget(backend: Any, stack: Stack) -> None:
    _delete(stack)
    if stack.status == "DELETE_COMPLETE":
        backend.stacks.pop(stack.stack_id)
        backend.deleted_stacks[stack.stack_id] = stack


def execute_change_set(backend: Any, change_set_name: str, stack_name: str | None = None) -> None:
    """Replaces ``CloudFormationBackend.execute_change_set``."""
    change_set = backend.describe_change_set(change_set_name)
    stack = backend.stacks[change_set.stack_id]
    workers.run(f"execute {change_set.change_set_name}", _execute_change_set, stack, change_set)


def _execute_change_set(stack: Stack, change_set: Any) -> None:
    if change_set.change_set_type == "CREATE":
        create_from_change_set(stack, change_set)
    else:
        _update(stack, change_set.template, change_set.parameters, change_set.role_arn, None)
    succeeded = stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    change_set.execution_status = "EXECUTE_COMPLETE" if succeeded else "EXECUTE_FAILED"
