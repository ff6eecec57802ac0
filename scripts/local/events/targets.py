"""Sending one event to one target of a rule, as EventBridge sends it, or saying why it could not be sent.

Lambda functions, SQS queues and SNS topics take the event only when their resource policy lets the rule
send it (``events.amazonaws.com``, with ``aws:SourceArn`` the rule's ARN, as the policies of AWS's own
examples and of our templates say); a function is invoked asynchronously (``InvocationType=Event``: its own
retries and destinations then apply). CloudWatch Logs groups, other event buses and archives take it without
a policy check. A CodePipeline pipeline starts an execution when the target's role trusts
``events.amazonaws.com``. Any other target type fails loudly: the emulator does not pretend to deliver it.

Failures carry the error codes EventBridge writes on dead letters; a missing target or permission, or a
request the target refuses, is not retried (EventBridge waits for someone to fix it); other failures are.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from scripts.local import log_streams
from scripts.local.iam import resource_policies

PRINCIPAL = "events.amazonaws.com"
_NOT_RETRIED = (
    "NO_RESOURCE",
    "NO_PERMISSIONS",
    "INVALID_PARAMETER",
    "SDK_CLIENT_ERROR",
    "UNSUPPORTED_TARGET",
)


class DeliveryFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.code not in _NOT_RETRIED


def send(rule: Any, target: dict[str, Any], event: dict[str, Any], text: str) -> None:
    """Send ``text`` (what the target receives for ``event``) to ``target``; raise :class:`DeliveryFailed`."""
    arn = target["Arn"]
    parts = arn.split(":", 5)
    service = parts[2] if len(parts) == 6 else ""
    resource = parts[5] if len(parts) == 6 else ""
    if service == "lambda":
        _to_function(rule, arn, text)
    elif service == "sqs":
        _to_queue(rule, target, event, text)
    elif service == "sns":
        _to_topic(rule, arn, text)
    elif service == "logs" and resource.startswith("log-group:"):
        _to_log_group(rule, resource.split(":")[1], text)
    elif service == "events" and resource.startswith("event-bus/"):
        _to_bus(parts[4], parts[3], resource.split("/", 1)[1], event)
    elif service == "events" and not resource.strip(":"):  # moto's archive: its input names the archive
        _to_archive(rule, text, event)
    elif service == "codepipeline":
        _to_pipeline(rule, target, parts[4], parts[3], resource)
    else:
        raise DeliveryFailed(
            "UNSUPPORTED_TARGET",
            f"the emulator does not deliver to {service or arn} targets (rule {rule.arn}, target {arn})",
        )


def _authorise(rule: Any, document: str | None, action: str, resource: str) -> None:
    """Raise NO_PERMISSIONS unless the target's resource policy lets this rule perform ``action``."""
    if not resource_policies.allows(document, PRINCIPAL, action, resource, rule.arn):
        raise DeliveryFailed(
            "NO_PERMISSIONS",
            f"the resource policy of {resource} does not allow {PRINCIPAL} to {action} from rule {rule.arn}",
        )


def _to_function(rule: Any, arn: str, text: str) -> None:
    from moto.awslambda.models import lambda_backends

    from scripts.local.awslambda import invocations

    try:
        function = lambda_backends[rule.account_id][rule.region_name].get_function(arn)
    except Exception:
        raise DeliveryFailed("NO_RESOURCE", f"function {arn} does not exist") from None
    _authorise(rule, resource_policies.function_policy(function), "lambda:InvokeFunction", arn)
    invocations.enqueue(function, text.encode())


def _to_queue(rule: Any, target: dict[str, Any], event: dict[str, Any], text: str) -> None:
    from moto.sqs import sqs_backends

    arn = target["Arn"]
    backend = sqs_backends[rule.account_id][rule.region_name]
    name = arn.rsplit(":", 1)[1]
    try:
        queue = backend.get_queue(name)
    except Exception:
        raise DeliveryFailed("NO_RESOURCE", f"queue {arn} does not exist") from None
    _authorise(rule, queue.policy, "sqs:SendMessage", queue.queue_arn)
    group = target.get("SqsParameters", {}).get("MessageGroupId")
    if queue.fifo_queue and not group:
        raise DeliveryFailed("INVALID_PARAMETER", f"{arn} is a FIFO queue: give the target a MessageGroupId")
    if queue.fifo_queue and queue.attributes.get("ContentBasedDeduplication") != "true":
        # EventBridge gives no deduplication id: SQS refuses the message.
        raise DeliveryFailed(
            "SDK_CLIENT_ERROR",
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
            f"provided explicitly: turn on content-based deduplication of {arn}",
        )
    backend.send_message(name, text, group_id=group if queue.fifo_queue else None)


def _to_topic(rule: Any, arn: str, text: str) -> None:
    from moto.sns import sns_backends

    try:
        topic = sns_backends[rule.account_id][rule.region_name].get_topic(arn)
    except Exception:
        raise DeliveryFailed("NO_RESOURCE", f"topic {arn} does not exist") from None
    _authorise(rule, topic.policy, "sns:Publish", arn)
    topic.publish(text)


def _to_log_group(rule: Any, name: str, text: str) -> None:
    account, region = rule.account_id, rule.region_name
    if not log_streams.has_group(account, region, name):
        raise DeliveryFailed("NO_RESOURCE", f"log group {name} does not exist")
    stream = str(uuid.uuid4())
    log_streams.open_stream(account, region, name, stream, create_group=False)
    log_streams.put(account, region, name, stream, log_streams.lines_at([text], datetime.now(UTC)))


def _to_bus(account: str, region: str, name: str, event: dict[str, Any]) -> None:
    from moto.events.models import events_backends

    backend = events_backends[account][region]
    if name not in backend.event_buses:
        raise DeliveryFailed("NO_RESOURCE", f"event bus {name} does not exist in {account} {region}")
    entry = {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event["detail"]),
        "Resources": event.get("resources", []),
        "EventBusName": name,
    }
    backend.put_events([entry])


def _to_archive(rule: Any, text: str, event: dict[str, Any]) -> None:
    from moto.utilities.arns import parse_arn

    rule._send_to_events_archive(parse_arn(json.loads(text)["archive-arn"]).resource_id, event)


def _to_pipeline(rule: Any, target: dict[str, Any], account: str, region: str, name: str) -> None:
    """Start an execution of the pipeline, as the target's role (RoleArn: it must exist and trust
    events.amazonaws.com; CodePipeline has no resource policy)."""
    from moto.codepipeline.models import codepipeline_backends
    from moto.iam.models import iam_backends

    from scripts.local.resources.codepipeline import _trusts

    role_arn = target.get("RoleArn")
    if not role_arn:
        raise DeliveryFailed("NO_PERMISSIONS", f"target {target['Arn']} of rule {rule.arn} has no RoleArn")
    try:
        role = iam_backends[rule.account_id][rule.arn.split(":")[1]].get_role_by_arn(role_arn)
    except Exception:
        raise DeliveryFailed("NO_PERMISSIONS", f"role {role_arn} does not exist") from None
    if not _trusts(role.assume_role_policy_document, PRINCIPAL):
        raise DeliveryFailed(
            "NO_PERMISSIONS", f"the trust policy of role {role_arn} does not allow {PRINCIPAL}"
        )
    backend = codepipeline_backends[account][region]
    if name not in backend.pipelines or not hasattr(backend, "start_execution"):
        raise DeliveryFailed("NO_RESOURCE", f"pipeline {target['Arn']} does not exist")
    backend.start_execution(name, None, ("CloudWatchEvent", rule.arn))
