"""Sending a message that could not be delivered to a dead-letter queue or topic, given by its ARN.

Lambda's and EventBridge's dead letters are both the event itself with a few attributes that say why
(:mod:`scripts.local.awslambda.invocations`, :mod:`scripts.local.events.delivery`)."""

from __future__ import annotations


def send(arn: str, body: str, attributes: dict[str, str | int]) -> None:
    """Send ``body`` to the SQS queue or SNS topic ``arn``; numbers go as ``Number`` attributes."""
    service, region, account = arn.split(":")[2:5]
    typed = {
        name: {"DataType": "Number" if isinstance(value, int) else "String", "StringValue": str(value)}
        for name, value in attributes.items()
    }
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        sqs_backends[account][region].send_message(arn.rsplit(":", 1)[1], body, message_attributes=typed)
    elif service == "sns":
        from moto.sns.models import sns_backends

        sns_backends[account][region].publish(body, arn=arn, message_attributes=typed)
    else:
        raise ValueError(f"{arn} is neither an SQS queue nor an SNS topic")
