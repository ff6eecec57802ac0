"""Projects provisioned from a CloudFormation template in S3 (``TemplateProviders``, SageMaker's alternative
to Service Catalog products since 2025).

CreateProject checks the one ``CfnTemplateProvider`` as the API does and reads its template from the
emulator's S3 at once, through the reader of Service Catalog's ``LoadTemplateFromURL`` (the same URL forms);
a URL naming no object, or not a template, is refused and nothing is created. The stack,
``sagemaker-<project id>-<template name>`` (the local emulator's choice; AWS's naming was not checked), is
created in the background from that template with the provider's parameters plus ``SageMakerProjectName``/
``SageMakerProjectId``, its ``RoleARN`` and the project's tags. UpdateProject (``TemplateProvidersToUpdate``)
reads the template again, its URL may change, and updates the stack with the parameters given (one not given
takes its default, as in UpdateStack); DeleteProject deletes the stack.

An operation's progress is read from the stack: queued until the background work starts, running while
it calls CloudFormation and while the stack is ``*_IN_PROGRESS``, then succeeded or failed with the stack's
reason (:func:`~scripts.local.servicecatalog.provisioning.stack_failure`), or with CloudFormation's message
when it refused the operation (a parameter breaking its constraint) and left the stack as it was."""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.cloudformation.models import Stack, cloudformation_backends
from moto.core.exceptions import JsonRESTError
from moto.sagemaker.exceptions import ValidationError
from moto.servicecatalog.models import servicecatalog_backends

from scripts.local import concurrency
from scripts.local.cloudformation import parameters as cfn_parameters
from scripts.local.servicecatalog.provisioning import stack_failure

from .project_identity import ProjectIdentity

