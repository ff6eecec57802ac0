"""Assembling ``build/<region>/``: the seed zip, the Lambda zip and the rendered templates.

Nothing here talks to AWS: given the staging location, the releases already published and the S3
versions of the published code, the same sources always give the same bytes, and the result says where
each file must go in S3. The product template pins the seed and function code by object version; those
versions exist only once the zips are uploaded, so the packager first renders with :data:`PENDING`
stand-ins (enough to lint) and renders again with the real versions before publishing a template.
The manifest says where every object of a build is in S3, so the packager writes it only once they
all are (:func:`write_manifest`); :func:`assemble`, the offline build, writes it at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from urllib.parse import quote

from scripts import artifact_limits, cfn_yaml, placeholders
from scripts.errors import KitError, MissingSeedFilesError, TemplateTooLargeError
from scripts.placeholders import Release
from scripts.zipping import build_zip, tree_entries

PORTFOLIO_TEMPLATE = "sm-project-sc-portfolio.yaml"
PRODUCT_TEMPLATE = "project-s3-fs-ingestion.yaml"
SEED_NAME = "s3-fs-ingestion"
FUNCTION_SOURCE = "functions/start_fs_ingestion.py"
REQUIRED_SEED_FILES = (
    "buildspec.yml",
    "build.py",
    "requirements.txt",
    "requirements.lock",
    "pipeline/pipeline.py",
    FUNCTION_SOURCE,
)
# CloudFormation (TemplateURL) and Service Catalog (LoadTemplateFromURL) read at most 1 MB from S3.
TEMPLATE_SIZE_LIMIT = 1_048_576
MANIFEST = "manifest.json"
PROVISIONING_TAG = {"servicecatalog:provisioning": "true"}
CODE_ROLES = ("seed-code", "function-code")
PENDING = "pending-upload"
"""Stand-in for an object version not known yet; a build holding one is never published."""
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class SourceLayout:
    """Where the kit's sources live, relative to the project root."""

    root: Path

    @property
    def templates_dir(self) -> Path:
        return self.root / "cfn-templates"

    @property
    def seed_dir(self) -> Path:
        return self.root / "project-seed" / SEED_NAME

    def read_version(self) -> str:
        path = self.root / "VERSION"
        version = path.read_text().strip() if path.is_file() else ""
        if not _VERSION.match(version):
            raise KitError(
                f"{path} must hold the product version as MAJOR.MINOR.PATCH (found {version!r}): "
                "write e.g. 1.0.0 into it"
            )
        return version


