"""Package the kit: build ``build/<region>/``, lint it, publish it to the staging bucket.

``python -m scripts.package`` (``make package``). Artifacts go up first, templates last, so a run
that fails half-way never publishes a template pointing at a missing object; unchanged objects are
not uploaded again; a manifest records what went where.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from scripts import PROJECT_ROOT
from scripts.assemble import PRODUCT_TEMPLATE, Build, SourceLayout, StagingLocation, assemble
from scripts.aws import AwsContext
from scripts.errors import TemplateLintError, run_main
from scripts.lint import CleanLintCache, lint_templates
from scripts.s3_uploader import S3Uploader
from scripts.staging_bucket import bucket_exists, bucket_name, create_bucket

DEFAULT_PREFIX = "sagemaker-fs-ingestion"


def package(
    aws: AwsContext,
    *,
    bucket: str,
    prefix: str = DEFAULT_PREFIX,
    layout: SourceLayout | None = None,
    build_root: Path | None = None,
) -> Build:
    """Build, lint and publish; return the build. Raises a KitError, having published nothing, on
    any problem found before the first upload."""
    layout = layout or SourceLayout(PROJECT_ROOT)
    build_root = build_root or PROJECT_ROOT / "build"
    staging = StagingLocation(bucket, prefix.strip("/"), aws.region, aws.url_suffix)
    print(
        f"Packaging version {layout.read_version()} for account {aws.account} in {aws.region} "
        f"-> s3://{bucket}/{staging.prefix}/"
    )

    exists = bucket_exists(aws, bucket)
    uploader = S3Uploader(aws.client("s3"), bucket)
    published = published_versions(uploader, staging) if exists else frozenset()
    build = assemble(layout, staging, build_root / aws.region, published)
    print(f"Built {build_root / aws.region}: " + ", ".join(o.path.name for o in build.objects))

    templates = [o.path for o in build.objects if o.role.endswith("-template")]
    findings = lint_templates(
        templates, regions=[aws.region], cache=CleanLintCache(build_root / ".lint-cache")
    )
    for finding in findings:
        print(finding)
    if findings:
        raise TemplateLintError(len(findings), packaging=True)
    print(f"cfn-lint: {len(templates)} templates, no findings")

    plan = uploader.plan([*build.objects, build.manifest])
    if not exists:
        create_bucket(aws, bucket)
    uploader.execute(plan)
    print(
        f"Uploaded {len(plan.upload)} object(s), {len(plan.unchanged)} unchanged "
        f"({'nothing to upload' if not plan.upload else 'content-addressed, SSE, tagged'})"
    )
    print(f"Product template  {staging.url(build.object('product-template').key)}")
    print(f"Portfolio template {staging.url(build.object('portfolio-template').key)}")
    print("Releases: " + ", ".join(release.version for release in build.releases))
    print(f"Manifest: {build.manifest.path}")
    return build


def published_versions(uploader: S3Uploader, staging: StagingLocation) -> frozenset[str]:
    """The versions whose product template is already in the staging bucket."""
    pattern = re.compile(
        re.escape(staging.key("product/")) + r"(\d+\.\d+\.\d+)/" + re.escape(PRODUCT_TEMPLATE)
    )
    keys = uploader.list_keys(staging.key("product/"))
    return frozenset(match.group(1) for key in keys if (match := pattern.fullmatch(key)))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.package", description=__doc__)
    parser.add_argument("--region", help="AWS region (default: REGION, then boto3's resolution)")
    parser.add_argument(
        "--bucket",
        help="staging bucket (default: CFN_BUCKET_NAME, else sagemaker-project-templates-"
        "<account>-<region>, created when missing)",
    )
    parser.add_argument(
        "--prefix",
        default=os.environ.get("S3_PREFIX") or DEFAULT_PREFIX,
        help=f"key prefix in the bucket (default: S3_PREFIX, else {DEFAULT_PREFIX})",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=PROJECT_ROOT / "build",
        help="where build/<region>/ goes (default: build)",
    )
    args = parser.parse_args()
    aws = AwsContext.from_environment(args.region)
    package(aws, bucket=args.bucket or bucket_name(aws), prefix=args.prefix, build_root=args.build_dir)


if __name__ == "__main__":
    run_main(main)
