"""The order CloudFormation creates resources in: every resource after the ones it names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from moto.cloudformation.exceptions import ValidationError

from scripts.local.cloudformation.references import named


def direct_dependencies(resources: dict[str, Any], logical_id: str) -> set[str]:
    definition = resources[logical_id]
    depends_on = definition.get("DependsOn", [])
    names = {depends_on} if isinstance(depends_on, str) else set(depends_on)
    names |= {name for _, name in named(definition.get("Properties", {}))}
    return {name for name in names if name in resources and name != logical_id}


def creation_order(resources: dict[str, Any], included: Iterable[str] | None = None) -> list[str]:
    """Resources in template order, each moved after its dependencies; a cycle is CloudFormation's
    validation error."""
    wanted = list(resources if included is None else included)
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(logical_id: str, path: list[str]) -> None:
        if state.get(logical_id) == "done":
            return
        if state.get(logical_id) == "visiting":
            cycle = path[path.index(logical_id) :]
            raise ValidationError(message=f"Circular dependency between resources: {sorted(cycle)}")
        state[logical_id] = "visiting"
        dependencies = direct_dependencies(resources, logical_id)
        for dependency in (name for name in wanted if name in dependencies):
            visit(dependency, [*path, dependency])
        state[logical_id] = "done"
        order.append(logical_id)

    for logical_id in wanted:
        visit(logical_id, [logical_id])
    return order
