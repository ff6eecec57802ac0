"""CloudFormation's check that every name a template refers to exists, made when a stack is created or
updated (CreateStack, UpdateStack, CreateChangeSet, ValidateTemplate), before anything is created.

A ``Ref`` names a resource, a parameter or a pseudo parameter; a ``Fn::GetAtt`` names a resource; a
``Fn::Sub`` variable is one of those, a ``Resource.Attribute`` or a name of the function's own variable map
(``${!Literal}`` is text); ``DependsOn`` names resources. moto checks none of these: a missing name fails
later, inside a resource, or is quietly left as text. AWS's messages:
"Template error: instance of Fn::GetAtt references undefined resource X" and "Template format error:
Unresolved resource dependencies [X] in the Resources block of the template" (Outputs block likewise).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from moto.cloudformation.exceptions import ValidationError

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def check(template: dict[str, Any]) -> None:
    """Raise CloudFormation's ValidationError for the first section naming something that does not exist.
    A template with a ``Transform`` is left alone (its macros run first and may add the names)."""
    if not isinstance(template, dict) or "Transform" in template:
        return
    resources = template.get("Resources") or {}
    names = set(resources) | set(template.get("Parameters") or {}) | PSEUDO_PARAMETERS
    for section in ("Resources", "Outputs"):
        unresolved: list[str] = []
        for definition in (template.get(section) or {}).values():
            if not isinstance(definition, dict):
                continue
            for kind, name in named(definition if section == "Outputs" else _resource_parts(definition)):
                if kind == "GetAtt" and name not in resources:
                    raise ValidationError(
                        message=f"Template error: instance of Fn::GetAtt references undefined resource {name}"
                    )
                if kind == "Ref" and name not in names and name not in unresolved:
                    unresolved.append(name)
            depends_on = definition.get("DependsOn", []) if section == "Resources" else []
            for name in [depends_on] if isinstance(depends_on, str) else depends_on:
                if name not in resources and name not in unresolved:
                    unresolved.append(name)
        if unresolved:
            raise ValidationError(
                message=f"Template format error: Unresolved resource dependencies [{', '.join(unresolved)}] "
                f"in the {section} block of the template"
            )


def _resource_parts(definition: dict[str, Any]) -> dict[str, Any]:
    return {key: definition[key] for key in ("Properties", "Metadata") if key in definition}


def named(node: Any) -> Iterator[tuple[str, str]]:
    """Each (``Ref`` | ``GetAtt``, name) under ``node``; a Sub variable ``A.B`` counts as a GetAtt of A."""
    if isinstance(node, list):
        for item in node:
            yield from named(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield "Ref", value
            elif key == "Fn::GetAtt":
                target = value.split(".", 1)[0] if isinstance(value, str) else value[0]
                if isinstance(target, str):
                    yield "GetAtt", target
                if isinstance(value, list):
                    yield from named(value[1:])
            elif key == "Fn::Sub":
                yield from _sub_names(value)
            else:
                yield from named(value)


def _sub_names(value: Any) -> Iterator[tuple[str, str]]:
    """The names a Sub's text refers to, besides those its own variable map defines, and those of the map."""
    if isinstance(value, str):
        text, variables = value, {}
    else:
        text, variables = value[0], (value[1] if len(value) > 1 else {})
    yield from named(variables)
    if not isinstance(text, str):
        return
    for variable in (found.strip() for found in _SUB_VARIABLE.findall(text)):
        target, dot, _ = variable.partition(".")
        if variable in variables or target in variables:
            continue
        yield ("GetAtt", target) if dot and not target.startswith("AWS::") else ("Ref", variable)
