"""The messaging types of the product template in the emulator: SQS queues (FIFO too) and Lambda
event source mappings. Each is deployed, read back through its service's own API, given the Ref and
GetAtt values AWS documents, updated as AWS updates it, and gone with its stack."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest

from tests.local.test_resources import USE_ROLE_ARN, create, failure_reason, outputs, stack_status, update

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def cloudformation(emulator):
    return emulator.client("cloudformation")


@pytest.fixture(scope="module")
def sqs(emulator):
    return emulator.client("sqs")


def queue_attributes(sqs, name: str) -> dict[str, str]:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def queue_names(sqs) -> set[str]:
    return {url.rsplit("/", 1)[-1] for url in sqs.list_queues().get("QueueUrls", [])}


def fifo_queue(name: str | None = None, **properties) -> dict:
    named = {"QueueName": name} if name else {}
    return {"Type": "AWS::SQS::Queue", "Properties": {**named, "FifoQueue": True, **properties}}


def getatt(logical_id: str, attribute: str) -> dict:
    return {"Value": {"Fn::GetAtt": [logical_id, attribute]}}


def ref(logical_id: str) -> dict:
    return {"Value": {"Ref": logical_id}}


# -- AWS::SQS::Queue -------------------------------------------------------------------------------
def test_a_fifo_queue_has_its_attributes_and_the_ref_and_getatt_aws_documents(cloudformation, sqs):
    resources = {
        "Ingest": fifo_queue(
            "ingest-a.fifo",
            ContentBasedDeduplication=True,
            SqsManagedSseEnabled=True,
            MessageRetentionPeriod=1209600,
            VisibilityTimeout=180,
        )
    }
    refs = {
        "Ref": ref("Ingest"),
        "Arn": getatt("Ingest", "Arn"),
        "Name": getatt("Ingest", "QueueName"),
        "Url": getatt("Ingest", "QueueUrl"),
    }
    stack = create(cloudformation, resources, refs)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/ingest-a.fifo"
    assert outputs(cloudformation, stack) == {
        "Ref": url,
        "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ingest-a.fifo",
        "Name": "ingest-a.fifo",
        "Url": url,
    }
    attributes = queue_attributes(sqs, "ingest-a.fifo")
    assert {name: attributes[name] for name in ("FifoQueue", "ContentBasedDeduplication")} == {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "true",
    }
    assert attributes["SqsManagedSseEnabled"] == "true"
    assert (attributes["MessageRetentionPeriod"], attributes["VisibilityTimeout"]) == ("1209600", "180")

    cloudformation.delete_stack(StackName=stack)
    assert "ingest-a.fifo" not in queue_names(sqs)


def test_a_fifo_queue_without_a_name_is_named_by_its_stack_and_ends_in_fifo(cloudformation, sqs):
    stack = create(cloudformation, {"Unnamed": fifo_queue()}, {"Name": getatt("Unnamed", "QueueName")})
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    name = outputs(cloudformation, stack)["Name"]
    assert name.startswith(f"{stack}-Unnamed-")
    assert name.endswith(".fifo")
    assert queue_attributes(sqs, name)["FifoQueue"] == "true"


def test_a_queue_updates_in_place_keeps_its_policy_and_gets_defaults_back(cloudformation, sqs):
    queue = fifo_queue("ingest-b.fifo", MessageRetentionPeriod=1209600, VisibilityTimeout=180)
    policy = {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [{"Ref": "Ingest"}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AllowRule",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": "*",
                    }
                ],
            },
        },
    }
    stack = create(cloudformation, {"Ingest": queue, "Policy": policy})
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    created = queue_attributes(sqs, "ingest-b.fifo")["CreatedTimestamp"]

    changed = fifo_queue("ingest-b.fifo", VisibilityTimeout=60, ContentBasedDeduplication=True)
    assert update(cloudformation, stack, {"Ingest": changed, "Policy": policy}) == "UPDATE_COMPLETE"
    attributes = queue_attributes(sqs, "ingest-b.fifo")
    assert attributes["CreatedTimestamp"] == created  # the same queue
    assert attributes["VisibilityTimeout"] == "60"
    assert attributes["ContentBasedDeduplication"] == "true"
    assert attributes["MessageRetentionPeriod"] == "345600"  # dropped from the template: SQS's default
    assert json.loads(attributes["Policy"])["Statement"][0]["Sid"] == "AllowRule"


def test_renaming_a_queue_replaces_it(cloudformation, sqs):
    stack = create(
        cloudformation, {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "old-name"}}}
    )
    renamed = {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "new-name"}}}
    assert update(cloudformation, stack, renamed, {"Ref": ref("Q")}) == "UPDATE_COMPLETE"
    assert outputs(cloudformation, stack) == {"Ref": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/new-name"}
    names = queue_names(sqs)
    assert "new-name" in names and "old-name" not in names


@pytest.fixture(scope="module")
def existing_queue(sqs) -> str:
    sqs.create_queue(QueueName="made-outside")
    return "made-outside"


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        pytest.param(
            {"QueueName": "no-suffix", "FifoQueue": True},
            "Queue name must end in .fifo for FIFO queues",
            id="fifo-name-without-suffix",
        ),
        pytest.param(
            {"QueueName": "standard", "ContentBasedDeduplication": True},
            "AWS::SQS::Queue properties ContentBasedDeduplication apply only to FIFO queues",
            id="fifo-property-on-a-standard-queue",
        ),
        pytest.param(
            {"RedriveAllowPolicy": {"redrivePermission": "denyAll"}},
            "AWS::SQS::Queue properties RedriveAllowPolicy are not supported by the local emulator",
            id="unsupported-property",
        ),
        pytest.param(
            {"QueueName": "made-outside"},
            "Resource of type 'AWS::SQS::Queue' with identifier 'made-outside' already exists.",
            id="name-taken",
        ),
    ],
)
def test_a_bad_queue_fails_with_the_reason(cloudformation, sqs, existing_queue, properties, reason):
    stack = create(cloudformation, {"Q": {"Type": "AWS::SQS::Queue", "Properties": properties}})
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert reason in failure_reason(cloudformation, stack, "Q")
    assert existing_queue in queue_names(sqs)  # a name taken is not adopted, nor deleted on rollback


# -- AWS::Lambda::EventSourceMapping ---------------------------------------------------------------
@pytest.fixture(scope="module")
def function(emulator) -> str:
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return {'batchItemFailures': []}\n")
    emulator.client("lambda").create_function(
        FunctionName="start-ingestion",
        Runtime="python3.12",
        Role=USE_ROLE_ARN,
        Handler="index.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    return "start-ingestion"


def mapping(function: str, source: str = "Ingest", **settings) -> dict:
    return {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {
            "EventSourceArn": {"Fn::GetAtt": [source, "Arn"]},
            "FunctionName": function,
            **settings,
        },
    }


MAPPING_REFS = {
    "Ref": ref("Mapping"),
    "Id": getatt("Mapping", "Id"),
    "Arn": getatt("Mapping", "EventSourceMappingArn"),
}


def test_an_event_source_mapping_reads_a_fifo_queue_with_the_template_settings(
    emulator, cloudformation, function
):
    resources = {
        "Ingest": fifo_queue("esm-a.fifo"),
        "Mapping": mapping(
            function,
            BatchSize=1,
            FunctionResponseTypes=["ReportBatchItemFailures"],
            ScalingConfig={"MaximumConcurrency": 2},
            Enabled=True,
        ),
    }
    stack = create(cloudformation, resources, MAPPING_REFS)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    got = outputs(cloudformation, stack)
    uuid = got["Ref"]
    assert got == {
        "Ref": uuid,
        "Id": uuid,
        "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{uuid}",
    }
    described = emulator.client("lambda").get_event_source_mapping(UUID=uuid)
    assert described["EventSourceArn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:esm-a.fifo"
    assert described["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"
    assert described["BatchSize"] == 1
    assert described["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert described["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert described["State"] == "Enabled"


def test_an_event_source_mapping_updates_in_place_and_is_replaced_for_a_new_source(
    emulator, cloudformation, function
):
    awslambda = emulator.client("lambda")
    resources = {
        "Ingest": fifo_queue("esm-b.fifo"),
        "Other": fifo_queue("esm-c.fifo"),
        "Mapping": mapping(function, BatchSize=1, ScalingConfig={"MaximumConcurrency": 5}),
    }
    stack = create(cloudformation, resources, MAPPING_REFS)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    uuid = outputs(cloudformation, stack)["Ref"]

    resources["Mapping"] = mapping(function, BatchSize=5, Enabled=False)
    assert update(cloudformation, stack, resources, MAPPING_REFS) == "UPDATE_COMPLETE"
    assert outputs(cloudformation, stack)["Ref"] == uuid
    described = awslambda.get_event_source_mapping(UUID=uuid)
    assert (described["BatchSize"], described["State"]) == (5, "Disabled")
    assert "ScalingConfig" not in described  # dropped from the template

    resources["Mapping"] = mapping(function, source="Other", BatchSize=5)
    assert update(cloudformation, stack, resources, MAPPING_REFS) == "UPDATE_COMPLETE"
    replaced = outputs(cloudformation, stack)["Ref"]
    assert replaced != uuid
    assert awslambda.get_event_source_mapping(UUID=replaced)["EventSourceArn"].endswith(":esm-c.fifo")
    uuids = {
        m["UUID"] for m in awslambda.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    }
    assert uuid not in uuids

    cloudformation.delete_stack(StackName=stack)
    uuids = {
        m["UUID"] for m in awslambda.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    }
    assert replaced not in uuids


def test_an_event_source_mapping_takes_numbers_from_parameters(emulator, cloudformation, function):
    body = {
        "Parameters": {"Batch": {"Type": "Number", "Default": "3"}},
        "Resources": {
            "Ingest": fifo_queue("esm-d.fifo"),
            "Mapping": mapping(function, BatchSize={"Ref": "Batch"}),
        },
        "Outputs": MAPPING_REFS,
    }
    cloudformation.create_stack(StackName="esm-parameters", TemplateBody=json.dumps(body))
    assert stack_status(cloudformation, "esm-parameters") == "CREATE_COMPLETE"
    uuid = outputs(cloudformation, "esm-parameters")["Ref"]
    assert emulator.client("lambda").get_event_source_mapping(UUID=uuid)["BatchSize"] == 3


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        pytest.param({"BatchSize": 20}, "BatchSize 20 exceeds the max of 10", id="batch-too-big-for-fifo"),
        pytest.param(
            {"ScalingConfig": {"MaximumConcurrency": 1}},
            "ScalingConfig.MaximumConcurrency 1 must be between 2 and 1000",
            id="concurrency-too-low",
        ),
    ],
)
def test_a_bad_event_source_mapping_fails_with_lambdas_error(cloudformation, function, settings, reason):
    stack = create(cloudformation, {"Ingest": fifo_queue(), "Mapping": mapping(function, **settings)})
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    failed = failure_reason(cloudformation, stack, "Mapping")
    assert reason in failed and "InvalidParameterValueException" in failed
