"""CloudFormation's checks of a stack's parameters, made before anything exists: on CreateStack,
UpdateStack (``UsePreviousValue`` included), CreateChangeSet (CREATE and UPDATE), and the template-only
part on ValidateTemplate. moto checks none of them (it stores whatever it is given); :mod:`patches` calls
:func:`validate` and :func:`check_template` before moto's own handlers run, so a refused request creates
nothing.

What is checked, in the order below, each failure a ``ValidationError`` with AWS's message:

1. each entry of the request: a value or ``UsePreviousValue``, not both, not neither;
2. names: values for a template without parameters, names the template does not declare;
   ``UsePreviousValue`` for a name the previous template did not declare;
3. a value for every parameter (the request's, the previous one, or the ``Default``);
4. per parameter, in template order: ``Number``/``List<Number>`` members are numbers, then
   ``AllowedValues``, ``AllowedPattern`` (the whole value; each member of a list), ``MinLength``/
   ``MaxLength`` (single values), ``MinValue``/``MaxValue`` (numbers). With a ``ConstraintDescription``,
   a failed constraint says that instead. ``AWS::SSM::Parameter::*`` types are left alone (AWS checks the
   stored value, which moto resolves later). ``CommaDelimitedList`` members are space trimmed (the
   Parameters page of the User Guide);
5. the template's ``Rules`` (:mod:`rules`), with pseudo parameters and the account's EC2 resources.

Where each message comes from (real API output, quoted in public issues and logs):
- "Parameters: [A, B] must have values": boto/botocore#2598, sat-utils/sat-api#25.
- "Parameters: [A] do not exist in the template": quoted in several projects' notes of CreateStack errors.
- "Parameter values specified for a template which does not require them.": CLI output in public tutorials.
- "Parameter 'X' must match pattern P": aws/aws-connected-device-framework#183 (CreateChangeSet).
- "Parameter 'X' must be one of AllowedValues": harness/developer-hub#7541 (CreateStack).
- "Parameter 'X' must contain at least N characters": cloudformation-coverage-roadmap#930.
- "Parameter 'X' must be a number.": aws/aws-cli#7992, pulumi/pulumi-aws#1295.
- "Parameter 'X' must be a number not less than N": a ROSA CLI log of CreateStack.
- "Parameter X failed to satisfy constraint: D" (no quotes around X): aws/aws-cli#7750, aws-ia/taskcat#627
  and several CreateChangeSet logs, for AllowedPattern, AllowedValues and MaxLength violations.
- "Invalid input for parameter key X. Cannot specify usePreviousValue as true for a parameter key not in
  the previous template": a user's UpdateStack error quoted in a public script; "... Cannot specify
  usePreviousValue as true and non empty value for a parameter" is moto's (kept).
- Closest guesses, not found verbatim: "must contain at most N characters" and "must be a number not greater
  than N" (the counterparts of the two above), "Need to specify either usePreviousValue as true or a value
  for the parameter", the list form of the number checks, and the template format errors of
  :func:`check_template` other than those :mod:`rules` documents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.utilities.utils import get_partition

from scripts.local.cloudformation import rules
from scripts.local.cloudformation.lookup import Ec2Lookup

_NOT_REQUIRED = "Parameter values specified for a template which does not require them."
_NOT_PREVIOUS = "Cannot specify usePreviousValue as true for a parameter key not in the previous template"
_PLAIN_TYPES = frozenset({"String", "Number", "List<Number>", "CommaDelimitedList"})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
PSEUDO_PARAMETERS = {
    "AWS::AccountId": "String",
    "AWS::NotificationARNs": "CommaDelimitedList",
    "AWS::NoValue": "String",
    "AWS::Partition": "String",
    "AWS::Region": "String",
    "AWS::StackId": "String",
    "AWS::StackName": "String",
    "AWS::URLSuffix": "String",
}


@dataclass(frozen=True)
class Context:
    """Where the stack operation happens: for pseudo parameters and the rules' account lookups."""

    account_id: str
    region: str
    stack_name: str | None = None
    stack_id: str | None = None


