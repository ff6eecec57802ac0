"""Asynchronous invocations (``InvocationType=Event``): queued, run in the background, retried, then sent on.

As Lambda does: the call is answered 202 at once; the function runs apart from it; a failed run is retried
``MaximumRetryAttempts`` times (the function's ``EventInvokeConfig``, else 2), and an event older than
``MaximumEventAgeInSeconds`` is not run again; an event that still fails goes to the config's
``DestinationConfig.OnFailure`` (an SQS queue or SNS topic) as an invocation record in AWS's shape, and to
the function's ``DeadLetterConfig`` target as the event itself with Lambda's error attributes. AWS waits
about one minute, then two, between attempts; the emulator waits ``LOCAL_LAMBDA_RETRY_SECONDS`` (seconds
for each retry, comma-separated; default ``1,2``) and keeps the count.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from typing import Any

from scripts.local import concurrency, dead_letters

from . import runtime

RETRY_VARIABLE = "LOCAL_LAMBDA_RETRY_SECONDS"
DEFAULT_RETRIES = 2
DEFAULT_MAXIMUM_AGE_SECONDS = 21600


def enqueue(function: Any, event: bytes) -> None:
    """Run ``event`` on the function in the background, with retries (answer the caller at once)."""
    concurrency.after(
        0, _attempt, function.account_id, function.region, function.function_arn, event, 1, time.time()
    )


def retry_waits() -> list[float]:
    """Seconds before each retry (the last value repeats)."""
    text = os.environ.get(RETRY_VARIABLE) or "1,2"
    return [float(part) for part in text.split(",")]


def _attempt(account: str, region: str, arn: str, event: bytes, attempt: int, queued_at: float) -> None:
    from moto.awslambda.models import lambda_backends

    try:
        function = lambda_backends[account][region].get_function(arn)
    except Exception:  # deleted meanwhile: Lambda drops the event
        return
    config = _event_invoke_config(function)
    outcome = runtime.invoke(function, event)
    if outcome.function_error is None:
        _send(function, config, "OnSuccess", _record(function, event, outcome, attempt, "Success"))
        return
    retries = int(config.get("MaximumRetryAttempts", DEFAULT_RETRIES))
    maximum_age = float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAXIMUM_AGE_SECONDS))
    waits = retry_waits()
    wait = waits[min(attempt - 1, len(waits) - 1)]
    if attempt <= retries and time.time() + wait - queued_at <= maximum_age:
        concurrency.after(wait, _attempt, account, region, arn, event, attempt + 1, queued_at)
        return
    condition = "RetriesExhausted" if attempt > retries else "EventAgeExceeded"
    _send(function, config, "OnFailure", _record(function, event, outcome, attempt, condition))
    _dead_letter(function, event, outcome)


def _event_invoke_config(function: Any) -> dict[str, Any]:
    return function.event_invoke_config[0].config if function.event_invoke_config else {}


def _record(function: Any, event: bytes, outcome: runtime.Outcome, attempts: int, condition: str) -> dict:
    """The invocation record a destination receives."""
    response = {"statusCode": 200, "executedVersion": "$LATEST"}
    if outcome.function_error:
        response["functionError"] = outcome.function_error
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": outcome.request_id,
            "functionArn": f"{function.function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": json.loads(event or b"{}"),
        "responseContext": response,
        "responsePayload": json.loads(outcome.payload or b"null"),
    }


def _send(function: Any, config: dict[str, Any], outcome: str, record: dict) -> None:
    destination = (config.get("DestinationConfig") or {}).get(outcome, {}).get("Destination")
    if not destination:
        return
    service, region, account = destination.split(":")[2:5]
    body = json.dumps(record)
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        sqs_backends[account][region].send_message(destination.rsplit(":", 1)[1], body)
    elif service == "sns":
        from moto.sns.models import sns_backends

        sns_backends[account][region].publish(body, arn=destination)
    else:
        print(
            f"Lambda {function.function_name}: destination {destination} is not supported by the local "
            "emulator (SQS and SNS are); the invocation record is dropped",
            flush=True,
        )


def _dead_letter(function: Any, event: bytes, outcome: runtime.Outcome) -> None:
    """The function's own ``DeadLetterConfig``: the event itself, with the ``RequestID``, ``ErrorCode`` and
    ``ErrorMessage`` attributes Lambda gives a dead letter."""
    target = (getattr(function, "dead_letter_config", None) or {}).get("TargetArn")
    if not target:
        return
    error = json.loads(outcome.payload or b"{}")
    dead_letters.send(
        target,
        event.decode(),
        {
            "RequestID": outcome.request_id,
            "ErrorCode": 200,
            "ErrorMessage": str(error.get("errorMessage", ""))[:1024],
        },
    )