_TEMPLATE_NAME = re.compile(r"(?=.{1,32}$)[a-zA-Z0-9](-*[a-zA-Z0-9])*")
_TEMPLATE_URL = re.compile(r"(?=.{1,1024}$)(https)://([^/]+)/(.+)")
_ROLE_ARN = re.compile(r"(?=.{20,2048}$)arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
_SUCCEEDED = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE")
_UPDATABLE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")


def _check(value: Any, pattern: re.Pattern[str], member: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(
            message=f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must satisfy regular expression pattern: {pattern.pattern}"
        )


def _provider(providers: list[dict[str, Any]], member: str) -> dict[str, Any]:
    """The one CfnTemplateProvider of ``providers`` (``member``: TemplateProviders or
    TemplateProvidersToUpdate), checked."""
    if len(providers) != 1:
        raise ValidationError(
            message=f"{member} has {len(providers)} template providers; a project takes exactly one."
        )
    provider = providers[0].get("CfnTemplateProvider")
    if not provider:
        raise ValidationError(message=f"{member} needs a CfnTemplateProvider.")
    path = f"{member[0].lower()}{member[1:]}.1.member.cfnTemplateProvider"
    _check(provider.get("TemplateName"), _TEMPLATE_NAME, f"{path}.templateName")
    _check(provider.get("TemplateURL"), _TEMPLATE_URL, f"{path}.templateURL")
    if provider.get("RoleARN") is not None:
        _check(provider["RoleARN"], _ROLE_ARN, f"{path}.roleARN")
    return provider


def _template(account_id: str, region_name: str, url: str) -> str:
    """The template at ``url`` in the emulator's S3; not there, or not a template: a ValidationError."""
    try:
        body = servicecatalog_backends[account_id][region_name].template_body(url)
    except JsonRESTError as error:
        raise ValidationError(message=error.message) from error
    try:
        template = Stack.parse_template(body)
    except Exception as error:
        raise ValidationError(message=f"Template at {url} is not valid JSON or YAML: {error}") from error
    if not isinstance(template, dict) or "Resources" not in template:
        raise ValidationError(message=f"Template at {url} has no Resources section.")
    return body


def _stack_parameters(given: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"ParameterKey": p["Key"], "ParameterValue": p.get("Value", "")} for p in given]


def _reason(error: Exception) -> str:
    """CloudFormation's message for a refusal; anything else is the emulator's fault, and says so."""
    message = getattr(error, "message", None)
    if message:
        return message
    traceback.print_exc()
    return f"The local emulator failed: {type(error).__name__}: {error}"


@dataclass
class TemplateProvisioning:
    KIND = "a template provider"
    UPDATE_MEMBER = "TemplateProvidersToUpdate"
    account_id: str
    region_name: str
    identity: ProjectIdentity
    template_name: str
    template_url: str
    role_arn: str | None
    parameters: list[dict[str, str]]
    """The provider's Parameters as given."""
    stack_id: str | None = None
    stage: str = "queued"
    """The operation under way: queued, running (its CloudFormation call in flight) or done."""
    refusal: str | None = None
    """CloudFormation's message when it refused the operation."""

    @property
    def stack_name(self) -> str:
        return f"sagemaker-{self.identity.id}-{self.template_name}"

    @property
    def _cloudformation(self) -> Any:
        return cloudformation_backends[self.account_id][self.region_name]

    def _stack(self) -> Stack | None:
        if self.stack_id is None:
            return None
        backend = self._cloudformation
        return backend.stacks.get(self.stack_id) or backend.deleted_stacks.get(self.stack_id)

    @classmethod
    def launch(
        cls,
        account_id: str,
        region_name: str,
        identity: ProjectIdentity,
        providers: list[dict[str, Any]],
        tags: list[dict[str, str]],
    ) -> TemplateProvisioning:
        provider = _provider(providers, "TemplateProviders")
        body = _template(account_id, region_name, provider["TemplateURL"])
        provisioning = cls(
            account_id,
            region_name,
            identity,
            provider["TemplateName"],
            provider["TemplateURL"],
            provider.get("RoleARN"),
            list(provider.get("Parameters") or []),
        )
        provisioning._queue(provisioning._create, body, tags)
        return provisioning

    def _queue(self, work: Callable[..., None], *args: Any) -> None:
        self.stage, self.refusal = "queued", None
        concurrency.after(0, self._run, work, *args)

    def _run(self, work: Callable[..., None], *args: Any) -> None:
        """Background: one stack operation; a refusal fails it with the reason, the stack left as it was."""
        self.stage = "running"
        try:
            work(*args)
        except concurrency.Cancelled:
            raise
        except Exception as error:
            self.refusal = _reason(error)
        finally:
            self.stage = "done"

    def _values(self, body: str, stack: Stack | None) -> dict[str, str]:
        """The stack's parameter values, checked as CloudFormation checks them."""
        context = cfn_parameters.Context(
            self.account_id, self.region_name, self.stack_name, stack.stack_id if stack else None
        )
        given = _stack_parameters(self.identity.parameters(self.parameters))
        return cfn_parameters.validate(Stack.parse_template(body), given, None, context)

    def _create(self, body: str, tags: list[dict[str, str]]) -> None:
        stack = self._cloudformation.create_stack(
            name=self.stack_name,
            template=body,
            parameters=self._values(body, None),
            tags={t["Key"]: t["Value"] for t in tags},
            role_arn=self.role_arn,
        )
        self.stack_id = stack.stack_id

    def _update(self, body: str, tags: list[dict[str, str]]) -> None:
        stack = self._stack()
        if stack is None or stack.status not in _UPDATABLE:  # CloudFormation's answer to UpdateStack
            state = stack.status if stack else "no"
            raise ValidationError(
                message=f"Stack:{self.stack_name} is in {state} state and can not be updated."
            )
        stack.update(
            body,
            self.role_arn,
            parameters=self._values(body, stack),
            tags={t["Key"]: t["Value"] for t in tags},
        )

    def _delete(self) -> None:
        if self.stack_id in self._cloudformation.stacks:
            self._cloudformation.delete_stack(self.stack_id)

    # -- what the project reads -----------------------------------------------------------------------
    def progress(self) -> str:
        if self.stage != "done":
            return "pending" if self.stage == "queued" else "running"
        if self.refusal:
            return "failed"
        stack = self._stack()
        if stack is None or stack.status in _SUCCEEDED:  # no stack: deleted before it was created
            return "succeeded"
        return "running" if stack.status.endswith("_IN_PROGRESS") else "failed"

    def _status_message(self) -> str | None:
        stack = self._stack()
        if self.refusal or stack is None:
            return self.refusal
        if stack.status in _SUCCEEDED or stack.status.endswith("_IN_PROGRESS"):
            return stack.status
        return stack_failure(stack)

    def described(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "TemplateName": self.template_name,
            "TemplateURL": self.template_url,
            "Parameters": self.parameters,
        }
        if self.role_arn:
            detail["RoleARN"] = self.role_arn
        message = self._status_message()
        if message:
            stack = {"Name": self.stack_name, "StatusMessage": message}
            if self.stack_id:
                stack["Id"] = self.stack_id
            detail["StackDetail"] = stack
        return {"TemplateProviderDetails": [{"CfnTemplateProviderDetail": detail}]}

    # -- what the project asks ------------------------------------------------------------------------
    def update(self, request: dict[str, Any], tags: list[dict[str, str]]) -> bool:
        providers = request.get(self.UPDATE_MEMBER)
        if not providers:
            return False
        provider = _provider(providers, "TemplateProvidersToUpdate")
        if provider["TemplateName"] != self.template_name:
            raise ValidationError(
                message=f"Project {self.identity.name} has no template {provider['TemplateName']}; its "
                f"template is {self.template_name}."
            )
        body = _template(self.account_id, self.region_name, provider["TemplateURL"])
        self.template_url = provider["TemplateURL"]
        self.parameters = list(provider.get("Parameters") or [])
        self._queue(self._update, body, tags)
        return True

    def delete(self) -> None:
        self._queue(self._delete)
