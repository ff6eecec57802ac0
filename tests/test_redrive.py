"""make redrive: a project's dead-letter queue replayed into its ingestion queue (moto in-process)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from scripts import redrive
from scripts.aws import AwsContext
from scripts.errors import (
    BadProjectIdError,
    KitError,
    NoProjectGivenError,
    ProjectGivenTwiceError,
    run_main,
)
from tests.conftest import ACCOUNT, PROJECT_ROOT, REGION

PROJECT_ID = "p-0a1b2c3d4e5f"
INGEST = f"sagemaker-fsi-{PROJECT_ID}-ingest.fifo"
DLQ = f"sagemaker-fsi-{PROJECT_ID}-dlq"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/sagemaker-fsi-{PROJECT_ID}-object-created"


@pytest.fixture(autouse=True)
def no_project_in_environment(monkeypatch):
    monkeypatch.delenv("PROJECT_ID", raising=False)
    monkeypatch.delenv("PROJECT_NAME", raising=False)
    monkeypatch.setattr(redrive, "WAIT_SECONDS", 0)  # moto would wait out a long poll on an empty queue


@pytest.fixture
def sqs(aws, monkeypatch):
    """The context main() uses is this test's, so a test can stub or patch its clients."""
    monkeypatch.setattr(AwsContext, "from_environment", classmethod(lambda cls, region=None: aws))
    return aws.client("sqs")


@pytest.fixture
def queues(sqs) -> tuple[str, str]:
    """The project's (ingestion, dead-letter) queue URLs, made as the product template makes them."""
    ingest = sqs.create_queue(
        QueueName=INGEST,
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "180"},
    )["QueueUrl"]
    dlq = sqs.create_queue(QueueName=DLQ, Attributes={"MessageRetentionPeriod": "1209600"})["QueueUrl"]
    return ingest, dlq


def s3_event(key: str, bucket: str = f"sagemaker-{REGION}-{ACCOUNT}", event_id: str | None = None) -> str:
    """An S3 "Object Created" event as EventBridge delivers it (compact JSON, as EventBridge writes it)."""
    event = {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT,
        "time": "2026-03-02T09:15:27Z",
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": key,
                "size": 191873,
                "etag": "6c2e9fb8a1f1a0e2d4c4b0b1d8a6f0c3",
                "version-id": "Yq3oB2mHc1tHxw9R7u8cH9Vd0Yh9kq3J",
                "sequencer": "0065E2F0B7A9C1D2E3",
            },
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": ACCOUNT,
            "source-ip-address": "198.51.100.7",
            "reason": "PutObject",
        },
    }
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def event_id(body: str) -> str:
    return json.loads(body)["id"]


def eventbridge_attributes(code: str = "NO_PERMISSIONS", message: str = "") -> dict:
    """What EventBridge puts on an event it could not deliver to the ingestion queue."""
    message = message or (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/events is not authorized to perform: sqs:SendMessage"
    )
    values = {
        "RULE_ARN": RULE_ARN,
        "TARGET_ARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{INGEST}",
        "ERROR_CODE": code,
        "ERROR_MESSAGE": message,
    }
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


def lambda_attributes(code: str = "StartDeadlineExceeded", message: str = "") -> dict:
    """What the project's Lambda puts on an event it gave up on."""
    message = message or "3 executions still running after 6 hours; MaxConcurrentIngestions is 3"
    values = {"ERROR_CODE": code, "ERROR_MESSAGE": message}
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


def put(sqs, url: str, body: str, attributes: dict | None = None) -> str:
    """Put one message in the DLQ; its message id."""
    return sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes or {})["MessageId"]


