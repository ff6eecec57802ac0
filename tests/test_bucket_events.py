"""make deploy turns on S3's EventBridge delivery for the allowed data buckets: read, modify, write,
keeping every other notification; never off; clear errors. A real S3 client behind botocore's Stubber,
so each request is checked against the service model and the order of calls is the one asserted."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from scripts.aws import AwsContext
from scripts.bucket_events import deliver_to_eventbridge
from scripts.errors import DataBucketError
from tests.conftest import ACCOUNT, REGION

DEFAULT = f"sagemaker-{REGION}-{ACCOUNT}"
TEAM = "team-data"
TOPIC = {
    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:uploads",
    "Events": ["s3:ObjectCreated:*"],
    "Id": "someone-elses",
}
QUEUE = {"QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:audit", "Events": ["s3:ObjectRemoved:*"], "Id": "audit"}


@pytest.fixture
def s3(monkeypatch):
    aws = AwsContext.from_environment(REGION)
    client = aws.session.create_client("s3", region_name=REGION)
    stubber = Stubber(client)
    monkeypatch.setattr(AwsContext, "client", lambda self, service: client)
    monkeypatch.setattr(AwsContext, "account", ACCOUNT)
    stubber.activate()
    yield aws, stubber
    stubber.assert_no_pending_responses()


def exists(stubber, bucket: str, region: str = REGION) -> None:
    stubber.add_response("head_bucket", {}, {"Bucket": bucket, "ExpectedBucketOwner": ACCOUNT})
    location = None if region == "us-east-1" else region
    stubber.add_response(
        "get_bucket_location", {"LocationConstraint": location} if location else {}, {"Bucket": bucket}
    )


def notifications(stubber, bucket: str, configuration: dict) -> None:
    stubber.add_response("get_bucket_notification_configuration", configuration, {"Bucket": bucket})


def test_delivery_is_turned_on_and_every_other_notification_kept(s3):
    aws, stubber = s3
    exists(stubber, TEAM)
    notifications(stubber, TEAM, {"TopicConfigurations": [TOPIC], "QueueConfigurations": [QUEUE]})
    stubber.add_response(
        "put_bucket_notification_configuration",
        {},
        {
            "Bucket": TEAM,
            "NotificationConfiguration": {
                "TopicConfigurations": [TOPIC],
                "QueueConfigurations": [QUEUE],
                "EventBridgeConfiguration": {},
            },
        },
    )
    assert deliver_to_eventbridge(aws, [TEAM]) == [
        f"  s3://{TEAM}: S3 events now go to EventBridge (kept 2 other notification(s))"
    ]


def test_a_bucket_already_delivering_is_left_alone(s3):
    aws, stubber = s3
    exists(stubber, TEAM)
    notifications(stubber, TEAM, {"EventBridgeConfiguration": {}, "TopicConfigurations": [TOPIC]})
    assert deliver_to_eventbridge(aws, [TEAM]) == [f"  s3://{TEAM}: S3 events already go to EventBridge"]


def test_the_sagemaker_default_bucket_is_created_when_missing(s3):
    aws, stubber = s3
    stubber.add_client_error("head_bucket", "404", "Not Found", http_status_code=404)
    stubber.add_response("create_bucket", {}, {"Bucket": DEFAULT})
    stubber.add_response("get_bucket_location", {}, {"Bucket": DEFAULT})
    notifications(stubber, DEFAULT, {})
    stubber.add_response(
        "put_bucket_notification_configuration",
        {},
        {"Bucket": DEFAULT, "NotificationConfiguration": {"EventBridgeConfiguration": {}}},
    )
    [line] = deliver_to_eventbridge(aws, [DEFAULT])
    assert line.endswith("(created: the SageMaker default bucket did not exist yet)")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda stubber: stubber.add_client_error("head_bucket", "404", "Not Found", http_status_code=404),
            "does not exist in this account: create it, or leave it out of DATA_BUCKETS",
        ),
        (
            lambda stubber: stubber.add_client_error("head_bucket", "403", "Forbidden", http_status_code=403),
            "belongs to another account or denies this one: use a bucket of this account",
        ),
        (
            lambda stubber: exists(stubber, TEAM, region="eu-west-1"),
            "is in eu-west-1: its events reach EventBridge in eu-west-1, not us-east-1; "
            "use a bucket in us-east-1",
        ),
        (
            lambda stubber: (
                exists(stubber, TEAM),
                stubber.add_client_error(
                    "get_bucket_notification_configuration", "AccessDenied", "denied", 403
                ),
            ),
            "denies reading or writing its notification configuration: deploy with credentials allowed "
            "s3:GetBucketNotification and s3:PutBucketNotification on it",
        ),
    ],
    ids=["missing", "another-account", "another-region", "access-denied"],
)
def test_a_bucket_that_cannot_deliver_is_a_one_line_error_and_nothing_is_changed(s3, setup, message):
    aws, stubber = s3
    setup(stubber)
    with pytest.raises(DataBucketError) as raised:
        deliver_to_eventbridge(aws, [TEAM])
    assert str(raised.value) == f"data bucket {TEAM} (DATA_BUCKETS) {message}"
