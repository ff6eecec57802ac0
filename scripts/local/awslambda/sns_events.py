"""SNS invoking a subscribed Lambda function: asynchronously, with the notification SNS sends, and only
when the function's resource policy lets the topic invoke it (``sns.amazonaws.com``, ``aws:SourceArn``).

moto ran the function through Docker with a fixed example event (a constant message id, the topic
``arn:aws:sns:EXAMPLE``, made-up attributes). Here the event's ``Sns`` record is the message's own
notification (moto's, as an HTTP subscriber gets it: id, topic, subject, timestamp, signature, attributes),
under the subscription's ARN. A function that does not exist or may not be invoked gets nothing, and the
emulator's log says so (SNS drops the message).
"""

from __future__ import annotations

import json
from typing import Any

from scripts.local.iam import resource_policies

from . import invocations

PRINCIPAL = "sns.amazonaws.com"
_RENAMED = {"SigningCertURL": "SigningCertUrl", "UnsubscribeURL": "UnsubscribeUrl"}


def deliver(subscription: Any, message: str, message_id: str, subject: str | None, attributes: Any) -> None:
    from moto.awslambda.models import lambda_backends

    arn, topic = subscription.endpoint, subscription.topic.arn
    region, account = arn.split(":")[3:5]
    try:
        function = lambda_backends[account][region].get_function(arn)
    except Exception:
        _log(f"topic {topic}: function {arn} does not exist; the message {message_id} is dropped")
        return
    policy = resource_policies.function_policy(function)
    if not resource_policies.allows(policy, PRINCIPAL, "lambda:InvokeFunction", arn, topic):
        _log(f"topic {topic}: the policy of {arn} does not allow {PRINCIPAL} to invoke it from the topic; "
             f"the message {message_id} is dropped")  # fmt: skip
        return
    notification = subscription.get_post_data(message, message_id, subject, message_attributes=attributes)
    record = {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription.arn,
        "Sns": {_RENAMED.get(key, key): value for key, value in notification.items()},
    }
    invocations.enqueue(function, json.dumps({"Records": [record]}).encode())


def _log(message: str) -> None:
    print(f"SNS: {message}", flush=True)
