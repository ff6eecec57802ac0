"""Service Catalog provisioning: provisioned products, their records, and the stacks behind them.

ProvisionProduct answers at once; the stack (``SC-<account>-pp-<id>``, the artifact's template, the launch
constraint's role) is created on a background thread (:func:`scripts.local.concurrency.after`), as
Service Catalog creates it apart from the API call. A provisioned product's status follows its stack:
UNDER_CHANGE while the stack operation runs, AVAILABLE when it completed, ERROR (TAINTED after a failed
update) with the stack's reason. The status is read from the stack whenever a provisioned product or a
record is read, so a stack that completes later (a custom resource answered) is seen when it does.

moto internals used: ``CloudFormationBackend.create_stack``/``delete_stack``/``stacks``/``deleted_stacks``,
``Stack.update``/``events``/``status`` (all patched by :mod:`scripts.local.patches` to run in order)."""

from __future__ import annotations

import json
import secrets
import string
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack, cloudformation_backends
from moto.core.utils import utcnow
from moto.utilities.utils import get_partition

from scripts.local import concurrency
from scripts.local.cloudformation import parameters as cfn_parameters

from .exceptions import DuplicateResourceException, InvalidParametersException, ResourceNotFoundException

_ALPHABET = string.ascii_lowercase + string.digits

IN_PROGRESS_STACK = ("_IN_PROGRESS",)
_FAILED_CREATE = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED")


def new_id(prefix: str, length: int = 13) -> str:
    """An id in AWS's form: ``prefix`` and ``length`` lowercase alphanumerics (``pp-``, ``rec-``, ...)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class LaunchChoice:
    """The product, version and launch path a request names, each by id or by name (ProvisionProduct,
    DescribeProvisioningParameters)."""

    product_id: str | None = None
    product_name: str | None = None
    artifact_id: str | None = None
    artifact_name: str | None = None
    path_id: str | None = None
    path_name: str | None = None

    @classmethod
    def from_request(cls, params: dict[str, Any]) -> LaunchChoice:
        return cls(
            params.get("ProductId"),
            params.get("ProductName"),
            params.get("ProvisioningArtifactId"),
            params.get("ProvisioningArtifactName"),
            params.get("PathId"),
            params.get("PathName"),
        )


@dataclass
class Record:
    id: str
    record_type: str
    """PROVISION_PRODUCT, UPDATE_PROVISIONED_PRODUCT or TERMINATE_PROVISIONED_PRODUCT."""
    provisioned_product_id: str
    provisioned_product_name: str
    product_id: str
    artifact_id: str
    path_id: str
    launch_role_arn: str | None
    tags: list[dict[str, str]]
    status: str = "CREATED"
    errors: list[dict[str, str]] = field(default_factory=list)
    outputs: list[dict[str, str]] = field(default_factory=list)
    created_time: datetime = field(default_factory=utcnow)
    updated_time: datetime = field(default_factory=utcnow)

    def settle(self, status: str, error: str | None = None, code: str = "ValidationError") -> None:
        self.status = status
        self.updated_time = utcnow()
        if error:
            self.errors = [{"Code": code, "Description": error}]

    def detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "RecordId": self.id,
            "ProvisionedProductName": self.provisioned_product_name,
            "Status": self.status,
            "CreatedTime": self.created_time,
            "UpdatedTime": self.updated_time,
            "ProvisionedProductType": "CFN_STACK",
            "RecordType": self.record_type,
            "ProvisionedProductId": self.provisioned_product_id,
            "ProductId": self.product_id,
            "ProvisioningArtifactId": self.artifact_id,
            "PathId": self.path_id,
            "RecordErrors": self.errors,
            "RecordTags": self.tags,
        }
        if self.launch_role_arn:
            detail["LaunchRoleArn"] = self.launch_role_arn
        return detail


@dataclass
class ProvisionedProduct:
    id: str
    name: str
    arn: str
    product_id: str
    artifact_id: str
    path_id: str
    parameters: dict[str, str]
    tags: list[dict[str, str]]
    launch_role_arn: str | None
    user_arn: str
    idempotency_token: str | None
    stack_name: str
    stack_id: str | None = None
    status: str = "UNDER_CHANGE"
    status_message: str = ""
    created_time: datetime = field(default_factory=utcnow)
    records: list[Record] = field(default_factory=list)
    last_successful_record_id: str | None = None
    terminated: bool = False
    pending_artifact_id: str | None = None
    """The artifact an update in progress moves to."""

    @property
    def last_record(self) -> Record:
        return self.records[-1]

    @property
    def last_provisioning_record(self) -> Record:
        return next(r for r in reversed(self.records) if r.record_type != "TERMINATE_PROVISIONED_PRODUCT")

    def detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "Name": self.name,
            "Arn": self.arn,
            "Type": "CFN_STACK",
            "Id": self.id,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "CreatedTime": self.created_time,
            "LastRecordId": self.last_record.id,
            "LastProvisioningRecordId": self.last_provisioning_record.id,
            "ProductId": self.product_id,
            "ProvisioningArtifactId": self.artifact_id,
        }
        if self.idempotency_token:
            detail["IdempotencyToken"] = self.idempotency_token
        if self.last_successful_record_id:
            detail["LastSuccessfulProvisioningRecordId"] = self.last_successful_record_id
        if self.launch_role_arn:
            detail["LaunchRoleArn"] = self.launch_role_arn
        return detail

    def attributes(self, product_name: str, artifact_name: str) -> dict[str, Any]:
        """SearchProvisionedProducts' ProvisionedProductAttribute."""
        attributes = {k: v for k, v in self.detail().items() if k not in ("LaunchRoleArn",)}
        attributes.update(
            {
                "Tags": self.tags,
                "ProductName": product_name,
                "ProvisioningArtifactName": artifact_name,
                "UserArn": self.user_arn,
                "UserArnSession": self.user_arn,
            }
        )
        if self.stack_id:
            attributes["PhysicalId"] = self.stack_id
        return attributes


