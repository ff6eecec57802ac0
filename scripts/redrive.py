"""Replay a project's dead-letter queue into its ingestion queue: ``python -m scripts.redrive``
(``make redrive PROJECT_ID=p-...``).

A project's S3 events travel EventBridge → the ingestion queue ``sagemaker-fsi-<project id>-ingest.fifo``
→ the project's Lambda, which starts the SageMaker pipeline with the event's id as ``ClientRequestToken``.
Events that could not be delivered or handled wait in the dead-letter queue ``sagemaker-fsi-<project
id>-dlq``, each message's body one EventBridge event. This sends each body, unchanged, back into the
ingestion queue and deletes the DLQ message only once that send succeeded. A message whose send fails,
or whose body is not an EventBridge event, stays in the DLQ (visible again when the run ends) and is
listed; the command then exits 1.

Why the ingestion queue and not ``StartPipelineExecution`` directly: the Lambda applies the project's
concurrency limit and its own checks to a replayed event exactly as to a new one, and because it starts
the pipeline with the event id as the idempotency token, replaying an event that did start an execution
is harmless (SageMaker answers with that same execution). SQS's own redrive (``StartMessageMoveTask``)
does not apply: it moves messages only out of dead-letter queues of SQS queues, and this one is fed by
EventBridge and the Lambda.

Each replay carries a deduplication id derived from the event id and the DLQ message id: two redrives of
one DLQ message within FIFO's five-minute window count once, while a replay is never taken for a
duplicate of the event's first delivery (which the queue deduplicated by content).

The project is ``PROJECT_ID`` (or ``PROJECT_NAME``, resolved with SageMaker's DescribeProject).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws import AwsContext
from scripts.errors import (
    BadProjectIdError,
    MessagesLeftError,
    NoProjectGivenError,
    ProjectGivenTwiceError,
    ProjectNotFoundError,
    QueueNotFoundError,
    run_main,
)

INGEST_GROUP = "ingest"  # the ingestion queue's one message group (the product template's rule uses it)
BATCH = 10  # the most SQS hands out or takes per ReceiveMessage / ChangeMessageVisibilityBatch
# Long polling asks every SQS server, so an empty answer means the queue has nothing visible left
# (short polling samples a subset and may answer empty while messages remain).
WAIT_SECONDS = 2
# Messages are hidden while the run holds them: a base plus a generous allowance per message (a send
# and a delete), within SQS's 12-hour maximum. Whatever was not deleted is made visible when the run ends.
VISIBILITY_BASE_SECONDS = 120
VISIBILITY_PER_MESSAGE_SECONDS = 2
VISIBILITY_MAX_SECONDS = 12 * 60 * 60
ERROR_TEXT_MAX = 160  # an ERROR_MESSAGE is shortened to keep each message on one line

_PROJECT_ID = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,19}$")  # SageMaker's ProjectId pattern
_QUEUE_MISSING = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


def queue_names(project_id: str) -> tuple[str, str]:
    """The project's (ingestion queue, dead-letter queue), as the product template names them."""
    return f"sagemaker-fsi-{project_id}-ingest.fifo", f"sagemaker-fsi-{project_id}-dlq"


def check_project_arguments(project_id: str | None, project_name: str | None) -> None:
    """Fail before any AWS call when the project is not named exactly once, or the id cannot be one."""
    if project_id and project_name:
        raise ProjectGivenTwiceError(project_id, project_name)
    if not (project_id or project_name):
        raise NoProjectGivenError()
    if project_id and not _PROJECT_ID.match(project_id):
        raise BadProjectIdError(project_id)


def resolve_project_id(aws: AwsContext, project_id: str | None, project_name: str | None) -> str:
    check_project_arguments(project_id, project_name)
    if project_id:
        return project_id
    try:
        return aws.client("sagemaker").describe_project(ProjectName=project_name)["ProjectId"]
    except ClientError as error:
        details = error.response.get("Error", {})
        if details.get("Code") in ("ValidationException", "ResourceNotFound"):
            raise ProjectNotFoundError(project_name, aws.region, details.get("Message", "")) from error
        raise


def queue_url(aws: AwsContext, name: str, also: str = "") -> str:
    try:
        return aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        details = error.response.get("Error", {})
        if {details.get("Code"), details.get("QueryErrorCode")} & _QUEUE_MISSING:
            raise QueueNotFoundError(name, aws.region, also) from error
        raise


def deduplication_id(event_id: str, message_id: str) -> str:
    """Equal for one DLQ message (so two redrives of it within five minutes are one), different from the
    content hash that deduplicated the event's first delivery, and always a valid id (≤ 128 characters)."""
    digest = hashlib.sha256(json.dumps([event_id, message_id]).encode()).hexdigest()
    return f"redrive-{digest}"


class NotAnEventError(ValueError):
    """A DLQ message body that is not an EventBridge event (the message is left where it is)."""