def counts(sqs, url: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def take_all(sqs, url: str) -> list[dict]:
    """Every message of a queue, received with its system attributes and deleted (FIFO hands out a message
    group's next messages only once the earlier ones are deleted)."""
    taken = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return taken
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        taken.extend(batch)


def run(capsys, *argv: str, project: tuple[str, ...] = ("--project-id", PROJECT_ID)):
    """Run the command as its entry point does: (exit code, stdout lines, stderr)."""
    try:
        run_main(lambda: redrive.main([*project, *argv]))
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def fail_for(client, operation: str, doomed: set[str], key: str, error: BaseException):
    """Wrap one client method so it raises ``error`` for calls whose ``key`` argument is in ``doomed``."""
    original = getattr(client, operation)

    def call(**kwargs):
        if kwargs[key] in doomed:
            raise error
        return original(**kwargs)

    return call


# --- replay ------------------------------------------------------------------------------------------


def test_replay_moves_every_message_and_keeps_bodies_byte_for_byte(sqs, queues, capsys):
    ingest, dlq = queues
    bodies = [s3_event(f"feature-store-ingestion/incoming/part-{n:02}.csv") for n in range(20)]
    bodies += [
        s3_event("feature-store-ingestion/incoming/données été.csv"),  # not ASCII, as EventBridge sends it
        json.dumps(json.loads(s3_event("feature-store-ingestion/incoming/spaced.csv")), indent=2),
        s3_event("feature-store-ingestion/incoming/emoji-\U0001f600.csv"),
    ]
    kinds = [eventbridge_attributes(), lambda_attributes(), None]
    sent = {put(sqs, dlq, body, kinds[n % 3]): body for n, body in enumerate(bodies)}

    code, lines, err = run(capsys)

    assert (code, err) == (0, "")
    assert counts(sqs, dlq) == (0, 0)
    replayed = take_all(sqs, ingest)
    assert sorted(message["Body"] for message in replayed) == sorted(bodies)
    for message in replayed:
        assert message["Attributes"]["MessageGroupId"] == "ingest"
    assert lines[0] == f"Replaying {DLQ} (about 23 message(s)) into {INGEST} in {REGION}"
    assert len(lines) == 1 + len(bodies) + 1
    assert all(line.endswith("  -> replayed") for line in lines[1:-1])
    assert {line.split()[0] for line in lines[1:-1]} == {event_id(body) for body in sent.values()}
    assert lines[-1] == f"Replayed 23 event(s), left 0 in {DLQ}"


def test_each_line_names_the_event_its_object_the_dlq_error_and_the_outcome(sqs, queues, capsys):
    _, dlq = queues
    key = "feature-store-ingestion/incoming/abalone.csv"
    from_rule = s3_event(key)
    from_lambda = s3_event(key)
    without_attributes = s3_event(key)
    put(sqs, dlq, from_rule, eventbridge_attributes("NO_PERMISSIONS", "not authorized\n  to send"))
    put(sqs, dlq, from_lambda, lambda_attributes())
    put(sqs, dlq, without_attributes)

    _, lines, _ = run(capsys)

    location = f"s3://sagemaker-{REGION}-{ACCOUNT}/{key}"
    assert set(lines[1:-1]) == {
        f"  {event_id(from_rule)}  {location}  NO_PERMISSIONS: not authorized to send  -> replayed",
        f"  {event_id(from_lambda)}  {location}  StartDeadlineExceeded: 3 executions still running after "
        "6 hours; MaxConcurrentIngestions is 3  -> replayed",
        f"  {event_id(without_attributes)}  {location}  (no error recorded)  -> replayed",
    }


def test_dry_run_lists_and_changes_nothing(sqs, queues, capsys):
    ingest, dlq = queues
    bodies = [s3_event(f"incoming/{n}.csv") for n in range(12)]
    for body in bodies:
        put(sqs, dlq, body, eventbridge_attributes())

    code, lines, err = run(capsys, "--dry-run")

    assert (code, err) == (0, "")
    assert counts(sqs, ingest) == (0, 0)
    assert counts(sqs, dlq) == (12, 0)  # visible again at once, not after the run's visibility timeout
    assert sorted(message["Body"] for message in take_all(sqs, dlq)) == sorted(bodies)
    assert lines[0] == f"Listing {DLQ} (about 12 message(s)) in {REGION}; dry run: nothing is sent"
    assert all(line.endswith("  -> would be replayed") for line in lines[1:-1])
    assert lines[-1] == f"Would replay 12 event(s), would leave 0 in {DLQ} (dry run: nothing changed)"


def test_a_failing_send_leaves_that_message_in_the_dlq_and_exits_1(sqs, queues, capsys, monkeypatch):
    ingest, dlq = queues
    good = [s3_event("incoming/a.csv"), s3_event("incoming/b.csv")]
    doomed = s3_event("incoming/c.csv")
    for body in [*good, doomed]:
        put(sqs, dlq, body, lambda_attributes())
    denied = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform: sqs:SendMessage"}},
        "SendMessage",
    )
    monkeypatch.setattr(sqs, "send_message", fail_for(sqs, "send_message", {doomed}, "MessageBody", denied))

    code, lines, err = run(capsys)

    assert code == 1
    assert err.splitlines() == [
        f"error: 1 message(s) left in {DLQ} (each listed above with its reason): fix the cause and run "
        "`make redrive` again; a body that is not an event needs a look by hand"
    ]
    assert lines[-1] == f"Replayed 2 event(s), left 1 in {DLQ}"
    assert [line for line in lines if event_id(doomed) in line] == [
        f"  {event_id(doomed)}  s3://sagemaker-{REGION}-{ACCOUNT}/incoming/c.csv  StartDeadlineExceeded: "
        "3 executions still running after 6 hours; MaxConcurrentIngestions is 3  -> left in the DLQ: "
        "SendMessage failed: AccessDenied: not authorized to perform: sqs:SendMessage"
    ]
    assert counts(sqs, dlq) == (1, 0)  # visible again at once, for the next try
    assert [message["Body"] for message in take_all(sqs, dlq)] == [doomed]
    assert sorted(message["Body"] for message in take_all(sqs, ingest)) == sorted(good)


