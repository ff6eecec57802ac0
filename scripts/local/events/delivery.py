"""Delivering an event to the rules of an account's event buses, on a background thread.

AWS delivers asynchronously: the request that produced the event (an S3 PUT, say) has returned before any
target runs, and nothing a target does can fail or slow it. Each rule's pattern is matched and its targets
are sent the event (moto's ``Rule.send_to_targets``: SQS, CloudWatch Logs, event buses, archives; a target's
``InputTransformer`` is not applied yet); a target the emulator cannot deliver to is reported on the
emulator's log, naming the rule and the event.
"""

from __future__ import annotations

from typing import Any

from scripts.local import concurrency


def deliver_soon(account: str, region: str, event: dict[str, Any]) -> None:
    concurrency.after(0, _deliver, account, region, event)


def _deliver(account: str, region: str, event: dict[str, Any]) -> None:
    from moto.events.models import events_backends

    backend = events_backends[account][region]
    for bus in list(backend.event_buses.values()):
        for rule in list(bus.rules.values()):
            if rule.state != "ENABLED":
                continue
            try:
                rule.send_to_targets(dict(event), transform_input=False)
            except Exception as error:  # one rule's failure must not keep the event from the others
                print(
                    f"EventBridge rule {rule.name}: event {event['id']} not delivered: "
                    f"{type(error).__name__}: {error}",
                    flush=True,
                )
