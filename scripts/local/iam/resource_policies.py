"""Whether a resource's policy lets an AWS service act on it for one of the caller's resources: EventBridge
sending from a rule, SNS invoking from a topic. Services carry the resource they act for as
``aws:SourceArn`` (and its account as ``aws:SourceAccount``), over TLS."""

from __future__ import annotations

import json
from typing import Any

from .evaluation import ALLOWED, Context, Policy, PolicyError, Request, evaluate


def allows(document: str | None, service: str, action: str, resource: str, source_arn: str) -> bool:
    """True when ``document`` (a resource policy; None: there is none) allows ``service`` to ``action``
    on ``resource`` for ``source_arn``. An invalid policy allows nothing."""
    if not document:
        return False
    try:
        policy = Policy.parse(document, resource, "resource", resource=True)
    except PolicyError:
        return False
    context = Context(
        {
            "aws:SourceArn": source_arn,
            "aws:SourceAccount": source_arn.split(":")[4],
            "aws:SecureTransport": "true",
        }
    )
    request = Request(action=action, resource=resource, context=context, caller=service)
    return evaluate(request, [], resource_policy=policy).decision == ALLOWED


def function_policy(function: Any) -> str | None:
    """A Lambda function's resource policy as a document (None when it has no statement)."""
    statements = function.policy.statements if function.policy else []
    return json.dumps({"Version": "2012-10-17", "Statement": statements}) if statements else None
