"""The messaging types of the product template in the emulator: SQS queues (FIFO too), Lambda event
source mappings, SNS topics, topic policies and subscriptions, CloudWatch alarms and EventBridge rules
targeting a FIFO queue. Each is deployed, read back through its service's own API, given the Ref and
GetAtt values AWS documents, updated as AWS updates it, and gone with its stack."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest

from tests.local.test_resources import (
    USE_ROLE_ARN,
    as_dict,
    create,
    failure_reason,
    outputs,
    stack_status,
    system_tags,
    update,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def cloudformation(emulator):
    return emulator.client("cloudformation")


@pytest.fixture(scope="module")
def sqs(emulator):
    return emulator.client("sqs")


@pytest.fixture(scope="module")
def sns(emulator):
    return emulator.client("sns")


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
    queue = fifo_queue(
        "ingest-b.fifo",
        MessageRetentionPeriod=1209600,
        VisibilityTimeout=180,
        Tags=[{"Key": "team", "Value": "ingest"}, {"Key": "stage", "Value": "dev"}],
    )
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

    changed = fifo_queue(
        "ingest-b.fifo",
        VisibilityTimeout=60,
        ContentBasedDeduplication=True,
        Tags=[{"Key": "team", "Value": "features"}],
    )
    assert update(cloudformation, stack, {"Ingest": changed, "Policy": policy}) == "UPDATE_COMPLETE"
    attributes = queue_attributes(sqs, "ingest-b.fifo")
    assert attributes["CreatedTimestamp"] == created  # the same queue
    assert attributes["VisibilityTimeout"] == "60"
    assert attributes["ContentBasedDeduplication"] == "true"
    assert attributes["MessageRetentionPeriod"] == "345600"  # dropped from the template: SQS's default
    assert json.loads(attributes["Policy"])["Statement"][0]["Sid"] == "AllowRule"
    url = sqs.get_queue_url(QueueName="ingest-b.fifo")["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "features"}  # one changed, one dropped


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


# -- AWS::SNS::Topic, TopicPolicy, Subscription ----------------------------------------------------
def topic_policy(sid: str) -> dict:
    return {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {
            "Topics": [{"Ref": "Alarms"}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": sid,
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudwatch.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": {"Ref": "Alarms"},
                    }
                ],
            },
        },
    }


def topic(display_name: str, **properties) -> dict:
    return {
        "Type": "AWS::SNS::Topic",
        "Properties": {"TopicName": "project-alarms", "DisplayName": display_name, **properties},
    }


EMAIL = {
    "Type": "AWS::SNS::Subscription",
    "Properties": {"TopicArn": {"Ref": "Alarms"}, "Protocol": "email", "Endpoint": "team@example.com"},
}
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:project-alarms"
TOPIC_REFS = {
    "TopicRef": ref("Alarms"),
    "TopicArn": getatt("Alarms", "TopicArn"),
    "TopicName": getatt("Alarms", "TopicName"),
    "PolicyRef": ref("AlarmsPolicy"),
    "PolicyId": getatt("AlarmsPolicy", "Id"),
    "SubscriptionRef": ref("Email"),
    "SubscriptionArn": getatt("Email", "Arn"),
}


def policy_sids(sns) -> list[str]:
    policy = json.loads(sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]["Policy"])
    return [statement.get("Sid") for statement in policy["Statement"]]


def test_a_topic_its_policy_and_a_pending_email_subscription(cloudformation, sns):
    resources = {"Alarms": topic("Project alarms"), "AlarmsPolicy": topic_policy("One"), "Email": EMAIL}
    stack = create(cloudformation, resources, TOPIC_REFS)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    got = outputs(cloudformation, stack)
    subscription = got["SubscriptionRef"]
    assert subscription.startswith(f"{TOPIC_ARN}:")
    assert got == {
        "TopicRef": TOPIC_ARN,
        "TopicArn": TOPIC_ARN,
        "TopicName": "project-alarms",
        "PolicyRef": got["PolicyId"],
        "PolicyId": got["PolicyId"],
        "SubscriptionRef": subscription,
        "SubscriptionArn": subscription,
    }
    assert got["PolicyId"].startswith(f"{stack}-AlarmsPolicy-")
    assert sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]["DisplayName"] == "Project alarms"
    assert policy_sids(sns) == ["One"]

    [listed] = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert listed == {
        "SubscriptionArn": "PendingConfirmation",
        "Owner": ACCOUNT,
        "Protocol": "email",
        "Endpoint": "team@example.com",
        "TopicArn": TOPIC_ARN,
    }
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription)["Attributes"]
    assert (attributes["PendingConfirmation"], attributes["ConfirmationWasAuthenticated"]) == (
        "true",
        "false",
    )

    # a new display name and tags update the topic in place: its policy and subscription stay
    resources["Alarms"] = topic("Alarms of the project", Tags=[{"Key": "team", "Value": "ingest"}])
    assert update(cloudformation, stack, resources, TOPIC_REFS) == "UPDATE_COMPLETE"
    assert as_dict(sns.list_tags_for_resource(ResourceArn=TOPIC_ARN)["Tags"]) == {
        "team": "ingest",
        **system_tags(cloudformation, stack, "Alarms"),
    }
    assert (
        sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]["DisplayName"] == "Alarms of the project"
    )
    assert policy_sids(sns) == ["One"]
    assert [s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]] == [
        "team@example.com"
    ]

    resources["Alarms"] = topic("Alarms of the project")
    resources["AlarmsPolicy"] = topic_policy("Two")
    assert update(cloudformation, stack, resources, TOPIC_REFS) == "UPDATE_COMPLETE"
    assert policy_sids(sns) == ["Two"]
    tags = sns.list_tags_for_resource(ResourceArn=TOPIC_ARN)["Tags"]
    assert as_dict(tags) == system_tags(cloudformation, stack, "Alarms")  # the tag left the template

    # without the policy resource, the topic has SNS's default policy again
    del resources["AlarmsPolicy"]
    assert update(cloudformation, stack, resources) == "UPDATE_COMPLETE"
    assert policy_sids(sns) == ["__default_statement_ID"]

    cloudformation.delete_stack(StackName=stack)
    assert TOPIC_ARN not in {t["TopicArn"] for t in sns.list_topics()["Topics"]}
    assert not [s for s in sns.list_subscriptions()["Subscriptions"] if s["TopicArn"] == TOPIC_ARN]


def test_a_subscription_updates_its_attributes_and_is_replaced_for_a_new_endpoint(cloudformation, sns):
    filtered = {
        "Type": "AWS::SNS::Subscription",
        "Properties": {**EMAIL["Properties"], "FilterPolicy": {"severity": ["high"]}},
    }
    resources = {"Alarms": topic("Filtered"), "Email": filtered}
    refs = {"Ref": ref("Email")}
    stack = create(cloudformation, resources, refs)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    arn = outputs(cloudformation, stack)["Ref"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"severity": ["high"]}

    resources["Email"] = EMAIL
    assert update(cloudformation, stack, resources, refs) == "UPDATE_COMPLETE"
    assert outputs(cloudformation, stack)["Ref"] == arn
    assert "FilterPolicy" not in sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]

    resources["Email"] = {
        "Type": "AWS::SNS::Subscription",
        "Properties": {**EMAIL["Properties"], "Endpoint": "oncall@example.com"},
    }
    assert update(cloudformation, stack, resources, refs) == "UPDATE_COMPLETE"
    assert outputs(cloudformation, stack)["Ref"] != arn
    endpoints = [s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]]
    assert endpoints == ["oncall@example.com"]
    cloudformation.delete_stack(StackName=stack)


def test_a_topic_name_taken_is_not_adopted(cloudformation, sns):
    taken = sns.create_topic(Name="taken-topic")["TopicArn"]
    stack = create(
        cloudformation, {"T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "taken-topic"}}}
    )
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert "with identifier 'taken-topic' already exists" in failure_reason(cloudformation, stack, "T")
    assert taken in {t["TopicArn"] for t in sns.list_topics()["Topics"]}


# -- AWS::CloudWatch::Alarm ------------------------------------------------------------------------
def alarm(threshold: int, **properties) -> dict:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": "dead-letters",
            "AlarmDescription": "Events wait in the dead-letter queue",
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeadLetters", "QueueName"]}}],
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "Alarms"}],
            **properties,
        },
    }


def test_a_metric_alarm_on_a_queue_with_a_topic_action(emulator, cloudformation):
    cloudwatch = emulator.client("cloudwatch")
    resources = {
        "DeadLetters": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "alarm-dlq"}},
        "Alarms": topic("Alarm topic"),
        "DeadLetterAlarm": alarm(0),
    }
    refs = {"Ref": ref("DeadLetterAlarm"), "Arn": getatt("DeadLetterAlarm", "Arn")}
    stack = create(cloudformation, resources, refs)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    assert outputs(cloudformation, stack) == {
        "Ref": "dead-letters",
        "Arn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:dead-letters",
    }
    [described] = cloudwatch.describe_alarms(AlarmNames=["dead-letters"])["MetricAlarms"]
    assert described["StateValue"] == "INSUFFICIENT_DATA"
    assert described["Namespace"] == "AWS/SQS"
    assert described["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert described["Dimensions"] == [{"Name": "QueueName", "Value": "alarm-dlq"}]
    assert (described["Statistic"], described["Period"], described["EvaluationPeriods"]) == ("Maximum", 60, 1)
    assert (described["Threshold"], described["ComparisonOperator"]) == (0.0, "GreaterThanThreshold")
    assert described["TreatMissingData"] == "notBreaching"
    assert described["AlarmActions"] == [TOPIC_ARN]
    assert described["ActionsEnabled"] is True

    cloudwatch.set_alarm_state(AlarmName="dead-letters", StateValue="ALARM", StateReason="test")
    resources["DeadLetterAlarm"] = alarm(5, Tags=[{"Key": "team", "Value": "ingest"}])
    assert update(cloudformation, stack, resources, refs) == "UPDATE_COMPLETE"
    [described] = cloudwatch.describe_alarms(AlarmNames=["dead-letters"])["MetricAlarms"]
    assert described["Threshold"] == 5.0
    assert described["StateValue"] == "ALARM"  # an update keeps the alarm's state, as PutMetricAlarm does
    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:dead-letters"
    assert as_dict(cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]) == {
        "team": "ingest",
        **system_tags(cloudformation, stack, "DeadLetterAlarm"),
    }

    cloudformation.delete_stack(StackName=stack)
    assert cloudwatch.describe_alarms(AlarmNames=["dead-letters"])["MetricAlarms"] == []


def test_an_alarm_on_metric_math_is_refused(cloudformation):
    resources = {
        "DeadLetters": {"Type": "AWS::SQS::Queue"},
        "Alarms": topic("Math"),
        "DeadLetterAlarm": alarm(0, Metrics=[{"Id": "m", "Expression": "SUM(METRICS())"}]),
    }
    del resources["DeadLetterAlarm"]["Properties"]["MetricName"]
    stack = create(cloudformation, resources)
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert "properties Metrics are not supported by the local emulator" in failure_reason(
        cloudformation, stack, "DeadLetterAlarm"
    )


# -- AWS::Events::Rule (moto's handler) ------------------------------------------------------------
def rule(group: str) -> dict:
    return {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "Name": "object-created",
            "State": "ENABLED",
            "EventPattern": {"source": ["aws.s3"], "detail-type": ["Object Created"]},
            "Targets": [
                {
                    "Id": "ingestion-queue",
                    "Arn": {"Fn::GetAtt": ["Ingest", "Arn"]},
                    "SqsParameters": {"MessageGroupId": group},
                    "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
                    "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["DeadLetters", "Arn"]}},
                }
            ],
        },
    }


def test_a_rule_targets_a_fifo_queue_with_a_message_group_and_a_dead_letter_queue(emulator, cloudformation):
    events = emulator.client("events")
    resources = {
        "Ingest": fifo_queue("rule-ingest.fifo"),
        "DeadLetters": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "rule-dlq"}},
        "Created": rule("ingest"),
    }
    refs = {"Ref": ref("Created"), "Arn": getatt("Created", "Arn")}
    stack = create(cloudformation, resources, refs)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    assert outputs(cloudformation, stack) == {
        "Ref": "object-created",
        "Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/object-created",
    }
    described = events.describe_rule(Name="object-created")
    assert described["State"] == "ENABLED"
    assert json.loads(described["EventPattern"]) == {"source": ["aws.s3"], "detail-type": ["Object Created"]}
    expected = {
        "Id": "ingestion-queue",
        "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:rule-ingest.fifo",
        "SqsParameters": {"MessageGroupId": "ingest"},
        "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
        "DeadLetterConfig": {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:rule-dlq"},
    }
    assert events.list_targets_by_rule(Rule="object-created")["Targets"] == [expected]

    resources["Created"] = rule("ingest-2")
    assert update(cloudformation, stack, resources, refs) == "UPDATE_COMPLETE"
    [target] = events.list_targets_by_rule(Rule="object-created")["Targets"]
    assert target == {**expected, "SqsParameters": {"MessageGroupId": "ingest-2"}}

    cloudformation.delete_stack(StackName=stack)
    assert "object-created" not in {r["Name"] for r in events.list_rules()["Rules"]}
