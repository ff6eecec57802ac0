"""The change-set lifecycle against moto's CloudFormation (types it supports) and, for the states moto
cannot produce (ROLLBACK_COMPLETE, per-resource failure events), against botocore's Stubber.

moto skips the Service Catalog and CodeCommit types our portfolio and product templates use
(shared/notes/moto-5.2.5.md), so deploying the real portfolio template waits for the local emulator
issue; here the deployer is exercised with templates of types moto builds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from scripts.deployer import Deployer
from scripts.errors import (
    ChangeSetFailedError,
    StackBusyError,
    StackInRollbackCompleteError,
    StackOperationFailedError,
)

TEMPLATE_BUCKET = "templates-for-tests"


def template(resources: dict, outputs: dict | None = None) -> dict:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, "Outputs": outputs or {}}


QUEUE_TEMPLATE = template(
    {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "deployer-test-queue"}}},
    {"QueueUrl": {"Value": {"Ref": "Queue"}}, "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}},
)


@pytest.fixture
def publish(moto):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=TEMPLATE_BUCKET)

    def put(name: str, body: dict) -> str:
        s3.put_object(Bucket=TEMPLATE_BUCKET, Key=name, Body=json.dumps(body))
        return f"https://{TEMPLATE_BUCKET}.s3.us-east-1.amazonaws.com/{name}"

    return put


@pytest.fixture
def lines():
    return []


@pytest.fixture
def deployer(moto, lines):
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    return Deployer(cfn, report=lines.append, poll_seconds=0, sleep=lambda _: None)


def test_create_then_no_op_update_then_real_update(deployer, publish, lines):
    url = publish("queue.json", QUEUE_TEMPLATE)

    created = deployer.deploy("kit-test", url, {})
    assert created.changed
    assert deployer.stack_status("kit-test") == "CREATE_COMPLETE"
    # moto 5.2.5 drops the Outputs of stacks created through change sets (execute_change_set never
    # rebuilds the output map), so outputs are asserted in the scripted tests below.
    assert boto3.client("sqs", region_name="us-east-1").get_queue_url(QueueName="deployer-test-queue")
    assert any("+ Add" in line and "Queue" in line for line in lines)

    lines.clear()
    unchanged = deployer.deploy("kit-test", url, {})
    assert not unchanged.changed
    assert unchanged.outputs == created.outputs
    assert "No changes to deploy: stack kit-test is up to date" in lines
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    summaries = cfn.list_change_sets(StackName="kit-test")["Summaries"]
    assert [c for c in summaries if c["Status"] == "FAILED"] == []  # the empty change set was removed

    with_topic = template(
        {**QUEUE_TEMPLATE["Resources"], "Topic": {"Type": "AWS::SNS::Topic"}}, QUEUE_TEMPLATE["Outputs"]
    )
    updated = deployer.deploy("kit-test", publish("queue-topic.json", with_topic), {})
    assert updated.changed
    assert deployer.stack_status("kit-test") == "UPDATE_COMPLETE"
    assert boto3.client("sns", region_name="us-east-1").list_topics()["Topics"]


def test_parameters_reach_the_stack(deployer, publish):
    parameterised = template(
        {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Name"}}}}
    )
    parameterised["Parameters"] = {"Name": {"Type": "String"}}
    deployer.deploy("kit-params", publish("p.json", parameterised), {"Name": "from-parameter"})
    assert boto3.client("sqs", region_name="us-east-1").get_queue_url(QueueName="from-parameter")


def test_a_resource_moto_cannot_create_fails_the_deploy_with_its_reason(deployer, publish):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="already-taken")
    broken = template({"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "already-taken"}}})
    with pytest.raises(ChangeSetFailedError, match="BucketAlreadyExists"):
        deployer.deploy("kit-broken", publish("broken.json", broken), {})


def test_delete_follows_the_stack_to_its_end_and_tolerates_a_missing_stack(deployer, publish, lines):
    deployer.deploy("kit-gone", publish("queue.json", QUEUE_TEMPLATE), {})
    deployer.delete("kit-gone")
    assert deployer.stack_status("kit-gone") is None
    assert boto3.client("sqs", region_name="us-east-1").list_queues().get("QueueUrls", []) == []
    deployer.delete("kit-gone")
    assert "Stack kit-gone does not exist: nothing to delete" in lines


# --- states moto cannot produce: the same calls AWS would answer, scripted -----------------------


def stack(status: str, outputs: dict[str, str] | None = None):
    described = {
        "StackName": "s",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "StackStatus": status,
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
    }
    if outputs:
        described["Outputs"] = [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]
    return {"Stacks": [described]}


def event(event_id: str, logical: str, status: str, reason: str | None = None) -> dict:
    described = {
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "EventId": event_id,
        "StackName": "s",
        "LogicalResourceId": logical,
        "ResourceType": "AWS::S3::Bucket" if logical != "s" else "AWS::CloudFormation::Stack",
        "ResourceStatus": status,
        "Timestamp": datetime(2026, 1, 1, tzinfo=UTC),
    }
    if reason:
        described["ResourceStatusReason"] = reason
    return described


@pytest.fixture
def stubbed(lines):
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(cfn) as stubber:
        yield stubber, Deployer(cfn, report=lines.append, poll_seconds=0, sleep=lambda _: None)
        stubber.assert_no_pending_responses()


def test_rollback_complete_is_reported_with_the_fix(stubbed):
    stubber, deployer = stubbed
    stubber.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"), {"StackName": "s"})
    with pytest.raises(StackInRollbackCompleteError, match="REPLACE_FAILED_STACK=1"):
        deployer.deploy("s", "https://b.s3.us-east-1.amazonaws.com/t.yaml", {})


def test_a_busy_stack_is_not_touched(stubbed):
    stubber, deployer = stubbed
    stubber.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"), {"StackName": "s"})
    with pytest.raises(StackBusyError, match="stack s is UPDATE_IN_PROGRESS: wait"):
        deployer.deploy("s", "https://b.s3.us-east-1.amazonaws.com/t.yaml", {})


def change_set_responses(stubber, change_set_type: str):
    stubber.add_response(
        "create_change_set",
        {"Id": "arn:cs", "StackId": "arn:stack"},
        {
            "StackName": "s",
            "ChangeSetName": ANY,
            "ChangeSetType": change_set_type,
            "TemplateURL": ANY,
            "Parameters": [],
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            "Tags": [],
        },
    )
    stubber.add_response(
        "describe_change_set",
        {
            "Status": "CREATE_COMPLETE",
            "Changes": [
                {
                    "Type": "Resource",
                    "ResourceChange": {
                        "Action": "Add",
                        "LogicalResourceId": "B",
                        "ResourceType": "AWS::S3::Bucket",
                    },
                }
            ],
        },
        {"ChangeSetName": "arn:cs"},
    )


def test_failed_creation_lists_failing_resources_and_replacement_recreates(stubbed, lines):
    stubber, deployer = stubbed
    stack_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1"
    # The first attempt: a stack left REVIEW_IN_PROGRESS by an unexecuted change set is created.
    stubber.add_response("describe_stacks", stack("REVIEW_IN_PROGRESS"), {"StackName": "s"})
    change_set_responses(stubber, "CREATE")
    stubber.add_response(
        "describe_stack_events", {"StackEvents": [event("e0", "s", "REVIEW_IN_PROGRESS")]}, {"StackName": "s"}
    )
    stubber.add_response("execute_change_set", {}, {"ChangeSetName": "arn:cs"})
    failed_events = [
        event("e3", "s", "ROLLBACK_COMPLETE"),
        event("e2", "B", "CREATE_FAILED", "Resource handler returned message: Access Denied"),
        event("e1", "B", "CREATE_IN_PROGRESS"),
        event("e0", "s", "REVIEW_IN_PROGRESS"),
    ]
    stubber.add_response("describe_stack_events", {"StackEvents": failed_events}, {"StackName": "s"})
    stubber.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"), {"StackName": "s"})
    stubber.add_response("describe_stack_events", {"StackEvents": failed_events}, {"StackName": "s"})

    with pytest.raises(StackOperationFailedError, match="stack s ended in ROLLBACK_COMPLETE"):
        deployer.deploy("s", "https://b.s3.us-east-1.amazonaws.com/t.yaml", {})
    assert "  B (AWS::S3::Bucket): Resource handler returned message: Access Denied" in lines
    assert sum("CREATE_FAILED" in line for line in lines) == 1  # each event printed once

    # The second attempt, asked to replace the failed stack: delete it, then create it afresh.
    stubber.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"), {"StackName": "s"})
    stubber.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"), {"StackName": "s"})
    stubber.add_response("describe_stack_events", {"StackEvents": failed_events}, {"StackName": stack_id})
    stubber.add_response("delete_stack", {}, {"StackName": stack_id})
    stubber.add_response(
        "describe_stack_events",
        {"StackEvents": [event("e4", "s", "DELETE_COMPLETE"), *failed_events]},
        {"StackName": stack_id},
    )
    stubber.add_response("describe_stacks", stack("DELETE_COMPLETE"), {"StackName": stack_id})
    stubber.add_response("describe_stack_events", {"StackEvents": failed_events}, {"StackName": stack_id})
    change_set_responses(stubber, "CREATE")
    stubber.add_response("describe_stack_events", {"StackEvents": []}, {"StackName": "s"})
    stubber.add_response("execute_change_set", {}, {"ChangeSetName": "arn:cs"})
    created = [event("e6", "s", "CREATE_COMPLETE"), event("e5", "B", "CREATE_COMPLETE")]
    stubber.add_response("describe_stack_events", {"StackEvents": created}, {"StackName": "s"})
    stubber.add_response("describe_stacks", stack("CREATE_COMPLETE"), {"StackName": "s"})
    stubber.add_response("describe_stack_events", {"StackEvents": created}, {"StackName": "s"})
    stubber.add_response("describe_stacks", stack("CREATE_COMPLETE", {"PortfolioId": "port-1"}), None)

    result = deployer.deploy("s", "https://b.s3.us-east-1.amazonaws.com/t.yaml", {}, replace_failed=True)
    assert result.changed
    assert result.outputs == {"PortfolioId": "port-1"}
    assert "Stack s is in ROLLBACK_COMPLETE: deleting it to create it again" in lines
    assert lines[-1] == "Stack s: CREATE_COMPLETE"


def test_a_rejected_change_set_names_the_reason(stubbed):
    stubber, deployer = stubbed
    stubber.add_response("describe_stacks", stack("CREATE_COMPLETE"), {"StackName": "s"})
    stubber.add_response("create_change_set", {"Id": "arn:cs"}, None)
    stubber.add_response(
        "describe_change_set",
        {"Status": "FAILED", "StatusReason": "Parameters: [LaunchRoleName] must have values"},
        {"ChangeSetName": "arn:cs"},
    )
    with pytest.raises(ChangeSetFailedError, match=r"Parameters: \[LaunchRoleName\] must have values"):
        deployer.deploy("s", "https://b.s3.us-east-1.amazonaws.com/t.yaml", {})
