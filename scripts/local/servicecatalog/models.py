"""Service Catalog state moto does not keep: provisioning artifacts (validated against the
emulator's S3), portfolio ↔ product and portfolio ↔ principal associations, launch and template
constraints (and the check of a launch's parameters against the latter); and the CloudFormation
handlers of the six ``AWS::ServiceCatalog::*`` types."""

from __future__ import annotations

import json
import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.cloudformation.models import Stack, cloudformation_backends
from moto.core.common_models import CloudFormationModel
from moto.core.utils import utcnow
from moto.iam.models import iam_backends
from moto.s3.models import s3_backends
from moto.servicecatalog.models import Product, ServiceCatalogBackend, servicecatalog_backends
from moto.utilities.utils import get_partition

from scripts.local.cloudformation import parameters as cfn_parameters
from scripts.local.cloudformation import rules
from scripts.local.cloudformation.lookup import Ec2Lookup

from .exceptions import (
    DuplicateResourceException,
    InvalidParametersException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from .provisioning import ProvisioningMixin

_TEMPLATE_URL = re.compile(
    r"https?://(?:(?P<vhost>[a-z0-9][a-z0-9.-]*)\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?"
    r"|s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?|(?:localhost|127\.0\.0\.1)(?::\d+)?)/(?P<path>.+)"
)


def _new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(13))


@dataclass(frozen=True)
class ArtifactSource:
    """Where a provisioning artifact's template came from, and the template itself."""

    url: str | None
    stack_arn: str | None
    body: str


@dataclass
class ProvisioningArtifact:
    id: str
    name: str
    description: str
    template_url: str | None
    """The S3 URL the template was loaded from (None when it was imported from a stack)."""
    template_body: str
    """The template as it was when the artifact was made: Service Catalog keeps its own copy."""
    source_stack: str | None = None
    """The stack (ARN) whose template the artifact imported (``Info.ImportFromPhysicalId``)."""
    type: str = "CLOUD_FORMATION_TEMPLATE"
    guidance: str = "DEFAULT"
    active: bool = True
    created_time: datetime = field(default_factory=utcnow)

    def info(self) -> dict[str, str]:
        """The artifact's ``Info``: where its template came from."""
        return (
            {"TemplateUrl": self.template_url}
            if self.template_url
            else {"ImportFromPhysicalId": self.source_stack}
        )

    def detail(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Name": self.name,
            "Description": self.description,
            "Type": self.type,
            "CreatedTime": self.created_time,
            "Active": self.active,
            "Guidance": self.guidance,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Name": self.name,
            "Description": self.description,
            "CreatedTime": self.created_time,
            "ProvisioningArtifactMetadata": {},
        }


@dataclass
class Constraint:
    id: str
    type: str
    portfolio_id: str
    product_id: str
    parameters: str
    description: str
    owner: str

    def detail(self) -> dict[str, Any]:
        return {
            "ConstraintId": self.id,
            "Type": self.type,
            "Description": self.description,
            "Owner": self.owner,
            "ProductId": self.product_id,
            "PortfolioId": self.portfolio_id,
        }


