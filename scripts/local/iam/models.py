"""IAM as a real account has it, plus the policy simulator.

- AWS managed policies exist in every account (``arn:aws:iam::aws:policy/...``), as on AWS. moto builds them
  only with ``MOTO_IAM_LOAD_MANAGED_POLICIES=true``, then eagerly for every IAM backend, again on every reset
  (``BaseBackend.reset`` re-runs ``__init__`` on a backend it then throws away). Here
  ``IAMBackend._init_aws_policies``/``_init_managed_policies`` are overridden so ``managed_policies`` is a
  :class:`ManagedPolicies` dict that builds them on first use, from data parsed once per process.
- ``SimulatePrincipalPolicy``/``SimulateCustomPolicy`` (:meth:`Backend.simulate`): the policies an entity has
  (moto's ``Role``/``User``/``Group`` ``.policies`` inline documents, ``.managed_policies`` attachments, the
  role's ``permissions_boundary_arn``), decided by :mod:`.evaluation`.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend, ManagedPolicy

from .evaluation import (
    Context,
    Evaluation,
    Policy,
    PolicyError,
    Request,
    evaluate,
)
from .exceptions import InvalidInput, NoSuchEntity

_ENTITY_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):iam::(?P<account>\d{12}):(?P<kind>user|role|group)(?P<path>/.*)"
)
_ACCOUNT = re.compile(r"\d{12}")
_SINGLE_TYPES = ("string", "numeric", "boolean", "ip", "binary", "date")
CONTEXT_KEY_TYPES = (*_SINGLE_TYPES, *(f"{kind}List" for kind in _SINGLE_TYPES))


@lru_cache(maxsize=1)
def _aws_policy_data() -> dict[str, Any]:
    """moto's copy of the AWS managed policies (1,582 in moto 5.2.5), parsed once per process."""
    return json.loads(aws_managed_policies_data)


class ManagedPolicies(dict[str, ManagedPolicy]):
    """``IAMBackend.managed_policies``: customer managed policies as moto keeps them; the AWS managed ones are
    added the first time anything looks one up or lists the policies (a customer policy's ``in`` check,
    done on every CreatePolicy, does not)."""

    def __init__(self, account_id: str, region_name: str) -> None:
        super().__init__()
        self._account_id = account_id
        self._region_name = region_name
        self._loaded = False
        self._lock = threading.Lock()

    def load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            for name, data in _aws_policy_data().items():
                policy = AWSManagedPolicy.from_data(name, self._account_id, self._region_name, data)
                super().setdefault(policy.arn, policy)
            self._loaded = True

    def _load_for(self, key: object) -> None:
        if isinstance(key, str) and ":iam::aws:policy/" in key:
            self.load()

    def __contains__(self, key: object) -> bool:
        self._load_for(key)
        return super().__contains__(key)

    def __getitem__(self, key: str) -> ManagedPolicy:
        self._load_for(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._load_for(key)
        return super().get(key, default)

    def __iter__(self) -> Iterator[str]:
        self.load()
        return super().__iter__()

    def __len__(self) -> int:
        self.load()
        return super().__len__()

    def keys(self):  # type: ignore[override]
        self.load()
        return super().keys()

    def values(self):  # type: ignore[override]
        self.load()
        return super().values()

    def items(self):  # type: ignore[override]
        self.load()
        return super().items()


@dataclass(frozen=True)
class Principal:
    """The IAM entity a simulation takes its policies from."""

    arn: str
    kind: str
    """user | role | group."""
    identity: tuple[Policy, ...]
    boundary: Policy | None


def _document(raw: Any) -> str | Mapping[str, Any]:
    """An inline policy as moto stored it: JSON text (from the API) or a mapping (from CloudFormation)."""
    return raw if isinstance(raw, str | Mapping) else str(raw)


def parse_policy(document: Any, policy_id: str, policy_type: str, *, resource: bool = False) -> Policy:
    """A policy for the simulator; one it cannot read is the caller's InvalidInput, naming the element."""
    try:
        return Policy.parse(_document(document), policy_id, policy_type, resource=resource)
    except PolicyError as error:
        raise InvalidInput(f"Invalid policy document: {error}") from None


def _managed_type(policy: ManagedPolicy) -> str:
    return "aws-managed" if isinstance(policy, AWSManagedPolicy) else "user-managed"


def _default_document(policy: ManagedPolicy) -> str:
    for version in policy.versions:
        if version.version_id == policy.default_version_id:
            return version.document
    return policy.versions[-1].document


def parse_context(entries: Sequence[Mapping[str, Any]] | None) -> Context:
    """ContextEntries → a :class:`Context`, each value checked against its ContextKeyType."""
    values: dict[str, list[str]] = {}
    for entry in entries or []:
        name = entry.get("ContextKeyName")
        if not name:
            raise InvalidInput("ContextKeyName is required in each of ContextEntries.")
        kind = entry.get("ContextKeyType") or "string"
        if kind not in CONTEXT_KEY_TYPES:
            raise InvalidInput(
                f"ContextKeyType {kind!r} of context key {name} is not one of {', '.join(CONTEXT_KEY_TYPES)}."
            )
        given = [str(value) for value in entry.get("ContextKeyValues") or []]
        if not kind.endswith("List") and len(given) > 1:
            raise InvalidInput(
                f"Context key {name} is of type {kind} and takes one value; use {kind}List for several."
            )
        for value in given:
            if not _valid(kind.removesuffix("List"), value):
                raise InvalidInput(
                    f"Context key {name}: {value!r} is not a valid {kind.removesuffix('List')}."
                )
        values[name] = given
    return Context(values)


def _valid(kind: str, value: str) -> bool:
    try:
        if kind == "numeric":
            Decimal(value)
        elif kind == "boolean":
            return value.strip().lower() in ("true", "false")
        elif kind == "ip":
            ipaddress.ip_network(value.strip(), strict=False)
        elif kind == "binary":
            base64.b64decode(value, validate=True)
        elif kind == "date" and not re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
            datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (InvalidOperation, ValueError, binascii.Error):
        return False
    return True


def _statement(match) -> dict[str, Any]:
    statement = match.statement
    shaped: dict[str, Any] = {"SourcePolicyId": match.policy_id, "SourcePolicyType": match.policy_type}
    if statement.start is not None and statement.end is not None:
        shaped["StartPosition"] = {"Line": statement.start.line, "Column": statement.start.column}
        shaped["EndPosition"] = {"Line": statement.end.line, "Column": statement.end.column}
    return shaped


def _boundary_detail(evaluation: Evaluation) -> dict[str, Any]:
    if evaluation.allowed_by_boundary is None:
        return {}
    return {
        "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": evaluation.allowed_by_boundary}
    }


