"""What one walkthrough notebook hands the next: a JSON file in the work folder. Unlike ``%store``, it
works in plain Jupyter, in Studio and headless, and a person can read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.errors import KitError

FILE = "walkthrough.json"


class NothingHandedOnError(KitError):
    def __init__(self, path: Path, key: str | None) -> None:
        what = f"has no {key}" if key else "does not exist"
        super().__init__(f"{path} {what}: run the notebooks in order, 00-setup first")


def save(work_dir: Path, **values: Any) -> dict[str, Any]:
    """Add ``values`` to the hand-off file (earlier values are kept); the whole of it."""
    path = work_dir / FILE
    merged = {**(json.loads(path.read_text()) if path.is_file() else {}), **values}
    work_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    return merged


def load(work_dir: Path, *required: str) -> dict[str, Any]:
    """The hand-off file; fails naming the notebook to run when it, or a required value, is missing."""
    path = work_dir / FILE
    if not path.is_file():
        raise NothingHandedOnError(path, None)
    values = json.loads(path.read_text())
    for key in required:
        if key not in values:
            raise NothingHandedOnError(path, key)
    return values
