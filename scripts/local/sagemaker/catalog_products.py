"""Projects provisioned from a Service Catalog product (``ServiceCatalogProvisioningDetails``).

The product is launched through :mod:`scripts.local.servicecatalog.provisioning` as the provisioned product
``<project name>-<project id>`` (the local emulator's choice; AWS's own naming of it was not checked), whose
stack is ``SC-<account>-pp-<id>``. An operation's progress is its last record's status; a failed record's
errors are the project's ``ProvisionedProductStatusMessage``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.sagemaker.exceptions import ValidationError
from moto.servicecatalog.models import servicecatalog_backends

from scripts.local.servicecatalog.provisioning import LaunchChoice

from .project_identity import ProjectIdentity

_PROGRESS = {"CREATED": "pending", "IN_PROGRESS": "running", "SUCCEEDED": "succeeded"}


def _validation(error: JsonRESTError) -> ValidationError:
    """A Service Catalog refusal as CreateProject/UpdateProject report it."""
    return ValidationError(message=error.message)


@dataclass
class CatalogProvisioning:
    KIND = "a Service Catalog product"
    UPDATE_MEMBER = "ServiceCatalogProvisioningUpdateDetails"
    account_id: str
    region_name: str
    identity: ProjectIdentity
    details: dict[str, Any]
    """ServiceCatalogProvisioningDetails as given (the artifact follows updates)."""
    provisioned_product_id: str
    record_id: str | None
    """The record of the operation under way; None once a delete found the provisioned product gone."""
    message: str = ""

    @property
    def _catalog(self) -> Any:
        return servicecatalog_backends[self.account_id][self.region_name]

    @classmethod
    def launch(
        cls,
        account_id: str,
        region_name: str,
        identity: ProjectIdentity,
        details: dict[str, Any],
        tags: list[dict[str, str]],
    ) -> CatalogProvisioning:
        if not details.get("ProductId"):
            raise ValidationError(message="ServiceCatalogProvisioningDetails needs a ProductId.")
        catalog = servicecatalog_backends[account_id][region_name]
        try:
            record = catalog.provision_product(
                LaunchChoice(
                    product_id=details["ProductId"],
                    artifact_id=details.get("ProvisioningArtifactId"),
                    path_id=details.get("PathId"),
                ),
                f"{identity.name}-{identity.id}",
                identity.parameters(details.get("ProvisioningParameters")),
                tags,
                None,
            )
        except JsonRESTError as error:
            raise _validation(error) from error
        given = dict(details)
        given.setdefault("ProvisioningArtifactId", record.artifact_id)
        return cls(account_id, region_name, identity, given, record.provisioned_product_id, record.id)

    def progress(self) -> str:
        if self.record_id is None:
            return "succeeded"
        record = self._catalog.record(self.record_id)
        if record.status == "FAILED":
            self.message = "; ".join(e["Description"] for e in record.errors)
        return _PROGRESS.get(record.status, "failed")

    def described(self) -> dict[str, Any]:
        product = {"ProvisionedProductId": self.provisioned_product_id}
        if self.message:
            product["ProvisionedProductStatusMessage"] = self.message
        return {
            "ServiceCatalogProvisioningDetails": self.details,
            "ServiceCatalogProvisionedProductDetails": product,
        }

    def update(self, request: dict[str, Any], tags: list[dict[str, str]]) -> bool:
        update = request.get(self.UPDATE_MEMBER)
        if not update:
            return False
        artifact_id = update.get("ProvisioningArtifactId") or self.details.get("ProvisioningArtifactId")
        try:
            record = self._catalog.update_provisioned_product(
                self.provisioned_product_id,
                None,
                artifact_id,
                None,
                None,
                self.identity.parameters(update.get("ProvisioningParameters")),
                tags,
            )
        except JsonRESTError as error:
            raise _validation(error) from error
        self.record_id, self.message = record.id, ""
        self.details["ProvisioningArtifactId"] = artifact_id
        if update.get("ProvisioningParameters") is not None:
            self.details["ProvisioningParameters"] = update["ProvisioningParameters"]
        return True

    def delete(self) -> None:
        self.message = ""
        try:
            record = self._catalog.terminate_provisioned_product(
                self.provisioned_product_id, None, False, None
            )
        except JsonRESTError:  # the provisioned product is gone already
            self.record_id = None
            return
        self.record_id = record.id
