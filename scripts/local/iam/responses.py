"""``SimulatePrincipalPolicy`` and ``SimulateCustomPolicy``, added to moto's ``IamResponse`` (every other IAM
action stays moto's). The request and response shapes are the IAM API's, as the pinned botocore models them;
moto's serializer turns the ``ActionResult`` dicts into IAM's XML."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse as MotoIamResponse

from .evaluation import Policy
from .exceptions import InvalidInput
from .models import Backend, account_of, caller_arn_problem, parse_context, parse_policy

_DEFAULT_MAX_ITEMS = 100
_UNSUPPORTED = {
    "PolicyExclusionList": "excluding attached policies",
    "OrderedOrganizationPolicyInputList": "Organizations SCPs",
    "ResourceHandlingOption": "EC2 resource-handling scenarios",
}


class IamResponse(MotoIamResponse):
    @property
    def iam(self) -> Backend:
        return self.backend  # type: ignore[return-value]

    def simulate_principal_policy(self) -> ActionResult:
        self._refuse_unsupported()
        principal = self.iam.principal(self._get_param("PolicySourceArn"))
        caller = self._get_param("CallerArn") or principal.arn
        return self._simulate(
            identity=[*principal.identity, *self._inputs("PolicyInputList")],
            boundary=self._boundary_input() or principal.boundary,
            caller=caller,
            wildcard_actions=True,
        )

    def simulate_custom_policy(self) -> ActionResult:
        self._refuse_unsupported()
        inputs = self._inputs("PolicyInputList")
        if not inputs:
            raise InvalidInput("PolicyInputList must contain at least one policy.")
        caller = self._get_param("CallerArn")
        if self._get_param("ResourcePolicy") and not caller:
            raise InvalidInput("CallerArn is required when the simulation includes a ResourcePolicy.")
        return self._simulate(
            identity=inputs, boundary=self._boundary_input(), caller=caller, wildcard_actions=False
        )

    # -- shared by both ------------------------------------------------------------------------------------
    def _simulate(
        self, *, identity: list[Policy], boundary: Policy | None, caller: str | None, wildcard_actions: bool
    ) -> ActionResult:
        actions = self._get_param("ActionNames") or []
        if not actions:
            raise InvalidInput("ActionNames must name at least one action.")
        for action in actions:
            if ":" not in action:
                raise InvalidInput(
                    f"Action name {action} must include its service prefix, as in iam:CreateUser."
                )
            if not wildcard_actions and ("*" in action or "?" in action):
                raise InvalidInput(f"Action name {action}: this operation does not support wildcards.")
        resources = self._get_param("ResourceArns") or None
        if caller is not None:
            problem = caller_arn_problem(caller)
            if problem:
                raise InvalidInput(problem)
            self.iam.check_same_account(account_of(caller) or "", f"CallerArn {caller}")
        owner = self._get_param("ResourceOwner")
        if owner:
            owner_account = account_of(owner)
            if owner_account is None:
                raise InvalidInput(f"ResourceOwner {owner} is neither an account id nor an account ARN.")
            self.iam.check_same_account(owner_account, f"ResourceOwner {owner}")
        for resource in resources or []:
            account = account_of(resource)
            if account is not None:
                self.iam.check_same_account(account, f"Resource {resource}")
        raw_resource_policy = self._get_param("ResourcePolicy")
        results = self.iam.simulate(
            identity=identity,
            boundary=boundary,
            resource_policy=(
                parse_policy(raw_resource_policy, "ResourcePolicy", "resource", resource=True)
                if raw_resource_policy
                else None
            ),
            caller=caller,
            actions=actions,
            resources=resources,
            context=parse_context(self._get_param("ContextEntries")),
        )
        return ActionResult(self._page(results))

    def _page(self, results: list[dict[str, Any]]) -> dict[str, Any]:
        """MaxItems/Marker paging; the marker is the offset of the next result."""
        marker = self._get_param("Marker")
        if marker is not None and not (marker.isdigit() and 0 < int(marker) < len(results)):
            raise InvalidInput(f"Marker {marker} is not valid for this simulation.")
        start = int(marker or 0)
        end = start + int(self._get_param("MaxItems") or _DEFAULT_MAX_ITEMS)
        page: dict[str, Any] = {"EvaluationResults": results[start:end], "IsTruncated": end < len(results)}
        if end < len(results):
            page["Marker"] = str(end)
        return page

    def _inputs(self, name: str) -> list[Policy]:
        return [
            parse_policy(document, f"{name}.{number}", "none")
            for number, document in enumerate(self._get_param(name) or [], start=1)
        ]

    def _boundary_input(self) -> Policy | None:
        boundaries = self._inputs("PermissionsBoundaryPolicyInputList")
        if len(boundaries) > 1:
            raise InvalidInput("PermissionsBoundaryPolicyInputList takes one permissions boundary.")
        return boundaries[0] if boundaries else None

    def _refuse_unsupported(self) -> None:
        for parameter, what in _UNSUPPORTED.items():
            if self._get_param(parameter):
                raise InvalidInput(
                    f"{parameter} ({what}) is not supported by the local emulator's policy simulator; "
                    "run this simulation against AWS."
                )
