"""The seed and function zips against the limits of CodeCommit and Lambda. Large archives are generated
without large files: zeros streamed through the compressor (a 251 MB entry is a 250 KB zip in memory),
or sparse files that are measured and never read."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from scripts.artifact_limits import LIMITS, MB, MIB, check_archive, check_sources
from scripts.errors import ArchiveTooLargeError


def streamed_zip(*sizes: int) -> bytes:
    """A zip of entries of zeros of these sizes, written a mebibyte at a time."""
    buffer = io.BytesIO()
    chunk = bytes(MIB)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for index, size in enumerate(sizes):
            with archive.open(f"file{index}", "w", force_zip64=True) as entry:
                for start in range(0, size, MIB):
                    entry.write(chunk[: min(MIB, size - start)])
    return buffer.getvalue()


def incompressible_zip(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("random.bin", os.urandom(size))
    return buffer.getvalue()


def test_the_documented_limits():
    assert LIMITS["seed-code"].zipped.bytes == 20_000_000  # CodeCommit: "less than 20 MB"
    assert LIMITS["seed-code"].unzipped is None
    assert LIMITS["function-code"].unzipped.bytes == 262_144_000  # Lambda: 250 MB of 1,024 KB
    assert LIMITS["function-code"].zipped.bytes == 262_144_000


@pytest.mark.parametrize(
    ("role", "archive", "message"),
    [
        pytest.param(
            "function-code",
            lambda: streamed_zip(200 * MIB, 50 * MIB + 1),
            "the Lambda zip (functions/start_fs_ingestion.py of the seed) is 262,144,001 bytes unzipped, "
            "over Lambda's limit for a function's deployment package, 250 MB (262,144,000 bytes) unzipped",
            id="function-unzips-over-250-MB",
        ),
        pytest.param(
            "seed-code",
            lambda: incompressible_zip(20 * MB),
            "the seed zip (project-seed/s3-fs-ingestion) is 20,000,118 bytes zipped, over CodeCommit's limit "
            "for the code a repository is created with, 20 MB (20,000,000 bytes) zipped",
            id="seed-zip-over-20-MB",
        ),
    ],
)
def test_an_archive_over_a_limit_is_refused_with_its_size_and_the_limit(role, archive, message):
    with pytest.raises(ArchiveTooLargeError) as raised:
        check_archive(role, archive())
    assert str(raised.value).startswith(message + ": ")
    assert str(raised.value).endswith("; nothing was uploaded")


@pytest.mark.parametrize(
    ("role", "archive"),
    [
        pytest.param(
            "function-code", lambda: streamed_zip(250 * MIB), id="function-unzips-to-exactly-250-MB"
        ),
        pytest.param("seed-code", lambda: streamed_zip(300 * MIB), id="seed-unzips-large-but-zips-small"),
        pytest.param("seed-code", lambda: incompressible_zip(20 * MB - 200), id="seed-zip-just-under-20-MB"),
    ],
)
def test_an_archive_within_the_limits_passes(role, archive):
    check_archive(role, archive())


def test_the_sources_are_measured_without_being_read(tmp_path, monkeypatch):
    handler = tmp_path / "start_fs_ingestion.py"
    with handler.open("wb") as sparse:
        sparse.truncate(300 * MIB)

    def must_not_read(self, *args, **kwargs):
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "read_bytes", must_not_read)
    monkeypatch.setattr(Path, "open", must_not_read)
    with pytest.raises(ArchiveTooLargeError, match=r"is 314,572,800 bytes unzipped, over Lambda's limit"):
        check_sources("function-code", [(handler.name, handler)])
    check_sources("seed-code", [(handler.name, handler)])  # CodeCommit limits the zip, not its content