def test_an_interrupted_run_makes_what_it_holds_visible_again(sqs, queues, monkeypatch):
    _, dlq = queues
    bodies = [s3_event(f"incoming/{n}.csv") for n in range(3)]
    for body in bodies:
        put(sqs, dlq, body)
    monkeypatch.setattr(
        sqs, "send_message", fail_for(sqs, "send_message", set(bodies), "MessageBody", KeyboardInterrupt())
    )

    with pytest.raises(KeyboardInterrupt):
        redrive.main(["--project-id", PROJECT_ID])

    assert counts(sqs, dlq) == (3, 0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param("ingest incoming/a.csv", "the body is not JSON", id="not-json"),
        pytest.param('["incoming/a.csv"]', "the body is not a JSON object", id="json-array"),
        pytest.param(
            json.dumps({"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "k.csv"}}}]}),
            "no id, source, detail-type, detail",
            id="s3-notification-not-eventbridge",
        ),
        pytest.param(
            json.dumps({"id": 7, "source": "aws.s3", "detail-type": "Object Created", "detail": {}}),
            "its id is not a string",
            id="numeric-id",
        ),
    ],
)
def test_a_body_that_is_not_an_event_is_left_and_never_sent(sqs, queues, capsys, body, reason):
    ingest, dlq = queues
    message_id = put(sqs, dlq, body, eventbridge_attributes("SDK_CLIENT_ERROR", "Unexpected"))

    code, lines, err = run(capsys)

    assert code == 1
    assert err.startswith(f"error: 1 message(s) left in {DLQ}")
    assert lines[1] == (
        f"  DLQ message {message_id}  SDK_CLIENT_ERROR: Unexpected  "
        f"-> left in the DLQ: not an event ({reason})"
    )
    assert lines[-1] == f"Replayed 0 event(s), left 1 in {DLQ}"
    assert counts(sqs, ingest) == (0, 0)
    assert [message["Body"] for message in take_all(sqs, dlq)] == [body]


def test_an_eventbridge_event_without_an_s3_object_is_still_replayed(sqs, queues, capsys):
    """Whether an event is one to ingest is the Lambda's decision, not the redrive's."""
    ingest, dlq = queues
    body = json.dumps(
        {"version": "0", "id": "e-1", "source": "aws.s3", "detail-type": "Object Deleted", "detail": {}}
    )
    put(sqs, dlq, body)

    code, lines, _ = run(capsys)

    assert code == 0
    assert lines[1] == "  e-1  (no S3 object: aws.s3 Object Deleted)  (no error recorded)  -> replayed"
    assert [message["Body"] for message in take_all(sqs, ingest)] == [body]


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        pytest.param(
            DLQ,
            f"error: SQS queue {DLQ} does not exist in {REGION}: check PROJECT_ID and REGION "
            "(or the project was deleted)",
            id="dead-letter-queue",
        ),
        pytest.param(
            INGEST,
            f"error: SQS queue {INGEST} does not exist in {REGION}: check PROJECT_ID and REGION "
            "(or the project was deleted, or launched from a product version without an ingestion queue)",
            id="ingestion-queue",
        ),
    ],
)
def test_a_missing_queue_is_a_one_line_error_naming_it(sqs, queues, capsys, missing, expected):
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=missing)["QueueUrl"])

    code, lines, err = run(capsys)

    assert code == 1
    assert err.splitlines() == [expected]
    assert lines == []