class Backend(ProvisioningMixin, ServiceCatalogBackend):
    """moto's Service Catalog backend plus artifacts, associations, constraints and provisioning
    (:mod:`.provisioning`); portfolio and product ids in AWS's form (``port-``/``prod-`` and 13 lowercase
    alphanumerics; moto makes UUIDs)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.artifacts: dict[str, dict[str, ProvisioningArtifact]] = {}
        self.portfolio_products: dict[str, list[str]] = {}
        self.portfolio_principals: dict[str, list[dict[str, str]]] = {}
        self.constraints: dict[str, Constraint] = {}
        self.accepted_shares: list[str] = []

    def create_portfolio(self, *args: Any, **kwargs: Any):
        """moto's portfolio under an id in AWS's form (moto's own id is a UUID)."""
        detail, tags = super().create_portfolio(*args, **kwargs)
        if detail["Id"].startswith("port-"):
            return detail, tags
        portfolio = self.portfolios.pop(detail["Id"])
        old_arn = portfolio.arn
        portfolio.id = _new_id("port-")
        self.portfolios[portfolio.id] = portfolio
        self.portfolio_access[portfolio.id] = self.portfolio_access.pop(detail["Id"], [])
        for token, value in self.idempotency_tokens.items():
            if value == detail["Id"]:
                self.idempotency_tokens[token] = portfolio.id
        self._move_tags(old_arn, portfolio.arn)
        return portfolio.to_dict(), portfolio.tags

    def _move_tags(self, old_arn: str, new_arn: str) -> None:
        if self.tagger.has_tags(old_arn):
            tags = self.tagger.list_tags_for_resource(old_arn)["Tags"]
            self.tagger.delete_all_tags_for_resource(old_arn)
            self.tagger.tag_resource(new_arn, tags)

    def _with_aws_id(self, product: Product) -> Product:
        if product.id.startswith("prod-"):
            return product
        old_id, old_arn = product.id, product.arn
        self.products.pop(old_id)
        product.id = _new_id("prod-")
        self.products[product.id] = product
        for token, value in self.idempotency_tokens.items():
            if value == old_id:
                self.idempotency_tokens[token] = product.id
        self._move_tags(old_arn, product.arn)
        return product

    # -- shares ---------------------------------------------------------------------------------------
    def accept_portfolio_share(self, portfolio_id: str) -> None:
        """Accept a portfolio another account of this region shared with this one (CreatePortfolioShare)."""
        for regions in servicecatalog_backends.values():
            backend = regions.get(self.region_name) if self.region_name in regions else None
            if backend is not None and self.account_id in backend.portfolio_access.get(portfolio_id, []):
                if portfolio_id not in self.accepted_shares:
                    self.accepted_shares.append(portfolio_id)
                return
        raise ResourceNotFoundException(f"Portfolio {portfolio_id} is not shared with {self.account_id}.")

    def accepted_portfolios(self) -> list[dict[str, Any]]:
        found = []
        for portfolio_id in self.accepted_shares:
            for regions in servicecatalog_backends.values():
                backend = regions.get(self.region_name) if self.region_name in regions else None
                if backend is not None and portfolio_id in backend.portfolios:
                    found.append(backend.portfolios[portfolio_id].to_dict())
        return found

    # -- lookups ------------------------------------------------------------------------------------
    def portfolio(self, portfolio_id: str):
        if portfolio_id not in self.portfolios:
            raise ResourceNotFoundException(f"Portfolio {portfolio_id} not found.")
        return self.portfolios[portfolio_id]

    def product(self, product_id: str | None = None, name: str | None = None) -> Product:
        if not product_id and not name:
            raise InvalidParametersException("Either Id or Name must be specified.")
        product = self.products.get(product_id) if product_id else self.lookup_by_name(name or "")
        if product is None:
            key, value = ("Id", product_id) if product_id else ("Name", name)
            raise ResourceNotFoundException(f"Product with {key} '{value}' not found.")
        return product

    def artifact(self, product_id: str, artifact_id: str | None, name: str | None) -> ProvisioningArtifact:
        artifacts = self.artifacts[self.product(product_id).id]
        for artifact in artifacts.values():
            if artifact.id == artifact_id or (artifact_id is None and artifact.name == name):
                return artifact
        raise ResourceNotFoundException(
            f"Provisioning artifact {artifact_id or name} not found for product {product_id}."
        )

    # -- products and their artifacts ---------------------------------------------------------------
    def create_product(self, **kwargs: Any) -> Product:
        """A product, with the provisioning artifact its parameters describe (a product may have none)."""
        parameters = kwargs.get("provisioning_artifact_parameters") or {}
        if not kwargs.get("name") or not kwargs.get("owner"):
            raise InvalidParametersException("Name and Owner are required.")
        if kwargs.get("product_type") not in (
            "CLOUD_FORMATION_TEMPLATE",
            "TERRAFORM_OPEN_SOURCE",
            "EXTERNAL",
        ):
            raise InvalidParametersException(f"Invalid ProductType {kwargs.get('product_type')}.")
        source = self.validate_artifact_parameters(parameters) if parameters else None
        product = self._with_aws_id(super().create_product(**kwargs))
        if product.id not in self.artifacts:
            self.artifacts[product.id] = {}
            if source:
                self.add_validated_artifact(product.id, parameters, source)
        return product

    def validate_artifact_parameters(self, parameters: dict[str, Any]) -> ArtifactSource:
        """What AWS checks before accepting a template: ``Info`` names an S3 object or a stack (not both),
        and what it names is a CloudFormation template."""
        info = parameters.get("Info") or {}
        url, stack_arn = info.get("LoadTemplateFromURL"), info.get("ImportFromPhysicalId")
        if bool(url) == bool(stack_arn):
            raise InvalidParametersException(
                "ProvisioningArtifactParameters.Info needs one of LoadTemplateFromURL and "
                "ImportFromPhysicalId."
            )
        body = self.template_body(url) if url else self.stack_template(stack_arn)
        source = ArtifactSource(url, stack_arn, body)
        if parameters.get("DisableTemplateValidation"):
            return source
        try:
            template = Stack.parse_template(body)
        except Exception as error:
            raise InvalidParametersException(
                f"Template at {url or stack_arn} is not valid JSON or YAML: {error}"
            ) from error
        if not isinstance(template, dict) or "Resources" not in template:
            raise InvalidParametersException(f"Template at {url or stack_arn} has no Resources section.")
        return source

    def stack_template(self, stack_arn: str) -> str:
        """The template of a stack of this account and region (``ImportFromPhysicalId``)."""
        stacks = cloudformation_backends[self.account_id][self.region_name].stacks
        stack = stacks.get(stack_arn)
        if stack is None:
            raise InvalidParametersException(f"Invalid ImportFromPhysicalId {stack_arn}: no such stack.")
        return stack.template if isinstance(stack.template, str) else json.dumps(stack.template)

    def template_body(self, url: str) -> str:
        match = _TEMPLATE_URL.fullmatch(url)
        if not match:
            raise InvalidParametersException(f"Invalid templateUrl {url}: not an S3 object URL.")
        bucket, _, key = (
            (match["vhost"], "/", match["path"]) if match["vhost"] else match["path"].partition("/")
        )
        s3 = s3_backends[self.account_id][get_partition(self.region_name)]
        try:
            return s3.get_object(bucket, key).value.decode()
        except Exception as error:
            raise InvalidParametersException(
                f"Invalid templateUrl {url}: no object s3://{bucket}/{key} in account {self.account_id}"
            ) from error

    def create_provisioning_artifact(
        self, product_id: str, parameters: dict[str, Any]
    ) -> ProvisioningArtifact:
        self.product(product_id)
        source = self.validate_artifact_parameters(parameters)
        return self.add_validated_artifact(product_id, parameters, source)

    def add_validated_artifact(
        self, product_id: str, parameters: dict[str, Any], source: ArtifactSource
    ) -> ProvisioningArtifact:
        """Add an artifact from the ``source`` :meth:`validate_artifact_parameters` found for it."""
        product = self.product(product_id)
        artifacts = self.artifacts.setdefault(product.id, {})
        name = parameters.get("Name") or f"v{len(artifacts) + 1}"
        if any(existing.name == name for existing in artifacts.values()):
            raise DuplicateResourceException(f"Provisioning artifact {name} already exists for {product.id}.")
        artifact = ProvisioningArtifact(
            id=_new_id("pa-"),
            name=name,
            description=parameters.get("Description", ""),
            template_url=source.url,
            template_body=source.body,
            source_stack=source.stack_arn,
            type=parameters.get("Type", "CLOUD_FORMATION_TEMPLATE"),
        )
        artifacts[artifact.id] = artifact
        return artifact

    def delete_provisioning_artifact(self, product_id: str, artifact_id: str) -> None:
        artifacts = self.artifacts[self.product(product_id).id]
        if artifact_id not in artifacts:
            raise ResourceNotFoundException(f"Provisioning artifact {artifact_id} not found.")
        if len(artifacts) == 1:
            raise InvalidParametersException("Cannot delete the last provisioning artifact of a product.")
        del artifacts[artifact_id]

    def update_product(self, product_id: str, **attributes: Any) -> Product:
        product = self.product(product_id)
        for name, value in attributes.items():
            if value is not None:
                setattr(product, name, value)
        return product

    def delete_product(self, accept_language: str | None, id: str) -> None:
        self.product(id)
        if any(id in products for products in self.portfolio_products.values()):
            raise ResourceInUseException(f"Product {id} is associated with a portfolio.")
        self.artifacts.pop(id, None)
        super().delete_product(accept_language, id)

    # -- portfolios ---------------------------------------------------------------------------------
    def update_portfolio(self, portfolio_id: str, **attributes: Any) -> None:
        portfolio = self.portfolio(portfolio_id)
        for name, value in attributes.items():
            if value is not None:
                setattr(portfolio, name, value)

    def delete_portfolio(self, accept_language: str | None, id: str) -> None:
        self.portfolio(id)
        if self.portfolio_products.get(id) or self.portfolio_principals.get(id):
            raise ResourceInUseException(f"Portfolio {id} still has products or principals associated.")
        super().delete_portfolio(accept_language, id)

    def associate_product_with_portfolio(self, product_id: str, portfolio_id: str) -> None:
        self.product(product_id)
        self.portfolio(portfolio_id)
        products = self.portfolio_products.setdefault(portfolio_id, [])
        if product_id not in products:
            products.append(product_id)

    def disassociate_product_from_portfolio(self, product_id: str, portfolio_id: str) -> None:
        if product_id not in self.portfolio_products.get(portfolio_id, []):
            raise ResourceNotFoundException(f"Product {product_id} is not associated with {portfolio_id}.")
        if any(
            c.portfolio_id == portfolio_id and c.product_id == product_id for c in self.constraints.values()
        ):
            raise ResourceInUseException(f"Product {product_id} has constraints in portfolio {portfolio_id}.")
        self.portfolio_products[portfolio_id].remove(product_id)

    def associate_principal_with_portfolio(
        self, portfolio_id: str, principal_arn: str, principal_type: str
    ) -> None:
        self.portfolio(portfolio_id)
        if principal_type not in ("IAM", "IAM_PATTERN"):
            raise InvalidParametersException(f"Invalid PrincipalType {principal_type}.")
        principal = {"PrincipalARN": principal_arn, "PrincipalType": principal_type}
        principals = self.portfolio_principals.setdefault(portfolio_id, [])
        if principal not in principals:
            principals.append(principal)

    def disassociate_principal_from_portfolio(self, portfolio_id: str, principal_arn: str) -> None:
        principals = self.portfolio_principals.get(portfolio_id, [])
        remaining = [p for p in principals if p["PrincipalARN"] != principal_arn]
        if len(remaining) == len(principals):
            raise ResourceNotFoundException(
                f"Principal {principal_arn} is not associated with {portfolio_id}."
            )
        self.portfolio_principals[portfolio_id] = remaining

    def portfolios_for_product(self, product_id: str) -> list:
        self.product(product_id)
        return [
            self.portfolios[p] for p, products in self.portfolio_products.items() if product_id in products
        ]

    # -- constraints --------------------------------------------------------------------------------
    def create_constraint(
        self, portfolio_id: str, product_id: str, constraint_type: str, parameters: str, description: str
    ) -> Constraint:
        """LAUNCH (one per product and portfolio, its role must exist) and TEMPLATE (any number, as the
        CreateConstraint reference limits only LAUNCH and STACKSET; the rules are checked as a template's
        Rules section is, without parameter names, which only a launch's template gives)."""
        if product_id not in self.portfolio_products.get(portfolio_id, []):
            raise ResourceNotFoundException(
                f"Product {product_id} is not associated with portfolio {portfolio_id}."
            )
        if constraint_type == "LAUNCH":
            if any(
                c.type == "LAUNCH" and c.portfolio_id == portfolio_id and c.product_id == product_id
                for c in self.constraints.values()
            ):
                raise DuplicateResourceException(
                    f"A LAUNCH constraint already exists for {product_id} in {portfolio_id}."
                )
            self._require_launch_role(_json_object(parameters, constraint_type))
        elif constraint_type == "TEMPLATE":
            template_rules(parameters)
        else:
            raise InvalidParametersException(
                f"The local emulator supports LAUNCH and TEMPLATE constraints, not {constraint_type}."
            )
        constraint = Constraint(
            _new_id("cons-"),
            constraint_type,
            portfolio_id,
            product_id,
            parameters,
            description,
            self.account_id,
        )
        self.constraints[constraint.id] = constraint
        return constraint

    def _require_launch_role(self, parameters: dict[str, str]) -> None:
        role = parameters.get("LocalRoleName") or parameters.get("RoleArn", "").rpartition("/")[2]
        if not role:
            raise InvalidParametersException("A LAUNCH constraint needs LocalRoleName or RoleArn.")
        iam = iam_backends[self.account_id][get_partition(self.region_name)]
        if not any(r.name == role for r in iam.roles.values()):
            raise InvalidParametersException(
                f"Launch role {role} does not exist in account {self.account_id}."
            )

    def constraint(self, constraint_id: str) -> Constraint:
        if constraint_id not in self.constraints:
            raise ResourceNotFoundException(f"Constraint {constraint_id} not found.")
        return self.constraints[constraint_id]

    def update_constraint(
        self, constraint_id: str, description: str | None = None, parameters: str | None = None
    ) -> Constraint:
        constraint = self.constraint(constraint_id)
        if parameters is not None:
            if constraint.type == "TEMPLATE":
                template_rules(parameters)
            else:
                self._require_launch_role(_json_object(parameters, constraint.type))
            constraint.parameters = parameters
        if description is not None:
            constraint.description = description
        return constraint

    def delete_constraint(self, constraint_id: str) -> None:
        del self.constraints[self.constraint(constraint_id).id]

    def check_launch_parameters(
        self, portfolio_or_path: str, product_id: str, artifact: str, parameters: Any
    ) -> None:
        """Refuse a launch whose parameters fail an assertion of a TEMPLATE constraint of the product in
        that portfolio (``portfolio_or_path``: a portfolio id or a launch path id), as ProvisionProduct
        and UpdateProvisionedProduct do before anything is created. ``artifact`` is the provisioning
        artifact's id or name; ``parameters`` a mapping or ProvisionProduct's ``[{"Key", "Value"}]``.

        The rules are evaluated against the artifact's template: its parameter types, its Defaults for
        what the launch leaves out, pseudo parameters and the account's EC2 resources. Only the rules
        are checked here; the template's own constraints are CloudFormation's, when it creates the
        stack. The error is InvalidParametersException with the failed assertion's description (AWS's
        exact wording was not found; see ``rules.failure_message``)."""
        portfolio_id = portfolio_or_path.removeprefix("lpv3-")
        self.portfolio(portfolio_id)
        product = self.product(product_id)
        if product.id not in self.portfolio_products.get(portfolio_id, []):
            raise ResourceNotFoundException(
                f"Launch path {portfolio_or_path} not found for product {product_id}."
            )
        constraints = [
            c
            for c in self.constraints.values()
            if c.type == "TEMPLATE" and c.portfolio_id == portfolio_id and c.product_id == product.id
        ]
        if not constraints:
            return
        chosen = self._artifact_by_id_or_name(product.id, artifact)
        template = Stack.parse_template(chosen.template_body)
        given = _launch_values(parameters)
        values = {**cfn_parameters.previous_values(template, {}), **given}
        context = cfn_parameters.Context(self.account_id, self.region_name)
        try:
            typed = cfn_parameters.rule_parameters(template, values, context)
            lookup = Ec2Lookup(self.account_id, self.region_name)
            for constraint in constraints:
                failed = rules.evaluate(template_rules(constraint.parameters), typed, lookup)
                if failed:
                    raise InvalidParametersException(rules.failure_message(failed[0]))
        except rules.RulesError as error:
            raise InvalidParametersException(error.message) from error
        except rules.UnsupportedLookupError as error:
            raise InvalidParametersException(str(error)) from error

    def _artifact_by_id_or_name(self, product_id: str, artifact: str) -> ProvisioningArtifact:
        artifacts = self.artifacts[product_id]
        if artifact in artifacts:
            return artifacts[artifact]
        return self.artifact(product_id, None, artifact)

    # -- what the read APIs return ------------------------------------------------------------------
    def launch_paths(self, product_id: str) -> list[dict[str, Any]]:
        return [
            {
                "Id": f"lpv3-{portfolio.id}",
                "Name": portfolio.display_name,
                "ConstraintSummaries": [
                    {"Type": c.type, "Description": c.description}
                    for c in self.constraints.values()
                    if c.portfolio_id == portfolio.id and c.product_id == product_id
                ],
                "Tags": [],
            }
            for portfolio in self.portfolios_for_product(product_id)
        ]

    def accessible_products(self) -> list[Product]:
        """Products reachable through a portfolio that grants at least one principal access.

        The emulator does not model who the caller is: every caller counts as each granted principal."""
        reachable = {
            product_id
            for portfolio_id, products in self.portfolio_products.items()
            if self.portfolio_principals.get(portfolio_id)
            for product_id in products
        }
        return [product for product_id, product in self.products.items() if product_id in reachable]


def _json_object(parameters: str, constraint_type: str) -> dict[str, Any]:
    """Constraint parameters: a JSON object (what AWS says of malformed ones was not found; ours)."""
    try:
        value = json.loads(parameters)
    except (TypeError, ValueError) as error:
        raise InvalidParametersException(
            f"The {constraint_type} constraint parameters are not valid JSON: {error}"
        ) from error
    if not isinstance(value, dict):
        raise InvalidParametersException(
            f"The {constraint_type} constraint parameters must be a JSON object."
        )
    return value


def template_rules(parameters: str) -> dict[str, Any]:
    """The rules of a TEMPLATE constraint (``{"Rules": {...}}``, as the CreateConstraint reference has
    it), refused as CloudFormation refuses a Rules section: unsupported functions, malformed rules."""
    value = _json_object(parameters, "TEMPLATE")
    if "Rules" not in value:
        raise InvalidParametersException("The TEMPLATE constraint parameters must have a Rules property.")
    try:
        rules.validate(value["Rules"])
    except rules.RulesError as error:
        raise InvalidParametersException(error.message) from error
    return value["Rules"]


def _launch_values(parameters: Any) -> dict[str, str]:
    if parameters is None:
        return {}
    if isinstance(parameters, dict):
        return {name: cfn_parameters.text(value) for name, value in parameters.items()}
    return {entry["Key"]: cfn_parameters.text(entry.get("Value", "")) for entry in parameters}


# -- CloudFormation handlers ------------------------------------------------------------------------
def _backend(account_id: str, region_name: str) -> Backend:
    return servicecatalog_backends[account_id][region_name]


def _tags(properties: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": t["Key"], "Value": t["Value"]} for t in properties.get("Tags", [])]


class CfnPortfolio(CloudFormationModel):
    """AWS::ServiceCatalog::Portfolio. Ref: the portfolio id; GetAtt: PortfolioName."""

    def __init__(self, portfolio_id: str, name: str, account_id: str, region_name: str) -> None:
        self.id = portfolio_id
        self.name = name
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ServiceCatalog::Portfolio"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "DisplayName"

    @property
    def physical_resource_id(self) -> str:
        return self.id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "PortfolioName"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "PortfolioName":
            return self.name
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        detail, _ = _backend(account_id, region_name).create_portfolio(
            accept_language=properties.get("AcceptLanguage"),
            display_name=properties["DisplayName"],
            description=properties.get("Description"),
            provider_name=properties["ProviderName"],
            tags=_tags(properties),
            idempotency_token=None,
        )
        return cls(detail["Id"], properties["DisplayName"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json["Properties"]
        _backend(account_id, region_name).update_portfolio(
            original_resource.id,
            display_name=properties["DisplayName"],
            description=properties.get("Description", ""),
            provider_name=properties["ProviderName"],
        )
        original_resource.name = properties["DisplayName"]
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_portfolio(None, self.id)


class CfnProduct(CloudFormationModel):
    """AWS::ServiceCatalog::CloudFormationProduct. Ref: the product id; GetAtt: ProductName,
    ProvisioningArtifactIds, ProvisioningArtifactNames (comma-separated).

    Artifacts are matched by name on update: a new name adds one, a changed URL replaces it, a name
    no longer listed is removed (ReplaceProvisioningArtifacts replaces them all)."""

    def __init__(self, product_id: str, account_id: str, region_name: str) -> None:
        self.id = product_id
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ServiceCatalog::CloudFormationProduct"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return self.id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ProductName", "ProvisioningArtifactIds", "ProvisioningArtifactNames")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        backend = _backend(self.account_id, self.region_name)
        artifacts = list(backend.artifacts[self.id].values())
        if attribute_name == "ProductName":
            return backend.product(self.id).name
        if attribute_name == "ProvisioningArtifactIds":
            return ",".join(a.id for a in artifacts)
        if attribute_name == "ProvisioningArtifactNames":
            return ",".join(a.name for a in artifacts)
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        releases = properties.get("ProvisioningArtifactParameters") or []
        if not releases:
            raise InvalidParametersException("ProvisioningArtifactParameters needs at least one artifact.")
        sources = [backend.validate_artifact_parameters(release) for release in releases[1:]]
        product = backend.create_product(
            name=properties["Name"],
            owner=properties["Owner"],
            description=properties.get("Description"),
            distributor=properties.get("Distributor"),
            support_description=properties.get("SupportDescription"),
            support_email=properties.get("SupportEmail"),
            support_url=properties.get("SupportUrl"),
            product_type="CLOUD_FORMATION_TEMPLATE",
            tags=_tags(properties),
            provisioning_artifact_parameters=releases[0],
            source_connection=properties.get("SourceConnection"),
            accept_language=properties.get("AcceptLanguage"),
        )
        for release, source in zip(releases[1:], sources, strict=True):
            backend.add_validated_artifact(product.id, release, source)
        return cls(product.id, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        product_id = original_resource.id
        releases = properties.get("ProvisioningArtifactParameters") or []
        sources = {release.get("Name"): backend.validate_artifact_parameters(release) for release in releases}
        backend.update_product(
            product_id,
            name=properties["Name"],
            owner=properties["Owner"],
            description=properties.get("Description"),
            distributor=properties.get("Distributor"),
            support_description=properties.get("SupportDescription"),
            support_email=properties.get("SupportEmail"),
            support_url=properties.get("SupportUrl"),
        )
        replace_all = properties.get("ReplaceProvisioningArtifacts") in (True, "true")
        existing = {a.name: a for a in backend.artifacts[product_id].values()}
        wanted = {release.get("Name"): release for release in releases}
        for name, release in wanted.items():
            current = existing.get(name)
            if (
                current
                and not replace_all
                and current.template_url == release["Info"].get("LoadTemplateFromURL")
            ):
                current.description = release.get("Description", current.description)
                continue
            if current:
                del backend.artifacts[product_id][current.id]
            backend.add_validated_artifact(product_id, release, sources[name])
        for name, artifact in existing.items():
            if name not in wanted:
                backend.artifacts[product_id].pop(artifact.id, None)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_product(None, self.id)


class CfnPortfolioProductAssociation(CloudFormationModel):
    """AWS::ServiceCatalog::PortfolioProductAssociation."""

    def __init__(self, portfolio_id: str, product_id: str) -> None:
        self.portfolio_id = portfolio_id
        self.product_id = product_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ServiceCatalog::PortfolioProductAssociation"

    @property
    def physical_resource_id(self) -> str:
        return f"{self.portfolio_id}|{self.product_id}"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        _backend(account_id, region_name).associate_product_with_portfolio(
            properties["ProductId"], properties["PortfolioId"]
        )
        return cls(properties["PortfolioId"], properties["ProductId"])

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).disassociate_product_from_portfolio(
            self.product_id, self.portfolio_id
        )


class CfnPortfolioPrincipalAssociation(CloudFormationModel):
    """AWS::ServiceCatalog::PortfolioPrincipalAssociation."""

    def __init__(self, portfolio_id: str, principal_arn: str, principal_type: str) -> None:
        self.portfolio_id = portfolio_id
        self.principal_arn = principal_arn
        self.principal_type = principal_type

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ServiceCatalog::PortfolioPrincipalAssociation"

    @property
    def physical_resource_id(self) -> str:
        return f"{self.portfolio_id}|{self.principal_arn}|{self.principal_type}"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        _backend(account_id, region_name).associate_principal_with_portfolio(
            properties["PortfolioId"], properties["PrincipalARN"], properties["PrincipalType"]
        )
        return cls(properties["PortfolioId"], properties["PrincipalARN"], properties["PrincipalType"])

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).disassociate_principal_from_portfolio(
            self.portfolio_id, self.principal_arn
        )


class CfnLaunchRoleConstraint(CloudFormationModel):
    """AWS::ServiceCatalog::LaunchRoleConstraint. Ref: the constraint id."""

    def __init__(self, constraint_id: str) -> None:
        self.id = constraint_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ServiceCatalog::LaunchRoleConstraint"

    @property
    def physical_resource_id(self) -> str:
        return self.id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        role = {"LocalRoleName": properties["LocalRoleName"]} if "LocalRoleName" in properties else {}
        if "RoleArn" in properties:
            role = {"RoleArn": properties["RoleArn"]}
        constraint = _backend(account_id, region_name).create_constraint(
            properties["PortfolioId"],
            properties["ProductId"],
            "LAUNCH",
            json.dumps(role),
            properties.get("Description", ""),
        )
        return cls(constraint.id)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_constraint(self.id)


class CfnLaunchTemplateConstraint(CloudFormationModel):
    """AWS::ServiceCatalog::LaunchTemplateConstraint. Ref: the constraint id.

    ``Rules`` is a string holding the JSON rules object (``{"RuleName": {"Assertions": [...]}}``, as the
    CDK's ``constrainCloudFormationParameters`` writes it); the constraint's parameters are
    ``{"Rules": <that object>}``. Rules and Description change in place; a new PortfolioId or ProductId
    replaces the constraint (the resource reference's "Update requires")."""

    def __init__(self, constraint_id: str, portfolio_id: str, product_id: str) -> None:
        self.id = constraint_id
        self.portfolio_id = portfolio_id
        self.product_id = product_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ServiceCatalog::LaunchTemplateConstraint"

    @property
    def physical_resource_id(self) -> str:
        return self.id

    @staticmethod
    def _parameters(properties: dict[str, Any]) -> str:
        text = properties.get("Rules")
        if not isinstance(text, str):
            # The resource schema types Rules as a string; AWS's wording for another type was not found.
            raise InvalidParametersException("Property Rules must be a string holding the rules as JSON.")
        try:
            parsed = json.loads(text)
        except ValueError as error:
            raise InvalidParametersException(f"Property Rules is not valid JSON: {error}") from error
        return json.dumps({"Rules": parsed})

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        constraint = _backend(account_id, region_name).create_constraint(
            properties["PortfolioId"],
            properties["ProductId"],
            "TEMPLATE",
            cls._parameters(properties),
            properties.get("Description", ""),
        )
        return cls(constraint.id, properties["PortfolioId"], properties["ProductId"])

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json["Properties"]
        target = (properties["PortfolioId"], properties["ProductId"])
        if target != (original_resource.portfolio_id, original_resource.product_id):
            replacement = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            original_resource.delete(account_id, region_name)
            return replacement
        _backend(account_id, region_name).update_constraint(
            original_resource.id,
            description=properties.get("Description", ""),
            parameters=cls._parameters(properties),
        )
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_constraint(self.id)
