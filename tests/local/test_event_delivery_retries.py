"""A target that fails is retried as its RetryPolicy says, then dead-lettered; a failure that cannot pass
by itself (no permission, no target) is dead-lettered at once. In-process: the emulator's delivery code on
moto's backends, with the target's sending stood in (a failure to retry cannot come from a real target)."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from scripts.local.events import delivery, targets
from tests.conftest import ACCOUNT, REGION


@pytest.fixture
def failing(aws, monkeypatch):
    """A rule with one target, whose sends fail with each code of ``codes`` in turn (then succeed)."""
    monkeypatch.setenv(delivery.RETRY_VARIABLE, "0.02")
    events, sqs = boto3.client("events", REGION), boto3.client("sqs", REGION)
    dead_letter_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dead_letter_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"
    events.put_rule(Name="flaky", EventPattern=json.dumps({"source": ["kit.tests"]}))
    from moto.events.models import events_backends

    rule = events_backends[ACCOUNT][REGION].event_buses["default"].rules["flaky"]
    attempts: list[float] = []
    codes: list[str] = []

    def send(rule, target, event, text):
        attempts.append(time.monotonic())
        if len(attempts) <= len(codes):
            raise targets.DeliveryFailed(codes[len(attempts) - 1], "the target said no")

    monkeypatch.setattr(targets, "send", send)

    def deliver(failures: list[str], **retry_policy) -> list[dict]:
        codes.extend(failures)
        target = {
            "Id": "t",
            "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f",
            "DeadLetterConfig": {"Arn": dead_letter_arn},
        }
        if retry_policy:
            target["RetryPolicy"] = retry_policy
        rule.targets = [target]
        delivery.to_rule(
            rule, {"id": "e-1", "source": "kit.tests", "detail-type": "t", "detail": {}, "time": 0}
        )
        time.sleep(0.5)
        messages = sqs.receive_message(
            QueueUrl=dead_letter_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        return [{k: v["StringValue"] for k, v in m["MessageAttributes"].items()} for m in messages]

    deliver.attempts = attempts
    return deliver


def test_a_failing_target_is_tried_maximum_retry_attempts_plus_one_times_then_dead_lettered(failing):
    letters = failing(["THROTTLING"] * 10, MaximumRetryAttempts=2)
    assert len(failing.attempts) == 3
    [letter] = letters
    assert letter["ERROR_CODE"] == "THROTTLING" and letter["ERROR_MESSAGE"] == "the target said no"
    assert letter["RULE_ARN"].endswith(":rule/flaky")


def test_a_target_that_recovers_is_delivered_and_nothing_is_dead_lettered(failing):
    assert failing(["THROTTLING", "INTERNAL_ERROR"]) == []
    assert len(failing.attempts) == 3


@pytest.mark.parametrize("code", ["NO_PERMISSIONS", "NO_RESOURCE"])
def test_a_failure_retrying_cannot_fix_is_dead_lettered_at_once(failing, code):
    [letter] = failing([code], MaximumRetryAttempts=5)
    assert len(failing.attempts) == 1 and letter["ERROR_CODE"] == code


def test_an_event_older_than_maximum_event_age_is_not_tried_again(failing, monkeypatch):
    monkeypatch.setenv(delivery.RETRY_VARIABLE, "120")
    [letter] = failing(["THROTTLING"], MaximumRetryAttempts=5, MaximumEventAgeInSeconds=60)
    assert len(failing.attempts) == 1 and letter["ERROR_CODE"] == "THROTTLING"
