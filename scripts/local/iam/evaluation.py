"""AWS's policy evaluation logic for a request inside one account, as the IAM policy simulator answers it.

Pure Python, no moto: the emulator's ``SimulatePrincipalPolicy``/``SimulateCustomPolicy`` (and anything else
that must decide a request the way AWS would) build :class:`Policy` objects and call :func:`evaluate`.

What it follows, page by page (IAM User Guide, docs.aws.amazon.com/IAM/latest/UserGuide/...):

- ``reference_policies_evaluation-logic.html`` and
  ``reference_policies_evaluation-logic_policy-eval-basics.html`` (policy evaluation for requests within a
  single account): an explicit ``Deny`` in any identity-based policy, the permissions boundary or the
  resource-based policy wins; otherwise the request is allowed when an identity-based policy *or* the
  resource-based policy allows it, and the permissions boundary (when the entity has one) allows it too;
  otherwise it is implicitly denied.
- ``access_policies_boundaries.html``: a boundary grants nothing on its own; a resource-based ``Deny``
  statement with ``NotPrincipal`` always applies to a principal that has a permissions boundary, whatever
  ``NotPrincipal`` lists.
- ``reference_policies_elements_action.html``, ``..._notaction.html``: action names are case-insensitive,
  ``*`` and ``?`` wildcards.
- ``reference_policies_elements_resource.html``, ``..._notresource.html``: resources are case-sensitive; an
  ARN is compared component by component on its first five colons, the sixth component being the rest of the
  ARN, in which ``*`` also spans ``/`` and ``:``; ``"*"`` alone matches every resource.
- ``reference_policies_elements_principal.html``, ``..._notprincipal.html``: ``"*"``, ``{"AWS": "*"}``, an
  account id or ``arn:aws:iam::<account>:root`` (every principal of that account), user and role ARNs,
  ``{"Service": ...}`` (never the simulated caller, which is an IAM user, group or role).
- ``reference_policies_elements_condition_operators.html`` ("Condition operators"): a key missing from the
  request context makes the condition false, except for the negated operators (``...Not...``), which are
  then true, ``...IfExists`` (true) and ``Null`` (which tests exactly that).
- ``reference_policies_condition-single-vs-multi-valued-context-keys.html`` ("Single-valued vs. multivalued
  context keys"): ``ForAllValues`` is true when every value in the request matches, and also when the key is
  missing (or has no value); ``ForAnyValue`` is true when at least one value matches, and false when the key
  is missing (whatever the operator, ``IfExists`` included: the set operator decides for a missing key).
- ``reference_policies_condition-logic-multiple-context-keys-or-values.html``: operators ANDed, keys of one
  operator ANDed, values of one key ORed — NORed for a negated operator (true when the context value matches
  none of them). Condition key names are case-insensitive.
- ``reference_policies_variables.html``: ``${key}`` and ``${key, 'default'}`` in
  ``Resource``/``NotResource`` and in String and ARN condition values, only in ``"Version": "2012-10-17"``
  policies; ``${*}``, ``${?}`` and ``${$}`` stand for a literal ``*``, ``?`` and ``$``; a variable whose key
  is not in the context (or has several values) makes the statement not match, Allow and Deny alike.

What it leaves out, deliberately: Organizations SCPs and RCPs, session policies and cross-account requests
(evaluation in two accounts) — the simulation API refuses those inputs rather than answer them wrongly — and
service-specific rules it cannot know (KMS key policies and role trust policies that must themselves allow, S3
ACLs). It does not fill in global context keys (``aws:PrincipalArn``, ``aws:CurrentTime``...): the context is
exactly what the caller passes, and the keys a matching statement needed but did not get are reported. One
simplification against the single-account page: AWS lets a resource-based policy that names an IAM user ARN
(or a role *session*) grant beyond the boundary's implicit deny; here the boundary caps every allow, as AWS
does for a grant to a role ARN (the stricter answer: never an allow AWS would refuse).

Malformed policies raise :class:`PolicyError` naming the policy and the element — never a silent allow or
deny.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"

_POLICY_KEYS = {"Version", "Id", "Statement"}
_STATEMENT_KEYS = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}
_PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}


class PolicyError(ValueError):
    """A policy the evaluator cannot read; the message names the policy and the element."""


# -- request context ---------------------------------------------------------------------------------


class Context:
    """The request context: condition key → values. Key names are case-insensitive, as in AWS; a key
    given with no value counts as missing."""

    def __init__(self, values: Mapping[str, str | Sequence[str]] | None = None) -> None:
        self._values: dict[str, tuple[str, ...]] = {}
        for key, value in (values or {}).items():
            items = (value,) if isinstance(value, str) else tuple(value)
            if items:
                self._values[key.lower()] = tuple(str(item) for item in items)

    def get(self, key: str) -> tuple[str, ...] | None:
        return self._values.get(key.lower())

    def __contains__(self, key: str) -> bool:
        return key.lower() in self._values


# -- patterns: text whose * and ? may be wildcards ----------------------------------------------------

_Atom = tuple[str, bool]
"""One character of a pattern and whether it is a wildcard (``*``/``?`` typed in the policy, not the
value of a variable nor a ``${*}`` escape)."""

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'((?:[^']|'')*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


class _Unresolved(Exception):
    """A policy variable whose key is not in the context (or has several values)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _wild(text: str) -> list[_Atom]:
    return [(char, char in "*?") for char in text]