@dataclass(frozen=True)
class StagingLocation:
    """The bucket and key prefix the build is published to, and how to address them."""

    bucket: str
    prefix: str
    region: str
    url_suffix: str = "amazonaws.com"

    def key(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def url(self, key: str) -> str:
        """The regional virtual-hosted URL of ``key`` (never the global s3.amazonaws.com one)."""
        return f"https://{self.bucket}.s3.{self.region}.{self.url_suffix}/{quote(key)}"

    def product_template_key(self, version: str) -> str:
        return self.key(f"product/{version}/{PRODUCT_TEMPLATE}")


@dataclass(frozen=True)
class BuiltObject:
    """One file of the build and the S3 object it becomes."""

    role: str
    path: Path
    key: str
    sha256: str
    size: int
    tagged: bool
    # A release's product template may never change once published (projects were launched from it).
    immutable: bool = False


@dataclass(frozen=True)
class Build:
    version: str
    staging: StagingLocation
    objects: tuple[BuiltObject, ...]  # in upload order: artifacts first, templates last
    releases: tuple[Release, ...]
    manifest: BuiltObject  # uploaded after everything else
    code_versions: dict[str, str]  # S3 version of each code object, by role

    def object(self, role: str) -> BuiltObject:
        return next(built for built in self.objects if built.role == role)

    @property
    def artifacts(self) -> tuple[BuiltObject, ...]:
        return tuple(built for built in self.objects if built.role in CODE_ROLES)

    @property
    def templates(self) -> tuple[BuiltObject, ...]:
        return tuple(built for built in self.objects if built.role.endswith("-template"))

    @property
    def pending(self) -> bool:
        """True while a template still holds a stand-in version: it must not be published."""
        return PENDING in self.code_versions.values()

    @property
    def out_dir(self) -> Path:
        return self.manifest.path.parent

    def relocated(self, out_dir: Path) -> Build:
        """The same build, its files found under ``out_dir`` (after the directory was moved there)."""

        def moved(built: BuiltObject) -> BuiltObject:
            return replace(built, path=out_dir / built.path.relative_to(self.out_dir))

        return replace(self, objects=tuple(map(moved, self.objects)), manifest=moved(self.manifest))


def parse_version(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def assemble(
    layout: SourceLayout,
    staging: StagingLocation,
    out_dir: Path,
    published_versions: frozenset[str] = frozenset(),
    code_versions: dict[str, str] | None = None,
) -> Build:
    """Write the build, manifest included, into ``out_dir`` (replacing what was there) and describe it;
    without ``code_versions`` the templates pin :data:`PENDING`."""
    artifacts = build_artifacts(layout, staging, out_dir)
    versions = code_versions or dict.fromkeys(CODE_ROLES, PENDING)
    build = render_templates(layout, staging, out_dir, artifacts, versions, published_versions)
    write_manifest(build)
    return build


def build_artifacts(
    layout: SourceLayout, staging: StagingLocation, out_dir: Path
) -> tuple[BuiltObject, BuiltObject]:
    """Write the seed zip and the function zip into ``out_dir`` (emptied first), each within the size
    limits of the service that takes it (:mod:`scripts.artifact_limits`)."""
    layout.read_version()
    function_source = layout.seed_dir / FUNCTION_SOURCE
    entries = {
        "seed-code": seed_entries(layout.seed_dir),
        "function-code": [(function_source.name, function_source)],
    }
    for role, files in entries.items():  # before reading any file
        artifact_limits.check_sources(role, files)
    if out_dir.exists():
        shutil.rmtree(out_dir)

    seed = _write(
        out_dir / "artifacts" / f"{SEED_NAME}.zip",
        _zip("seed-code", entries["seed-code"]),
        role="seed-code",
        key_pattern=staging.key(f"artifacts/{SEED_NAME}-{{digest}}.zip"),
        tagged=True,
    )
    function = _write(
        out_dir / "artifacts" / "start-fs-ingestion.zip",
        _zip("function-code", entries["function-code"]),
        role="function-code",
        key_pattern=staging.key("artifacts/start-fs-ingestion-{digest}.zip"),
        tagged=True,
    )
    return seed, function


def _zip(role: str, entries: list[tuple[str, Path]]) -> bytes:
    body = build_zip(entries)
    artifact_limits.check_archive(role, body)
    return body


def render_templates(
    layout: SourceLayout,
    staging: StagingLocation,
    out_dir: Path,
    artifacts: tuple[BuiltObject, BuiltObject],
    code_versions: dict[str, str],
    published_versions: frozenset[str] = frozenset(),
) -> Build:
    """Render both templates for these artifacts at these S3 versions, and describe the manifest
    (written by :func:`write_manifest`)."""
    version = layout.read_version()
    seed, function = artifacts
    values = {
        "bucket": staging.bucket,
        "prefix": staging.prefix,
        "seed-code-key": seed.key,
        "seed-code-version": code_versions["seed-code"],
        "function-code-key": function.key,
        "function-code-version": code_versions["function-code"],
    }
    product = _write(
        out_dir / "templates" / PRODUCT_TEMPLATE,
        _render_template(layout.templates_dir / PRODUCT_TEMPLATE, values),
        role="product-template",
        key_pattern=staging.product_template_key(version),
        tagged=True,
        immutable=True,
    )
    releases = tuple(
        Release(v, staging.url(staging.product_template_key(v)))
        for v in sorted(published_versions | {version}, key=parse_version)
    )
    portfolio = _write(
        out_dir / "templates" / PORTFOLIO_TEMPLATE,
        _render_template(layout.templates_dir / PORTFOLIO_TEMPLATE, values, releases),
        role="portfolio-template",
        key_pattern=staging.key("portfolio/sm-project-sc-portfolio-{digest}.yaml"),
        tagged=False,
    )
    objects = (seed, function, product, portfolio)
    manifest = _describe(
        out_dir / MANIFEST,
        manifest_json(version, staging, objects, releases, out_dir, code_versions).encode(),
        role="manifest",
        key_pattern=staging.key(MANIFEST),
        tagged=False,
    )
    return Build(version, staging, objects, releases, manifest, dict(code_versions))


def write_manifest(build: Build) -> None:
    """Write ``manifest.json`` of the build: for the packager, once every object it lists is in S3."""
    body = manifest_json(
        build.version, build.staging, build.objects, build.releases, build.out_dir, build.code_versions
    ).encode()
    assert hashlib.sha256(body).hexdigest() == build.manifest.sha256, "the manifest changed"
    build.manifest.path.write_bytes(body)


def manifest_json(
    version: str,
    staging: StagingLocation,
    objects: tuple[BuiltObject, ...],
    releases: tuple[Release, ...],
    out_dir: Path,
    code_versions: dict[str, str],
) -> str:
    """What went where: deterministic (no timestamps), read by the deployer and the notebooks."""
    urls = {built.role: staging.url(built.key) for built in objects}
    manifest = {
        "version": version,
        "region": staging.region,
        "bucket": staging.bucket,
        "prefix": staging.prefix,
        "objects": [
            {
                **{k: v for k, v in asdict(built).items() if k != "path"},
                "file": built.path.relative_to(out_dir).as_posix(),
                "url": urls[built.role],
                **({"version_id": code_versions[built.role]} if built.role in code_versions else {}),
            }
            for built in objects
        ],
        "releases": [asdict(release) for release in releases],
        "product_template_url": urls["product-template"],
        "portfolio_template_url": urls["portfolio-template"],
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def seed_entries(seed_dir: Path) -> list[tuple[str, Path]]:
    """The files of the seed code (what its zip holds, and what `make seed-repo` commits); a seed missing
    a required file is refused."""
    missing = [name for name in REQUIRED_SEED_FILES if not (seed_dir / name).is_file()]
    if missing:
        raise MissingSeedFilesError(str(seed_dir), missing)
    return tree_entries(seed_dir)


def _render_template(path: Path, values: dict, releases: tuple[Release, ...] = ()) -> bytes:
    if not path.is_file():
        raise KitError(f"template {path} not found: restore it (git checkout -- cfn-templates)")
    document = placeholders.render(cfn_yaml.loads(path.read_text(), str(path)), values, releases)
    body = cfn_yaml.dumps(document).encode()
    if len(body) > TEMPLATE_SIZE_LIMIT:
        raise TemplateTooLargeError(path.name, len(body), TEMPLATE_SIZE_LIMIT)
    return body


def _write(
    path: Path,
    body: bytes,
    *,
    role: str,
    key_pattern: str,
    tagged: bool,
    immutable: bool = False,
) -> BuiltObject:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return _describe(path, body, role=role, key_pattern=key_pattern, tagged=tagged, immutable=immutable)


def _describe(
    path: Path,
    body: bytes,
    *,
    role: str,
    key_pattern: str,
    tagged: bool,
    immutable: bool = False,
) -> BuiltObject:
    digest = hashlib.sha256(body).hexdigest()
    return BuiltObject(
        role=role,
        path=path,
        key=key_pattern.format(digest=digest[:16]),
        sha256=digest,
        size=len(body),
        tagged=tagged,
        immutable=immutable,
    )
