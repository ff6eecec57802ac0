"""Lambda whose Invoke runs the function (:mod:`.runtime`) instead of needing Docker or echoing.

``RequestResponse`` runs the function and answers its payload, ``FunctionError: Unhandled`` when it failed,
and the log's tail for ``LogType=Tail``; ``DryRun`` checks that the function could run; ``Event`` is queued
and answered at once (:mod:`.invocations`).
"""

from __future__ import annotations

import base64
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend

from . import runtime


class InvalidRuntimeException(LambdaClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidRuntimeException", message)


KEPT_SETTINGS = {"DeadLetterConfig": "dead_letter_config", "LoggingConfig": "logging_config"}
"""Function settings moto drops, which the runtime uses (a failed event's dead letter, the log group)."""


def keep_settings(function: Any, given: dict[str, Any]) -> None:
    for key, attribute in KEPT_SETTINGS.items():
        if key in given:
            setattr(function, attribute, given[key])


def described_settings(function: Any) -> dict[str, Any]:
    """The kept settings as GetFunctionConfiguration shows them."""
    settings = {key: getattr(function, attribute, None) for key, attribute in KEPT_SETTINGS.items()}
    return {key: value for key, value in settings.items() if value}


class Backend(LambdaBackend):
    def create_function(self, spec: dict[str, Any]) -> Any:
        function = super().create_function(spec)
        keep_settings(function, spec)
        return function

    def update_function_configuration(self, function_name: str, qualifier: str, body: dict[str, Any]) -> Any:
        answer = super().update_function_configuration(function_name, qualifier, body)
        function = self.get_function(function_name, qualifier)
        keep_settings(function, body)
        return {**(answer or {}), **described_settings(function)}

    def create_event_source_mapping(self, spec: dict[str, Any]) -> Any:
        """Also starts the function's first process: invocations will come."""
        mapping = super().create_event_source_mapping(spec)
        function = self.get_function(mapping.function_arn)
        try:
            runtime.check(function)
        except runtime.UnsupportedRuntime:
            return mapping  # refused when invoked
        runtime.prepare(function)
        return mapping

    def delete_function(self, function_name: str, qualifier: str | None = None) -> None:
        arn = self.get_function(function_name).function_arn
        super().delete_function(function_name, qualifier)
        if not qualifier:
            runtime.forget(arn)

    def invoke(
        self,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        function = self.get_function(function_name, qualifier)
        try:
            runtime.check(function)
        except runtime.UnsupportedRuntime as refused:
            raise InvalidRuntimeException(str(refused)) from None
        kind = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if kind == "DryRun":
            return b""
        if kind == "Event":
            from .invocations import enqueue

            enqueue(function, _bytes(body))
            return b""
        outcome = runtime.invoke(function, _bytes(body))
        response_headers["x-amz-executed-version"] = "$LATEST"
        response_headers["x-amz-log-result"] = base64.b64encode(outcome.log_tail.encode()).decode()
        if outcome.function_error:
            response_headers["x-amz-function-error"] = outcome.function_error
        return outcome.payload


def _header(headers: Any, name: str) -> str | None:
    """A request header, whatever the case of its name (moto passes a dict or werkzeug's headers)."""
    wanted = name.lower()
    return next((value for key, value in dict(headers or {}).items() if key.lower() == wanted), None)


def _bytes(body: Any) -> bytes:
    if body is None:
        return b"{}"
    return body if isinstance(body, bytes) else str(body).encode()
