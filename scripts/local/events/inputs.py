"""What a rule sends its target: the event itself, or what the target's ``Input``, ``InputPath`` or
``InputTransformer`` make of it, as EventBridge builds it.

``InputTransformer``: each ``InputPathsMap`` entry names a value of the event by a JSON path (``$.detail.x``,
``$.resources[0]``); ``InputTemplate`` refers to it as ``<name>``. Inside a JSON string of the template a
string value goes in as its characters, outside one every value goes in as JSON; a path the event lacks
gives ``null`` (an empty string inside a string). Besides the map's names, the template may use
``<aws.events.rule-arn>``, ``<aws.events.rule-name>``, ``<aws.events.event.ingestion-time>`` and
``<aws.events.event>`` / ``<aws.events.event.json>`` (the whole event).
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


class InputError(ValueError):
    """The target's input settings cannot be applied to this event."""


def target_input(target: dict[str, Any], event: dict[str, Any], rule_arn: str, rule_name: str) -> str:
    """The text the target receives for ``event``."""
    if "Input" in target:
        return target["Input"]
    if "InputPath" in target:
        return json.dumps(value_at(event, target["InputPath"]))
    transformer = target.get("InputTransformer")
    if transformer:
        values = {name: value_at(event, path) for name, path in transformer.get("InputPathsMap", {}).items()}
        values |= {
            "aws.events.rule-arn": rule_arn,
            "aws.events.rule-name": rule_name,
            "aws.events.event.ingestion-time": event["time"],
            "aws.events.event": event,
            "aws.events.event.json": event,
        }
        return render(transformer["InputTemplate"], values)
    return json.dumps(event)


def value_at(event: dict[str, Any], path: str) -> Any:
    """The value at a JSON path of the form ``$``, ``$.a.b``, ``$.a[0].b`` (None when the event lacks it)."""
    if path == "$":
        return event
    if not path.startswith("$") or _STEP.sub("", path[1:]):
        raise InputError(f"{path!r} is not a JSON path EventBridge accepts (such as $.detail.key)")
    value: Any = event
    for name, index in _STEP.findall(path[1:]):
        if name and isinstance(value, dict):
            value = value.get(name)
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return None
    return value


def render(template: str, values: dict[str, Any]) -> str:
    """``template`` with each ``<name>`` replaced, as JSON or, inside a string, as the string's characters."""
    pieces: list[str] = []
    in_string = False
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        before = template[position : match.start()]
        in_string = _inside_string_after(before, in_string)
        pieces.append(before)
        name = match[1]
        if name not in values:
            pieces.append(match[0])  # not a placeholder of this target: kept as written
        elif in_string:
            value = values[name]
            pieces.append(json.dumps(value if isinstance(value, str) else _text(value))[1:-1])
        else:
            pieces.append(json.dumps(values[name]))
        position = match.end()
    pieces.append(template[position:])
    return "".join(pieces)


def _text(value: Any) -> str:
    return "" if value is None else json.dumps(value)


def _inside_string_after(text: str, in_string: bool) -> bool:
    """Whether a JSON string is open after ``text``, given whether one was open before it."""
    escaped = False
    for character in text:
        if escaped:
            escaped = False
        elif character == "\\" and in_string:
            escaped = True
        elif character == '"':
            in_string = not in_string
    return in_string