def _text_values(parameters: Any) -> list[dict[str, Any]]:
    """ProvisionProduct's ``[{"Key", "Value"}]`` (or UpdateProvisionedProduct's, with UsePreviousValue) as
    CloudFormation's ``[{"ParameterKey", ...}]``."""
    listed = []
    for entry in parameters or []:
        item: dict[str, Any] = {"ParameterKey": entry["Key"]}
        if str(entry.get("UsePreviousValue")).lower() == "true":
            item["UsePreviousValue"] = "true"
        else:
            item["ParameterValue"] = entry.get("Value", "")
        listed.append(item)
    return listed


def stack_failure(stack: Stack) -> str:
    """The reason a stack operation failed, as Service Catalog reports it: the stack's reason and the first
    resource that failed, with its reason."""
    stack_reason = ""
    resource_reason = ""
    for event in stack.events:
        status = event.resource_status or ""
        if event.resource_type == "AWS::CloudFormation::Stack":
            if status.endswith("ROLLBACK_IN_PROGRESS") or status.endswith("_FAILED"):
                stack_reason = stack_reason or (event.resource_status_reason or "")
        elif status.endswith("_FAILED") and not resource_reason:
            resource_reason = f"{event.logical_resource_id}: {event.resource_status_reason}"
    return " ".join(part for part in (stack_reason, resource_reason) if part) or stack.status