def _literal(text: str) -> list[_Atom]:
    return [(char, False) for char in text]


def _substitute(text: str, context: Context, variables: bool) -> list[_Atom]:
    """``text`` as atoms, with policy variables replaced by their (literal) values."""
    if not variables or "${" not in text:
        return _wild(text)
    atoms: list[_Atom] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        atoms += _wild(text[position : match.start()])
        atoms += _literal(_resolve(match.group(1), context))
        position = match.end()
    return atoms + _wild(text[position:])


def _resolve(inner: str, context: Context) -> str:
    if inner in _ESCAPES:
        return _ESCAPES[inner]
    default_match = _DEFAULT.match(inner)
    key, default = (
        (default_match.group(1), default_match.group(2).replace("''", "'"))
        if default_match
        else (inner.strip(), None)
    )
    values = context.get(key)
    if values is not None and len(values) == 1:
        return values[0]
    if default is not None:
        return default
    raise _Unresolved(key)


def _variable_keys(text: str) -> list[str]:
    keys = []
    for match in _VARIABLE.finditer(text):
        inner = match.group(1)
        if inner not in _ESCAPES:
            default_match = _DEFAULT.match(inner)
            keys.append(default_match.group(1) if default_match else inner.strip())
    return keys


@lru_cache(maxsize=4096)
def _regex(atoms: tuple[_Atom, ...], ignore_case: bool = False) -> re.Pattern[str]:
    parts = [(".*" if c == "*" else ".") if wild else re.escape(c) for c, wild in atoms]
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _glob(atoms: Sequence[_Atom], value: str, ignore_case: bool = False) -> bool:
    return _regex(tuple(atoms), ignore_case).fullmatch(value) is not None


def _split_arn(atoms: Sequence[_Atom]) -> list[list[_Atom]]:
    parts: list[list[_Atom]] = [[]]
    for atom in atoms:
        if atom == (":", False) and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append(atom)
    return parts


