"""Delivering events to the targets of the rules they match, after the request that produced them.

AWS delivers asynchronously: the request that produced an event (an S3 PUT, a PutEvents call) has returned
before any target runs, and nothing a target does can fail or slow it. Here events are matched on one
background thread, in the order they came (the events of one bucket reach a FIFO queue in order); each
target of a matching rule gets what its input settings make of the event (:mod:`.inputs`), sent as
:mod:`.targets` sends it.

A failed delivery follows the target's ``RetryPolicy`` (``MaximumRetryAttempts``, default 185;
``MaximumEventAgeInSeconds``, default 86,400), unless it cannot pass by itself (no such target, no
permission): AWS backs off exponentially with jitter, the emulator waits ``LOCAL_EVENTS_RETRY_SECONDS``
(seconds before each retry, comma-separated, the last repeating; default ``1,2,4,8,16,32,60``). Then the
event goes to the target's ``DeadLetterConfig`` queue with the ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``
and ``ERROR_MESSAGE`` attributes EventBridge gives it, or is dropped; the emulator's log says which.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from typing import Any

from scripts.local import concurrency, dead_letters

from . import inputs, targets

RETRY_VARIABLE = "LOCAL_EVENTS_RETRY_SECONDS"
DEFAULT_RETRY_SECONDS = "1,2,4,8,16,32,60"
DEFAULT_RETRIES = 185
DEFAULT_MAXIMUM_AGE_SECONDS = 86400

_in_order = concurrency.InOrder("eventbridge-delivery")


def publish(account: str, region: str, event: dict[str, Any], bus: str = "default") -> None:
    """Deliver an event that arrived on ``bus`` (AWS services such as S3 send theirs to the default bus) to
    the rules the bus has now, as PutEvents' events go to the rules of their moment: a rule created afterwards
    (a stack's rule on the repository whose seed commit sent the event) does not get it."""
    from moto.events.models import events_backends

    found = events_backends[account][region].event_buses.get(bus)
    _in_order.submit(_to_bus_rules, found, list(found.rules.values()) if found else [], event)


def to_rule(rule: Any, event: dict[str, Any]) -> None:
    """Replaces moto's ``Rule.send_to_targets``, which moto's PutEvents and replays call for each rule of
    the bus: the rule's targets get the event later, if its pattern matches."""
    _in_order.submit(_to_rule_targets, rule, aws_shape(event), time.time())


def settle() -> None:
    """Wait until the events published so far have been delivered (or have failed, or wait for a retry)."""
    _in_order.settle()


def aws_shape(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge delivers it (moto keeps `time` in epoch seconds, and an `ingestion-time`)."""
    shaped = {key: value for key, value in event.items() if key != "ingestion-time"}
    if isinstance(shaped.get("time"), int | float):
        shaped["time"] = datetime.fromtimestamp(shaped["time"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return shaped


def retry_waits() -> list[float]:
    return [float(part) for part in (os.environ.get(RETRY_VARIABLE) or DEFAULT_RETRY_SECONDS).split(",")]


def _to_bus_rules(bus: Any, rules: list[Any], event: dict[str, Any]) -> None:
    for rule in rules:
        if bus.rules.get(rule.name) is rule:  # not deleted meanwhile
            _to_rule_targets(rule, event, time.time())


def _to_rule_targets(rule: Any, event: dict[str, Any], received: float) -> None:
    if rule.state != "ENABLED" or not rule.event_pattern.matches_event(event):
        return
    for target in list(rule.targets):
        _attempt(rule, target, event, received, 1)


def _attempt(rule: Any, target: dict[str, Any], event: dict[str, Any], received: float, attempt: int) -> None:
    try:
        text = inputs.target_input(target, event, rule.arn, rule.name)
    except inputs.InputError as error:
        _give_up(rule, target, event, targets.DeliveryFailed("INVALID_PARAMETER", str(error)))
        return
    try:
        targets.send(rule, target, event, text)
    except targets.DeliveryFailed as failure:
        _failed(rule, target, event, received, attempt, failure)
    except Exception as error:  # the emulator's own fault: retried, as AWS retries its internal errors
        failure = targets.DeliveryFailed("INTERNAL_ERROR", f"{type(error).__name__}: {error}")
        _failed(rule, target, event, received, attempt, failure)


def _failed(
    rule: Any, target: dict[str, Any], event: dict[str, Any], received: float, attempt: int,
    failure: targets.DeliveryFailed,
) -> None:  # fmt: skip
    policy = target.get("RetryPolicy") or {}
    retries = int(policy.get("MaximumRetryAttempts", DEFAULT_RETRIES))
    maximum_age = float(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAXIMUM_AGE_SECONDS))
    waits = retry_waits()
    wait = waits[min(attempt - 1, len(waits) - 1)]
    if failure.retryable and attempt <= retries and time.time() + wait - received <= maximum_age:
        _log(f"rule {rule.arn}: event {event['id']} to {target['Arn']} failed ({failure.code}: "
             f"{failure.message}); retry {attempt} of {retries} in {wait:g} s")  # fmt: skip
        concurrency.after(wait, _attempt, rule, target, event, received, attempt + 1)
        return
    _give_up(rule, target, event, failure)


def _give_up(
    rule: Any, target: dict[str, Any], event: dict[str, Any], failure: targets.DeliveryFailed
) -> None:
    """Send the event to the target's dead-letter queue, or drop it; say so either way."""
    queue_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
    where = "dropped (the target has no DeadLetterConfig)"
    if queue_arn:
        attributes = {
            "RULE_ARN": rule.arn,
            "TARGET_ARN": target["Arn"],
            "ERROR_CODE": failure.code,
            "ERROR_MESSAGE": failure.message[:1000],
        }
        try:
            dead_letters.send(queue_arn, json.dumps(event), attributes)
            where = f"sent to the dead-letter queue {queue_arn}"
        except Exception as error:
            where = f"dropped: the dead-letter queue {queue_arn} refused it ({type(error).__name__}: {error})"
    _log(f"rule {rule.arn}: event {event['id']} not delivered to {target['Arn']} "
         f"({failure.code}: {failure.message}); {where}")  # fmt: skip


def _log(message: str) -> None:
    print(f"EventBridge: {message}", flush=True)
