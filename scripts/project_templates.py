"""The kit's project template as a data scientist reaches it, either way ``make deploy`` delivers it.

- Service Catalog (:class:`CatalogProduct`): the product shared with their execution role, its newest
  active version and their launch path; SageMaker launches it with the portfolio's launch constraint.
- S3 (:class:`S3Template`): the template SageMaker reads from the staging bucket, launched as the
  portfolio's ProjectsLaunchRole (the portfolio stack's outputs name both).

Either way ``CreateProject`` makes the same stack from the same template; :func:`stack_of` finds it
from ``DescribeProject`` and :func:`parameters_of` reads the project's parameters back. The demo, the
notebooks and their clean-up use this module, so all create and find projects the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from scripts.errors import KitError

PRODUCT_NAME = "S3 to Feature Store ingestion pipeline"
"""The product's name in ``cfn-templates/sm-project-sc-portfolio.yaml``."""
TEMPLATE_NAME = "fs-ingestion"
"""The project's name for its one template (CfnTemplateProvider TemplateName)."""
DELIVERIES = ("servicecatalog", "s3")


class Context(Protocol):
    """What both the tooling's AwsContext and the notebooks' Environment offer."""

    @property
    def region(self) -> str: ...

    @property
    def account(self) -> str: ...

    def client(self, service: str) -> Any: ...


class ProductNotSharedError(KitError):
    def __init__(self, region: str) -> None:
        super().__init__(
            f"no product named '{PRODUCT_NAME}' is shared with you in {region}: the platform engineer "
            "publishes it with `make package && make deploy` (on the local emulator `make notebooks` does it)"
        )


class NotDeliveredFromS3Error(KitError):
    def __init__(self, region: str, why: str) -> None:
        super().__init__(
            f"the project template is not delivered from S3 in {region} ({why}): the platform engineer "
            "deploys with `make deploy DELIVERY=s3` (or both); or create the project with "
            "DELIVERY=servicecatalog"
        )


class UnknownDeliveryError(KitError):
    def __init__(self, value: str) -> None:
        super().__init__(f"DELIVERY={value!r} is not a way to create a project: choose servicecatalog or s3")


@dataclass(frozen=True)
class CatalogProduct:
    product_id: str
    artifact_id: str
    version: str
    path_id: str
    delivery = "servicecatalog"

    def create_request(self, parameters: dict[str, str]) -> dict[str, Any]:
        return {
            "ServiceCatalogProvisioningDetails": {
                "ProductId": self.product_id,
                "ProvisioningArtifactId": self.artifact_id,
                "PathId": self.path_id,
                "ProvisioningParameters": [{"Key": k, "Value": v} for k, v in parameters.items()],
            }
        }

    def made(self, described: dict[str, Any]) -> bool:
        """Whether the project ``described`` was created from this product (any version)."""
        return described.get("ServiceCatalogProvisioningDetails", {}).get("ProductId") == self.product_id


@dataclass(frozen=True)
class S3Template:
    url: str
    launch_role_arn: str
    delivery = "s3"

    def create_request(self, parameters: dict[str, str]) -> dict[str, Any]:
        provider = {
            "TemplateName": TEMPLATE_NAME,
            "TemplateURL": self.url,
            "RoleARN": self.launch_role_arn,
            "Parameters": [{"Key": k, "Value": v} for k, v in parameters.items()],
        }
        return {"TemplateProviders": [{"CfnTemplateProvider": provider}]}

    def made(self, described: dict[str, Any]) -> bool:
        return any(detail["TemplateURL"] == self.url for detail in _providers(described))


def find_product(context: Context) -> CatalogProduct:
    catalog = context.client("servicecatalog")
    views = catalog.search_products(Filters={"FullTextSearch": [PRODUCT_NAME]})["ProductViewSummaries"]
    matching = [view for view in views if view["Name"] == PRODUCT_NAME]
    if not matching:
        raise ProductNotSharedError(context.region)
    product_id = matching[0]["ProductId"]
    artifacts = catalog.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    newest = max((a for a in artifacts if a.get("Active", True)), key=lambda a: a["CreatedTime"])
    [path] = catalog.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"][:1]
    return CatalogProduct(product_id, newest["Id"], newest["Name"], path["Id"])


def find_s3_template(context: Context, portfolio_stack: str) -> S3Template:
    """The S3-delivered template and its launch role, from the portfolio stack's outputs."""
    try:
        [stack] = context.client("cloudformation").describe_stacks(StackName=portfolio_stack)["Stacks"]
    except ClientError as error:
        raise NotDeliveredFromS3Error(context.region, f"no stack {portfolio_stack}") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    if "ProjectTemplateUrl" not in outputs:
        delivery = outputs.get("Delivery", "servicecatalog")
        raise NotDeliveredFromS3Error(context.region, f"{portfolio_stack} delivers {delivery}")
    return S3Template(outputs["ProjectTemplateUrl"], outputs["ProjectsLaunchRoleArn"])


def find_template(
    context: Context, delivery: str | None, portfolio_stack: str
) -> CatalogProduct | S3Template:
    """The template to create projects from: ``delivery`` servicecatalog or s3; empty (or both): the
    Service Catalog product when one is shared, else the S3-delivered template."""
    chosen = (delivery or "").strip().lower()
    if chosen == "s3":
        return find_s3_template(context, portfolio_stack)
    if chosen == "servicecatalog":
        return find_product(context)
    if chosen not in ("", "both"):
        raise UnknownDeliveryError(delivery or "")
    try:
        return find_product(context)
    except ProductNotSharedError:
        return find_s3_template(context, portfolio_stack)


def create_project(
    context: Context,
    template: CatalogProduct | S3Template,
    name: str,
    description: str,
    parameters: dict[str, str],
) -> None:
    context.client("sagemaker").create_project(
        ProjectName=name, ProjectDescription=description, **template.create_request(parameters)
    )


def stack_of(described: dict[str, Any], account: str) -> str:
    """The name of the CloudFormation stack behind a project, from DescribeProject."""
    providers = _providers(described)
    if providers:
        return providers[0]["StackDetail"]["Name"]
    provisioned = described["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
    return f"SC-{account}-{provisioned}"


def parameters_of(described: dict[str, Any]) -> dict[str, str]:
    """The parameters the project was created (or last updated) with, from DescribeProject."""
    providers = _providers(described)
    given = providers[0].get("Parameters", []) if providers else []
    if not providers:
        given = described.get("ServiceCatalogProvisioningDetails", {}).get("ProvisioningParameters", [])
    return {p["Key"]: p["Value"] for p in given}


def _providers(described: dict[str, Any]) -> list[dict[str, Any]]:
    return [d["CfnTemplateProviderDetail"] for d in described.get("TemplateProviderDetails", [])]
