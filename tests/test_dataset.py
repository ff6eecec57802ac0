"""The demo's dataset: UCI's file with its checksum, cached; generated rows when it cannot be had. No
network: the sources are file:// copies and a closed local port."""

from __future__ import annotations

import pytest

from scripts import abalone, dataset
from tests.conftest import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared" / "data" / "abalone.data"


@pytest.mark.skipif(not SHARED.is_file(), reason="no copy of the public dataset beside the project")
def test_the_file_is_downloaded_once_with_its_checksum_then_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(dataset.URL_VARIABLE, SHARED.as_uri())
    first = dataset.abalone_rows(tmp_path)
    assert "downloaded" in first.origin and "checksum verified" in first.origin
    assert len(first.frame) == 4177 and list(first.frame.columns) == abalone.columns()

    monkeypatch.setenv(dataset.URL_VARIABLE, "http://127.0.0.1:9/abalone.data")  # nothing answers there
    again = dataset.abalone_rows(tmp_path)
    assert "cached" in again.origin
    assert again.frame.equals(first.frame)


def test_a_file_with_another_checksum_is_not_used_or_cached(tmp_path, monkeypatch):
    changed = tmp_path / "abalone.data"
    changed.write_text("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n")
    monkeypatch.setenv(dataset.URL_VARIABLE, changed.as_uri())
    rows = dataset.abalone_rows(tmp_path / "cache")
    assert rows.origin.startswith("4,177 generated rows") and "SHA-256 differs" in rows.origin
    assert not (tmp_path / "cache").exists()
    assert len(rows.frame) == 4177 and list(rows.frame.columns) == abalone.columns()


def test_offline_the_rows_are_generated_and_say_why(tmp_path, monkeypatch):
    monkeypatch.setenv(dataset.URL_VARIABLE, "http://127.0.0.1:9/abalone.data")
    rows = dataset.abalone_rows(tmp_path)
    assert "generated" in rows.origin and "could not be downloaded" in rows.origin
    assert rows.frame["sex"].value_counts().to_dict() == {"M": 1528, "I": 1342, "F": 1307}
    assert rows.frame["rings"].between(1, 29).all()
