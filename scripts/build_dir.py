"""``build/<region>/`` holds the last build that was linted and published, and nothing else.

A package run builds into ``build/<region>.candidate/``. Only when the build linted clean and every object
of it is in S3 does the candidate take the place of ``build/<region>/``, carrying over the files other
jobs keep there (``portfolio-outputs.json``, written by ``make deploy`` for the notebooks). A run that
fails leaves ``build/<region>/`` as it was, so its ``manifest.json`` still describes a published build,
and leaves its candidate for inspection (lint findings point into it) until the next run.

The swap is two renames: the old directory steps aside to ``build/<region>.previous/``, then the
candidate moves in. A run interrupted between the two leaves no ``build/<region>/``; the next run puts
the previous one back before it starts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from scripts.deploy import OUTPUTS_FILE

KEPT_FILES = (OUTPUTS_FILE,)
"""Files of ``build/<region>/`` that other jobs write, carried over to each new build."""


class BuildDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.candidate = path.with_name(f"{path.name}.candidate")
        self._previous = path.with_name(f"{path.name}.previous")

    def begin(self) -> Path:
        """An empty candidate directory to build into (a failed run's candidate is removed)."""
        if self._previous.exists():
            if self.path.exists():  # the last swap finished all but its clean-up
                shutil.rmtree(self._previous)
            else:  # the last swap was interrupted between its renames
                self._previous.rename(self.path)
        if self.candidate.exists():
            shutil.rmtree(self.candidate)
        self.candidate.mkdir(parents=True)
        return self.candidate

    def commit(self) -> None:
        """Make the candidate ``build/<region>/``, keeping :data:`KEPT_FILES` of the one it replaces."""
        if self.path.exists():
            for name in KEPT_FILES:
                if (self.path / name).is_file():
                    shutil.copy2(self.path / name, self.candidate / name)
            self.path.rename(self._previous)
        self.candidate.rename(self.path)
        shutil.rmtree(self._previous, ignore_errors=True)
