"""Stages of a long job: each named, timed and reported as it goes; a failure names its stage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from scripts.errors import KitError


class StageFailedError(KitError):
    def __init__(self, stage: str, cause: str) -> None:
        super().__init__(f"stage '{stage}' failed: {cause}")


class Stages:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        print(f"==> {name}", flush=True)
        started = time.monotonic()
        try:
            yield
        except KitError as error:
            raise StageFailedError(name, str(error)) from error
        except Exception as error:  # an AWS error, say: named with its stage, not as a traceback
            raise StageFailedError(name, f"{type(error).__name__}: {error}") from error
        self.seconds[name] = time.monotonic() - started
        print(f"    done in {self.seconds[name]:.1f} s", flush=True)
