"""Deterministic zip archives: the same files give the same bytes, on any machine, at any time.

Entries are sorted, carry a fixed timestamp and normalised permissions, and editor/interpreter
debris (``__pycache__``, ``.ipynb_checkpoints``, ``.DS_Store``...) never gets in.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

EXCLUDED_NAMES = frozenset(
    {"__pycache__", ".ipynb_checkpoints", ".DS_Store", ".pytest_cache", ".ruff_cache", ".git"}
)
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def tree_entries(root: Path) -> list[tuple[str, Path]]:
    """Every file under ``root`` as (archive name, path), sorted, debris excluded."""
    entries = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name not in EXCLUDED_NAMES]
        for name in files:
            if name in EXCLUDED_NAMES or name.endswith(EXCLUDED_SUFFIXES):
                continue
            path = Path(directory, name)
            entries.append((path.relative_to(root).as_posix(), path))
    return sorted(entries)


def build_zip(entries: Iterable[tuple[str, Path]]) -> bytes:
    """A zip of ``entries`` (archive name, path) whose bytes depend only on names and contents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.create_system = 3  # Unix, so the permissions above are honoured on extraction
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()