@dataclass(frozen=True)
class Event:
    id: str
    location: str  # s3://bucket/key, as the event names the object


def parse_event(body: str) -> Event:
    """The event id and object of an EventBridge event; anything else raises :class:`NotAnEventError`.

    Only the envelope is required: whether the event is one to ingest is the Lambda's decision."""
    try:
        event = json.loads(body)
    except ValueError:
        raise NotAnEventError("the body is not JSON") from None
    if not isinstance(event, dict):
        raise NotAnEventError("the body is not a JSON object")
    missing = [name for name in ("id", "source", "detail-type", "detail") if name not in event]
    if missing:
        raise NotAnEventError(f"no {', '.join(missing)}")
    if not isinstance(event["id"], str) or not event["id"]:
        raise NotAnEventError("its id is not a string")
    bucket = _text(event, "detail", "bucket", "name")
    key = _text(event, "detail", "object", "key")
    if bucket is not None and key is not None:
        location = f"s3://{bucket}/{key}"
    else:
        location = f"(no S3 object: {event['source']} {event['detail-type']})"
    return Event(event["id"], location)


def _text(document: dict, *path: str) -> str | None:
    for name in path:
        document = document.get(name) if isinstance(document, dict) else None
    return document if isinstance(document, str) else None


def dlq_error(message: dict) -> str:
    """``ERROR_CODE: ERROR_MESSAGE`` from the attributes EventBridge and the Lambda set, on one line."""
    attributes = message.get("MessageAttributes") or {}
    parts = [
        " ".join(str(attributes[name].get("StringValue", "")).split())
        for name in ("ERROR_CODE", "ERROR_MESSAGE")
        if name in attributes
    ]
    text = ": ".join(part for part in parts if part)
    return text if len(text) <= ERROR_TEXT_MAX else text[: ERROR_TEXT_MAX - 1] + "…"


def _failure(error: Exception) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code')}: {details.get('Message')}"
    return str(error)


class Outcome(Enum):
    REPLAYED = "replayed"  # sent and deleted (in a dry run: would be)
    SEND_FAILED = "send failed"  # left in the DLQ
    NOT_AN_EVENT = "not an event"  # left in the DLQ, never sent
    NOT_DELETED = "replayed, not deleted"  # sent, but still in the DLQ (replaying it again is harmless)


@dataclass
class Tally:
    replayed: int = 0
    left: int = 0
    replayed_not_deleted: int = 0  # counted in both replayed and left
    limit_reached: bool = False

    def add(self, outcome: Outcome) -> None:
        self.replayed += outcome in (Outcome.REPLAYED, Outcome.NOT_DELETED)
        self.left += outcome is not Outcome.REPLAYED
        self.replayed_not_deleted += outcome is Outcome.NOT_DELETED