def test_max_limits_how_many_are_replayed(sqs, queues, capsys):
    ingest, dlq = queues
    for n in range(5):
        put(sqs, dlq, s3_event(f"incoming/{n}.csv"))

    code, lines, _ = run(capsys, "--max", "2")

    assert code == 0
    assert lines[-1] == f"Replayed 2 event(s), left 0 in {DLQ}; stopped at --max 2, the rest not examined"
    assert counts(sqs, ingest) == (2, 0)
    assert counts(sqs, dlq) == (3, 0)  # the rest untouched and visible


def test_max_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exit_:
        redrive.main(["--project-id", PROJECT_ID, "--max", "0"])
    assert exit_.value.code == 2
    assert "--max: must be 1 or more" in capsys.readouterr().err


# --- deduplication -----------------------------------------------------------------------------------


def test_the_deduplication_id_is_one_per_dlq_message_and_never_the_content_hash():
    body = s3_event("incoming/a.csv", event_id="17793124-05d4-b198-2fde-7ededc63b103")
    first = redrive.deduplication_id(event_id(body), "d5f7e6a2-0000-4000-8000-000000000001")

    assert first == redrive.deduplication_id(event_id(body), "d5f7e6a2-0000-4000-8000-000000000001")
    assert first != redrive.deduplication_id(event_id(body), "d5f7e6a2-0000-4000-8000-000000000002")
    assert first != redrive.deduplication_id("another-event", "d5f7e6a2-0000-4000-8000-000000000001")
    assert first != hashlib.sha256(body.encode()).hexdigest()  # what content-based deduplication uses
    long = redrive.deduplication_id("x" * 5000, "y" * 5000)
    assert len(long) <= 128 and long.isascii() and long.replace("-", "").isalnum()


def test_two_redrives_of_one_dlq_message_send_it_once(sqs, queues, capsys, monkeypatch):
    ingest, dlq = queues
    body = s3_event("incoming/a.csv")
    put(sqs, dlq, body, lambda_attributes())
    original_delete = sqs.delete_message
    throttled = ClientError({"Error": {"Code": "RequestThrottled", "Message": "slow down"}}, "DeleteMessage")
    monkeypatch.setattr(sqs, "delete_message", fail_for(sqs, "delete_message", {dlq}, "QueueUrl", throttled))

    code, lines, _ = run(capsys)

    assert code == 1
    assert lines[1].endswith(
        "-> replayed, but left in the DLQ: DeleteMessage failed: RequestThrottled: slow down "
        "(replaying it again is harmless)"
    )
    assert lines[-1] == f"Replayed 1 event(s), left 1 in {DLQ} (1 of them replayed but not deleted)"
    assert counts(sqs, dlq) == (1, 0)

    monkeypatch.setattr(sqs, "delete_message", original_delete)
    code, lines, _ = run(capsys)

    assert code == 0
    assert counts(sqs, dlq) == (0, 0)
    assert [message["Body"] for message in take_all(sqs, ingest)] == [body]  # one, not two


