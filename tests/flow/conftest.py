"""Data for the flow runner's tests: ``../shared/data`` when it exists, generated data otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import PROJECT_ROOT, abalone
from scripts.bench.flow_runner import abalone_frame

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
ABALONE_ROWS = 4177


def prepare_abalone_csv(destination: Path, abalone_data: Path | None, *, public: bool = False) -> Path:
    """``abalone.csv`` as the kit prepares it (``data/abalone.dataset.json``): UCI's ``abalone.data``
    with a header, a leading ``record_id`` and a trailing ``record_time``; generated abalone-shaped rows
    when ``abalone_data`` is None. ``public=True``: the file the public flows expect (PROVENANCE.md),
    without ``record_time``, since their last node sets it from the clock."""
    rows = (
        abalone_frame(ABALONE_ROWS, source=None) if abalone_data is None else abalone.read_raw(abalone_data)
    )
    prepared = abalone.prepare(rows)
    if public:
        prepared = prepared.drop(columns=abalone.RECORD_TIME)
    prepared.to_csv(destination, index=False)
    return destination


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (it holds the public flows and UCI's abalone data)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def abalone_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The kit's ``abalone.csv`` of the real abalone rows when ``../shared`` has them, else generated ones."""
    return prepare_abalone_csv(tmp_path_factory.mktemp("abalone") / "abalone.csv", _real_abalone())


@pytest.fixture(scope="session")
def generated_abalone_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The kit's ``abalone.csv`` of generated rows, whether or not ``../shared`` exists: the fallback
    gets tested too."""
    return prepare_abalone_csv(tmp_path_factory.mktemp("generated") / "abalone.csv", None)


@pytest.fixture(scope="session")
def public_abalone_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same rows as ``abalone_csv``, as the public flows read them: no ``record_time``."""
    directory = tmp_path_factory.mktemp("public-abalone")
    return prepare_abalone_csv(directory / "abalone.csv", _real_abalone(), public=True)


@pytest.fixture(scope="session")
def generated_public_abalone_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same rows as ``generated_abalone_csv``, as the public flows read them."""
    directory = tmp_path_factory.mktemp("public-generated")
    return prepare_abalone_csv(directory / "abalone.csv", None, public=True)


def _real_abalone() -> Path | None:
    real = SHARED_DATA / "abalone.data"
    return real if real.is_file() else None
