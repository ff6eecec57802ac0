"""The emulator's own endpoint, for what it hands to code that calls it back: a custom resource's
``ResponseURL``, a Lambda function's ``AWS_ENDPOINT_URL``. Unset outside the emulator's server (moto's own
tests), where such code gets AWS's URLs."""

from __future__ import annotations

_endpoint: str | None = None


def serve_at(endpoint: str) -> None:
    global _endpoint
    _endpoint = endpoint.rstrip("/")


def current() -> str | None:
    return _endpoint
