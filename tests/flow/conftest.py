"""Data for the flow runner's tests: ``../shared/data`` when it exists, generated data otherwise."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scripts import PROJECT_ROOT
from scripts.bench.flow_runner import COLUMNS, abalone_frame

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
ABALONE_ROWS = 4177


def prepare_abalone_csv(destination: Path, abalone_data: Path | None) -> Path:
    """``abalone.csv`` as the flows expect it (PROVENANCE.md): UCI's ``abalone.data`` with a header and
    a leading ``record_id``; generated abalone-shaped rows when ``abalone_data`` is None."""
    if abalone_data is None:
        frame = abalone_frame(ABALONE_ROWS, source=None)
    else:
        frame = pd.read_csv(abalone_data, names=COLUMNS)
    frame.to_csv(destination, index_label="record_id")
    return destination


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (it holds the public flows and UCI's abalone data)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def abalone_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real abalone rows when ``../shared`` has them, else generated ones."""
    real = SHARED_DATA / "abalone.data"
    return prepare_abalone_csv(
        tmp_path_factory.mktemp("abalone") / "abalone.csv", real if real.is_file() else None
    )


@pytest.fixture(scope="session")
def generated_abalone_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated abalone rows, whether or not ``../shared`` exists: the fallback gets tested too."""
    return prepare_abalone_csv(tmp_path_factory.mktemp("generated") / "abalone.csv", None)
