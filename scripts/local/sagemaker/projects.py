"""SageMaker projects, provisioned through Service Catalog as SageMaker provisions them.

moto has no projects. Here CreateProject launches the Service Catalog product it names
(:mod:`scripts.local.servicecatalog.provisioning`) with the ``SageMakerProjectName``/``SageMakerProjectId``
parameters and the ``sagemaker:project-name``/``sagemaker:project-id`` tags; the stack is created in the
background. A project's status is read from its provisioned product's last record whenever it is read:
Pending (record CREATED) → CreateInProgress → CreateCompleted, or CreateFailed with the stack's reason;
likewise UpdateInProgress/UpdateCompleted/UpdateFailed and DeleteInProgress/DeleteCompleted/DeleteFailed.

The provisioned product is named ``<project name>-<project id>`` (the local emulator's choice; AWS's own
naming of it was not checked). ``TemplateProviders`` (S3-delivered templates) are refused loudly. A deleted
project leaves ListProjects; DescribeProject answers DeleteCompleted, and its name may be used again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.servicecatalog.models import servicecatalog_backends
from moto.utilities.utils import get_partition

from scripts.local.servicecatalog.provisioning import LaunchChoice, new_id

_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}")
_PHASE_STATUS = {
    "create": {"CREATED": "Pending", "IN_PROGRESS": "CreateInProgress", "SUCCEEDED": "CreateCompleted"},
    "update": {
        "CREATED": "UpdateInProgress",
        "IN_PROGRESS": "UpdateInProgress",
        "SUCCEEDED": "UpdateCompleted",
    },
    "delete": {
        "CREATED": "DeleteInProgress",
        "IN_PROGRESS": "DeleteInProgress",
        "SUCCEEDED": "DeleteCompleted",
    },
}
_FAILED = {"create": "CreateFailed", "update": "UpdateFailed", "delete": "DeleteFailed"}
_SETTLED = {"CreateCompleted", "CreateFailed", "UpdateCompleted", "UpdateFailed", "DeleteFailed"}


@dataclass
class Project:
    name: str
    id: str
    arn: str
    description: str
    provisioning: dict[str, Any]
    """ServiceCatalogProvisioningDetails as given (the artifact follows updates)."""
    tags: list[dict[str, str]]
    provisioned_product_id: str | None = None
    record_id: str | None = None
    phase: str = "create"
    status: str = "Pending"
    status_message: str = ""
    created: datetime = field(default_factory=utcnow)
    modified: datetime = field(default_factory=utcnow)

    def summary(self) -> dict[str, Any]:
        summary = {
            "ProjectName": self.name,
            "ProjectArn": self.arn,
            "ProjectId": self.id,
            "CreationTime": self.created,
            "ProjectStatus": self.status,
        }
        if self.description:
            summary["ProjectDescription"] = self.description
        return summary

    def describe(self) -> dict[str, Any]:
        described = {
            **self.summary(),
            "ServiceCatalogProvisioningDetails": self.provisioning,
            "CreatedBy": {},
            "LastModifiedTime": self.modified,
            "LastModifiedBy": {},
        }
        if self.provisioned_product_id:
            details = {"ProvisionedProductId": self.provisioned_product_id}
            if self.status_message:
                details["ProvisionedProductStatusMessage"] = self.status_message
            described["ServiceCatalogProvisionedProductDetails"] = details
        return described


def _validation(error: Exception) -> ValidationError:
    """A Service Catalog refusal as CreateProject/UpdateProject report it."""
    message = error.message if isinstance(error, JsonRESTError) else str(error)
    return ValidationError(message=message)


class ProjectsMixin:
    """CreateProject, DescribeProject, ListProjects, UpdateProject and DeleteProject for the SageMaker
    backend."""

    account_id: str
    region_name: str

    @property
    def projects(self) -> dict[str, Project]:
        if not hasattr(self, "_projects"):
            self._projects: dict[str, Project] = {}
        return self._projects

    @property
    def _catalog(self) -> Any:
        return servicecatalog_backends[self.account_id][self.region_name]

    def project(self, name: str) -> Project:
        project = self.projects.get(name)
        if project is None:
            raise ValidationError(message=f"Project {name} does not exist.")
        self._refresh(project)
        return project

    def _refresh(self, project: Project) -> None:
        if project.record_id is None or project.status in _SETTLED or project.status == "DeleteCompleted":
            return
        record = self._catalog.record(project.record_id)
        status = _PHASE_STATUS[project.phase].get(record.status, _FAILED[project.phase])
        if status != project.status:
            project.status = status
            project.modified = utcnow()
        if record.status == "FAILED":
            project.status_message = "; ".join(e["Description"] for e in record.errors)

    def _project_tags(self, project: Project) -> list[dict[str, str]]:
        own = [t for t in project.tags if not t["Key"].startswith("sagemaker:project-")]
        return [
            *own,
            {"Key": "sagemaker:project-name", "Value": project.name},
            {"Key": "sagemaker:project-id", "Value": project.id},
        ]

    # -- CreateProject ------------------------------------------------------------------------------
    def create_project(self, request: dict[str, Any]) -> Project:
        name = request.get("ProjectName") or ""
        if not _NAME.fullmatch(name):
            raise ValidationError(
                message=f"1 validation error detected: Value '{name}' at 'projectName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"
            )
        if request.get("TemplateProviders"):
            raise ValidationError(
                message="TemplateProviders are not supported by the local emulator; use "
                "ServiceCatalogProvisioningDetails (or create the project on AWS)."
            )
        details = request.get("ServiceCatalogProvisioningDetails")
        if not details or not details.get("ProductId"):
            raise ValidationError(message="ServiceCatalogProvisioningDetails with a ProductId is required.")
        existing = self.projects.get(name)
        if existing is not None:
            self._refresh(existing)
            if existing.status != "DeleteCompleted":
                raise ValidationError(message=f"Project {name} already exists.")
        project_id = new_id("p-", 12)
        partition = get_partition(self.region_name)
        project = Project(
            name=name,
            id=project_id,
            arn=f"arn:{partition}:sagemaker:{self.region_name}:{self.account_id}:project/{name.lower()}",
            description=request.get("ProjectDescription", ""),
            provisioning=dict(details),
            tags=list(request.get("Tags") or []),
        )
        given = [
            p for p in details.get("ProvisioningParameters") or [] if not p["Key"].startswith("SageMaker")
        ]
        parameters = [
            *given,
            {"Key": "SageMakerProjectName", "Value": name},
            {"Key": "SageMakerProjectId", "Value": project_id},
        ]
        try:
            record = self._catalog.provision_product(
                LaunchChoice(
                    product_id=details["ProductId"],
                    artifact_id=details.get("ProvisioningArtifactId"),
                    path_id=details.get("PathId"),
                ),
                f"{name}-{project_id}",
                parameters,
                self._project_tags(project),
                None,
            )
        except JsonRESTError as error:
            raise _validation(error) from error
        project.provisioned_product_id = record.provisioned_product_id
        project.record_id = record.id
        if not project.provisioning.get("ProvisioningArtifactId"):
            project.provisioning["ProvisioningArtifactId"] = record.artifact_id
        self.projects[name] = project
        return project

    # -- ListProjects -------------------------------------------------------------------------------
    def list_projects_matching(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        from .models import _created_between

        found = list(self.projects.values())
        for project in found:
            self._refresh(project)
        # A deleted project leaves the list; DescribeProject still answers DeleteCompleted (as the Terraform
        # provider expects of AWS, which treats that status as not found).
        found = [p for p in found if p.status != "DeleteCompleted"]
        text = (request.get("NameContains") or "").lower()
        found = [p for p in found if text in p.name.lower()]
        found = _created_between(
            found, lambda p: p.created, request.get("CreationTimeAfter"), request.get("CreationTimeBefore")
        )
        key = (lambda p: p.name) if request.get("SortBy") == "Name" else (lambda p: p.created)
        found.sort(key=key, reverse=request.get("SortOrder", "Descending") == "Descending")
        return [p.summary() for p in found]

    # -- UpdateProject ------------------------------------------------------------------------------
    def update_project(self, request: dict[str, Any]) -> Project:
        project = self.project(request.get("ProjectName") or "")
        if project.status not in ("CreateCompleted", "UpdateCompleted", "UpdateFailed"):
            raise ValidationError(
                message=f"Project {project.name} cannot be updated while it is {project.status}."
            )
        if request.get("TemplateProvidersToUpdate"):
            raise ValidationError(message="TemplateProvidersToUpdate is not supported by the local emulator.")
        if "ProjectDescription" in request:
            project.description = request["ProjectDescription"]
        if request.get("Tags") is not None:
            project.tags = list(request["Tags"])
        update = request.get("ServiceCatalogProvisioningUpdateDetails")
        if update:
            given = [
                p for p in update.get("ProvisioningParameters") or [] if not p["Key"].startswith("SageMaker")
            ]
            try:
                record = self._catalog.update_provisioned_product(
                    project.provisioned_product_id,
                    None,
                    update.get("ProvisioningArtifactId")
                    or project.provisioning.get("ProvisioningArtifactId"),
                    None,
                    None,
                    given,
                    self._project_tags(project),
                )
            except JsonRESTError as error:
                raise _validation(error) from error
            project.phase, project.record_id, project.status = "update", record.id, "UpdateInProgress"
            project.status_message = ""
            if update.get("ProvisioningArtifactId"):
                project.provisioning["ProvisioningArtifactId"] = update["ProvisioningArtifactId"]
            if update.get("ProvisioningParameters") is not None:
                project.provisioning["ProvisioningParameters"] = update["ProvisioningParameters"]
        project.modified = utcnow()
        return project

    # -- DeleteProject ------------------------------------------------------------------------------
    def delete_project(self, name: str) -> None:
        project = self.project(name)
        if project.status == "DeleteCompleted" or (
            project.phase == "delete" and project.status != "DeleteFailed"
        ):
            return
        if project.status in ("Pending", "CreateInProgress", "UpdateInProgress"):
            raise ValidationError(message=f"Project {name} cannot be deleted while it is {project.status}.")
        project.phase, project.status, project.status_message = "delete", "DeleteInProgress", ""
        project.modified = utcnow()
        try:
            record = self._catalog.terminate_provisioned_product(
                project.provisioned_product_id, None, False, None
            )
        except JsonRESTError:  # the provisioned product is gone already
            project.status, project.record_id = "DeleteCompleted", None
            return
        project.record_id = record.id