def text(value: Any) -> str:
    """A template literal as CloudFormation reads it: YAML's true/5/1.5 are "true"/"5"/"1.5"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(text(v) for v in value)
    return str(value)


def is_list(parameter_type: str) -> bool:
    return parameter_type == "CommaDelimitedList" or parameter_type.startswith("List<")


def members(value: str) -> list[str]:
    return [member.strip() for member in value.split(",")]


def declarations(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The template's Parameters section, refused as AWS refuses a malformed one."""
    section = template.get("Parameters") or {}
    if not isinstance(section, dict):
        raise ValidationError(message="Template format error: Parameters must be a JSON object")
    for name, declaration in section.items():
        if not isinstance(declaration, dict) or "Type" not in declaration:
            raise ValidationError(
                message="Template format error: Every Parameters object must contain a Type member."
            )
        kind = declaration["Type"]
        known = kind in _PLAIN_TYPES or (isinstance(kind, str) and kind.startswith(("AWS::", "List<AWS::")))
        if not known:
            raise ValidationError(message=f"Template format error: Unrecognized parameter type: {kind}")
        pattern = declaration.get("AllowedPattern")
        if pattern is not None:
            try:
                re.compile(text(pattern))
            except re.error as error:
                raise ValidationError(
                    message=f"Template format error: AllowedPattern of parameter {name} is not a valid "
                    f"regular expression: {error}"
                ) from error
    return section


def check_template(template: Mapping[str, Any]) -> None:
    """What ValidateTemplate can check without values: the Parameters section and the Rules section."""
    declared = declarations(template)
    if "Rules" in template:
        types = {**PSEUDO_PARAMETERS, **{name: d["Type"] for name, d in declared.items()}}
        try:
            rules.validate(template["Rules"], types)
        except rules.RulesError as error:
            raise ValidationError(message=error.message) from error


def previous_values(template: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, str]:
    """A stack's parameter values as UsePreviousValue reads them: what it was given, else the Default."""
    values = {}
    for name, declaration in declarations(template).items():
        if name in given:
            values[name] = text(given[name])
        elif declaration.get("Default") is not None:
            values[name] = text(declaration["Default"])
    return values


def _invalid_input(key: str, reason: str) -> ValidationError:
    return ValidationError(message=f"Invalid input for parameter key {key}. {reason}")


def _listed(names: Sequence[str]) -> str:
    return f"[{', '.join(names)}]"


def resolve(
    template: Mapping[str, Any], given: Sequence[Mapping[str, Any]], previous: Mapping[str, str] | None
) -> dict[str, str]:
    """Every declared parameter's value (steps 1 to 3): the request's, the previous value where it says
    UsePreviousValue (``previous`` is None for a new stack), else the Default."""
    declared = declarations(template)
    explicit: dict[str, str] = {}
    reused: dict[str, None] = {}
    for entry in given:
        key = entry["ParameterKey"]
        use_previous = str(entry.get("UsePreviousValue")).lower() == "true"
        if use_previous and entry.get("ParameterValue"):
            raise _invalid_input(
                key, "Cannot specify usePreviousValue as true and non empty value for a parameter"
            )
        if use_previous:
            reused[key] = None
        elif entry.get("ParameterValue") is not None:
            explicit[key] = text(entry["ParameterValue"])
        else:
            raise _invalid_input(
                key, "Need to specify either usePreviousValue as true or a value for the parameter"
            )
    named = list(dict.fromkeys([*explicit, *reused]))
    if named and not declared:
        raise ValidationError(message=_NOT_REQUIRED)
    unknown = [name for name in named if name not in declared]
    if unknown:
        raise ValidationError(message=f"Parameters: {_listed(unknown)} do not exist in the template")
    for key in reused:
        if previous is None or key not in previous:
            raise _invalid_input(key, _NOT_PREVIOUS)
    values: dict[str, str] = {}
    missing = []
    for name, declaration in declared.items():
        if name in explicit:
            values[name] = explicit[name]
        elif name in reused:
            values[name] = previous[name]  # type: ignore[index]  # checked above
        elif declaration.get("Default") is not None:
            values[name] = text(declaration["Default"])
        else:
            missing.append(name)
    if missing:
        raise ValidationError(message=f"Parameters: {_listed(missing)} must have values")
    return values


def check_values(template: Mapping[str, Any], values: Mapping[str, str]) -> None:
    """Step 4: each parameter's type and constraints, in template order."""
    for name, declaration in declarations(template).items():
        _check_value(name, declaration, values[name])


