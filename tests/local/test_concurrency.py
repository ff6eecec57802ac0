"""The emulator's threads: requests served side by side while background work (stack operations that
wait for a custom resource provider, then time out and roll back) changes the same state answer no 5xx;
a reset cancels background work, which then never writes into the state after it."""

from __future__ import annotations

import json
import threading
import time

from botocore.exceptions import ClientError

CLIENT_THREADS = 8
SECONDS = 3


def waiting_stack(name: str, timeout_seconds: int, queues: int = 1) -> str:
    """Queues, then a custom resource whose provider (a topic nobody answers) never responds: the stack
    waits ``timeout_seconds``, then fails and rolls back, deleting the queues, on its own thread."""
    resources: dict = {
        f"Queue{number}": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-{number}"}}
        for number in range(queues)
    }
    resources["Provider"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"{name}-provider"}}
    resources["Info"] = {
        "Type": "Custom::Info",
        "DependsOn": sorted(resources),
        "Properties": {"ServiceToken": {"Ref": "Provider"}, "ServiceTimeout": timeout_seconds},
    }
    return json.dumps({"Resources": resources})


def status(cloudformation, stack: str) -> str:
    return cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]


def test_requests_and_background_rollbacks_take_turns_and_answer_no_server_error(emulator):
    """Each stack's rollback deletes its queues on a thread of its own while eight clients read: a read
    sees a stack's queues all there or all gone, never half deleted, and no request fails."""
    stacks, queues = 4, 100
    failures: list[str] = []
    seen: list[int] = []
    stop = threading.Event()

    def client_loop(reads_stacks: bool) -> None:
        cloudformation, sqs = emulator.client("cloudformation"), emulator.client("sqs")
        while not stop.is_set():
            try:
                seen.append(len(sqs.list_queues(QueueNamePrefix="busy-").get("QueueUrls", [])))
                for summary in cloudformation.list_stacks()["StackSummaries"][:2] if reads_stacks else []:
                    cloudformation.list_stack_resources(StackName=summary["StackId"])
                    cloudformation.describe_stack_events(StackName=summary["StackId"])
            except ClientError as error:
                if error.response["ResponseMetadata"]["HTTPStatusCode"] >= 500:
                    failures.append(str(error))
            except Exception as error:
                failures.append(repr(error))

    threads = [
        threading.Thread(target=client_loop, args=(number % 2 == 0,)) for number in range(CLIENT_THREADS)
    ]
    for thread in threads:
        thread.start()
    cloudformation = emulator.client("cloudformation")
    for number in range(stacks):
        name = f"busy-{number}"
        cloudformation.create_stack(StackName=name, TemplateBody=waiting_stack(name, 1, queues))
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join()

    assert failures == []
    assert {status(cloudformation, f"busy-{number}") for number in range(stacks)} == {"ROLLBACK_COMPLETE"}
    assert len(seen) > 2 * CLIENT_THREADS and seen[-1] == 0
    assert {count % queues for count in seen} == {0}, sorted(set(seen))


def test_a_reset_cancels_a_waiting_stack_operation_which_then_leaves_the_new_state_alone(emulator):
    cloudformation, sqs = emulator.client("cloudformation"), emulator.client("sqs")
    cloudformation.create_stack(StackName="before-reset", TemplateBody=waiting_stack("survivor", 2))
    assert status(cloudformation, "before-reset") == "CREATE_IN_PROGRESS"

    emulator.reset()
    queue_url = sqs.create_queue(QueueName="survivor-0")[
        "QueueUrl"
    ]  # the old stack's rollback would delete it
    time.sleep(2.5)

    assert sqs.list_queues()["QueueUrls"] == [queue_url]
    assert cloudformation.list_stacks()["StackSummaries"] == []
