"""The ``Rules`` grammar of CloudFormation, checked and evaluated. A template's own ``Rules`` section and
the rules of a Service Catalog template constraint are the same thing.

What AWS documents, and this module does:

- "CloudFormation template Rules syntax" (CloudFormation User Guide, ``rules-section-structure``): each
  rule has an optional ``RuleCondition`` and an ``Assertions`` list; each assertion an ``Assert`` and an
  optional ``AssertDescription``. A rule whose condition is false does not take effect; a rule without
  one always does.
- "Rule functions" (CloudFormation Template Reference, ``intrinsic-function-reference-rules``):
  ``Fn::And``/``Fn::Or`` take 2 to 10 conditions and ``Fn::Not`` one; ``Fn::Equals`` compares two values;
  ``Fn::Contains`` is true when a string is one of a list; ``Fn::EachMemberEquals`` when every member of a
  list equals a string; ``Fn::EachMemberIn`` when every member of the first list is in the second;
  ``Fn::RefAll`` is every value in the account and region of an AWS-specific parameter type;
  ``Fn::ValueOf`` an attribute of what a parameter names (a list for a list parameter); ``Fn::ValueOfAll``
  that attribute for every parameter of a type. Nothing may be nested in ``Fn::ValueOf``/``Fn::ValueOfAll``;
  ``Ref`` and the rule functions may be nested anywhere else. "Supported attributes": see ``ATTRIBUTES``.
- "Template constraint rules" (Service Catalog Administrator Guide,
  ``reference-template_constraint_rules``): the same syntax in a TEMPLATE constraint, checked against a
  launch's parameters before anything is created.

``Fn::If`` is named in some lists of rule functions (the CDK's ``CfnRuleProps``) but CloudFormation
refuses it in a rule (aws-cloudformation/cloudformation-coverage-roadmap#921), as it refuses
``Condition``; both are unsupported here.

Messages: "Template format error: Following functions are not supported in the Rules block of the
template: [...]" and "Template format error: Rules block references undeclared parameters: [...]" are
AWS's, as quoted in aws-cloudformation/cfn-lint#3710 and aws-quickstart/quickstart-linux-bastion#39. AWS's
wording for a malformed rule (no Assertions, a wrong argument count) was not found: those messages are
ours, in the same style.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

CONDITION_FUNCTIONS = frozenset(
    {"Fn::And", "Fn::Or", "Fn::Not", "Fn::Equals", "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn"}
)
"""The functions that evaluate to true or false: what a RuleCondition or an Assert must be."""

FUNCTIONS = CONDITION_FUNCTIONS | {"Ref", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll"}

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "AWS::EC2::VPC::Id": ("DefaultNetworkAcl", "DefaultSecurityGroup"),
    "AWS::EC2::Subnet::Id": ("AvailabilityZone", "VpcId"),
    "AWS::EC2::SecurityGroup::Id": (),
}
"""The attributes ``Fn::ValueOf``/``Fn::ValueOfAll`` can read, by parameter type ("Supported attributes");
every type also has ``Tags.<key>``."""

Value = bool | str | list[str] | None


class RulesError(Exception):
    """A Rules section AWS refuses, or cannot evaluate; ``message`` is AWS's (or our closest) wording."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedLookupError(Exception):
    """A rule needs account resources the local emulator does not look up (it says which)."""


class Lookup(Protocol):
    """The account's resources, for ``Fn::RefAll``, ``Fn::ValueOf`` and ``Fn::ValueOfAll``."""

    def ids(self, parameter_type: str) -> list[str]: ...

    def attribute(self, parameter_type: str, resource_id: str, attribute: str) -> str | None: ...


class NoLookup:
    """For callers with no account at hand: any lookup is refused."""

    def ids(self, parameter_type: str) -> list[str]:
        raise UnsupportedLookupError(f"Fn::RefAll of {parameter_type} needs the account's resources")

    def attribute(self, parameter_type: str, resource_id: str, attribute: str) -> str | None:
        raise UnsupportedLookupError(f"reading {attribute} of {resource_id} needs the account's resources")


@dataclass(frozen=True)
class Parameter:
    """A parameter as rules see it: its declared type and its value (a list for a list type)."""

    type: str
    value: str | list[str] | None


@dataclass(frozen=True)
class FailedAssertion:
    rule: str
    description: str | None


def element_type(parameter_type: str) -> str:
    """``List<AWS::EC2::Subnet::Id>`` -> ``AWS::EC2::Subnet::Id``; other types unchanged."""
    if parameter_type.startswith("List<") and parameter_type.endswith(">"):
        return parameter_type[len("List<") : -1]
    return parameter_type


def _show(value: Any) -> str:
    return json.dumps(value, default=str)


def _format_error(text: str) -> RulesError:
    return RulesError(f"Template format error: {text}")


def _calls(node: Any) -> Iterator[tuple[str, Any]]:
    """Every function call (name, arguments) under ``node``, outermost first."""
    if isinstance(node, dict):
        for name, arguments in node.items():
            yield name, arguments
            yield from _calls(arguments)
    elif isinstance(node, list):
        for item in node:
            yield from _calls(item)


