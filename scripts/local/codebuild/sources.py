"""What a build works on and what it leaves behind: its source (CodePipeline's input artifact, else the
project's S3 zip, CodeCommit repository or none), unpacked into the work folder; its buildspec; and the
files its ``artifacts`` section names."""

from __future__ import annotations

import fnmatch
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scripts.local import s3_objects

from .errors import BuildError


@dataclass(frozen=True)
class Source:
    archive: bytes | None
    """A zip to unpack, or None."""
    files: dict[str, bytes] | None
    """Files by path (a CodeCommit tree), or None."""
    resolved_version: str | None
    """CODEBUILD_RESOLVED_SOURCE_VERSION: the commit, the S3 object's version (else its ETag)."""


def fetch(
    account: str,
    region: str,
    project: dict[str, Any],
    given: tuple[str, str] | None,
    source_version: str | None,
) -> Source:
    """``given`` (bucket, key of CodePipeline's artifact), else the project's source (state lock held)."""
    if given:
        bucket, key = given
        return _s3_zip(account, f"{bucket}/{key}", source_version)
    source = project.get("source") or {}
    kind = source.get("type")
    if kind == "NO_SOURCE":
        return Source(None, {}, None)
    if kind == "S3":
        return _s3_zip(account, str(source.get("location", "")), None)
    if kind == "CODECOMMIT":
        return _codecommit(account, region, str(source.get("location", "")), source_version)
    if kind == "CODEPIPELINE":
        raise BuildError(
            "CLIENT_ERROR", "a CODEPIPELINE source is only available to builds CodePipeline starts"
        )
    raise BuildError("CLIENT_ERROR", f"source type {kind} is not supported by the local emulator")


def _s3_zip(account: str, location: str, given_version: str | None) -> Source:
    from moto.s3.models import s3_backends

    bucket_name, _, key = location.partition("/")
    bucket = s3_backends[account]["global"].buckets.get(bucket_name)
    stored = bucket.keys.get(key) if bucket else None
    if stored is None:
        raise BuildError(
            "CLIENT_ERROR", f"error while downloading key {key}, error: NoSuchKey: bucket {bucket_name}"
        )
    version = stored.version_id if stored.version_id not in (None, "null") else None
    archive = s3_objects.read(account, f"s3://{bucket_name}/{key}") or b""
    return Source(archive, None, given_version or version or stored.etag.strip('"'))


def _codecommit(account: str, region: str, location: str, source_version: str | None) -> Source:
    from moto.codecommit.models import codecommit_backends

    name = location.rstrip("/").rsplit("/", 1)[-1]
    try:
        repository = codecommit_backends[account][region].repository(name)
        commit = repository.resolve(source_version)
    except Exception as error:
        raise BuildError("CLIENT_ERROR", f"CodeCommit repository {name}: {error}") from None
    return Source(None, {path: file.content for path, file in commit.tree.files.items()}, commit.id)


def unpack(folder: Path, source: Source) -> None:
    if source.archive is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(source.archive)) as unpacking:
                unpacking.extractall(folder)
        except zipfile.BadZipFile:
            raise BuildError("CLIENT_ERROR", "the source is not a zip file") from None
    for path, content in (source.files or {}).items():
        target = folder / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def buildspec(source_dir: Path, given: str | None) -> dict[str, Any]:
    """``given`` (a path in the source, or inline YAML), else ``buildspec.yml``; ``_location`` says which."""
    if given and "\n" not in given.strip() and not given.strip().startswith("version"):
        path, location = source_dir / given, given
    elif given:
        path, location = None, "inline"
    else:
        path, location = source_dir / "buildspec.yml", "buildspec.yml"
    if path is not None:
        if not path.is_file():
            raise BuildError("YAML_FILE_ERROR", f"YAML file does not exist: {location}")
        given = path.read_text()
    try:
        spec = yaml.safe_load(given) or {}
    except yaml.YAMLError as error:
        raise BuildError("YAML_FILE_ERROR", f"invalid buildspec: {error}") from None
    if not isinstance(spec, dict) or str(spec.get("version")) not in ("0.1", "0.2"):
        raise BuildError("YAML_FILE_ERROR", "Unknown runtime version / invalid buildspec version")
    spec["_location"] = location
    return spec


def artifact_files(spec: dict[str, Any], source_dir: Path) -> dict[str, Path]:
    """The files the buildspec's ``artifacts`` names, by the name they get (``discard-paths``: the
    file's own name); empty without an ``artifacts`` section."""
    artifacts = spec.get("artifacts")
    if not artifacts:
        return {}
    base = source_dir / str(artifacts.get("base-directory") or ".")
    patterns = [str(p) for p in artifacts.get("files") or []]
    chosen = sorted(
        path
        for path in base.rglob("*")
        if path.is_file() and any(_matches(path.relative_to(base).as_posix(), p) for p in patterns)
    )
    if not chosen:
        raise BuildError("CLIENT_ERROR", f"no matching artifact paths found: {', '.join(patterns)}")
    discard = str(artifacts.get("discard-paths", "no")).lower() in ("true", "yes")
    return {(path.name if discard else path.relative_to(base).as_posix()): path for path in chosen}


def zipped(named: dict[str, Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in named.items():
            archive.write(path, name)
    return buffer.getvalue()


def _matches(path: str, pattern: str) -> bool:
    pattern = pattern.lstrip("./") if pattern.startswith("./") else pattern
    if pattern in ("**/*", "**"):
        return True
    if pattern.startswith("**/"):
        return fnmatch.fnmatch(path, pattern[3:]) or fnmatch.fnmatch(path, pattern)
    return fnmatch.fnmatch(path, pattern) or path == pattern