def test_a_replay_is_not_swallowed_as_a_duplicate_of_the_first_delivery(sqs, queues, capsys):
    ingest, dlq = queues
    body = s3_event("incoming/a.csv")
    sqs.send_message(QueueUrl=ingest, MessageBody=body, MessageGroupId="ingest")  # EventBridge's delivery
    message_id = put(sqs, dlq, body, lambda_attributes())  # the Lambda gave up on it

    code, _, _ = run(capsys)

    assert code == 0
    delivered = take_all(sqs, ingest)
    assert [message["Body"] for message in delivered] == [body, body]
    assert delivered[1]["Attributes"]["MessageDeduplicationId"] == redrive.deduplication_id(
        event_id(body), message_id
    )


# --- naming the project ------------------------------------------------------------------------------


def describe_project_response(name: str, project_id: str) -> dict:
    return {
        "ProjectArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:project/{name}",
        "ProjectName": name,
        "ProjectId": project_id,
        "ProjectStatus": "CreateCompleted",
        "CreationTime": "2026-03-01T08:00:00Z",
    }


def test_project_name_is_resolved_with_describe_project(aws, sqs, queues, capsys, monkeypatch):
    _, dlq = queues
    put(sqs, dlq, s3_event("incoming/a.csv"))
    monkeypatch.setenv("PROJECT_NAME", "abalone-ingestion")
    stubber = Stubber(aws.client("sagemaker"))
    stubber.add_response(
        "describe_project",
        describe_project_response("abalone-ingestion", PROJECT_ID),
        {"ProjectName": "abalone-ingestion"},
    )

    with stubber:
        code, lines, _ = run(capsys, project=())

    stubber.assert_no_pending_responses()
    assert code == 0
    assert lines[-1] == f"Replayed 1 event(s), left 0 in {DLQ}"


def test_an_unknown_project_name_is_a_one_line_error(aws, sqs, capsys):
    stubber = Stubber(aws.client("sagemaker"))
    stubber.add_client_error(
        "describe_project",
        service_error_code="ValidationException",
        service_message="Project abalone does not exist.",
        expected_params={"ProjectName": "abalone"},
    )

    with stubber:
        code, _, err = run(capsys, project=("--project-name", "abalone"))

    assert code == 1
    assert err.splitlines() == [
        f"error: SageMaker project abalone was not found in {REGION} (Project abalone does not exist.): "
        "check PROJECT_NAME and REGION, or pass PROJECT_ID=p-..."
    ]


@pytest.mark.parametrize(
    ("project_id", "project_name", "error"),
    [
        pytest.param(None, None, NoProjectGivenError, id="neither"),
        pytest.param(PROJECT_ID, "abalone", ProjectGivenTwiceError, id="both"),
        pytest.param("my project", None, BadProjectIdError, id="id-with-a-space"),
        pytest.param("p-" + "a" * 30, None, BadProjectIdError, id="id-too-long"),
    ],
)
def test_the_project_must_be_named_once_and_well(project_id, project_name, error):
    with pytest.raises(error) as raised:
        redrive.check_project_arguments(project_id, project_name)
    assert isinstance(raised.value, KitError)
    assert "\n" not in str(raised.value)


# --- pieces ------------------------------------------------------------------------------------------


def test_the_visibility_timeout_grows_with_the_queue_within_sqs_limit():
    assert redrive.visibility_timeout(0) == 120
    assert redrive.visibility_timeout(100) == 320
    assert redrive.visibility_timeout(10**6) == 12 * 60 * 60


def test_a_long_error_message_is_shortened_to_one_line():
    text = redrive.dlq_error({"MessageAttributes": lambda_attributes("E", "line\n" * 100)})
    assert len(text) == redrive.ERROR_TEXT_MAX
    assert text.startswith("E: line line") and text.endswith("…")


def test_the_command_line_fails_in_one_line_and_has_help():
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PROJECT_ID", "PROJECT_NAME", "AWS_ENDPOINT_URL")
    }

    def command(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "scripts.redrive", *argv],
            cwd=PROJECT_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )

    failed = command()
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr.splitlines() == [
        "error: no project given: pass PROJECT_ID=p-... (the project's id, shown in Studio and by "
        "`aws sagemaker describe-project`) or PROJECT_NAME=<name>"
    ]
    helped = command("--help")
    assert helped.returncode == 0
    assert helped.stdout.startswith("usage: python -m scripts.redrive")
