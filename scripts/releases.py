"""Which releases of the product exist, and keeping every one of them.

The truth is the **live Service Catalog product** of the portfolio stack: each of its provisioning
artifacts is a release (the artifact's name is the version), and every project launched from one depends
on it. Service Catalog keeps its own copy of each artifact's template, so no delete in the staging bucket
can make a release disappear; a list derived from the staging bucket could, and a portfolio rendered
from a shortened list would remove the missing artifacts on the next deploy.

So the packager renders every live release (:func:`live_releases`, refusing, with the fix, whatever it
cannot render faithfully), and the deployer refuses a change set that would remove or replace a live
artifact (:class:`ArtifactGuard`), which also catches a package made before someone else deployed a
newer release. The deployed template says which URL CloudFormation created each artifact from: the
packager renders exactly that URL, so CloudFormation sees no change to an existing artifact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from botocore.exceptions import ClientError

from scripts import cfn_yaml
from scripts.assemble import StagingLocation
from scripts.aws import AwsContext
from scripts.errors import KitError

PRODUCT_TYPE = "AWS::ServiceCatalog::CloudFormationProduct"
_RELEASE = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class LiveProduct:
    """A Service Catalog product a stack created, and the provisioning artifacts it has now."""

    stack: str
    logical_id: str
    product_id: str
    artifacts: tuple[str, ...]  # artifact names, as Service Catalog lists them
    # The template URL CloudFormation created each artifact from (by name), as the deployed template says.
    deployed_urls: Mapping[str, str] = field(default_factory=dict)


class NotAReleaseArtifactError(KitError):
    def __init__(self, product: LiveProduct, name: str) -> None:
        super().__init__(
            f"product {product.product_id} of stack {product.stack} has a provisioning artifact named "
            f"{name!r}, which is not a release (MAJOR.MINOR.PATCH) this kit can keep, and a deploy would "
            "remove it: delete that artifact by hand once no project uses it "
            f"(aws servicecatalog delete-provisioning-artifact --product-id {product.product_id} ...)"
        )


class ReleasePublishedElsewhereError(KitError):
    def __init__(self, product: LiveProduct, version: str, url: str, staging: StagingLocation) -> None:
        super().__init__(
            f"release {version} of product {product.product_id} (stack {product.stack}) was created from "
            f"{url}, not from s3://{staging.bucket}/{staging.prefix}/: package to the staging location "
            "its releases were published to (set CFN_BUCKET_NAME and S3_PREFIX to that URL's bucket and "
            "prefix)"
        )


class ReleaseTemplateMissingError(KitError):
    def __init__(self, product: LiveProduct, version: str, location: str) -> None:
        super().__init__(
            f"release {version} is a provisioning artifact of product {product.product_id} (stack "
            f"{product.stack}) but its product template {location} is gone from the staging bucket: "
            "restore the object from its previous version (the bucket is versioned: "
            "aws s3api list-object-versions), then package again"
        )


class ArtifactsWouldBeLostError(KitError):
    """A change set would remove or replace provisioning artifacts that exist."""

    def __init__(self, product: LiveProduct, removed: list[str], replaced: list[str], whole: bool) -> None:
        names = ", ".join(removed + replaced)
        where = f"product {product.product_id} (stack {product.stack})"
        if whole:
            fix = (
                f"the new template removes or replaces the product resource {product.logical_id}: keep it "
                "(same logical id, no replacing change), then deploy again"
            )
        elif replaced:
            fix = (
                "their template URL changed, and CloudFormation would create new artifacts in their place: "
                "package to the staging location they were published to (CFN_BUCKET_NAME, S3_PREFIX), "
                "then deploy again"
            )
        else:
            fix = (
                "the package does not list them (it was made before they were deployed, or for another "
                "stack): run `make package` again, which keeps every live release, then `make deploy`"
            )
        super().__init__(
            f"deploying would remove provisioning artifact(s) {names} of {where}, and projects launched "
            f"from them would lose them; nothing was changed: {fix}"
        )


# --- reading what is live ------------------------------------------------------------------------


def live_products(cfn, catalog, stack: str) -> list[LiveProduct]:
    """The Service Catalog products ``stack`` created and still has (none when the stack is gone)."""
    try:
        resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    except ClientError as error:
        if "does not exist" in error.response["Error"].get("Message", ""):
            return []
        raise
    products = [r for r in resources if r["ResourceType"] == PRODUCT_TYPE and r.get("PhysicalResourceId")]
    if not products:
        return []
    template = load_template(cfn.get_template(StackName=stack)["TemplateBody"])
    found = []
    for resource in products:
        try:
            details = catalog.list_provisioning_artifacts(ProductId=resource["PhysicalResourceId"])
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":  # rolled back, deleted
                continue
            raise
        found.append(
            LiveProduct(
                stack=stack,
                logical_id=resource["LogicalResourceId"],
                product_id=resource["PhysicalResourceId"],
                artifacts=tuple(d["Name"] for d in details["ProvisioningArtifactDetails"]),
                deployed_urls=artifact_urls(template, resource["LogicalResourceId"]),
            )
        )
    return found


def load_template(body: str | dict) -> dict:
    """A template as GetTemplate or S3 gives it (YAML or JSON text; botocore parses JSON itself)."""
    document = cfn_yaml.loads(body) if isinstance(body, str) else body
    return document if isinstance(document, dict) else {}


def artifact_urls(template: dict, logical_id: str) -> dict[str, str]:
    """Name → ``LoadTemplateFromURL`` of each provisioning artifact a product resource declares."""
    resource = (template.get("Resources") or {}).get(logical_id) or {}
    parameters = (resource.get("Properties") or {}).get("ProvisioningArtifactParameters") or []
    urls = {}
    for artifact in parameters:
        name = artifact.get("Name") if isinstance(artifact, dict) else None
        url = (artifact.get("Info") or {}).get("LoadTemplateFromURL") if isinstance(name, str) else None
        if isinstance(url, str):
            urls[name] = url
    return urls


# --- the packager: render every live release ---------------------------------------------------


def live_releases(
    products: Iterable[LiveProduct],
    staging: StagingLocation,
    published: frozenset[str],
    version: str,
) -> frozenset[str]:
    """The versions of every live artifact, each checked to be renderable from ``staging``: named as a
    release, created from this staging location's URL for it, and with its product template still
    published there (``published``; ``version`` is the one being packaged, so it is uploaded now)."""
    releases = set()
    for product in products:
        for name in product.artifacts:
            if not _RELEASE.match(name):
                raise NotAReleaseArtifactError(product, name)
            key = staging.product_template_key(name)
            expected = staging.url(key)
            deployed = product.deployed_urls.get(name)
            if deployed is not None and deployed != expected:
                raise ReleasePublishedElsewhereError(product, name, deployed, staging)
            if name not in published and name != version:
                raise ReleaseTemplateMissingError(product, name, f"s3://{staging.bucket}/{key}")
            releases.add(name)
    return frozenset(releases)


# --- the deployer: no change set may lose an artifact ---------------------------------------------


class ArtifactGuard:
    """Refuses a change set that would remove a live provisioning artifact, or replace one (a new
    artifact id: projects launched from the old one lose it)."""

    def __init__(self, cfn, catalog, s3) -> None:
        self._cfn = cfn
        self._catalog = catalog
        self._s3 = s3

    @classmethod
    def from_environment(cls, cfn) -> ArtifactGuard:
        """The guard for ``cfn``'s region, its other clients resolved as every entry point resolves them."""
        aws = AwsContext.from_environment(cfn.meta.region_name)
        return cls(cfn, aws.client("servicecatalog"), aws.client("s3"))

    @staticmethod
    def concerns(changes: Iterable[dict]) -> bool:
        """Whether a change set touches a Service Catalog product (only then is anything to check)."""
        return any(_product_change(change) for change in changes)

    def check(self, stack: str, template_url: str, changes: Iterable[dict]) -> None:
        touched = {c["LogicalResourceId"]: c for c in map(_product_change, changes) if c}
        live = [p for p in live_products(self._cfn, self._catalog, stack) if p.logical_id in touched]
        if not live:
            return
        template = self._read(template_url)
        for product in live:
            change = touched[product.logical_id]
            resource = (template.get("Resources") or {}).get(product.logical_id)
            whole = (
                change.get("Action") == "Remove"
                or change.get("Replacement") == "True"
                or not resource
                or resource.get("Type") != PRODUCT_TYPE
            )
            wanted = {} if whole else artifact_urls(template, product.logical_id)
            properties = (resource or {}).get("Properties") or {}
            replace_all = properties.get("ReplaceProvisioningArtifacts") in (True, "true")
            removed = [name for name in product.artifacts if name not in wanted]
            replaced = [
                name
                for name in product.artifacts
                if name in wanted
                and (replace_all or product.deployed_urls.get(name, wanted[name]) != wanted[name])
            ]
            if removed or replaced:
                raise ArtifactsWouldBeLostError(product, removed, replaced, whole=whole)

    def _read(self, url: str) -> dict:
        bucket, key = s3_location(url)
        return load_template(self._s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())


def s3_location(url: str) -> tuple[str, str]:
    """Bucket and key of an S3 object URL, virtual-hosted (``https://b.s3.r.amazonaws.com/k``) or
    path-style (``https://s3.r.amazonaws.com/b/k``)."""
    parts = urlsplit(url)
    path = unquote(parts.path.lstrip("/"))
    hosted = re.match(r"^(?P<bucket>.+?)\.s3[.-]", parts.hostname or "")
    if hosted:
        return hosted["bucket"], path
    bucket, _, key = path.partition("/")
    return bucket, key


def _product_change(change: dict) -> dict | None:
    resource = change.get("ResourceChange") or {}
    if resource.get("ResourceType") == PRODUCT_TYPE and resource.get("Action") in ("Modify", "Remove"):
        return resource
    return None