def _arn_match(atoms: Sequence[_Atom], value: str) -> bool:
    """AWS's ARN comparison: component by component on the first five colons; ``*`` alone matches
    everything; a pattern or value that is not an ARN is compared as a whole."""
    if list(atoms) == [("*", True)]:
        return True
    pattern_parts, value_parts = _split_arn(atoms), value.split(":", 5)
    if len(pattern_parts) < 6 or len(value_parts) < 6:
        return _glob(atoms, value)
    return all(_glob(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


# -- conditions ----------------------------------------------------------------------------------------


def _number(text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def _date(text: str) -> datetime:
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):  # epoch seconds, as AWS accepts
        return datetime.fromtimestamp(float(text), UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _bool(text: str) -> str:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ValueError(text)
    return lowered


def _binary(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raise ValueError(text) from None


def _ip_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text.strip(), strict=False)


@dataclass(frozen=True)
class _Operator:
    family: str
    """string | like | numeric | date | bool | binary | ip | arn | null."""
    test: Callable[[Any, Any], bool]
    negated: bool = False
    ignore_case: bool = False


def _eq(a: Any, b: Any) -> bool:
    return a == b


OPERATORS: dict[str, _Operator] = {
    "StringEquals": _Operator("string", _eq),
    "StringNotEquals": _Operator("string", _eq, negated=True),
    "StringEqualsIgnoreCase": _Operator("string", _eq, ignore_case=True),
    "StringNotEqualsIgnoreCase": _Operator("string", _eq, negated=True, ignore_case=True),
    "StringLike": _Operator("like", _eq),
    "StringNotLike": _Operator("like", _eq, negated=True),
    "NumericEquals": _Operator("numeric", _eq),
    "NumericNotEquals": _Operator("numeric", _eq, negated=True),
    "NumericLessThan": _Operator("numeric", lambda c, p: c < p),
    "NumericLessThanEquals": _Operator("numeric", lambda c, p: c <= p),
    "NumericGreaterThan": _Operator("numeric", lambda c, p: c > p),
    "NumericGreaterThanEquals": _Operator("numeric", lambda c, p: c >= p),
    "DateEquals": _Operator("date", _eq),
    "DateNotEquals": _Operator("date", _eq, negated=True),
    "DateLessThan": _Operator("date", lambda c, p: c < p),
    "DateLessThanEquals": _Operator("date", lambda c, p: c <= p),
    "DateGreaterThan": _Operator("date", lambda c, p: c > p),
    "DateGreaterThanEquals": _Operator("date", lambda c, p: c >= p),
    "Bool": _Operator("bool", _eq),
    "BinaryEquals": _Operator("binary", _eq),
    "IpAddress": _Operator("ip", lambda c, p: c.version == p.version and c in p),
    "NotIpAddress": _Operator("ip", lambda c, p: c.version == p.version and c in p, negated=True),
    "ArnEquals": _Operator("arn", _eq),
    "ArnLike": _Operator("arn", _eq),
    "ArnNotEquals": _Operator("arn", _eq, negated=True),
    "ArnNotLike": _Operator("arn", _eq, negated=True),
    "Null": _Operator("null", _eq),
}
"""Every condition operator AWS defines (without the ``IfExists`` suffix and set qualifiers)."""

_COERCE: dict[str, Callable[[str], Any]] = {
    "numeric": _number,
    "date": _date,
    "bool": _bool,
    "binary": _binary,
    "null": _bool,
}
_VARIABLE_FAMILIES = {"string", "like", "arn"}
_QUALIFIERS = ("ForAllValues", "ForAnyValue")


@dataclass(frozen=True)
class Condition:
    operator: str
    """As written, e.g. ``ForAnyValue:StringLikeIfExists``."""
    base: str
    qualifier: str | None
    if_exists: bool
    key: str
    values: tuple[str, ...]

    @property
    def spec(self) -> _Operator:
        return OPERATORS[self.base]

    def holds(self, context: Context, variables: bool) -> bool:
        spec = self.spec
        present = context.get(self.key)
        if present is None:
            if self.qualifier == "ForAllValues":
                return True
            if self.qualifier == "ForAnyValue":
                return False
            if spec.family == "null":
                return "true" in self._policy_values(context, variables)
            return self.if_exists or spec.negated
        if spec.family == "null":
            return "false" in self._policy_values(context, variables)
        policy = self._policy_values(context, variables)

        def satisfied(value: str) -> bool:
            return self._matches(value, policy) != spec.negated

        if self.qualifier == "ForAllValues":
            return all(satisfied(value) for value in present)
        if self.qualifier == "ForAnyValue" or not spec.negated:
            return any(satisfied(value) for value in present)
        return all(satisfied(value) for value in present)

    def _policy_values(self, context: Context, variables: bool) -> list[Any]:
        family = self.spec.family
        if family in _VARIABLE_FAMILIES:
            return [_substitute(value, context, variables) for value in self.values]
        coerce = _COERCE.get(family, _ip_network)
        return [coerce(value) for value in self.values]  # checked at parse time: cannot fail here

    def _matches(self, value: str, policy: list[Any]) -> bool:
        spec = self.spec
        family = spec.family
        if family == "string":
            for atoms in policy:
                expected = "".join(c for c, _ in atoms)
                if (expected.casefold() == value.casefold()) if spec.ignore_case else expected == value:
                    return True
            return False
        if family == "like":
            return any(_glob(atoms, value) for atoms in policy)
        if family == "arn":
            return len(value.split(":", 5)) == 6 and any(_arn_match(atoms, value) for atoms in policy)
        try:
            actual = (
                ipaddress.ip_network(value.strip(), strict=False).network_address
                if family == "ip"
                else _COERCE[family](value)
            )
        except ValueError:
            return False  # a context value of another type matches nothing
        if family == "ip":
            return any(spec.test(actual, network) for network in policy)
        return any(spec.test(actual, expected) for expected in policy)


def _parse_operator(name: str, where: str) -> tuple[str, str | None, bool]:
    qualifier = None
    base = name
    if ":" in name:
        qualifier, base = name.split(":", 1)
        if qualifier not in _QUALIFIERS:
            raise PolicyError(f"{where}: unknown condition set operator '{qualifier}' in '{name}'")
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in OPERATORS:
        raise PolicyError(f"{where}: unknown condition operator '{name}'")
    if base == "Null" and (if_exists or qualifier):
        raise PolicyError(f"{where}: condition operator '{name}' is not valid (Null takes no qualifier)")
    return base, qualifier, if_exists


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise PolicyError(f"{where}: a condition value must be a string, number or boolean, not {value!r}")


def _parse_conditions(block: Any, where: str) -> tuple[Condition, ...]:
    if not isinstance(block, Mapping):
        raise PolicyError(f"{where}: Condition must be an object")
    conditions = []
    for operator, keys in block.items():
        base, qualifier, if_exists = _parse_operator(operator, where)
        if not isinstance(keys, Mapping) or not keys:
            raise PolicyError(f"{where}: Condition operator '{operator}' must map condition keys to values")
        for key, raw in keys.items():
            raw_values = raw if isinstance(raw, list) else [raw]
            if not raw_values:
                raise PolicyError(f"{where}: condition key '{key}' under '{operator}' has no value")
            values = tuple(_scalar(v, f"{where}: Condition '{operator}' '{key}'") for v in raw_values)
            family = OPERATORS[base].family
            coerce = _COERCE.get(family, _ip_network if family == "ip" else None)
            if coerce is not None:
                for value in values:
                    try:
                        coerce(value)
                    except ValueError:
                        raise PolicyError(
                            f"{where}: '{value}' is not a valid value for condition operator "
                            f"'{operator}' (key '{key}')"
                        ) from None
            conditions.append(Condition(operator, base, qualifier, if_exists, key, values))
    return tuple(conditions)


# -- principals ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """A resource policy's Principal/NotPrincipal: ``everyone`` for ``"*"``, else values by type."""

    everyone: bool = False
    aws: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    """Service, Federated and CanonicalUser principals: never the simulated caller, which is an IAM user,
    group or role; a service calling (an EventBridge rule sending to its target) is named by its principal,
    ``events.amazonaws.com``."""

    def matches(self, caller: str | None) -> bool:
        if self.everyone or "*" in self.aws:
            return True
        if caller is None:
            return False
        if caller in self.others:
            return True
        account = _account_of(caller)
        for value in self.aws:
            if value == caller:
                return True
            if account and value in (account, f"arn:{_partition_of(caller)}:iam::{account}:root"):
                return True
        return False


def _account_of(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _partition_of(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[1] if len(parts) == 6 else "aws"


def _parse_principal(value: Any, where: str) -> Principal:
    if value == "*":
        return Principal(everyone=True)
    if not isinstance(value, Mapping) or not value:
        raise PolicyError(f'{where}: must be "*" or an object such as {{"AWS": ...}}, not {value!r}')
    aws: list[str] = []
    others: list[str] = []
    for kind, raw in value.items():
        if kind not in _PRINCIPAL_TYPES:
            raise PolicyError(f"{where}: unknown principal type '{kind}'")
        items = raw if isinstance(raw, list) else [raw]
        if not items or not all(isinstance(item, str) and item for item in items):
            raise PolicyError(f"{where}: '{kind}' must be a string or a list of strings")
        (aws if kind == "AWS" else others).extend(items)
    return Principal(aws=tuple(aws), others=tuple(others))


# -- statements and policies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str | None
    effect: str
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None
    """None when a resource policy has no Resource element (it then applies to its own resource)."""
    not_resource: bool
    principal: Principal | None
    not_principal: bool
    conditions: tuple[Condition, ...]
    start: Position | None = None
    end: Position | None = None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item for item in items):
        raise PolicyError(f"{where}: must be a non-empty string or list of non-empty strings")
    return tuple(items)


def _one_of(raw: Mapping[str, Any], name: str, where: str, required: bool = True) -> tuple[Any, bool]:
    plain, negated = name in raw, f"Not{name}" in raw
    if plain and negated:
        raise PolicyError(f"{where}: has both {name} and Not{name}")
    if not (plain or negated):
        if required:
            raise PolicyError(f"{where}: has neither {name} nor Not{name}")
        return None, False
    return (raw[f"Not{name}"], True) if negated else (raw[name], False)


def _parse_statement(raw: Any, index: int, where: str, resource_policy: bool) -> Statement:
    where = f"{where}: Statement[{index}]"
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: a statement must be an object")
    unknown = sorted(set(raw) - _STATEMENT_KEYS)
    if unknown:
        raise PolicyError(f"{where}: unknown element {', '.join(unknown)}")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(f"{where}: Sid must be a string")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f'{where}: Effect must be "Allow" or "Deny", not {effect!r}')

    actions, not_action = _one_of(raw, "Action", where)
    actions = _strings(actions, f"{where}: {'NotAction' if not_action else 'Action'}")
    for action in actions:
        if action != "*" and ":" not in action:
            raise PolicyError(
                f"{where}: action '{action}' must be prefixed with its service, as in 's3:{action}'"
            )

    resources, not_resource = _one_of(raw, "Resource", where, required=not resource_policy)
    if resources is not None:
        resources = _strings(resources, f"{where}: {'NotResource' if not_resource else 'Resource'}")

    principal_raw, not_principal = _one_of(raw, "Principal", where, required=resource_policy)
    if principal_raw is not None and not resource_policy:
        raise PolicyError(
            f"{where}: an identity-based policy cannot have a Principal or NotPrincipal element"
        )
    principal = (
        _parse_principal(principal_raw, f"{where}: {'NotPrincipal' if not_principal else 'Principal'}")
        if principal_raw is not None
        else None
    )
    conditions = _parse_conditions(raw["Condition"], where) if "Condition" in raw else ()
    return Statement(
        index, sid, effect, actions, not_action, resources, not_resource, principal, not_principal, conditions
    )


@dataclass(frozen=True)
class Policy:
    """A parsed policy document with the id and type the simulator reports for its statements."""

    id: str
    type: str
    """user | group | role | aws-managed | user-managed | resource | none."""
    version: str
    statements: tuple[Statement, ...]
    resource_policy: bool = False

    @classmethod
    def parse(
        cls,
        document: str | Mapping[str, Any],
        policy_id: str,
        policy_type: str = "none",
        *,
        resource: bool = False,
    ) -> Policy:
        """Parse a policy from its JSON text (statement positions are then known) or from a mapping."""
        text = document if isinstance(document, str) else None
        if text is not None:
            try:
                document = json.loads(text)
            except json.JSONDecodeError as error:
                raise PolicyError(f"{policy_id}: the policy is not valid JSON ({error})") from None
        if not isinstance(document, Mapping):
            raise PolicyError(f"{policy_id}: the policy must be a JSON object")
        unknown = sorted(set(document) - _POLICY_KEYS)
        if unknown:
            raise PolicyError(f"{policy_id}: unknown element {', '.join(unknown)}")
        version = document.get("Version", VERSION_2008)
        if version not in (VERSION_2012, VERSION_2008):
            raise PolicyError(
                f"{policy_id}: Version must be {VERSION_2012} or {VERSION_2008}, not {version!r}"
            )
        if "Statement" not in document:
            raise PolicyError(f"{policy_id}: the policy has no Statement")
        raw = document["Statement"]
        raws = raw if isinstance(raw, list) else [raw]
        statements = [_parse_statement(s, i, policy_id, resource) for i, s in enumerate(raws)]
        spans = _statement_spans(text) if text is not None else []
        if len(spans) == len(statements):
            statements = [
                Statement(**{**vars(s), "start": start, "end": end})
                for s, (start, end) in zip(statements, spans, strict=True)
            ]
        return cls(policy_id, policy_type, version, tuple(statements), resource)


# -- statement positions -------------------------------------------------------------------------------


def _statement_spans(text: str) -> list[tuple[Position, Position]]:
    """Where each statement object starts and ends in the policy text.

    AWS reports a position as the line and the column just after the statement's ``{`` and ``}``
    (1-based), as its own examples show: the statement of
    ``{"Version":"2012-10-17","Statement":{...}}`` (167 characters) starts at column 38 and ends at 167."""
    scanner = _Scanner(text)
    try:
        return scanner.statements()
    except (IndexError, ValueError):
        return []  # json.loads accepted it, so this is only a position we cannot give


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def position(self, offset: int) -> Position:
        line = self.text.count("\n", 0, offset) + 1
        return Position(line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1)

    def skip_space(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1

    def string(self) -> str:
        start = self.i
        self.i += 1
        while self.text[self.i] != '"':
            self.i += 2 if self.text[self.i] == "\\" else 1
        self.i += 1
        return json.loads(self.text[start : self.i])

    def value(self) -> tuple[int, int]:
        """Skip one value; its [start, end) offsets."""
        self.skip_space()
        start = self.i
        char = self.text[start]
        if char == '"':
            self.string()
        elif char in "{[":
            closing = "}" if char == "{" else "]"
            self.i += 1
            self.skip_space()
            while self.text[self.i] != closing:
                if char == "{":
                    self.skip_space()
                    self.string()
                    self.skip_space()
                    self.i += 1  # the colon
                self.value()
                self.skip_space()
                if self.text[self.i] == ",":
                    self.i += 1
                    self.skip_space()
            self.i += 1
        else:
            while self.i < len(self.text) and self.text[self.i] not in ",}] \t\r\n":
                self.i += 1
        return start, self.i

    def statements(self) -> list[tuple[Position, Position]]:
        self.skip_space()
        self.i += 1  # the policy's {
        while True:
            self.skip_space()
            if self.text[self.i] == "}":
                return []
            key = self.string()
            self.skip_space()
            self.i += 1
            if key != "Statement":
                self.value()
            else:
                self.skip_space()
                if self.text[self.i] == "{":
                    return [self._span(*self.value())]
                spans = []
                self.i += 1
                while True:
                    self.skip_space()
                    if self.text[self.i] == "]":
                        return spans
                    spans.append(self._span(*self.value()))
                    self.skip_space()
                    if self.text[self.i] == ",":
                        self.i += 1
            self.skip_space()
            if self.text[self.i] == ",":
                self.i += 1

    def _span(self, start: int, end: int) -> tuple[Position, Position]:
        first, last = self.position(start), self.position(end - 1)
        return Position(first.line, first.column + 1), Position(last.line, last.column + 1)


# -- evaluation ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    action: str
    """``service:Action``."""
    resource: str = "*"
    context: Context = field(default_factory=Context)
    caller: str | None = None
    """The ARN a resource policy's Principal is matched against (None: an anonymous caller)."""


@dataclass(frozen=True)
class MatchedStatement:
    policy_id: str
    policy_type: str
    statement: Statement


@dataclass(frozen=True)
class Evaluation:
    decision: str
    matched_statements: tuple[MatchedStatement, ...]
    missing_context_values: tuple[str, ...]
    """Keys referenced by statements that matched the action and resource but absent from the context."""
    allowed_by_boundary: bool | None
    """Whether the permissions boundary allows the request; None when there is no boundary."""


def _action_matches(patterns: Iterable[str], action: str) -> bool:
    return any(_glob(_wild(pattern), action, ignore_case=True) for pattern in patterns)


class _Missing:
    def __init__(self) -> None:
        self.keys: dict[str, str] = {}

    def add(self, key: str) -> None:
        self.keys.setdefault(key.lower(), key)


def _applies(
    policy: Policy, statement: Statement, request: Request, has_boundary: bool, missing: _Missing
) -> bool:
    if statement.principal is not None:
        named = statement.principal.matches(request.caller)
        if statement.not_principal:
            if named and not (statement.effect == "Deny" and has_boundary):
                return False
        elif not named:
            return False
    if _action_matches(statement.actions, request.action) == statement.not_action:
        return False
    variables = policy.version == VERSION_2012
    if statement.resources is not None:
        matched = False
        for pattern in statement.resources:
            try:
                atoms = _substitute(pattern, request.context, variables)
            except _Unresolved as unresolved:
                missing.add(unresolved.key)
                return False
            matched = matched or _arn_match(atoms, request.resource)
        if matched == statement.not_resource:
            return False
    for condition in statement.conditions:
        if condition.key not in request.context:
            missing.add(condition.key)
        if variables and condition.spec.family in _VARIABLE_FAMILIES:
            for value in condition.values:
                for key in _variable_keys(value):
                    if key not in request.context:
                        missing.add(key)
    try:
        return all(condition.holds(request.context, variables) for condition in statement.conditions)
    except _Unresolved:
        return False


def _matching(policies: Iterable[Policy], request: Request, has_boundary: bool, missing: _Missing):
    return [
        MatchedStatement(policy.id, policy.type, statement)
        for policy in policies
        for statement in policy.statements
        if _applies(policy, statement, request, has_boundary, missing)
    ]


def evaluate(
    request: Request,
    identity_policies: Sequence[Policy],
    *,
    boundary: Policy | None = None,
    resource_policy: Policy | None = None,
) -> Evaluation:
    """Decide one (action, resource, context) as AWS does within one account (see the module docstring)."""
    if resource_policy is not None and not resource_policy.resource_policy:
        raise ValueError("resource_policy must be parsed with Policy.parse(..., resource=True)")
    missing = _Missing()
    has_boundary = boundary is not None
    identity = _matching(identity_policies, request, has_boundary, missing)
    resource = _matching([resource_policy] if resource_policy else [], request, has_boundary, missing)
    bounds = _matching([boundary] if boundary else [], request, has_boundary, missing)

    def of(matches: list[MatchedStatement], effect: str) -> list[MatchedStatement]:
        return [m for m in matches if m.statement.effect == effect]

    denies = of(identity, "Deny") + of(bounds, "Deny") + of(resource, "Deny")
    allowed_by_boundary = None if boundary is None else (not of(bounds, "Deny") and bool(of(bounds, "Allow")))
    if denies:
        decision, matched = EXPLICIT_DENY, denies
    else:
        grants = of(identity, "Allow") + of(resource, "Allow")
        if grants and allowed_by_boundary is not False:
            decision, matched = ALLOWED, grants + of(bounds, "Allow")
        else:
            decision, matched = IMPLICIT_DENY, []
    return Evaluation(decision, tuple(matched), tuple(missing.keys.values()), allowed_by_boundary)
