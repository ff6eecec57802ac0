"""Stages of a long job: each named, timed and reported as it goes; a failure names its stage."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from scripts.errors import KitError

T = TypeVar("T")


class StageFailedError(KitError):
    def __init__(self, stage: str, cause: str) -> None:
        super().__init__(f"stage '{stage}' failed: {cause}")


class WaitedTooLongError(KitError):
    def __init__(self, what: str, seconds: float, last: str) -> None:
        super().__init__(f"{what} did not happen within {seconds:.0f} s (last seen: {last})")


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


def wait_for(what: str, look: Callable[[], tuple[T | None, str]], seconds: float, interval: float = 0.5) -> T:
    """Call ``look`` until it gives a value; ``look`` also says what it sees, printed when that changes."""
    deadline = time.monotonic() + seconds
    shown = ""
    while True:
        value, seen = look()
        if seen != shown:
            print(f"    {seen}", flush=True)
            shown = seen
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise WaitedTooLongError(what, seconds, seen)
        time.sleep(interval)