class ProvisioningMixin:
    """ProvisionProduct and what follows it, for :class:`scripts.local.servicecatalog.models.Backend`."""

    account_id: str
    region_name: str

    def _provisioning_state(self) -> dict[str, ProvisionedProduct]:
        if not hasattr(self, "_provisioned"):
            self._provisioned: dict[str, ProvisionedProduct] = {}
            self._records: dict[str, Record] = {}
        return self._provisioned

    @property
    def _cloudformation(self) -> Any:
        return cloudformation_backends[self.account_id][self.region_name]

    # -- lookups ------------------------------------------------------------------------------------
    def provisioned_product(self, pp_id: str | None = None, name: str | None = None) -> ProvisionedProduct:
        self.refresh_provisioned()
        for pp in self._provisioning_state().values():
            if (pp_id and pp.id == pp_id) or (not pp_id and name and pp.name == name):
                return pp
        raise ResourceNotFoundException(f"Provisioned product {pp_id or name} not found.")

    def record(self, record_id: str) -> Record:
        self._provisioning_state()
        self.refresh_provisioned()
        if record_id not in self._records:
            raise ResourceNotFoundException(f"Record {record_id} not found.")
        return self._records[record_id]

    def provisioned_products(self) -> list[ProvisionedProduct]:
        self.refresh_provisioned()
        return list(self._provisioning_state().values())

    def records_of(self, pp_id: str | None) -> list[Record]:
        self._provisioning_state()
        self.refresh_provisioned()
        return [r for r in self._records.values() if pp_id is None or r.provisioned_product_id == pp_id]

    def launch_path_id(self, product_id: str, path_id: str | None, path_name: str | None = None) -> str:
        """The launch path: the one given, or the product's only one."""
        paths = self.launch_paths(product_id)  # type: ignore[attr-defined]
        if path_id or path_name:
            for path in paths:
                if path["Id"] == path_id or path["Id"] == f"lpv3-{path_id}" or path["Name"] == path_name:
                    return path["Id"]
            raise ResourceNotFoundException(f"Launch path {path_id or path_name} not found for {product_id}.")
        if len(paths) != 1:
            raise InvalidParametersException(
                f"Product {product_id} has {len(paths)} launch paths; specify PathId."
            )
        return paths[0]["Id"]

    def _chosen(self, choice: LaunchChoice) -> tuple[Any, Any, str]:
        """The product, provisioning artifact and launch path id ``choice`` names; not found: an error."""
        product = self.product(choice.product_id, choice.product_name)  # type: ignore[attr-defined]
        artifact = self.artifact(product.id, choice.artifact_id, choice.artifact_name)  # type: ignore[attr-defined]
        return product, artifact, self.launch_path_id(product.id, choice.path_id, choice.path_name)

    def launch_role_arn(self, product_id: str, path_id: str) -> str | None:
        portfolio_id = path_id.removeprefix("lpv3-")
        for constraint in self.constraints.values():  # type: ignore[attr-defined]
            if (
                constraint.type == "LAUNCH"
                and constraint.portfolio_id == portfolio_id
                and constraint.product_id == product_id
            ):
                role = json.loads(constraint.parameters)
                if role.get("RoleArn"):
                    return role["RoleArn"]
                partition = get_partition(self.region_name)
                return f"arn:{partition}:iam::{self.account_id}:role/{role['LocalRoleName']}"
        return None

    # -- ProvisionProduct -----------------------------------------------------------------------------
    def provision_product(
        self,
        choice: LaunchChoice,
        name: str,
        parameters: list[dict[str, str]] | None,
        tags: list[dict[str, str]] | None,
        token: str | None,
    ) -> Record:
        state = self._provisioning_state()
        if token:
            for pp in state.values():
                if pp.idempotency_token == token:
                    return pp.records[0]
        if not name:
            raise InvalidParametersException("ProvisionedProductName is required.")
        product, artifact, path = self._chosen(choice)
        if any(pp.name == name for pp in state.values()):
            raise DuplicateResourceException(f"A provisioned product with the name {name} already exists.")
        self.check_launch_parameters(path, product.id, artifact.id, parameters or [])  # type: ignore[attr-defined]
        pp_id = new_id("pp-")
        role = self.launch_role_arn(product.id, path)
        partition = get_partition(self.region_name)
        pp = ProvisionedProduct(
            id=pp_id,
            name=name,
            arn=f"arn:{partition}:servicecatalog:{self.region_name}:{self.account_id}:stack/{name}/{pp_id}",
            product_id=product.id,
            artifact_id=artifact.id,
            path_id=path,
            parameters={entry["Key"]: entry.get("Value", "") for entry in parameters or []},
            tags=list(tags or []),
            launch_role_arn=role,
            user_arn=f"arn:{partition}:iam::{self.account_id}:root",
            idempotency_token=token,
            stack_name=f"SC-{self.account_id}-{pp_id}",
        )
        record = self._new_record(pp, "PROVISION_PRODUCT")
        state[pp.id] = pp
        concurrency.after(
            0, self._guarded, self._launch, pp, record, artifact.template_body, parameters or []
        )
        return record

    def _stack_tags(self, pp: ProvisionedProduct, artifact_id: str | None = None) -> dict[str, str]:
        """The launch's tags and those Service Catalog adds to the stack (which CloudFormation passes on to
        the resources)."""
        partition = get_partition(self.region_name)
        catalog = f"arn:{partition}:catalog:{self.region_name}:{self.account_id}"
        return {
            **{t["Key"]: t["Value"] for t in pp.tags},
            "aws:servicecatalog:portfolioArn": f"{catalog}:portfolio/{pp.path_id.removeprefix('lpv3-')}",
            "aws:servicecatalog:productArn": f"{catalog}:product/{pp.product_id}",
            "aws:servicecatalog:provisionedProductArn": pp.arn,
            "aws:servicecatalog:provisioningArtifactIdentifier": artifact_id or pp.artifact_id,
            "aws:servicecatalog:provisioningPrincipalArn": pp.user_arn,
        }

    def _guarded(self, work: Any, pp: ProvisionedProduct, record: Record, *args: Any) -> None:
        """Run background ``work``; an emulator fault fails the record loudly instead of leaving it
        IN_PROGRESS for ever."""
        try:
            work(pp, record, *args)
        except concurrency.Cancelled:
            raise
        except Exception as error:
            traceback.print_exc()
            message = f"The local emulator failed: {type(error).__name__}: {error}"
            pp.status, pp.status_message = "ERROR", message
            record.settle("FAILED", message, "InternalFailure")

    def _new_record(self, pp: ProvisionedProduct, record_type: str) -> Record:
        record = Record(
            id=new_id("rec-"),
            record_type=record_type,
            provisioned_product_id=pp.id,
            provisioned_product_name=pp.name,
            product_id=pp.product_id,
            artifact_id=pp.artifact_id,
            path_id=pp.path_id,
            launch_role_arn=pp.launch_role_arn,
            tags=list(pp.tags),
        )
        pp.records.append(record)
        self._records[record.id] = record
        return record

    def _launch(self, pp: ProvisionedProduct, record: Record, body: str, parameters: list) -> None:
        """Background: check the parameters as CloudFormation does and create the stack."""
        record.settle("IN_PROGRESS")
        template = Stack.parse_template(body)
        context = cfn_parameters.Context(self.account_id, self.region_name, pp.stack_name)
        try:
            values = cfn_parameters.validate(template, _text_values(parameters), None, context)
            stack = self._cloudformation.create_stack(
                name=pp.stack_name,
                template=body,
                parameters=values,
                tags=self._stack_tags(pp),
                role_arn=pp.launch_role_arn,
            )
        except Exception as error:  # CloudFormation refused the stack: nothing was created
            message = getattr(error, "message", None) or str(error)
            pp.status, pp.status_message = "ERROR", message
            record.settle("FAILED", message, getattr(error, "error_type", "ValidationError"))
            return
        pp.stack_id = stack.stack_id
        self._follow(pp)

    # -- UpdateProvisionedProduct -------------------------------------------------------------------
    def update_provisioned_product(
        self,
        pp_id: str | None,
        pp_name: str | None,
        artifact_id: str | None,
        artifact_name: str | None,
        path_id: str | None,
        parameters: list[dict[str, Any]] | None,
        tags: list[dict[str, str]] | None,
    ) -> Record:
        pp = self.provisioned_product(pp_id, pp_name)
        if pp.status == "UNDER_CHANGE":
            raise InvalidParametersException(f"Provisioned product {pp.id} is under change; try again later.")
        if pp.stack_id is None:
            raise InvalidParametersException(
                f"Provisioned product {pp.id} has no stack to update ({pp.status}: {pp.status_message})."
            )
        artifact = self.artifact(
            pp.product_id, artifact_id or (None if artifact_name else pp.artifact_id), artifact_name
        )  # type: ignore[attr-defined]
        path = self.launch_path_id(pp.product_id, path_id) if path_id else pp.path_id
        previous = [e for e in parameters or [] if str(e.get("UsePreviousValue")).lower() != "true"]
        launch_values = {**pp.parameters, **{e["Key"]: e.get("Value", "") for e in previous}}
        self.check_launch_parameters(  # type: ignore[attr-defined]
            path, pp.product_id, artifact.id, [{"Key": k, "Value": v} for k, v in launch_values.items()]
        )
        if tags is not None:
            pp.tags = list(tags)
        pp.path_id = path
        pp.status, pp.status_message = "UNDER_CHANGE", ""
        record = self._new_record(pp, "UPDATE_PROVISIONED_PRODUCT")
        record.artifact_id = artifact.id
        concurrency.after(
            0, self._guarded, self._update, pp, record, artifact.id, artifact.template_body, parameters or []
        )
        return record

    def _update(
        self, pp: ProvisionedProduct, record: Record, artifact_id: str, body: str, parameters: list
    ) -> None:
        record.settle("IN_PROGRESS")
        stack = self._cloudformation.stacks.get(pp.stack_id)
        template = Stack.parse_template(body)
        context = cfn_parameters.Context(self.account_id, self.region_name, pp.stack_name, pp.stack_id)
        try:
            if stack is None:
                raise ValidationError(message=f"Stack with id {pp.stack_id} does not exist")
            if stack.status in _FAILED_CREATE:  # CloudFormation's answer to UpdateStack
                raise ValidationError(
                    message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated."
                )
            given = _text_values(parameters)
            named = {entry["ParameterKey"] for entry in given}
            declared = cfn_parameters.declarations(template)
            given += [
                {"ParameterKey": key, "UsePreviousValue": "true"}
                for key in declared
                if key not in named and key in stack.parameters
            ]
            previous = cfn_parameters.previous_values(stack.template_dict, stack.parameters)
            values = cfn_parameters.validate(template, given, previous, context)
            stack.update(body, pp.launch_role_arn, parameters=values, tags=self._stack_tags(pp, artifact_id))
        except Exception as error:
            message = getattr(error, "message", None) or str(error)
            failed_before = stack is None or stack.status in _FAILED_CREATE
            pp.status, pp.status_message = ("ERROR" if failed_before else "TAINTED"), message
            record.settle("FAILED", message, getattr(error, "error_type", "ValidationError"))
            return
        pp.pending_artifact_id = artifact_id
        pp.parameters = values
        self._follow(pp)

    # -- TerminateProvisionedProduct --------------------------------------------------------------------
    def terminate_provisioned_product(
        self, pp_id: str | None, pp_name: str | None, ignore_errors: bool, token: str | None
    ) -> Record:
        pp = self.provisioned_product(pp_id, pp_name)
        if pp.terminated:
            return pp.last_record
        if pp.status == "UNDER_CHANGE" and not ignore_errors:
            raise InvalidParametersException(f"Provisioned product {pp.id} is under change; try again later.")
        pp.status, pp.status_message = "UNDER_CHANGE", ""
        pp.terminated = True
        record = self._new_record(pp, "TERMINATE_PROVISIONED_PRODUCT")
        concurrency.after(0, self._guarded, self._terminate, pp, record, ignore_errors)
        return record

    def _terminate(self, pp: ProvisionedProduct, record: Record, ignore_errors: bool) -> None:
        record.settle("IN_PROGRESS")
        if pp.stack_id and pp.stack_id in self._cloudformation.stacks:
            self._cloudformation.delete_stack(pp.stack_id)
        self._follow(pp)
        if ignore_errors and record.status == "FAILED":
            record.settle("SUCCEEDED")
            self._provisioning_state().pop(pp.id, None)

    # -- following the stack ------------------------------------------------------------------------
    def refresh_provisioned(self) -> None:
        for pp in list(self._provisioning_state().values()):
            if pp.status == "UNDER_CHANGE" and pp.last_record.status == "IN_PROGRESS":
                self._follow(pp)

    def _follow(self, pp: ProvisionedProduct) -> None:
        """Bring the provisioned product and its last record up to date with its stack."""
        record = pp.last_record
        stack = None
        if pp.stack_id:
            backend = self._cloudformation
            stack = backend.stacks.get(pp.stack_id) or backend.deleted_stacks.get(pp.stack_id)
        if record.record_type == "TERMINATE_PROVISIONED_PRODUCT":
            if stack is None or stack.status == "DELETE_COMPLETE":
                record.settle("SUCCEEDED")
                self._provisioning_state().pop(pp.id, None)
            elif stack.status == "DELETE_FAILED":
                pp.status, pp.status_message = "ERROR", stack.status_reason or stack_failure(stack)
                pp.terminated = False
                record.settle("FAILED", pp.status_message, "DELETE_FAILED")
            return
        if stack is None or stack.status.endswith("_IN_PROGRESS"):
            return
        if stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            pp.status, pp.status_message = "AVAILABLE", ""
            pp.last_successful_record_id = record.id
            if record.record_type == "UPDATE_PROVISIONED_PRODUCT" and pp.pending_artifact_id:
                pp.artifact_id = pp.pending_artifact_id
            record.outputs = [
                {
                    "OutputKey": o["OutputKey"],
                    "OutputValue": str(o["OutputValue"]),
                    "Description": o["Description"] or "",
                }
                for o in stack.outputs or []
            ]
            record.settle("SUCCEEDED")
            return
        message = stack_failure(stack)
        pp.status = "ERROR" if stack.status in _FAILED_CREATE else "TAINTED"
        pp.status_message = message
        record.settle("FAILED", message, stack.status)

    # -- DescribeProvisioningParameters ---------------------------------------------------------------
    def provisioning_parameters(self, choice: LaunchChoice) -> dict[str, Any]:
        product, artifact, path = self._chosen(choice)
        template = Stack.parse_template(artifact.template_body)
        listed = []
        for key, declaration in (template.get("Parameters") or {}).items():
            constraints: dict[str, Any] = {}
            for name in ("AllowedValues", "AllowedPattern", "ConstraintDescription"):
                if name in declaration:
                    value = declaration[name]
                    constraints[name] = (
                        [cfn_parameters.text(v) for v in value] if name == "AllowedValues" else str(value)
                    )
            for name in ("MaxLength", "MinLength", "MaxValue", "MinValue"):
                if name in declaration:
                    constraints[name] = cfn_parameters.text(declaration[name])
            entry: dict[str, Any] = {
                "ParameterKey": key,
                "ParameterType": declaration.get("Type", "String"),
                "IsNoEcho": str(declaration.get("NoEcho", "false")).lower() == "true",
                "Description": declaration.get("Description", ""),
                "ParameterConstraints": constraints,
            }
            if declaration.get("Default") is not None:
                entry["DefaultValue"] = cfn_parameters.text(declaration["Default"])
            listed.append(entry)
        portfolio_id = path.removeprefix("lpv3-")
        constraints_here = [
            c
            for c in self.constraints.values()  # type: ignore[attr-defined]
            if c.portfolio_id == portfolio_id and c.product_id == product.id
        ]
        usage = [{"Type": "version", "Value": str(template.get("AWSTemplateFormatVersion", "2010-09-09"))}]
        role = self.launch_role_arn(product.id, path)
        if role:
            usage.append({"Type": "launchAsRole", "Value": role})
        for constraint in constraints_here:
            if constraint.type == "TEMPLATE":
                usage.append(
                    {"Type": "rules", "Value": json.dumps(json.loads(constraint.parameters)["Rules"])}
                )
        outputs = [
            {"Key": key, "Description": (value or {}).get("Description", "")}
            for key, value in (template.get("Outputs") or {}).items()
        ]
        return {
            "ProvisioningArtifactParameters": listed,
            "ConstraintSummaries": [{"Type": c.type, "Description": c.description} for c in constraints_here],
            "UsageInstructions": usage,
            "TagOptions": [],
            "ProvisioningArtifactPreferences": {},
            "ProvisioningArtifactOutputs": outputs,
            "ProvisioningArtifactOutputKeys": outputs,
        }
