"""The product template delivered from S3, where SageMaker looks for organisation project templates.

SageMaker lists the templates location a Studio domain names in its ``sagemaker:projectS3TemplatesLocation``
tag and shows each template object tagged ``sagemaker:studio-visibility=true``; Studio reads them from the
browser, so the bucket needs a CORS rule for ``https://*.sagemaker.aws`` (aws-samples/
sagemaker-custom-project-templates, ``s3_templates/README.md``). :func:`publish` puts the release's product
template there with the portfolio's allow-list rules written in (:mod:`scripts.launch_rules`), adds the CORS
rule and tags the domain; :func:`withdraw` removes exactly those three and nothing else: other CORS rules,
other tags and other objects are kept. A domain that already takes templates from elsewhere is refused
before anything changes (a domain has one templates location).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from botocore.exceptions import ClientError

from scripts import cfn_yaml
from scripts.aws import AwsContext
from scripts.errors import KitError
from scripts.execution_role import studio_domains
from scripts.launch_rules import allow_list_rules

TEMPLATES_FOLDER = "project-templates"
TEMPLATE_FILE = "s3-fs-ingestion.yaml"
LOCATION_TAG = "sagemaker:projectS3TemplatesLocation"
VISIBILITY_TAG = {"sagemaker:studio-visibility": "true"}
CORS_RULE_ID = "sagemaker-studio-project-templates"
CORS_RULE = {
    "ID": CORS_RULE_ID,
    "AllowedHeaders": ["*"],
    "AllowedMethods": ["GET", "HEAD", "PUT", "POST", "DELETE"],
    "AllowedOrigins": ["https://*.sagemaker.aws"],
    "ExposeHeaders": ["ETag", "x-amz-delete-marker", "x-amz-id-2", "x-amz-request-id", "x-amz-version-id"],
}


class NoDomainForTemplatesError(KitError):
    def __init__(self, region: str) -> None:
        super().__init__(
            f"no SageMaker Studio domain in {region} to show the S3-delivered template in: create a domain, "
            "or deploy with DELIVERY=servicecatalog"
        )


class AmbiguousDomainError(KitError):
    def __init__(self, domains: list[str]) -> None:
        super().__init__(
            f"{len(domains)} Studio domains ({', '.join(domains)}) could show the S3-delivered template: "
            "choose one with DOMAIN_ID=<d-...>"
        )


class DomainTemplatesElsewhereError(KitError):
    def __init__(self, domain: str, location: str, ours: str) -> None:
        super().__init__(
            f"Studio domain {domain} already takes project templates from {location} ({LOCATION_TAG}), and a "
            f"domain has one templates location; nothing was changed: copy {TEMPLATE_FILE} there yourself, "
            f"or remove that tag to let make deploy set {ours}"
        )


@dataclass(frozen=True)
class TemplatesLocation:
    """The folder of the staging bucket SageMaker reads templates from, and the Studio domain told of it."""

    bucket: str
    prefix: str
    domain_arn: str

    @property
    def folder(self) -> str:
        return f"{self.prefix}/{TEMPLATES_FOLDER}/"

    @property
    def key(self) -> str:
        return self.folder + TEMPLATE_FILE

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.folder}"


def templates_location(aws: AwsContext, bucket: str, prefix: str, domain_id: str | None) -> TemplatesLocation:
    """Where ``make deploy`` publishes, for the domain ``domain_id`` (default: the region's only one).
    Refuses a domain whose templates location is elsewhere, before anything is changed."""
    sagemaker = aws.client("sagemaker")
    if not domain_id:
        domains = [domain["DomainId"] for domain in studio_domains(sagemaker)]
        if not domains:
            raise NoDomainForTemplatesError(aws.region)
        if len(domains) > 1:
            raise AmbiguousDomainError(sorted(domains))
        domain_id = domains[0]
    domain_arn = sagemaker.describe_domain(DomainId=domain_id)["DomainArn"]
    location = TemplatesLocation(bucket, prefix, domain_arn)
    current = _domain_location(aws, domain_arn)
    if current not in (None, location.uri):
        raise DomainTemplatesElsewhereError(domain_id, current, location.uri)
    return location


def published_template(product_template: str, buckets: list[str], connections: list[str]) -> str:
    """The release's product template with the portfolio's allow-list rules in its ``Rules`` section."""
    template = cfn_yaml.loads(product_template)
    template["Rules"] = {**template.get("Rules", {}), **allow_list_rules(buckets, connections)}
    return cfn_yaml.dumps(template)


def publish(aws: AwsContext, location: TemplatesLocation, body: str, version: str) -> list[str]:
    """Publish ``body`` as the template, set the CORS rule, tag the domain; report lines."""
    s3 = aws.client("s3")
    s3.put_object(
        Bucket=location.bucket,
        Key=location.key,
        Body=body.encode(),
        ContentType="application/x-yaml",
        ServerSideEncryption="AES256",
        Tagging=urlencode({**VISIBILITY_TAG, "sagemaker-fs-ingestion:version": version}),
    )
    rules = [rule for rule in _cors_rules(s3, location.bucket) if rule.get("ID") != CORS_RULE_ID]
    s3.put_bucket_cors(Bucket=location.bucket, CORSConfiguration={"CORSRules": [*rules, CORS_RULE]})
    aws.client("sagemaker").add_tags(
        ResourceArn=location.domain_arn, Tags=[{"Key": LOCATION_TAG, "Value": location.uri}]
    )
    return [
        f"  template s3://{location.bucket}/{location.key} (tagged sagemaker:studio-visibility=true)",
        f"  CORS rule {CORS_RULE_ID} on s3://{location.bucket} (https://*.sagemaker.aws)",
        f"  domain {location.domain_arn.rsplit('/', 1)[-1]}: {LOCATION_TAG}={location.uri}",
    ]


def withdraw(aws: AwsContext, location_uri: str) -> list[str]:
    """Remove what :func:`publish` added for the templates location ``location_uri`` (the portfolio stack's
    ``ProjectTemplatesLocation`` output); report lines."""
    s3 = aws.client("s3")
    bucket, _, folder = location_uri.removeprefix("s3://").partition("/")
    key = folder + TEMPLATE_FILE
    lines = []
    sagemaker = aws.client("sagemaker")
    for domain in studio_domains(sagemaker):
        if _domain_location(aws, domain["DomainArn"]) == location_uri:
            sagemaker.delete_tags(ResourceArn=domain["DomainArn"], TagKeys=[LOCATION_TAG])
            lines.append(f"  domain {domain['DomainId']}: {LOCATION_TAG} removed")
    rules = _cors_rules(s3, bucket)
    kept = [rule for rule in rules if rule.get("ID") != CORS_RULE_ID]
    if len(kept) != len(rules):
        if kept:
            s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": kept})
        else:
            s3.delete_bucket_cors(Bucket=bucket)
        lines.append(f"  CORS rule {CORS_RULE_ID} removed from s3://{bucket}")
    versions = [
        {"Key": entry["Key"], "VersionId": entry["VersionId"]}
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key)
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", [])
        if entry["Key"] == key
    ]
    if versions:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": versions, "Quiet": True})
        lines.append(f"  template s3://{bucket}/{key} deleted ({len(versions)} version(s))")
    return lines


def _domain_location(aws: AwsContext, domain_arn: str) -> str | None:
    tags = aws.client("sagemaker").list_tags(ResourceArn=domain_arn).get("Tags", [])
    return next((tag["Value"] for tag in tags if tag["Key"] == LOCATION_TAG), None)


def _cors_rules(s3, bucket: str) -> list[dict]:
    try:
        return s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchCORSConfiguration":
            return []
        raise
