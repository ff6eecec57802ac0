"""`make package && make deploy` in this process, as `make demo` and `make notebooks` do first."""

from __future__ import annotations

import sys
from pathlib import Path
from unittest import mock

from scripts import PROJECT_ROOT, deploy, package


def publish(build_dir: Path = PROJECT_ROOT / "build") -> None:
    """Package the kit into ``build_dir`` and upload it, then deploy the portfolio stack from it."""
    for job in (package.main, deploy.main):
        with mock.patch.object(sys, "argv", [job.__module__, "--build-dir", str(build_dir)]):
            job()
