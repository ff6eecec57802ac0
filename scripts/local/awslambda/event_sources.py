"""SQS event source mappings, polled as Lambda polls them: apart from the request that sent the message.

moto runs the function inside SendMessage (and, without Docker, not at all). Here a message sent to a queue
that has mappings wakes a poller on a background thread: it receives up to ``BatchSize`` messages with the
queue's visibility timeout, invokes the function synchronously with an SQS event in AWS's shape, and
deletes the messages the function handled: all of them when it succeeded, all but the ``batchItemFailures``
it reported with ``FunctionResponseTypes: [ReportBatchItemFailures]``, none when it failed. Messages left
become visible again after the visibility timeout, when the poller looks again; the queue's redrive policy
(moto's ``maxReceiveCount``) moves a message that keeps failing to its dead-letter queue.
"""

from __future__ import annotations

import json
import time
from typing import Any

from scripts.local import concurrency

from . import runtime

_scheduled: dict[tuple[str, str, str], tuple[int, float]] = {}
"""Queues (account, region, name) whose next poll is scheduled and not yet run: the generation it belongs to
(a reset cancels it: a queue of the same name afterwards gets its own) and when it is due."""


def poll_soon(queue: Any, seconds: float = 0) -> None:
    """Poll ``queue``'s mappings ``seconds`` from now, unless a poll is already due by then (a message that
    arrives while a later poll waits for in-flight messages to come back is polled for at once)."""
    key = (queue.account_id, queue.region, queue.name)
    due = time.monotonic() + seconds
    generation, scheduled_for = _scheduled.get(key, (None, float("inf")))
    if generation == concurrency.generation() and scheduled_for <= due:
        return
    _scheduled[key] = (concurrency.generation(), due)
    concurrency.after(seconds, _poll, key)


def _poll(key: tuple[str, str, str]) -> None:
    from moto.sqs.models import sqs_backends

    _scheduled.pop(key, None)
    account, region, name = key
    backend = sqs_backends[account][region]
    queue = backend.queues.get(name)
    if queue is None:
        return
    for mapping in list(queue.lambda_event_source_mappings.values()):
        if mapping.enabled:
            _drain(backend, queue, mapping)
    if queue._messages:  # in flight (or waiting for a function): visible again after the timeout
        poll_soon(queue, float(queue.visibility_timeout))


def _drain(backend: Any, queue: Any, mapping: Any) -> None:
    """Invoke the mapping's function batch after batch while the queue has visible messages."""
    from moto.awslambda.models import lambda_backends

    while True:
        messages = backend.receive_message(
            queue.name, int(mapping.batch_size or 10), 0, int(queue.visibility_timeout)
        )
        if not messages:
            return
        try:
            function = lambda_backends[mapping.account_id][mapping.region].get_function(mapping.function_arn)
        except Exception:  # the function is gone: the messages wait in the queue
            return
        outcome = runtime.invoke(function, json.dumps(_event(queue, messages)).encode())
        if outcome.function_error:
            continue  # all left in flight: visible again after the visibility timeout
        failed = _reported_failures(mapping, outcome.payload)
        for message in messages:
            if message.id not in failed:
                backend.delete_message(queue.name, message.receipt_handle)


def _reported_failures(mapping: Any, payload: bytes) -> set[str]:
    if "ReportBatchItemFailures" not in (mapping.function_response_types or []):
        return set()
    try:
        answer = json.loads(payload or b"null")
    except json.JSONDecodeError:
        return set()
    items = answer.get("batchItemFailures") if isinstance(answer, dict) else None
    return {str(item.get("itemIdentifier")) for item in items or [] if isinstance(item, dict)}


def _event(queue: Any, messages: list[Any]) -> dict[str, Any]:
    records = []
    for message in messages:
        attributes = {
            "ApproximateReceiveCount": str(message.approximate_receive_count),
            "SentTimestamp": str(message.sent_timestamp),
            "SenderId": message.sender_id,
            "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
        }
        if queue.fifo_queue:
            attributes |= {
                "SequenceNumber": str(message.sequence_number),
                "MessageGroupId": message.group_id,
                "MessageDeduplicationId": message.deduplication_id,
            }
        records.append(
            {
                "messageId": message.id,
                "receiptHandle": message.receipt_handle,
                "body": message.body,
                "attributes": attributes,
                "messageAttributes": message.message_attributes,
                "md5OfBody": message.body_md5,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue.queue_arn,
                "awsRegion": queue.region,
            }
        )
    return {"Records": records}
