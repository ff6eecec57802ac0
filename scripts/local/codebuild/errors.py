"""How a build's phase fails: the status code and message CodeBuild puts in the phase's context."""

from __future__ import annotations


class BuildError(Exception):
    """A phase failed; the message is the phase context's."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
