"""SageMaker projects: the API, and the life cycle shared by both ways a project is provisioned.

moto has no projects. CreateProject takes exactly one of:

- ``ServiceCatalogProvisioningDetails``: the Service Catalog product is launched
  (:mod:`.catalog_products`);
- ``TemplateProviders``: a CloudFormation template in S3 becomes the project's stack
  (:mod:`.template_providers`).

Either way the stack gets the ``SageMakerProjectName``/``SageMakerProjectId`` parameters and the
``sagemaker:project-name``/``sagemaker:project-id`` tags (:mod:`.project_identity`) and is created in the
background. Each project's provisioning answers the progress of the operation under way
(:class:`Provisioning`), and the project's status is read from it whenever the project is read: Pending →
CreateInProgress → CreateCompleted, or CreateFailed with the stack's reason; likewise
UpdateInProgress/UpdateCompleted/UpdateFailed and DeleteInProgress/DeleteCompleted/DeleteFailed. A deleted
project leaves ListProjects; DescribeProject answers DeleteCompleted, and its name may be used again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.utilities.utils import get_partition

from scripts.local.servicecatalog.provisioning import new_id

from .catalog_products import CatalogProvisioning
from .project_identity import ProjectIdentity
from .template_providers import TemplateProvisioning

_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}")
_STATUS = {
    "create": {
        "pending": "Pending",
        "running": "CreateInProgress",
        "succeeded": "CreateCompleted",
        "failed": "CreateFailed",
    },
    "update": {
        "pending": "UpdateInProgress",
        "running": "UpdateInProgress",
        "succeeded": "UpdateCompleted",
        "failed": "UpdateFailed",
    },
    "delete": {
        "pending": "DeleteInProgress",
        "running": "DeleteInProgress",
        "succeeded": "DeleteCompleted",
        "failed": "DeleteFailed",
    },
}
_SETTLED = {
    "CreateCompleted",
    "CreateFailed",
    "UpdateCompleted",
    "UpdateFailed",
    "DeleteFailed",
    "DeleteCompleted",
}

_UPDATE_MEMBERS = ("ServiceCatalogProvisioningUpdateDetails", "TemplateProvidersToUpdate")


class Provisioning(Protocol):
    """How a project is provisioned: :class:`.catalog_products.CatalogProvisioning` or
    :class:`.template_providers.TemplateProvisioning`."""

    KIND: str
    """What it was provisioned from, for messages ("a Service Catalog product")."""
    UPDATE_MEMBER: str
    """The UpdateProject member that updates it."""

    def progress(self) -> str:
        """The operation under way: pending, running, succeeded or failed."""
        ...

    def described(self) -> dict[str, Any]:
        """DescribeProject's members for this way of provisioning, the reason of a failure among them."""
        ...

    def update(self, request: dict[str, Any], tags: list[dict[str, str]]) -> bool:
        """Start the update UpdateProject asks for; False when it asks for none."""
        ...

    def delete(self) -> None:
        """Start deleting what the project provisioned."""
        ...


@dataclass
class Project:
    name: str
    id: str
    arn: str
    description: str
    tags: list[dict[str, str]]
    provisioning: Provisioning
    phase: str = "create"
    status: str = "Pending"
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
        return {
            **self.summary(),
            **self.provisioning.described(),
            "CreatedBy": {},
            "LastModifiedTime": self.modified,
            "LastModifiedBy": {},
        }


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

    def project(self, name: str) -> Project:
        project = self.projects.get(name)
        if project is None:
            raise ValidationError(message=f"Project {name} does not exist.")
        self._refresh(project)
        return project

    def _refresh(self, project: Project) -> None:
        if project.status in _SETTLED:
            return
        status = _STATUS[project.phase][project.provisioning.progress()]
        if status != project.status:
            project.status = status
            project.modified = utcnow()

    # -- CreateProject ------------------------------------------------------------------------------
    def create_project(self, request: dict[str, Any]) -> Project:
        name = request.get("ProjectName") or ""
        if not _NAME.fullmatch(name):
            raise ValidationError(
                message=f"1 validation error detected: Value '{name}' at 'projectName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"
            )
        catalog = request.get("ServiceCatalogProvisioningDetails")
        providers = request.get("TemplateProviders")
        if bool(catalog) == bool(providers):
            raise ValidationError(
                message="CreateProject takes exactly one of ServiceCatalogProvisioningDetails and "
                f"TemplateProviders; {'both were' if catalog else 'neither was'} given."
            )
        existing = self.projects.get(name)
        if existing is not None:
            self._refresh(existing)
            if existing.status != "DeleteCompleted":
                raise ValidationError(message=f"Project {name} already exists.")
        identity = ProjectIdentity(name, new_id("p-", 12))
        tags = list(request.get("Tags") or [])
        launch = CatalogProvisioning.launch if catalog else TemplateProvisioning.launch
        provisioning = launch(
            self.account_id, self.region_name, identity, catalog or providers, identity.tags(tags)
        )
        partition = get_partition(self.region_name)
        project = Project(
            name=name,
            id=identity.id,
            arn=f"arn:{partition}:sagemaker:{self.region_name}:{self.account_id}:project/{name.lower()}",
            description=request.get("ProjectDescription", ""),
            tags=tags,
            provisioning=provisioning,
        )
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
        given = [member for member in _UPDATE_MEMBERS if request.get(member)]
        if len(given) > 1:
            raise ValidationError(
                message=f"UpdateProject takes one of {' and '.join(_UPDATE_MEMBERS)}, not both."
            )
        own = project.provisioning.UPDATE_MEMBER
        if given and given != [own]:
            raise ValidationError(
                message=f"Project {project.name} was provisioned from {project.provisioning.KIND}; update it "
                f"with {own}, not {given[0]}."
            )
        tags = project.tags if request.get("Tags") is None else list(request["Tags"])
        identity = ProjectIdentity(project.name, project.id)
        if project.provisioning.update(request, identity.tags(tags)):
            project.phase, project.status = "update", "UpdateInProgress"
        if "ProjectDescription" in request:
            project.description = request["ProjectDescription"]
        project.tags = tags
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
        project.phase, project.status = "delete", "DeleteInProgress"
        project.modified = utcnow()
        project.provisioning.delete()
        self._refresh(project)