def _check_value(name: str, declaration: Mapping[str, Any], value: str) -> None:
    kind = declaration["Type"]
    if kind.startswith("AWS::SSM::Parameter::"):
        return
    numeric = kind in ("Number", "List<Number>")
    items = members(value) if is_list(kind) else [value]
    if numeric and not all(_NUMBER.fullmatch(item) for item in items):
        raise ValidationError(message=f"Parameter '{name}' must be a number.")
    description = declaration.get("ConstraintDescription")

    def refuse(reason: str) -> ValidationError:
        if description is not None:
            return ValidationError(
                message=f"Parameter {name} failed to satisfy constraint: {text(description)}"
            )
        return ValidationError(message=f"Parameter '{name}' {reason}")

    allowed = declaration.get("AllowedValues")
    if allowed is not None:
        choices = [text(choice) for choice in allowed]
        for item in items:
            if item not in choices and not (numeric and any(_same_number(item, c) for c in choices)):
                raise refuse("must be one of AllowedValues")
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and not numeric:
        for item in items:
            if not re.fullmatch(text(pattern), item):
                raise refuse(f"must match pattern {text(pattern)}")
    if not numeric and not is_list(kind):
        if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
            raise refuse(f"must contain at least {text(declaration['MinLength'])} characters")
        if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
            raise refuse(f"must contain at most {text(declaration['MaxLength'])} characters")
    if numeric:
        for item in items:
            if "MinValue" in declaration and float(item) < float(declaration["MinValue"]):
                raise refuse(f"must be a number not less than {text(declaration['MinValue'])}")
            if "MaxValue" in declaration and float(item) > float(declaration["MaxValue"]):
                raise refuse(f"must be a number not greater than {text(declaration['MaxValue'])}")


def _same_number(value: str, choice: str) -> bool:
    return bool(_NUMBER.fullmatch(choice)) and float(value) == float(choice)


def rule_parameters(
    template: Mapping[str, Any], values: Mapping[str, str | None], context: Context
) -> dict[str, rules.Parameter]:
    """Parameters as rules see them (lists split, SSM parameters read), pseudo parameters included."""
    partition = get_partition(context.region)
    pseudo = {
        "AWS::AccountId": context.account_id,
        "AWS::NotificationARNs": [],
        "AWS::NoValue": None,
        "AWS::Partition": partition,
        "AWS::Region": context.region,
        "AWS::StackId": context.stack_id,
        "AWS::StackName": context.stack_name,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
    }
    found = {name: rules.Parameter(PSEUDO_PARAMETERS[name], value) for name, value in pseudo.items()}
    for name, declaration in declarations(template).items():
        kind = declaration["Type"]
        value = values.get(name)
        if value is not None and kind.startswith("AWS::SSM::Parameter::Value<"):
            kind = kind[len("AWS::SSM::Parameter::Value<") : -1]
            value = _ssm_value(value, context)
        found[name] = rules.Parameter(kind, members(value) if value is not None and is_list(kind) else value)
    return found


def _ssm_value(name: str, context: Context) -> str:
    """The stored value, read as moto's ``ResourceMap.parse_ssm_parameter`` reads it (``ssm_backends``)."""
    from moto.ssm.models import ssm_backends

    parameter = ssm_backends[context.account_id][context.region].get_parameter(name)
    return parameter.value if parameter is not None else name


def check_rules(template: Mapping[str, Any], values: Mapping[str, str], context: Context) -> None:
    """Step 5: the template's Rules section; the first failed assertion is the error."""
    if "Rules" not in template:
        return
    parameters = rule_parameters(template, values, context)
    try:
        failed = rules.evaluate(template["Rules"], parameters, Ec2Lookup(context.account_id, context.region))
    except rules.RulesError as error:
        raise ValidationError(message=error.message) from error
    except rules.UnsupportedLookupError as error:
        raise ValidationError(message=str(error)) from error
    if failed:
        raise ValidationError(message=rules.failure_message(failed[0]))


def validate(
    template: Mapping[str, Any],
    given: Sequence[Mapping[str, Any]],
    previous: Mapping[str, str] | None,
    context: Context,
) -> dict[str, str]:
    """All of the above, for a stack operation; the value of every parameter."""
    check_template(template)
    values = resolve(template, given, previous)
    check_values(template, values)
    check_rules(template, values, context)
    return values