class Backend(IAMBackend):
    def _init_aws_policies(self) -> list[ManagedPolicy]:
        return []  # built on first use by ManagedPolicies

    @property
    def aws_managed_policies(self) -> list[ManagedPolicy]:
        """The AWS managed policies, from ``managed_policies`` (moto keeps a list it builds eagerly)."""
        return [policy for policy in self.managed_policies.values() if isinstance(policy, AWSManagedPolicy)]

    @aws_managed_policies.setter
    def aws_managed_policies(self, _eager: list[ManagedPolicy]) -> None:
        """moto's ``__init__`` assigns what :meth:`_init_aws_policies` returns (nothing): not kept."""

    def _init_managed_policies(self) -> dict[str, ManagedPolicy]:
        return ManagedPolicies(self.account_id, self.region_name)

    # -- permissions boundaries must exist (moto checks only the ARN's form) ----------------------------
    def require_boundary(self, boundary_arn: str | None) -> None:
        """IAM refuses a boundary that is not an existing managed policy, with this message."""
        if (
            boundary_arn
            and self.policy_arn_regex.match(boundary_arn)
            and boundary_arn not in self.managed_policies
        ):
            raise NoSuchEntity(f"Scope ARN: {boundary_arn} does not exist or is not attachable.")

    def create_role(
        self, role_name, assume_role_policy_document, path, permissions_boundary, *args, **kwargs
    ):
        self.require_boundary(permissions_boundary)
        return super().create_role(
            role_name, assume_role_policy_document, path, permissions_boundary, *args, **kwargs
        )

    def put_role_permissions_boundary(self, role_name: str, permissions_boundary: str) -> None:
        self.require_boundary(permissions_boundary)
        super().put_role_permissions_boundary(role_name, permissions_boundary)

    def get_role_policy(self, role_name: str, policy_name: str) -> tuple[str, str]:
        """moto keeps the inline policies CloudFormation gives a role as dicts and answers with their Python
        repr; GetRolePolicy answers with the JSON document."""
        name, document = super().get_role_policy(role_name, policy_name)
        return name, document if isinstance(document, str) else json.dumps(document)

    # -- the policies of an entity ---------------------------------------------------------------------
    def principal(self, arn: str) -> Principal:
        """The policies attached to a user (with its groups'), role or group, for the simulator."""
        match = _ENTITY_ARN.fullmatch(arn or "")
        if match is None:
            raise InvalidInput(f"PolicySourceArn {arn} is not the ARN of an IAM user, group or role.")
        kind, name = match["kind"], match["path"].rsplit("/", 1)[-1]
        found = {"user": self.users, "role": {r.name: r for r in self.roles.values()}, "group": self.groups}
        entity = found[kind].get(name)
        if entity is None or match["account"] != self.account_id or entity.arn != arn:
            raise NoSuchEntity(f"The {kind} with name {name} cannot be found.")
        identity = self._attached(entity, kind)
        if kind == "user":
            for group in self.get_groups_for_user(name):
                identity += self._attached(group, "group")
        boundary_arn = getattr(entity, "permissions_boundary_arn", None)
        boundary = None
        if boundary_arn:
            policy = self.managed_policies.get(boundary_arn)
            if policy is None:
                raise NoSuchEntity(f"Policy {boundary_arn} does not exist or is not attachable.")
            boundary = parse_policy(_default_document(policy), policy.name, _managed_type(policy))
        return Principal(arn, kind, tuple(identity), boundary)

    @staticmethod
    def _attached(entity, kind: str) -> list[Policy]:
        policies = [parse_policy(document, name, kind) for name, document in entity.policies.items()]
        policies += [
            parse_policy(_default_document(policy), policy.name, _managed_type(policy))
            for policy in entity.managed_policies.values()
        ]
        return policies

    # -- the simulation ----------------------------------------------------------------------------------
    def simulate(
        self,
        *,
        identity: Sequence[Policy],
        boundary: Policy | None,
        resource_policy: Policy | None,
        caller: str | None,
        actions: Sequence[str],
        resources: Sequence[str] | None,
        context: Context,
    ) -> list[dict[str, Any]]:
        """One EvaluationResult per (action, resource), in the order given, as AWS lists them."""
        results = []
        for action in actions:
            for resource in resources or ["*"]:
                evaluation = evaluate(
                    Request(action, resource, context, caller),
                    identity,
                    boundary=boundary,
                    resource_policy=resource_policy,
                )
                matched = [_statement(m) for m in evaluation.matched_statements]
                missing = list(evaluation.missing_context_values)
                result: dict[str, Any] = {
                    "EvalActionName": action,
                    "EvalResourceName": resource,
                    "EvalDecision": evaluation.decision,
                    "MatchedStatements": matched,
                    "MissingContextValues": missing,
                    **_boundary_detail(evaluation),
                }
                if resources:
                    result["EvalDecisionDetails"] = {}
                    result["ResourceSpecificResults"] = [
                        {
                            "EvalResourceName": resource,
                            "EvalResourceDecision": evaluation.decision,
                            "MatchedStatements": matched,
                            "MissingContextValues": missing,
                            "EvalDecisionDetails": {},
                            **_boundary_detail(evaluation),
                        }
                    ]
                results.append(result)
        return results

    def check_same_account(self, account: str, what: str) -> None:
        if account != self.account_id:
            raise InvalidInput(
                f"{what} is in account {account}, not {self.account_id}: cross-account simulation is not "
                "supported by the local emulator (run it against AWS)."
            )


def account_of(arn_or_id: str) -> str | None:
    """The account of an ARN (its fifth field) or an account id; None when the ARN names none (S3)."""
    if _ACCOUNT.fullmatch(arn_or_id):
        return arn_or_id
    parts = arn_or_id.split(":", 5)
    return parts[4] if len(parts) == 6 and _ACCOUNT.fullmatch(parts[4]) else None


def caller_arn_problem(arn: str) -> str | None:
    """Why ``arn`` cannot be a simulated caller (AWS: an IAM user, group or role; not an assumed role, a
    federated user or a service), or None."""
    if _ENTITY_ARN.fullmatch(arn):
        return None
    return f"CallerArn {arn} is not the ARN of an IAM user, group or role."
