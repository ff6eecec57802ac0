"""The size limits of the services that take the seed zip and the function zip, checked before upload.

A seed too large for CodeCommit, or a function too large for Lambda, would publish cleanly and fail only
when a data scientist creates a project. The packager checks both zips here first: the unzipped size
from the files' sizes before zipping (nothing is read, so a huge file costs nothing), then the zipped
size, and the unzipped size again from the archive's own directory, once the zip is built.

The limits, from AWS's documentation (read 2026-12):

- CodeCommit creates a project's repository from the seed zip (``AWS::CodeCommit::Repository``
  ``Code.S3``). "Creating CodeCommit resources with AWS CloudFormation" commits the code "as long as the
  archive is less than 20 MB":
  https://docs.aws.amazon.com/codecommit/latest/userguide/creating-resources-with-cloudformation.html
  (CodeCommit's quota table, https://docs.aws.amazon.com/codecommit/latest/userguide/limits.html, says
  "Maximum of 20 GB when compressed" for the same archive; the smaller figure is the one relied on, in
  decimal megabytes, since that page does not say which it means.)
- Lambda takes the function zip from S3 (``AWS::Lambda::Function`` ``Code.S3Bucket``/``S3Key``).
  "Lambda quotas", https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: a
  deployment package (.zip file archive) is at most 50 MB zipped for a direct upload and 250 MB
  unzipped, layers included; Lambda's documentation means 1,024 KB by MB. The 50 MB applies to direct
  uploads only (larger archives go through S3, as ours does) and the page names no other zipped limit,
  so the archive from S3 is held to the 250 MB of what it holds.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scripts.errors import ArchiveTooLargeError

MB = 1_000_000
MIB = 1024 * 1024  # Lambda's "MB"


@dataclass(frozen=True)
class Size:
    """A documented size: ``megabytes`` of ``unit`` bytes each."""

    megabytes: int
    unit: int

    @property
    def bytes(self) -> int:
        return self.megabytes * self.unit

    def __str__(self) -> str:
        return f"{self.megabytes} MB ({self.bytes:,} bytes)"


@dataclass(frozen=True)
class ArchiveLimit:
    what: str  # the archive, as the user knows it
    service: str  # the service that takes it, and what for
    zipped: Size | None  # the zip file
    unzipped: Size | None  # the files it holds
    fix: str


LIMITS = {
    "seed-code": ArchiveLimit(
        what="the seed zip (project-seed/s3-fs-ingestion)",
        service="CodeCommit's limit for the code a repository is created with",
        zipped=Size(20, MB),
        unzipped=None,
        fix="keep large files out of project-seed/s3-fs-ingestion (data belongs in S3, read by the pipeline)",
    ),
    "function-code": ArchiveLimit(
        what="the Lambda zip (functions/start_fs_ingestion.py of the seed)",
        service="Lambda's limit for a function's deployment package",
        zipped=Size(250, MIB),
        unzipped=Size(250, MIB),
        fix="keep the handler small (it needs only the Python standard library and boto3)",
    ),
}


def check_sources(role: str, entries: Iterable[tuple[str, Path]]) -> None:
    """Before zipping: the unzipped size is the sum of the files' sizes (read from the file system)."""
    limit = LIMITS[role]
    if limit.unzipped is not None:
        _check(limit, "unzipped", sum(path.stat().st_size for _, path in entries), limit.unzipped)


def check_archive(role: str, body: bytes) -> None:
    """The built zip: its own size, and what it unzips to according to its directory."""
    limit = LIMITS[role]
    if limit.zipped is not None:
        _check(limit, "zipped", len(body), limit.zipped)
    if limit.unzipped is not None:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        _check(limit, "unzipped", unzipped, limit.unzipped)


def _check(limit: ArchiveLimit, measure: str, size: int, maximum: Size) -> None:
    if size > maximum.bytes:
        raise ArchiveTooLargeError(
            limit.what, f"{size:,} bytes {measure}", f"{limit.service}, {maximum} {measure}", limit.fix
        )
