"""S3 bucket notification configurations read back as S3 answers them, EventBridgeConfiguration
included, so a read-modify-write keeps every configuration."""

from __future__ import annotations

import pytest

ACCOUNT = "123456789012"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:on-upload"


@pytest.fixture(scope="module")
def s3(emulator):
    return emulator.client("s3")


@pytest.fixture(scope="module")
def destinations(emulator) -> dict[str, str]:
    sqs, sns = emulator.client("sqs"), emulator.client("sns")
    queue = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    return {
        "queue": sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ],
        "topic": sns.create_topic(Name="uploads")["TopicArn"],
    }


def configuration(s3, bucket: str) -> dict:
    answer = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def bucket(s3, name: str) -> str:
    s3.create_bucket(Bucket=name)
    return name


def every_kind(destinations: dict[str, str]) -> dict:
    return {
        "TopicConfigurations": [
            {"Id": "to-topic", "TopicArn": destinations["topic"], "Events": ["s3:ObjectRemoved:*"]}
        ],
        "QueueConfigurations": [
            {
                "Id": "to-queue",
                "QueueArn": destinations["queue"],
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {
                    "Key": {
                        "FilterRules": [
                            {"Name": "Prefix", "Value": "in/"},
                            {"Name": "Suffix", "Value": ".csv"},
                        ]
                    }
                },
            }
        ],
        "LambdaFunctionConfigurations": [
            {"Id": "to-function", "LambdaFunctionArn": FUNCTION_ARN, "Events": ["s3:ObjectCreated:Put"]}
        ],
        "EventBridgeConfiguration": {},
    }


def test_a_bucket_with_nothing_configured_has_an_empty_configuration(s3):
    assert configuration(s3, bucket(s3, "notify-none")) == {}


def test_eventbridge_alone_is_stored_and_read_back(s3):
    name = bucket(s3, "notify-eventbridge")
    s3.put_bucket_notification_configuration(
        Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    assert configuration(s3, name) == {"EventBridgeConfiguration": {}}


def test_eventbridge_beside_topic_queue_and_function_configurations(s3, destinations):
    name = bucket(s3, "notify-all")
    wanted = every_kind(destinations)
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=wanted)
    got = configuration(s3, name)
    assert got.keys() == wanted.keys()
    assert got["EventBridgeConfiguration"] == {}
    assert got["QueueConfigurations"] == wanted["QueueConfigurations"]
    assert got["TopicConfigurations"] == wanted["TopicConfigurations"]
    assert got["LambdaFunctionConfigurations"] == wanted["LambdaFunctionConfigurations"]


def test_turning_eventbridge_on_by_read_modify_write_keeps_every_other_configuration(s3, destinations):
    name = bucket(s3, "notify-rmw")
    others = {
        key: value for key, value in every_kind(destinations).items() if key != "EventBridgeConfiguration"
    }
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=others)
    assert configuration(s3, name) == others

    current = configuration(s3, name)
    s3.put_bucket_notification_configuration(
        Bucket=name, NotificationConfiguration={**current, "EventBridgeConfiguration": {}}
    )
    assert configuration(s3, name) == {**others, "EventBridgeConfiguration": {}}

    # and the same way off again
    current = configuration(s3, name)
    del current["EventBridgeConfiguration"]
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=current)
    assert configuration(s3, name) == others


def test_an_empty_configuration_turns_everything_off(s3, destinations):
    name = bucket(s3, "notify-off")
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=every_kind(destinations))
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={})
    assert configuration(s3, name) == {}


def test_filter_rule_names_are_taken_in_any_case_and_answered_as_s3_answers_them(s3, destinations):
    """S3 answers ``Prefix``/``Suffix`` whatever case a configuration named them in."""
    name = bucket(s3, "notify-case")
    rules = [{"Name": "prefix", "Value": "in/"}, {"Name": "SUFFIX", "Value": ".csv"}]
    queue = {
        "Id": "to-queue",
        "QueueArn": destinations["queue"],
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": rules}},
    }
    s3.put_bucket_notification_configuration(
        Bucket=name, NotificationConfiguration={"QueueConfigurations": [queue]}
    )
    [got] = configuration(s3, name)["QueueConfigurations"]
    assert got["Filter"]["Key"]["FilterRules"] == [
        {"Name": "Prefix", "Value": "in/"},
        {"Name": "Suffix", "Value": ".csv"},
    ]
