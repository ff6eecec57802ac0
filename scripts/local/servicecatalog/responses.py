"""Service Catalog actions moto lacks (or answers with empty artifacts), shaped as AWS answers them."""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.servicecatalog.responses import ServiceCatalogResponse as MotoServiceCatalogResponse

from .models import Backend
from .provisioning import LaunchChoice

_DEFAULT_PAGE_SIZE = 20


def _page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str | None]:
    """PageSize/PageToken paging; the token is the offset of the next page."""
    start = int(params.get("PageToken") or 0)
    size = int(params.get("PageSize") or _DEFAULT_PAGE_SIZE)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _matches(product, filters: dict[str, list[str]]) -> bool:
    texts = [t.lower() for t in filters.get("FullTextSearch", [])]
    searchable = " ".join(filter(None, [product.name, product.owner, product.description])).lower()
    return (
        all(text in searchable for text in texts)
        and all(product.owner == owner for owner in filters.get("Owner", []))
        and all(product.product_type == kind for kind in filters.get("ProductType", []))
    )


class ServiceCatalogResponse(MotoServiceCatalogResponse):
    @property
    def catalog(self) -> Backend:
        return self.servicecatalog_backend

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.body or "{}")

    def _product_view_detail(self, product) -> dict[str, Any]:
        return {
            "ProductViewSummary": product.to_dict(),
            "Status": "AVAILABLE",
            "ProductARN": product.arn,
            "CreatedTime": product.created_time,
        }

    def _artifacts(self, product_id: str) -> list:
        return list(self.catalog.artifacts.get(product_id, {}).values())

    # -- products -----------------------------------------------------------------------------------
    def create_product(self) -> ActionResult:
        params = self.params
        product = self.catalog.create_product(
            name=params.get("Name"),
            owner=params.get("Owner"),
            description=params.get("Description"),
            distributor=params.get("Distributor"),
            support_description=params.get("SupportDescription"),
            support_email=params.get("SupportEmail"),
            support_url=params.get("SupportUrl"),
            product_type=params.get("ProductType"),
            tags=params.get("Tags"),
            provisioning_artifact_parameters=params.get("ProvisioningArtifactParameters"),
            idempotency_token=params.get("IdempotencyToken"),
            source_connection=params.get("SourceConnection"),
            accept_language=params.get("AcceptLanguage"),
        )
        created = {"ProductViewDetail": self._product_view_detail(product), "Tags": product.tags}
        artifacts = self._artifacts(product.id)
        if artifacts:
            created["ProvisioningArtifactDetail"] = artifacts[0].detail()
        return ActionResult(created)

    def describe_product(self) -> ActionResult:
        params = self.params
        product = self.catalog.product(params.get("Id"), params.get("Name"))
        return ActionResult(
            {
                "ProductViewSummary": product.to_dict(),
                "ProvisioningArtifacts": [
                    {
                        k: v
                        for k, v in a.detail().items()
                        if k in ("Id", "Name", "Description", "CreatedTime", "Guidance")
                    }
                    for a in self._artifacts(product.id)
                    if a.active
                ],
                "Budgets": [],
                "LaunchPaths": [
                    {"Id": p["Id"], "Name": p["Name"]} for p in self.catalog.launch_paths(product.id)
                ],
            }
        )

    def describe_product_as_admin(self) -> ActionResult:
        params = self.params
        product = self.catalog.product(params.get("Id"), params.get("Name"))
        return ActionResult(
            {
                "ProductViewDetail": self._product_view_detail(product),
                "ProvisioningArtifactSummaries": [a.summary() for a in self._artifacts(product.id)],
                "Tags": product.tags,
                "TagOptions": [],
                "Budgets": [],
            }
        )

    def search_products(self) -> ActionResult:
        params = self.params
        found = [p for p in self.catalog.accessible_products() if _matches(p, params.get("Filters") or {})]
        page, token = _page(found, params)
        return ActionResult(
            {
                "ProductViewSummaries": [p.to_dict() for p in page],
                "ProductViewAggregations": {},
                "NextPageToken": token,
            }
        )

    def search_products_as_admin(self) -> ActionResult:
        params = self.params
        products = list(self.catalog.products.values())
        if params.get("PortfolioId"):
            self.catalog.portfolio(params["PortfolioId"])
            ids = self.catalog.portfolio_products.get(params["PortfolioId"], [])
            products = [p for p in products if p.id in ids]
        found = [p for p in products if _matches(p, params.get("Filters") or {})]
        if params.get("SortBy") in ("Title", "CreationDate"):
            key = (lambda p: p.name) if params["SortBy"] == "Title" else (lambda p: p.created_time)
            found.sort(key=key, reverse=params.get("SortOrder") == "DESCENDING")
        page, token = _page(found, params)
        return ActionResult(
            {"ProductViewDetails": [self._product_view_detail(p) for p in page], "NextPageToken": token}
        )

    # -- provisioning artifacts ---------------------------------------------------------------------
    def list_provisioning_artifacts(self) -> ActionResult:
        product = self.catalog.product(self.params["ProductId"])
        return ActionResult(
            {"ProvisioningArtifactDetails": [a.detail() for a in self._artifacts(product.id)]}
        )

    def describe_provisioning_artifact(self) -> ActionResult:
        params = self.params
        product = self.catalog.product(params.get("ProductId"), params.get("ProductName"))
        artifact = self.catalog.artifact(
            product.id, params.get("ProvisioningArtifactId"), params.get("ProvisioningArtifactName")
        )
        result: dict[str, Any] = {
            "ProvisioningArtifactDetail": artifact.detail(),
            "Info": artifact.info(),
            "Status": "AVAILABLE",
        }
        if params.get("IncludeProvisioningArtifactParameters"):
            result["ProvisioningArtifactParameters"] = []
        return ActionResult(result)

    def create_provisioning_artifact(self) -> ActionResult:
        params = self.params
        artifact = self.catalog.create_provisioning_artifact(params["ProductId"], params["Parameters"])
        return ActionResult(
            {
                "ProvisioningArtifactDetail": artifact.detail(),
                "Info": artifact.info(),
                "Status": "CREATING",
            }
        )

    def delete_provisioning_artifact(self) -> ActionResult:
        params = self.params
        self.catalog.delete_provisioning_artifact(params["ProductId"], params["ProvisioningArtifactId"])
        return EmptyResult()

    # -- associations ---------------------------------------------------------------------------------
    def associate_product_with_portfolio(self) -> ActionResult:
        params = self.params
        self.catalog.associate_product_with_portfolio(params["ProductId"], params["PortfolioId"])
        return EmptyResult()

    def disassociate_product_from_portfolio(self) -> ActionResult:
        params = self.params
        self.catalog.disassociate_product_from_portfolio(params["ProductId"], params["PortfolioId"])
        return EmptyResult()

    def associate_principal_with_portfolio(self) -> ActionResult:
        params = self.params
        self.catalog.associate_principal_with_portfolio(
            params["PortfolioId"], params["PrincipalARN"], params["PrincipalType"]
        )
        return EmptyResult()

    def disassociate_principal_from_portfolio(self) -> ActionResult:
        params = self.params
        self.catalog.disassociate_principal_from_portfolio(params["PortfolioId"], params["PrincipalARN"])
        return EmptyResult()

    def list_portfolios_for_product(self) -> ActionResult:
        params = self.params
        page, token = _page(
            [p.to_dict() for p in self.catalog.portfolios_for_product(params["ProductId"])], params
        )
        return ActionResult({"PortfolioDetails": page, "NextPageToken": token})

    def list_principals_for_portfolio(self) -> ActionResult:
        params = self.params
        self.catalog.portfolio(params["PortfolioId"])
        page, token = _page(list(self.catalog.portfolio_principals.get(params["PortfolioId"], [])), params)
        return ActionResult({"Principals": page, "NextPageToken": token})

    def list_launch_paths(self) -> ActionResult:
        params = self.params
        page, token = _page(self.catalog.launch_paths(params["ProductId"]), params)
        return ActionResult({"LaunchPathSummaries": page, "NextPageToken": token})

    # -- constraints ----------------------------------------------------------------------------------
    def create_constraint(self) -> ActionResult:
        params = self.params
        constraint = self.catalog.create_constraint(
            params["PortfolioId"],
            params["ProductId"],
            params["Type"],
            params["Parameters"],
            params.get("Description", ""),
        )
        return ActionResult(
            {
                "ConstraintDetail": constraint.detail(),
                "ConstraintParameters": constraint.parameters,
                "Status": "AVAILABLE",
            }
        )

    def describe_constraint(self) -> ActionResult:
        constraint = self.catalog.constraint(self.params["Id"])
        return ActionResult(
            {
                "ConstraintDetail": constraint.detail(),
                "ConstraintParameters": constraint.parameters,
                "Status": "AVAILABLE",
            }
        )

    def update_constraint(self) -> ActionResult:
        params = self.params
        constraint = self.catalog.update_constraint(
            params["Id"], description=params.get("Description"), parameters=params.get("Parameters")
        )
        return ActionResult(
            {
                "ConstraintDetail": constraint.detail(),
                "ConstraintParameters": constraint.parameters,
                "Status": "AVAILABLE",
            }
        )

    def delete_constraint(self) -> ActionResult:
        self.catalog.delete_constraint(self.params["Id"])
        return EmptyResult()

    def list_constraints_for_portfolio(self) -> ActionResult:
        params = self.params
        self.catalog.portfolio(params["PortfolioId"])
        product_id = params.get("ProductId")
        if product_id:
            self.catalog.product(product_id)
        constraints = [
            c.detail()
            for c in self.catalog.constraints.values()
            if c.portfolio_id == params["PortfolioId"] and (not product_id or c.product_id == product_id)
        ]
        page, token = _page(constraints, params)
        return ActionResult({"ConstraintDetails": page, "NextPageToken": token})

    # -- provisioning ---------------------------------------------------------------------------------
    def provision_product(self) -> ActionResult:
        params = self.params
        record = self.catalog.provision_product(
            LaunchChoice.from_request(params),
            params.get("ProvisionedProductName", ""),
            params.get("ProvisioningParameters"),
            params.get("Tags"),
            params.get("ProvisionToken"),
        )
        return ActionResult({"RecordDetail": record.detail()})

    def describe_provisioned_product(self) -> ActionResult:
        params = self.params
        pp = self.catalog.provisioned_product(params.get("Id"), params.get("Name"))
        return ActionResult({"ProvisionedProductDetail": pp.detail(), "CloudWatchDashboards": []})

    def _attributes(self, pp) -> dict[str, Any]:
        product = self.catalog.products.get(pp.product_id)
        artifact = self.catalog.artifacts.get(pp.product_id, {}).get(pp.artifact_id)
        return pp.attributes(product.name if product else "", artifact.name if artifact else "")

    def search_provisioned_products(self) -> ActionResult:
        params = self.params
        found = [self._attributes(pp) for pp in self.catalog.provisioned_products()]
        for query in (params.get("Filters") or {}).get("SearchQuery", []):
            field_name, _, value = query.rpartition(":")
            value = value.lower()
            if field_name:
                key = {"name": "Name", "id": "Id", "arn": "Arn", "productId": "ProductId", "status": "Status"}
                attribute = key.get(field_name, field_name[:1].upper() + field_name[1:])
                found = [a for a in found if str(a.get(attribute, "")).lower() == value]
            else:
                found = [a for a in found if any(value in str(v).lower() for v in a.values())]
        if params.get("SortBy"):
            found.sort(key=lambda a: str(a.get(params["SortBy"][:1].upper() + params["SortBy"][1:], "")))
            if params.get("SortOrder") == "DESCENDING":
                found.reverse()
        page, token = _page(found, params)
        return ActionResult(
            {"ProvisionedProducts": page, "TotalResultsCount": len(found), "NextPageToken": token}
        )

    def scan_provisioned_products(self) -> ActionResult:
        params = self.params
        page, token = _page([pp.detail() for pp in self.catalog.provisioned_products()], params)
        return ActionResult({"ProvisionedProducts": page, "NextPageToken": token})

    def terminate_provisioned_product(self) -> ActionResult:
        params = self.params
        record = self.catalog.terminate_provisioned_product(
            params.get("ProvisionedProductId"),
            params.get("ProvisionedProductName"),
            bool(params.get("IgnoreErrors")),
            params.get("TerminateToken"),
        )
        return ActionResult({"RecordDetail": record.detail()})

    def update_provisioned_product(self) -> ActionResult:
        params = self.params
        record = self.catalog.update_provisioned_product(
            params.get("ProvisionedProductId"),
            params.get("ProvisionedProductName"),
            params.get("ProvisioningArtifactId"),
            params.get("ProvisioningArtifactName"),
            params.get("PathId"),
            params.get("ProvisioningParameters"),
            params.get("Tags"),
        )
        return ActionResult({"RecordDetail": record.detail()})

    def describe_record(self) -> ActionResult:
        record = self.catalog.record(self.params["Id"])
        return ActionResult({"RecordDetail": record.detail(), "RecordOutputs": record.outputs})

    def list_record_history(self) -> ActionResult:
        params = self.params
        search = params.get("SearchFilter") or {}
        pp_id = search.get("Value") if search.get("Key") == "provisionedproduct" else None
        records = sorted(self.catalog.records_of(pp_id), key=lambda r: r.created_time, reverse=True)
        page, token = _page([r.detail() for r in records], params)
        return ActionResult({"RecordDetails": page, "NextPageToken": token})

    def describe_provisioning_parameters(self) -> ActionResult:
        params = self.params
        return ActionResult(self.catalog.provisioning_parameters(LaunchChoice.from_request(params)))

    def accept_portfolio_share(self) -> ActionResult:
        self.catalog.accept_portfolio_share(self.params["PortfolioId"])
        return EmptyResult()

    def list_accepted_portfolio_shares(self) -> ActionResult:
        params = self.params
        page, token = _page(self.catalog.accepted_portfolios(), params)
        return ActionResult({"PortfolioDetails": page, "NextPageToken": token})
