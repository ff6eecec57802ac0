"""The abalone dataset for the demo and the notebooks: UCI's file, downloaded once from the address
``data/abalone.dataset.json`` gives and kept in ``.cache/datasets/`` (or ``DATASET_CACHE``) only when its
SHA-256 is the one recorded there; made-up rows of the same shape (:func:`scripts.abalone.generate`) when
it cannot be had (no network, a changed file). ``ABALONE_URL`` replaces the address (a mirror, a
``file://`` copy)."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scripts import PROJECT_ROOT, abalone

CACHE = PROJECT_ROOT / ".cache" / "datasets"
CACHE_VARIABLE = "DATASET_CACHE"
URL_VARIABLE = "ABALONE_URL"
TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Rows:
    frame: pd.DataFrame
    origin: str
    """Where the rows come from, for a person to read ("downloaded from …", "generated: …")."""


def abalone_rows(cache: Path | None = None) -> Rows:
    """The rows: cached in ``cache`` (default: ``DATASET_CACHE``, else ``.cache/datasets/``), downloaded
    there, or made up."""
    cache = cache or Path(os.environ.get(CACHE_VARIABLE) or CACHE)
    source = abalone.metadata()["source"]
    url = os.environ.get(URL_VARIABLE) or source["urls"][0]
    cached = cache / "abalone.data"
    if cached.is_file() and _sha256(cached.read_bytes()) == source["sha256"]:
        return Rows(abalone.read_raw(cached), f"UCI's abalone.data, cached in {cached} (checksum verified)")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            body = response.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        return _generated(source["rows"], f"{url} could not be downloaded ({error})")
    if _sha256(body) != source["sha256"]:
        return _generated(source["rows"], f"{url} is not the recorded file (its SHA-256 differs)")
    cache.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial")
    partial.write_bytes(body)
    partial.replace(cached)
    return Rows(abalone.read_raw(cached), f"UCI's abalone.data, downloaded from {url} (checksum verified)")


def _generated(rows: int, why: str) -> Rows:
    return Rows(abalone.generate(rows), f"{rows:,} generated rows of the same shape: {why}")


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
