"""The deployer's artifact guard on its own: which change sets lose a live provisioning artifact.

The clients are small fakes answering the four calls the guard makes; the emulator tests
(tests/local/test_release_safety.py) run the same guard through ``make deploy``.
"""

from __future__ import annotations

import io

import pytest

from scripts import cfn_yaml
from scripts.releases import ArtifactGuard, ArtifactsWouldBeLostError, s3_location

STACK = "portfolio"
PRODUCT_ID = "prod-abc"
NEW_TEMPLATE_URL = "https://staging.s3.us-east-1.amazonaws.com/kit/portfolio/p-0123.yaml"


def url(version: str, bucket: str = "staging") -> str:
    return f"https://{bucket}.s3.us-east-1.amazonaws.com/kit/product/{version}/project-s3-fs-ingestion.yaml"


def portfolio(*artifacts: tuple[str, str], replace_all: bool = False) -> dict:
    properties = {
        "Name": "p",
        "Owner": "o",
        "ReplaceProvisioningArtifacts": replace_all,
        "ProvisioningArtifactParameters": [
            {"Name": name, "Info": {"LoadTemplateFromURL": location}} for name, location in artifacts
        ],
    }
    return {
        "Resources": {
            "Product": {"Type": "AWS::ServiceCatalog::CloudFormationProduct", "Properties": properties}
        }
    }


# The fakes take botocore's parameter names, as keywords, exactly as the guard passes them.
class FakeCloudFormation:
    def __init__(self, deployed: dict) -> None:
        self.deployed = deployed

    def describe_stack_resources(self, StackName: str) -> dict:
        assert StackName == STACK
        product = {"LogicalResourceId": "Product", "PhysicalResourceId": PRODUCT_ID}
        return {"StackResources": [{**product, "ResourceType": "AWS::ServiceCatalog::CloudFormationProduct"}]}

    def get_template(self, StackName: str) -> dict:
        return {"TemplateBody": cfn_yaml.dumps(self.deployed)}


class FakeCatalog:
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def list_provisioning_artifacts(self, ProductId: str) -> dict:
        assert ProductId == PRODUCT_ID
        return {"ProvisioningArtifactDetails": [{"Name": name} for name in self.names]}


class FakeS3:
    def __init__(self, template: dict) -> None:
        self.template = template

    def get_object(self, Bucket: str, Key: str) -> dict:
        assert (Bucket, Key) == s3_location(NEW_TEMPLATE_URL)
        return {"Body": io.BytesIO(cfn_yaml.dumps(self.template).encode())}


def modify(action: str = "Modify", replacement: str = "False") -> list[dict]:
    change = {
        "Action": action,
        "LogicalResourceId": "Product",
        "ResourceType": "AWS::ServiceCatalog::CloudFormationProduct",
        "Replacement": replacement,
    }
    return [{"Type": "Resource", "ResourceChange": change}]


DEPLOYED = portfolio(("1.0.0", url("1.0.0")), ("1.1.0", url("1.1.0")))


def guard(new: dict, live: list[str] | None = None) -> ArtifactGuard:
    return ArtifactGuard(FakeCloudFormation(DEPLOYED), FakeCatalog(live or ["1.0.0", "1.1.0"]), FakeS3(new))


@pytest.mark.parametrize(
    ("new", "changes", "live"),
    [
        (
            portfolio(("1.0.0", url("1.0.0")), ("1.1.0", url("1.1.0")), ("1.2.0", url("1.2.0"))),
            modify(),
            None,
        ),
        (DEPLOYED, modify(), None),
        (portfolio(("1.0.0", url("1.0.0"))), modify(), ["1.0.0"]),  # 1.1.0 deleted by hand: nothing to lose
    ],
    ids=["a-new-release", "descriptions-only", "nothing-live-is-left-out"],
)
def test_change_sets_that_keep_every_live_artifact_pass(new, changes, live):
    guard(new, live).check(STACK, NEW_TEMPLATE_URL, changes)


@pytest.mark.parametrize(
    ("new", "changes", "lost", "fix"),
    [
        (portfolio(("1.0.0", url("1.0.0"))), modify(), "1.1.0", "the package does not list them"),
        (
            portfolio(("1.0.0", url("1.0.0", bucket="elsewhere")), ("1.1.0", url("1.1.0"))),
            modify(),
            "1.0.0",
            "their template URL changed",
        ),
        (
            portfolio(("1.0.0", url("1.0.0")), ("1.1.0", url("1.1.0")), replace_all=True),
            modify(),
            "1.0.0, 1.1.0",
            "their template URL changed",
        ),
        (
            {"Resources": {}},
            modify("Remove"),
            "1.0.0, 1.1.0",
            "removes or replaces the product resource Product",
        ),
        (DEPLOYED, modify(replacement="True"), "1.0.0, 1.1.0", "removes or replaces the product resource"),
    ],
    ids=["a-release-left-out", "a-release-moved", "replace-all", "product-removed", "product-replaced"],
)
def test_change_sets_that_lose_a_live_artifact_are_refused(new, changes, lost, fix):
    with pytest.raises(ArtifactsWouldBeLostError) as raised:
        guard(new).check(STACK, NEW_TEMPLATE_URL, changes)
    message = str(raised.value)
    assert message.startswith(
        f"deploying would remove provisioning artifact(s) {lost} of product {PRODUCT_ID} (stack {STACK}), "
        "and projects launched from them would lose them; nothing was changed: "
    )
    assert fix in message


def test_only_change_sets_touching_a_product_are_checked():
    assert ArtifactGuard.concerns(modify())
    assert not ArtifactGuard.concerns(modify("Add"))
    bucket = [{"ResourceChange": {"Action": "Modify", "ResourceType": "AWS::S3::Bucket"}}]
    assert not ArtifactGuard.concerns(bucket)


@pytest.mark.parametrize(
    ("address", "location"),
    [
        (NEW_TEMPLATE_URL, ("staging", "kit/portfolio/p-0123.yaml")),
        ("https://s3.us-east-1.amazonaws.com/staging/kit/a%2Bb.yaml", ("staging", "kit/a+b.yaml")),
        ("https://my.bucket.s3-us-west-2.amazonaws.com/k.yaml", ("my.bucket", "k.yaml")),
    ],
    ids=["virtual-hosted", "path-style-quoted", "dotted-bucket-dash-region"],
)
def test_s3_location(address, location):
    assert s3_location(address) == location