def _rule_nodes(rules: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(rule name, where, expression) for every RuleCondition and Assert."""
    for name, rule in rules.items():
        if "RuleCondition" in rule:
            yield name, "RuleCondition", rule["RuleCondition"]
        for assertion in rule["Assertions"]:
            yield name, "Assert", assertion["Assert"]


def validate(rules: Any, parameter_types: Mapping[str, str] | None = None) -> None:
    """Refuse a Rules section AWS would refuse as a template. ``parameter_types`` (name -> declared type,
    pseudo parameters included) also checks what ``Ref``/``Fn::ValueOf`` name; without it (a Service
    Catalog constraint before a launch) names are not checked."""
    if not isinstance(rules, dict):
        raise _format_error("Rules must be a JSON object of named rules")
    for name, rule in rules.items():
        if not isinstance(rule, dict):
            raise _format_error(f"rule {name} must be a JSON object")
        unknown = sorted(set(rule) - {"RuleCondition", "Assertions"})
        if unknown:
            raise _format_error(f"rule {name} has unknown properties {unknown}")
        assertions = rule.get("Assertions")
        if not isinstance(assertions, list) or not assertions:
            raise _format_error(f"rule {name} must have a non-empty Assertions list")
        for assertion in assertions:
            if not isinstance(assertion, dict) or "Assert" not in assertion:
                raise _format_error(f"every assertion of rule {name} must have an Assert")
            description = assertion.get("AssertDescription")
            if description is not None and not isinstance(description, str):
                raise _format_error(f"an AssertDescription of rule {name} must be a string")
    nodes = list(_rule_nodes(rules))
    unsupported = list(
        dict.fromkeys(call for _, _, node in nodes for call, _ in _calls(node) if call not in FUNCTIONS)
    )
    if unsupported:
        raise _format_error(
            "Following functions are not supported in the Rules block of the template: "
            f"[{', '.join(unsupported)}]"
        )
    for name, where, node in nodes:
        _check_condition(node, f"the {where} of rule {name}")
    for _, _, node in nodes:
        for function, arguments in _calls(node):
            if function == "Fn::ValueOfAll":
                _check_attribute(arguments[0], arguments[1], function)
    if parameter_types is not None:
        _check_names(nodes, parameter_types)


def _check_condition(node: Any, where: str) -> None:
    if not (isinstance(node, dict) and len(node) == 1 and next(iter(node)) in CONDITION_FUNCTIONS):
        raise _format_error(
            f"{where} must be one of {', '.join(sorted(CONDITION_FUNCTIONS))}, not {_show(node)}"
        )
    [(function, arguments)] = node.items()
    count = {"Fn::Not": (1, 1), "Fn::And": (2, 10), "Fn::Or": (2, 10)}.get(function, (2, 2))
    if not isinstance(arguments, list) or not count[0] <= len(arguments) <= count[1]:
        wanted = str(count[0]) if count[0] == count[1] else f"{count[0]} to {count[1]}"
        raise _format_error(f"{function} takes a list of {wanted} arguments, not {_show(arguments)}")
    if function in ("Fn::And", "Fn::Or", "Fn::Not"):
        for argument in arguments:
            _check_condition(argument, f"an argument of {function}")
        return
    for argument in arguments:
        _check_value(argument)


def _check_value(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _check_value(item)
        return
    if not isinstance(node, dict):
        return
    if len(node) != 1:
        raise _format_error(f"a function call has one key, not {_show(node)}")
    [(function, arguments)] = node.items()
    if function in CONDITION_FUNCTIONS:
        _check_condition(node, "a condition used as a value")
    elif function in ("Ref", "Fn::RefAll"):
        if not isinstance(arguments, str):
            raise _format_error(f"{function} takes a string, not {_show(arguments)}")
    elif function in ("Fn::ValueOf", "Fn::ValueOfAll") and not (
        isinstance(arguments, list) and len(arguments) == 2 and all(isinstance(a, str) for a in arguments)
    ):
        raise _format_error(
            f"{function} takes a list of two strings (no functions inside it), not {_show(arguments)}"
        )


def _check_attribute(parameter_type: str, attribute: str, function: str) -> None:
    kind = element_type(parameter_type)
    if kind not in ATTRIBUTES:
        raise _format_error(f"{function} reads attributes of {', '.join(ATTRIBUTES)} only, not of {kind}")
    tag = attribute.startswith("Tags.") and len(attribute) > len("Tags.")
    if not (tag or attribute in ATTRIBUTES[kind]):
        allowed = [*ATTRIBUTES[kind], "Tags.<key>"]
        raise _format_error(f"{function}: {kind} has no attribute {attribute} (it has {', '.join(allowed)})")


def _check_names(nodes: list[tuple[str, str, Any]], parameter_types: Mapping[str, str]) -> None:
    undeclared: dict[str, None] = {}
    for _, _, node in nodes:
        for function, arguments in _calls(node):
            if function not in ("Ref", "Fn::ValueOf"):
                continue
            name = arguments if function == "Ref" else arguments[0]
            if name not in parameter_types:
                undeclared[name] = None
            elif function == "Fn::ValueOf":
                _check_attribute(parameter_types[name], arguments[1], function)
    if undeclared:
        raise _format_error(f"Rules block references undeclared parameters: [{', '.join(undeclared)}]")


def evaluate(
    rules: Any, parameters: Mapping[str, Parameter], lookup: Lookup | None = None
) -> list[FailedAssertion]:
    """Check ``rules`` (``validate``) and evaluate them against ``parameters`` (pseudo parameters
    included, as callers have them); the assertions that failed, in order. ``lookup`` answers the
    functions that read the account (:class:`NoLookup` when omitted)."""
    validate(rules, {name: parameter.type for name, parameter in parameters.items()})
    evaluator = _Evaluator(parameters, lookup or NoLookup())
    failed = []
    for name, rule in rules.items():
        if "RuleCondition" in rule and not evaluator.condition(rule["RuleCondition"]):
            continue
        for assertion in rule["Assertions"]:
            if not evaluator.condition(assertion["Assert"]):
                failed.append(FailedAssertion(name, assertion.get("AssertDescription")))
    return failed


def failed_assertions(
    rules: Any, values: Mapping[str, str | list[str] | None], lookup: Lookup | None = None
) -> list[FailedAssertion]:
    """:func:`evaluate` for plain values: a list is a ``CommaDelimitedList``, anything else a ``String``."""
    parameters = {
        name: Parameter("CommaDelimitedList" if isinstance(value, list) else "String", value)
        for name, value in values.items()
    }
    return evaluate(rules, parameters, lookup)


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, str):
        return value
    return str(value)


class _Evaluator:
    def __init__(self, parameters: Mapping[str, Parameter], lookup: Lookup) -> None:
        self.parameters = parameters
        self.lookup = lookup

    def condition(self, node: dict[str, Any]) -> bool:
        result = self.value(node)
        assert isinstance(result, bool), node  # validate() admits only condition functions here
        return result

    def value(self, node: Any) -> Value:
        if isinstance(node, list):
            return [self.string(item, "a member of a list") for item in node]
        if not isinstance(node, dict):
            return _scalar(node)
        [(function, arguments)] = node.items()
        if function == "Fn::And":
            return all(self.condition(argument) for argument in arguments)
        if function == "Fn::Or":
            return any(self.condition(argument) for argument in arguments)
        if function == "Fn::Not":
            return not self.condition(arguments[0])
        if function == "Fn::Equals":
            return self.value(arguments[0]) == self.value(arguments[1])
        if function == "Fn::Contains":
            return self.string(arguments[1], function) in self.strings(arguments[0], function)
        if function == "Fn::EachMemberEquals":
            expected = self.string(arguments[1], function)
            return all(member == expected for member in self.strings(arguments[0], function))
        if function == "Fn::EachMemberIn":
            allowed = self.strings(arguments[1], function)
            return all(member in allowed for member in self.strings(arguments[0], function))
        if function == "Ref":
            return self.parameters[arguments].value
        if function == "Fn::RefAll":
            return self.lookup.ids(arguments)
        if function == "Fn::ValueOf":
            return self.value_of(*arguments)
        return self.value_of_all(*arguments)

    def string(self, node: Any, where: str) -> str | None:
        result = self.value(node)
        if isinstance(result, (list, bool)):
            raise RulesError(f"Template error: {where} takes a string, not {_show(result)}")
        return result

    def strings(self, node: Any, where: str) -> list[str]:
        result = self.value(node)
        if result is None:
            return []
        if not isinstance(result, list):
            raise RulesError(f"Template error: {where} takes a list of strings, not {_show(result)}")
        return [member for member in result if member is not None]

    def value_of(self, name: str, attribute: str) -> str | list[str] | None:
        parameter = self.parameters[name]
        kind = element_type(parameter.type)
        if isinstance(parameter.value, list):
            return [_scalar(self.lookup.attribute(kind, v, attribute)) or "" for v in parameter.value]
        if parameter.value is None:
            return None
        return self.lookup.attribute(kind, parameter.value, attribute)

    def value_of_all(self, parameter_type: str, attribute: str) -> list[str]:
        found = []
        for parameter in self.parameters.values():
            if element_type(parameter.type) != parameter_type or parameter.value is None:
                continue
            values = parameter.value if isinstance(parameter.value, list) else [parameter.value]
            for resource_id in values:
                value = self.lookup.attribute(parameter_type, resource_id, attribute)
                if value is not None:
                    found.append(value)
        return found


def failure_message(failed: FailedAssertion) -> str:
    """The error for a failed assertion: its AssertDescription, the text a rule's author writes for the
    user. (AWS's exact wording was not found: the description alone is the closest reading of the docs;
    the text for an assertion without one is ours.)"""
    return failed.description or f"Assertion failed for rule {failed.rule}"
