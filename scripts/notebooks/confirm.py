"""Asking a person before each destructive step; ``ASSUME_YES=1`` answers yes (to run headless)."""

from __future__ import annotations

import os

from scripts.errors import KitError

VARIABLE = "ASSUME_YES"


class NoOneToAskError(KitError):
    def __init__(self, question: str) -> None:
        super().__init__(f"{question}: there is no one to answer (no input); set {VARIABLE}=1 to answer yes")


def confirm(question: str) -> bool:
    """Whether to go ahead with ``question``; only "y" or "yes" is a yes."""
    if os.environ.get(VARIABLE) == "1":
        print(f"{question} [y/N] yes ({VARIABLE}=1)")
        return True
    try:
        answer = input(f"{question} [y/N] ")
    except (EOFError, RuntimeError) as error:  # no stdin: EOF in a pipe, ipykernel's StdinNotImplemented
        raise NoOneToAskError(question) from error
    return answer.strip().lower() in ("y", "yes")
