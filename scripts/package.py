"""Package the kit: build ``build/<region>/``, lint it, publish it to the staging bucket.

``python -m scripts.package`` (``make package``). Artifacts go up first, templates last, so a run
that fails half-way never publishes a template pointing at a missing object; unchanged objects are
not uploaded again; a manifest records what went where. The product template pins the code it
deploys by S3 object version, and the staging bucket's policy lets only publishers write
(:mod:`scripts.staging_policy`): nothing already published can be swapped.

The build is made in ``build/<region>.candidate/`` and becomes ``build/<region>/`` only once it linted
clean (the source templates and the rendered ones) and all of it is in S3 (:mod:`scripts.build_dir`):
``build/<region>/manifest.json`` always describes a build that ``make deploy`` can deploy.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from scripts import PROJECT_ROOT
from scripts.assemble import (
    CODE_ROLES,
    PENDING,
    PORTFOLIO_TEMPLATE,
    PRODUCT_TEMPLATE,
    Build,
    SourceLayout,
    StagingLocation,
    build_artifacts,
    render_templates,
    write_manifest,
)
from scripts.aws import AwsContext
from scripts.build_dir import BuildDir
from scripts.deploy import DEFAULT_STACK
from scripts.errors import TemplateLintError, run_main
from scripts.lint import CleanLintCache, lint_templates
from scripts.releases import live_products, live_releases
from scripts.s3_uploader import S3Uploader, UploadPlan
from scripts.staging_bucket import (
    DEFAULT_PREFIX,
    bucket_exists,
    checked_prefix,
    create_bucket,
    current_policy,
    protect,
    require_publisher,
    require_versioning,
    staging_location,
)
from scripts.staging_policy import parse_publishers


def package(
    aws: AwsContext,
    *,
    bucket: str,
    prefix: str = DEFAULT_PREFIX,
    layout: SourceLayout | None = None,
    build_root: Path | None = None,
    publishers: list[str] | None = None,
) -> Build:
    """Build, lint and publish; return the build, in ``build_root/<region>/``. Raises a KitError,
    having published nothing, on any problem found before the first upload; on any failure
    ``build_root/<region>/`` keeps the last published build."""
    layout = layout or SourceLayout(PROJECT_ROOT)
    build_root = build_root or PROJECT_ROOT / "build"
    staging = StagingLocation(bucket, checked_prefix(prefix), aws.region, aws.url_suffix)
    print(
        f"Packaging version {layout.read_version()} for account {aws.account} in {aws.region} "
        f"-> s3://{bucket}/{staging.prefix}/"
    )

    exists = bucket_exists(aws, bucket)
    policy = None
    if exists:
        require_versioning(aws, bucket)
        policy = current_policy(aws, bucket)
        require_publisher(aws, bucket, policy)
    uploader = S3Uploader(aws.client("s3"), bucket)
    published = published_versions(aws, staging, uploader if exists else None, layout.read_version())
    build_dir = BuildDir(build_root / aws.region)
    out_dir = build_dir.begin()
    artifacts = build_artifacts(layout, staging, out_dir)
    artifact_plan = uploader.plan(artifacts)
    # Linted with stand-in versions, so the same sources lint once (the versions are opaque strings);
    # the sources too, since rendering goes through a YAML parse that would hide a duplicated key.
    pending = dict.fromkeys(CODE_ROLES, PENDING)
    linted = render_templates(layout, staging, out_dir, artifacts, pending, published)
    sources = [layout.templates_dir / name for name in (PRODUCT_TEMPLATE, PORTFOLIO_TEMPLATE)]
    _lint([*sources, *(o.path for o in linted.templates)], aws, build_root)
    known = {built.role: artifact_plan.versions.get(built.key, PENDING) for built in artifacts}
    build = render_templates(layout, staging, out_dir, artifacts, known, published)
    print(f"Built {out_dir}: " + ", ".join(o.path.name for o in build.objects))
    template_plan = uploader.plan(build.templates)  # refuses a changed release

    if not exists:
        create_bucket(aws, bucket)
    protect(aws, bucket, policy, publishers or [])
    uploaded = uploader.execute(artifact_plan)
    if build.pending:  # now the code's versions are known: pin them
        versions = {built.role: uploaded[built.key] for built in artifacts}
        build = render_templates(layout, staging, out_dir, artifacts, versions, published)
        template_plan = uploader.plan(build.templates)
    uploader.execute(template_plan)
    # Every object the manifest lists is in S3 now: write it, publish it last, make the build current.
    write_manifest(build)
    manifest_plan = uploader.plan([build.manifest])
    uploader.execute(manifest_plan)
    build_dir.commit()
    build = build.relocated(build_dir.path)
    plan = _combined(artifact_plan, template_plan, manifest_plan)
    print(
        f"Uploaded {len(plan.upload)} object(s), {len(plan.unchanged)} unchanged "
        f"({'nothing to upload' if not plan.upload else 'content-addressed, SSE, tagged'})"
    )
    for role in CODE_ROLES:
        print(f"{role:<13} s3://{bucket}/{build.object(role).key} version {build.code_versions[role]}")
    print(f"Product template  {staging.url(build.object('product-template').key)}")
    print(f"Portfolio template {staging.url(build.object('portfolio-template').key)}")
    print("Releases: " + ", ".join(release.version for release in build.releases))
    print(f"Manifest: {build.manifest.path}")
    return build


def _lint(templates: list[Path], aws: AwsContext, build_root: Path) -> None:
    findings = lint_templates(
        templates, regions=[aws.region], cache=CleanLintCache(build_root / ".lint-cache")
    )
    for finding in findings:
        print(finding)
    if findings:
        raise TemplateLintError(len(findings), packaging=True)
    print(f"cfn-lint: {len(templates)} templates (sources and rendered), no findings")


def _combined(*plans: UploadPlan) -> UploadPlan:
    return UploadPlan(
        upload=[built for plan in plans for built in plan.upload],
        unchanged=[built for plan in plans for built in plan.unchanged],
    )


def published_versions(
    aws: AwsContext,
    staging: StagingLocation,
    uploader: S3Uploader | None,
    version: str,
    stack: str | None = None,
) -> frozenset[str]:
    """The releases the portfolio lists besides ``version``: every provisioning artifact of the live
    product of the portfolio stack (``stack``, else STACK_NAME, else the default; the truth, which no
    delete in the staging bucket can shorten: :mod:`scripts.releases`), and every product template
    published in the staging location (``uploader``; None when the bucket does not exist yet)."""
    listed = frozenset()
    if uploader is not None:
        pattern = re.compile(
            re.escape(staging.key("product/")) + r"(\d+\.\d+\.\d+)/" + re.escape(PRODUCT_TEMPLATE)
        )
        keys = uploader.list_keys(staging.key("product/"))
        listed = frozenset(match.group(1) for key in keys if (match := pattern.fullmatch(key)))
    stack = stack or os.environ.get("STACK_NAME") or DEFAULT_STACK
    products = live_products(aws.client("cloudformation"), aws.client("servicecatalog"), stack)
    return listed | live_releases(products, staging, listed, version)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.package", description=__doc__)
    parser.add_argument("--region", help="AWS region (default: REGION, then boto3's resolution)")
    parser.add_argument(
        "--bucket",
        help="staging bucket (default: CFN_BUCKET_NAME, else fs-ingestion-templates-<account>-<region>, "
        "created when missing; a sagemaker-project-templates-<account>-<region> bucket of an earlier "
        "release is used when it exists)",
    )
    parser.add_argument(
        "--prefix",
        help=f"key prefix in the bucket (default: S3_PREFIX, else {DEFAULT_PREFIX}; "
        "sagemaker-fs-ingestion in an earlier release's bucket)",
    )
    parser.add_argument(
        "--publishers",
        default=os.environ.get("PUBLISHERS", ""),
        help="IAM role/user ARNs, comma-separated, that may publish besides you (default: PUBLISHERS)",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=PROJECT_ROOT / "build",
        help="where build/<region>/ goes (default: build)",
    )
    args = parser.parse_args()
    publishers = parse_publishers(args.publishers)
    aws = AwsContext.from_environment(args.region)
    staging = staging_location(aws, args.bucket, args.prefix)
    if staging.legacy:
        print(
            f"Using s3://{staging.bucket}/{staging.prefix}/, the staging location of an earlier release "
            "(kept so published releases resolve; its policy now lets only publishers write)"
        )
    package(
        aws,
        bucket=staging.bucket,
        prefix=staging.prefix,
        build_root=args.build_dir,
        publishers=publishers,
    )


if __name__ == "__main__":
    run_main(main)
