"""A pipeline definition (schema 2020-12-01, as the SageMaker SDK 2.x writes it), interpreted.

Parameters are the definition's defaults merged with the execution's; property references (``Get`` of
``Parameters.*``, ``Execution.*`` and ``Steps.<name>.*``) and ``Std:Join`` are resolved; steps run in
dependency order (``DependsOn`` and the steps their arguments read); each step's ``RetryPolicies`` say which
failures it retries, how often and after how long. Anything else is refused with a reason naming it, so an
execution never succeeds without doing its work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.sagemaker.exceptions import ValidationError

PARAMETER_TYPES: dict[str, Callable[[str], Any]] = {
    "String": str,
    "Integer": int,
    "Float": float,
    "Boolean": lambda text: {"true": True, "false": False}[text.lower()],
}


RETRYABLE = {
    "Step.SERVICE_FAULT",
    "Step.THROTTLING",
    "SageMaker.JOB_INTERNAL_ERROR",
    "SageMaker.CAPACITY_ERROR",
    "SageMaker.RESOURCE_LIMIT",
}
"""The exception types a retry policy may name (the SDK writes its ``failure_reason_types`` here too)."""


_PROPERTY_TOKEN = re.compile(r"\.?([A-Za-z0-9_]+)|\[(\d+)\]|\['([^']*)'\]")
_PROPERTY_PATH = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+|\[\d+\]|\['[^']*'\])*")


class DefinitionError(Exception):
    """The definition asks for something the emulator cannot do; the message names it."""


def parse(text: str) -> dict[str, Any]:
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as error:
        raise DefinitionError(f"the pipeline definition is not JSON: {error}") from None
    if definition.get("Version") != "2020-12-01":
        raise DefinitionError(f"pipeline definition version {definition.get('Version')!r} is not 2020-12-01")
    return definition


def parameters(definition: dict[str, Any], given: list[dict[str, str]] | None) -> dict[str, Any]:
    """Each parameter's value: the execution's, else the definition's default; ValidationException for an
    unknown parameter, a value of the wrong type, or a parameter with neither."""
    declared = {entry["Name"]: entry for entry in definition.get("Parameters", [])}
    values = {name: entry["DefaultValue"] for name, entry in declared.items() if "DefaultValue" in entry}
    for entry in given or []:
        name, value = entry["Name"], entry["Value"]
        if name not in declared:
            raise ValidationError(f"Parameter '{name}' is not defined in the pipeline's definition.")
        kind = declared[name].get("Type", "String")
        try:
            values[name] = PARAMETER_TYPES[kind](value)
        except (ValueError, KeyError):
            raise ValidationError(
                f"Parameter '{name}' of type {kind} cannot take the value '{value}'."
            ) from None
    missing = sorted(set(declared) - set(values))
    if missing:
        raise ValidationError(f"Parameters {missing} have no default value: the execution must give them.")
    return values


def as_text(value: Any) -> str:
    """A parameter's value as the API shows it (``true``, not ``True``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def resolve(value: Any, lookup: Callable[[str], Any]) -> Any:
    """``value`` with every ``Get`` and ``Std:Join`` replaced; ``lookup`` answers a property path."""
    if isinstance(value, list):
        return [resolve(item, lookup) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Get"}:
        return lookup(value["Get"])
    if set(value) == {"Std:Join"}:
        join = value["Std:Join"]
        return str(join.get("On", "")).join(str(resolve(item, lookup)) for item in join.get("Values", []))
    functions = [key for key in value if key.startswith("Std:")]
    if functions:
        raise DefinitionError(f"function {functions[0]} is not supported by the local emulator")
    return {key: resolve(item, lookup) for key, item in value.items()}


def property_at(value: Any, attribute_path: str, path: str) -> Any:
    """The value at ``attribute_path`` of a step's properties (its job's Describe answer), written as the
    SDK writes it: ``ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri`` (a list element by its
    ``...Name`` field, or ``[0]`` by position)."""
    if not _PROPERTY_PATH.fullmatch(attribute_path):
        raise DefinitionError(f"property {path} is not a property path the local emulator reads")
    for name, position, key in _PROPERTY_TOKEN.findall(attribute_path):
        if isinstance(value, list) and key:
            found = [item for item in value if key in _names(item)]
            value = found[0] if found else None
        elif isinstance(value, list) and position:
            value = value[int(position)] if int(position) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(name or key)
        else:
            value = None
        if value is None:
            raise DefinitionError(
                f"property {path} does not exist on the step (none at {name or key or position})"
            )
    return value


def _names(item: Any) -> set[str]:
    """What a list element is known by: its ``...Name`` fields (``OutputName``, ``InputName``)."""
    return {v for k, v in item.items() if k.endswith("Name")} if isinstance(item, dict) else set()


def step_order(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps, each after those it depends on (``DependsOn`` and ``Get`` of ``Steps.<name>``)."""
    steps = {step["Name"]: step for step in definition.get("Steps", [])}
    needs = {
        name: set(step.get("DependsOn", [])) | _steps_read(step.get("Arguments"))
        for name, step in steps.items()
    }
    for name, wanted in needs.items():
        unknown = wanted - set(steps)
        if unknown:
            raise DefinitionError(f"step {name} depends on {sorted(unknown)}, which the definition lacks")
    ordered: list[str] = []
    while len(ordered) < len(steps):
        ready = [name for name in steps if name not in ordered and needs[name] <= set(ordered)]
        if not ready:
            raise DefinitionError("the steps depend on each other in a cycle")
        ordered += ready
    return [steps[name] for name in ordered]


def _steps_read(value: Any) -> set[str]:
    found = re.findall(r'"Get": "Steps\.([^."\[]+)', json.dumps(value))
    return set(found)


@dataclass(frozen=True)
class RetryPolicy:
    """One entry of a step's ``RetryPolicies``. ``MaxAttempts`` counts retries after the first attempt;
    ``ExpireAfterMin`` ends retrying that many minutes after the step started."""

    exception_types: frozenset[str]
    interval_seconds: float = 1
    backoff_rate: float = 2.0
    max_attempts: int | None = None
    expire_after_minutes: float | None = None

    def delay(self, failed_attempts: int, elapsed_seconds: float) -> float | None:
        """Seconds to wait before the next attempt, or None when this policy allows no more."""
        if self.max_attempts is not None and failed_attempts > self.max_attempts:
            return None
        seconds = self.interval_seconds * self.backoff_rate ** (failed_attempts - 1)
        expires = self.expire_after_minutes
        if expires is not None and elapsed_seconds + seconds > expires * 60:
            return None
        return seconds


def retry_policies(step: dict[str, Any]) -> list[RetryPolicy]:
    """The step's retry policies, checked as the service checks them."""
    policies = []
    for entry in step.get("RetryPolicies") or []:
        types = set(entry.get("ExceptionType") or [])
        unknown = sorted(types - RETRYABLE)
        if not types or unknown:
            raise DefinitionError(
                f"step {step['Name']}: retry policy exception types {unknown or '[]'} are not among "
                f"{sorted(RETRYABLE)}"
            )
        if "MaxAttempts" not in entry and "ExpireAfterMin" not in entry:
            raise DefinitionError(
                f"step {step['Name']}: a retry policy without MaxAttempts or ExpireAfterMin is not supported "
                "by the local emulator"
            )
        policies.append(
            RetryPolicy(
                frozenset(types),
                float(entry.get("IntervalSeconds", 1)),
                float(entry.get("BackoffRate", 2.0)),
                entry.get("MaxAttempts"),
                entry.get("ExpireAfterMin"),
            )
        )
    return policies
