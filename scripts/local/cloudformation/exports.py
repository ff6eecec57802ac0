"""Stack exports and the stacks that import them, as CloudFormation keeps them.

An export exists once its stack has completed: its ``Value`` may be a ``Fn::GetAtt`` of a resource, which
exists only then (moto registers exports when the stack is created, before any resource). An export name is
unique in the region, and an export another stack imports cannot change or go: the update that would do it
rolls back, the delete that would do it fails.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.models import Stack
from moto.cloudformation.parsing import Export, ResourceMap, clean_json


class ExportInUseError(Exception):
    """An operation would change or remove an export another stack imports."""


def declared(stack_id: str, template: dict[str, Any], resource_map: ResourceMap) -> list[Export]:
    """The exports ``template`` declares, resolved against its resources (outputs whose Condition is
    false declare none)."""
    exports = []
    for output in (template.get("Outputs") or {}).values():
        condition = output.get("Condition")
        if not output.get("Export") or (condition and not resource_map.lazy_condition_map[condition]):
            continue
        name = clean_json(output["Export"].get("Name"), resource_map)
        exports.append(Export(stack_id, name, clean_json(output.get("Value"), resource_map)))
    return exports


def imported_names(template: dict[str, Any], resource_map: ResourceMap) -> set[str]:
    """The export names the template's resources and outputs import."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Fn::ImportValue":
                    names.add(str(clean_json(value, resource_map)))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(template.get("Resources", {}))
    walk(template.get("Outputs", {}))
    return names


def importers(backend: Any, name: str, besides: Stack) -> list[str]:
    """Names of the live stacks, other than ``besides``, that import ``name``."""
    return [
        stack.name
        for stack in backend.stacks.values()
        if stack is not besides and name in getattr(stack, "imports", ())
    ]


def publish(backend: Any, stack: Stack, template: dict[str, Any], resource_map: ResourceMap) -> None:
    """Make the stack's exports those ``template`` declares, now that its resources exist; refuse,
    changing nothing, a name another stack exports and a change to an export another stack imports."""
    new = {export.name: export for export in declared(stack.stack_id, template, resource_map)}
    for name in new:
        owner = backend.exports.get(name)
        if owner is not None and owner.exporting_stack_id != stack.stack_id:
            raise ExportInUseError(
                f"Export with name {name} is already exported by stack {_name(backend, owner)}"
            )
    current = {name: e for name, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id}
    for name, export in current.items():
        users = importers(backend, name, stack)
        if users and name not in new:
            raise ExportInUseError(f"Export {name} cannot be deleted as it is in use by {', '.join(users)}")
        if users and new[name].value != export.value:
            raise ExportInUseError(f"Cannot update export {name} as it is in use by {', '.join(users)}")
    for name in current:
        backend.exports.pop(name)
    backend.exports.update(new)
    stack.imports = imported_names(template, resource_map)


def check_removable(backend: Any, stack: Stack) -> None:
    """Refuse to delete a stack whose exports another stack imports."""
    for name, export in backend.exports.items():
        users = importers(backend, name, stack)
        if export.exporting_stack_id == stack.stack_id and users:
            raise ExportInUseError(f"Export {name} cannot be deleted as it is in use by {', '.join(users)}")


def withdraw(backend: Any, stack: Stack) -> None:
    """The deleted stack's exports go, and it imports nothing any more."""
    for name in [name for name, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        backend.exports.pop(name)
    stack.imports = set()


def _name(backend: Any, export: Export) -> str:
    owner = backend.stacks.get(export.exporting_stack_id)
    return owner.name if owner else export.exporting_stack_id
