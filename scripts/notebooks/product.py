"""The project template as a data scientist sees it: the Service Catalog product shared with their
execution role, its newest active version and their launch path. The platform engineer publishes it
with ``make package && make deploy``."""

from __future__ import annotations

from dataclasses import dataclass

from scripts.errors import KitError
from scripts.notebooks.environment import Environment

PRODUCT_NAME = "S3 to Feature Store ingestion pipeline"
"""The product's name in ``cfn-templates/sm-project-sc-portfolio.yaml``."""


class ProductNotSharedError(KitError):
    def __init__(self, region: str) -> None:
        super().__init__(
            f"no product named '{PRODUCT_NAME}' is shared with you in {region}: the platform engineer "
            "publishes it with `make package && make deploy` (on the local emulator `make notebooks` does it)"
        )


@dataclass(frozen=True)
class Product:
    product_id: str
    artifact_id: str
    version: str
    path_id: str


def find_product(env: Environment) -> Product:
    catalog = env.client("servicecatalog")
    views = catalog.search_products(Filters={"FullTextSearch": [PRODUCT_NAME]})["ProductViewSummaries"]
    matching = [view for view in views if view["Name"] == PRODUCT_NAME]
    if not matching:
        raise ProductNotSharedError(env.region)
    product_id = matching[0]["ProductId"]
    artifacts = catalog.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    newest = max((a for a in artifacts if a.get("Active", True)), key=lambda a: a["CreatedTime"])
    [path] = catalog.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"][:1]
    return Product(product_id, newest["Id"], newest["Name"], path["Id"])