class Redrive:
    """One pass over the DLQ. Every message received is hidden while the run holds it; those not deleted
    are made visible again when the run ends, however it ends."""

    def __init__(
        self,
        sqs,
        dlq_url: str,
        ingest_url: str,
        *,
        dry_run: bool = False,
        limit: int | None = None,
        visibility_timeout: int = VISIBILITY_BASE_SECONDS,
        wait_seconds: int = WAIT_SECONDS,
        out: Callable[[str], None] = print,
    ) -> None:
        self.sqs = sqs
        self.dlq_url = dlq_url
        self.ingest_url = ingest_url
        self.dry_run = dry_run
        self.limit = limit
        self.visibility_timeout = visibility_timeout
        self.wait_seconds = wait_seconds
        self.out = out
        self._held: dict[str, str] = {}  # message id -> latest receipt handle, until deleted

    def run(self) -> Tally:
        tally = Tally()
        attempted = 0
        try:
            for message in self._messages():
                if self.limit is not None and attempted >= self.limit:
                    tally.limit_reached = True
                    break
                outcome = self._handle(message)
                tally.add(outcome)
                attempted += outcome is not Outcome.NOT_AN_EVENT  # --max counts events only
        finally:
            self._release()
        return tally

    def _messages(self) -> Iterator[dict]:
        """Every visible message once, in batches; stops when a receive brings nothing new."""
        seen: set[str] = set()
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=BATCH,
                VisibilityTimeout=self.visibility_timeout,
                WaitTimeSeconds=self.wait_seconds,
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            for message in batch:  # all held before any is handled, so every one is released
                self._held[message["MessageId"]] = message["ReceiptHandle"]
            new = [message for message in batch if message["MessageId"] not in seen]
            if not new:  # empty, or only messages this run already handled (held past their timeout)
                return
            for message in new:
                seen.add(message["MessageId"])
                yield message

    def _handle(self, message: dict) -> Outcome:
        error = dlq_error(message)
        try:
            event = parse_event(message["Body"])
        except NotAnEventError as reason:
            self._line(
                f"DLQ message {message['MessageId']}", error, f"left in the DLQ: not an event ({reason})"
            )
            return Outcome.NOT_AN_EVENT
        subject = f"{event.id}  {event.location}"
        if self.dry_run:
            self._line(subject, error, "would be replayed")
            return Outcome.REPLAYED
        try:
            self.sqs.send_message(
                QueueUrl=self.ingest_url,
                MessageBody=message["Body"],
                MessageGroupId=INGEST_GROUP,
                MessageDeduplicationId=deduplication_id(event.id, message["MessageId"]),
            )
        except (ClientError, BotoCoreError) as failure:
            self._line(subject, error, f"left in the DLQ: SendMessage failed: {_failure(failure)}")
            return Outcome.SEND_FAILED
        try:
            self.sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=self._held[message["MessageId"]])
        except (ClientError, BotoCoreError) as failure:
            self._line(
                subject,
                error,
                f"replayed, but left in the DLQ: DeleteMessage failed: {_failure(failure)} "
                "(replaying it again is harmless)",
            )
            return Outcome.NOT_DELETED
        del self._held[message["MessageId"]]
        self._line(subject, error, "replayed")
        return Outcome.REPLAYED

    def _line(self, subject: str, error: str, outcome: str) -> None:
        self.out(f"  {subject}  {error or '(no error recorded)'}  -> {outcome}")

    def _release(self) -> None:
        """Make every message this run received and did not delete visible again at once."""
        handles = list(self._held.values())
        self._held.clear()
        stuck = 0
        for start in range(0, len(handles), BATCH):
            entries = [
                {"Id": str(number), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for number, handle in enumerate(handles[start : start + BATCH])
            ]
            try:
                response = self.sqs.change_message_visibility_batch(QueueUrl=self.dlq_url, Entries=entries)
                stuck += len(response.get("Failed", []))
            except (ClientError, BotoCoreError):
                stuck += len(entries)
        if stuck:
            self.out(
                f"  {stuck} message(s) could not be made visible again: they reappear in the DLQ "
                f"within {self.visibility_timeout} s"
            )


def visibility_timeout(visible: int) -> int:
    return min(VISIBILITY_MAX_SECONDS, VISIBILITY_BASE_SECONDS + VISIBILITY_PER_MESSAGE_SECONDS * visible)


def summary(tally: Tally, dlq: str, dry_run: bool, limit: int | None) -> str:
    if dry_run:
        text = (
            f"Would replay {tally.replayed} event(s), would leave {tally.left} in {dlq}"
            " (dry run: nothing changed)"
        )
    else:
        text = f"Replayed {tally.replayed} event(s), left {tally.left} in {dlq}"
        if tally.replayed_not_deleted:
            text += f" ({tally.replayed_not_deleted} of them replayed but not deleted)"
    if tally.limit_reached:
        text += f"; stopped at --max {limit}, the rest not examined"
    return text


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.redrive", description=__doc__)
    parser.add_argument("--region", help="AWS region (default: REGION, then boto3's resolution)")
    parser.add_argument(
        "--project-id",
        default=os.environ.get("PROJECT_ID") or None,
        help="the project's id (default: PROJECT_ID)",
    )
    parser.add_argument(
        "--project-name",
        default=os.environ.get("PROJECT_NAME") or None,
        help="the project's name, instead of its id (default: PROJECT_NAME)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list the messages and what would happen to them; send, delete and hide nothing",
    )
    parser.add_argument("--max", type=_positive, metavar="N", help="replay at most N events")
    args = parser.parse_args(argv)

    check_project_arguments(args.project_id, args.project_name)
    aws = AwsContext.from_environment(args.region)
    project_id = resolve_project_id(aws, args.project_id, args.project_name)
    ingest_name, dlq_name = queue_names(project_id)
    dlq_url = queue_url(aws, dlq_name)
    ingest_url = queue_url(
        aws, ingest_name, ", or launched from a product version without an ingestion queue"
    )

    sqs = aws.client("sqs")
    counts = sqs.get_queue_attributes(
        QueueUrl=dlq_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    visible = int(counts.get("ApproximateNumberOfMessages", 0))
    hidden = int(counts.get("ApproximateNumberOfMessagesNotVisible", 0))
    if args.dry_run:
        print(f"Listing {dlq_name} (about {visible} message(s)) in {aws.region}; dry run: nothing is sent")
    else:
        print(f"Replaying {dlq_name} (about {visible} message(s)) into {ingest_name} in {aws.region}")
    if hidden:
        print(f"  {hidden} more are in flight (received elsewhere) and are not part of this run")

    redrive = Redrive(
        sqs,
        dlq_url,
        ingest_url,
        dry_run=args.dry_run,
        limit=args.max,
        visibility_timeout=visibility_timeout(visible),
        wait_seconds=WAIT_SECONDS,
    )
    tally = redrive.run()
    print(summary(tally, dlq_name, args.dry_run, args.max))
    if tally.left:
        raise MessagesLeftError(tally.left, dlq_name)


if __name__ == "__main__":
    run_main(main)
