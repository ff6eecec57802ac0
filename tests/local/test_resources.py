"""The CloudFormation types moto has no handler for, in the emulator: the real product template deploys
with per-resource events, what it creates is visible through each service's own API, Ref and GetAtt
give what AWS documents, updates apply in place where AWS does, bad input fails the resource with a
reason, and deleting the stack removes it all."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import zipfile
from io import BytesIO

import pytest
from botocore.exceptions import ClientError

from scripts import PROJECT_ROOT
from scripts.cfn_yaml import dumps, loads
from scripts.placeholders import render
from scripts.zipping import build_zip, tree_entries

PRODUCT = PROJECT_ROOT / "cfn-templates" / "project-s3-fs-ingestion.yaml"
SEED = PROJECT_ROOT / "project-seed" / "s3-fs-ingestion"
STAGING = "local-staging"
ACCOUNT = "123456789012"
USE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsUseRole"
_names = itertools.count()


def stack_status(cloudformation, stack: str) -> str:
    return cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]


def outputs(cloudformation, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def failure_reason(cloudformation, stack: str, logical_id: str) -> str:
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    [failed] = [
        e for e in events if e["LogicalResourceId"] == logical_id and e["ResourceStatus"].endswith("_FAILED")
    ]
    return failed["ResourceStatusReason"]


def system_tags(cloudformation, stack: str, logical_id: str) -> dict[str, str]:
    """The tags CloudFormation puts on every resource whose type takes system tags."""
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {
        "aws:cloudformation:stack-name": described["StackName"],
        "aws:cloudformation:stack-id": described["StackId"],
        "aws:cloudformation:logical-id": logical_id,
    }


def as_dict(tags: list[dict[str, str]]) -> dict[str, str]:
    """A tag list, whatever the API's casing (Key/Value or key/value), as a dict."""
    return {tag.get("Key", tag.get("key")): tag.get("Value", tag.get("value")) for tag in tags}


def error_code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"]


def template(resources: dict, outputs: dict | None = None) -> str:
    return json.dumps({"Resources": resources, "Outputs": outputs or {}})


@pytest.fixture(scope="module")
def cloudformation(emulator):
    return emulator.client("cloudformation")


def trusting(service: str) -> dict:
    """A trust policy letting ``service`` assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def function_zip(source: str) -> bytes:
    function = BytesIO()
    with zipfile.ZipFile(function, "w") as archive:
        archive.writestr("start_fs_ingestion.py", source)
    return function.getvalue()


FUNCTION_SOURCE = "def lambda_handler(event, context):\n    return event\n"


@pytest.fixture(scope="module")
def staging(emulator) -> dict[str, str]:
    """The packager's staging bucket (versioned): the seed zip (zipped as the packager zips it) and a
    function zip, with the versions the product template pins; and the portfolio's permissions boundary,
    which every project role names."""
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=STAGING)
    s3.put_bucket_versioning(Bucket=STAGING, VersioningConfiguration={"Status": "Enabled"})
    seed = s3.put_object(Bucket=STAGING, Key="seed.zip", Body=build_zip(tree_entries(SEED)))
    function = s3.put_object(Bucket=STAGING, Key="function.zip", Body=function_zip(FUNCTION_SOURCE))
    emulator.client("iam").create_policy(
        PolicyName="project-roles-boundary-us-east-1",
        Path="/sagemaker-fsi/",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        ),
    )
    return {
        "bucket": STAGING,
        "prefix": "kit",
        "seed-code-key": "seed.zip",
        "seed-code-version": seed["VersionId"],
        "function-code-key": "function.zip",
        "function-code-version": function["VersionId"],
    }


def deploy_product(cloudformation, staging: dict[str, str], project_id: str) -> str:
    body = dumps(render(loads(PRODUCT.read_text()), staging))
    parameters = {
        "SageMakerProjectName": "demo",
        "SageMakerProjectId": project_id,
        "DataBucketName": f"sagemaker-us-east-1-{ACCOUNT}",
        "DataWranglerFlowBucket": f"sagemaker-us-east-1-{ACCOUNT}",
        "DataWranglerFlowKey": "flows/abalone.flow",
        "FeatureGroupName": "abalone",
    }
    stack = f"product-{project_id}"
    cloudformation.create_stack(
        StackName=stack,
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    return stack


# -- the product template --------------------------------------------------------------------------
PROJECT = "p-local1"
PREFIX = f"sagemaker-fsi-{PROJECT}"
REPOSITORY = f"{PREFIX}-demo"


@pytest.fixture(scope="module")
def product(cloudformation, staging) -> str:
    return deploy_product(cloudformation, staging, PROJECT)


def test_product_stack_is_created_with_events_for_every_resource(cloudformation, product):
    assert stack_status(cloudformation, product) == "CREATE_COMPLETE"
    events = cloudformation.describe_stack_events(StackName=product)["StackEvents"]
    for logical_id, definition in loads(PRODUCT.read_text())["Resources"].items():
        statuses = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == logical_id]
        if definition.get("Condition") == "HasAlarmEmail":  # no AlarmEmail given: not created
            assert statuses == [], logical_id
            continue
        assert statuses == ["CREATE_COMPLETE", "CREATE_IN_PROGRESS"], logical_id
        [complete] = [
            e
            for e in events
            if e["LogicalResourceId"] == logical_id and e["ResourceStatus"] == "CREATE_COMPLETE"
        ]
        assert complete["ResourceType"] == definition["Type"]


def test_product_outputs_are_what_aws_gives(cloudformation, product):
    assert outputs(cloudformation, product) == {
        "PipelineName": f"s3-fs-ingest-pipeline-{PROJECT}",
        "PipelineRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-pipeline",
        "RepositoryName": REPOSITORY,
        "RepositoryCloneUrlHttp": f"https://git-codecommit.us-east-1.amazonaws.com/v1/repos/{REPOSITORY}",
        "SourceLocation": f"codecommit://{REPOSITORY}@main",
        "BuildPipelineName": REPOSITORY,
        "StartIngestionFunctionName": f"{PREFIX}-start-ingestion",
        "DeadLetterQueueUrl": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{PREFIX}-dlq",
        "IngestionQueueUrl": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{PREFIX}-ingest.fifo",
        "AlarmTopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:{PREFIX}-alarms",
        "ArtifactsBucketName": f"{PREFIX}-artifacts",
        "MonitoredS3Prefix": f"s3://sagemaker-us-east-1-{ACCOUNT}/feature-store-ingestion/incoming/",
    }


def test_repository_holds_the_seed_byte_for_byte_on_main(emulator, product):
    codecommit = emulator.client("codecommit")
    assert (
        codecommit.get_repository(repositoryName=REPOSITORY)["repositoryMetadata"]["defaultBranch"] == "main"
    )

    def listed(folder: str) -> list[str]:
        got = codecommit.get_folder(repositoryName=REPOSITORY, commitSpecifier="main", folderPath=folder)
        return [f["absolutePath"] for f in got["files"]] + [
            path for sub in got["subFolders"] for path in listed(sub["absolutePath"])
        ]

    expected = dict(tree_entries(SEED))
    assert sorted(listed("/")) == sorted(expected)
    for name, path in expected.items():
        got = codecommit.get_file(repositoryName=REPOSITORY, commitSpecifier="main", filePath=name)
        assert got["fileContent"] == path.read_bytes(), name
        assert got["fileMode"] == ("EXECUTABLE" if os.access(path, os.X_OK) else "NORMAL"), name


def test_build_project(emulator, product):
    [project] = emulator.client("codebuild").batch_get_projects(names=[REPOSITORY])["projects"]
    assert project["arn"] == f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/{REPOSITORY}"
    assert project["serviceRole"] == f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-build"
    assert project["source"] == {"type": "CODEPIPELINE", "buildspec": "buildspec.yml"}
    assert project["artifacts"] == {"type": "CODEPIPELINE"}
    assert project["timeoutInMinutes"] == 30
    assert project["logsConfig"]["cloudWatchLogs"] == {
        "status": "ENABLED",
        "groupName": f"/aws/codebuild/{REPOSITORY}",
    }
    variables = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    assert variables["PIPELINE_ROLE_ARN"] == f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-pipeline"
    assert variables["ARTIFACT_BUCKET"] == f"{PREFIX}-artifacts"
    assert project["environment"]["image"] == "aws/codebuild/amazonlinux-x86_64-standard:5.0"


def test_build_pipeline(emulator, product):
    got = emulator.client("codepipeline").get_pipeline(name=REPOSITORY)
    pipeline = got["pipeline"]
    assert (pipeline["roleArn"], pipeline["version"]) == (f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-cicd", 1)
    assert pipeline["artifactStore"] == {"type": "S3", "location": f"{PREFIX}-artifacts"}
    assert [stage["name"] for stage in pipeline["stages"]] == ["Source", "Build"]
    [source], [build] = (stage["actions"] for stage in pipeline["stages"])
    assert source["actionTypeId"] == {
        "category": "Source",
        "owner": "AWS",
        "provider": "CodeCommit",
        "version": "1",
    }
    assert source["configuration"] == {
        "RepositoryName": REPOSITORY,
        "BranchName": "main",
        "PollForSourceChanges": "false",
    }
    assert source["outputArtifacts"] == [{"name": "SourceCode"}]
    assert build["configuration"] == {"ProjectName": REPOSITORY}
    assert build["inputArtifacts"] == [{"name": "SourceCode"}]
    assert got["metadata"]["pipelineArn"] == f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:{REPOSITORY}"


def test_uploads_reach_the_ingestion_queue_and_the_function_reads_it_one_at_a_time(emulator, product):
    events = emulator.client("events")
    rule = events.describe_rule(Name=f"{PREFIX}-object-created")
    assert json.loads(rule["EventPattern"]) == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [f"sagemaker-us-east-1-{ACCOUNT}"]},
            "object": {"key": [{"prefix": "feature-store-ingestion/incoming/"}]},
        },
    }
    [target] = events.list_targets_by_rule(Rule=f"{PREFIX}-object-created")["Targets"]
    queue_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{PREFIX}-ingest.fifo"
    assert (target["Arn"], target["SqsParameters"]) == (queue_arn, {"MessageGroupId": "ingest"})
    assert target["DeadLetterConfig"] == {"Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:{PREFIX}-dlq"}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}
    sqs = emulator.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{PREFIX}-ingest.fifo")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["FifoQueue"], attributes["ContentBasedDeduplication"]) == ("true", "true")
    assert attributes["VisibilityTimeout"] == "180"
    [mapping] = emulator.client("lambda").list_event_source_mappings(
        FunctionName=f"{PREFIX}-start-ingestion"
    )["EventSourceMappings"]
    assert (mapping["EventSourceArn"], mapping["BatchSize"]) == (queue_arn, 1)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_failures_notify_the_alarm_topic(emulator, product):
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:{PREFIX}-alarms"
    alarms = emulator.client("cloudwatch").describe_alarms(AlarmNamePrefix=PREFIX)["MetricAlarms"]
    assert {a["AlarmName"]: (a["MetricName"], a["AlarmActions"]) for a in alarms} == {
        f"{PREFIX}-dead-letters": ("ApproximateNumberOfMessagesVisible", [topic]),
        f"{PREFIX}-stalled-ingestion": ("ApproximateAgeOfOldestMessage", [topic]),
    }
    events = emulator.client("events")
    [target] = events.list_targets_by_rule(Rule=f"{PREFIX}-pipeline-failed")["Targets"]
    assert target["Arn"] == topic
    policy = json.loads(emulator.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    assert [statement["Sid"] for statement in policy["Statement"]] == [
        "DenyInsecureTransport",
        "AllowPipelineFailedRule",
        "AllowProjectAlarms",
    ]


def test_bucket_policies(emulator, product):
    s3 = emulator.client("s3")
    artifacts = json.loads(s3.get_bucket_policy(Bucket=f"{PREFIX}-artifacts")["Policy"])
    assert artifacts["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{PREFIX}-artifacts", f"arn:aws:s3:::{PREFIX}-artifacts/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


def test_queue_policy(emulator, product):
    sqs = emulator.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{PREFIX}-dlq")["QueueUrl"]
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    )
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert list(statements) == ["DenyInsecureTransport", "AllowEventBridgeRule", "AllowIngestionFunctionRole"]
    rule_arn = emulator.client("events").describe_rule(Name=f"{PREFIX}-object-created")["Arn"]
    assert statements["AllowEventBridgeRule"]["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn}}
    assert statements["AllowIngestionFunctionRole"]["Principal"] == {
        "AWS": f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-lambda"
    }


def test_deleting_the_product_stack_removes_what_it_created(emulator, cloudformation, staging):
    stack = deploy_product(cloudformation, staging, "p-gone")
    prefix = "sagemaker-fsi-p-gone"
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    stack_id = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]

    cloudformation.delete_stack(StackName=stack)

    assert stack_status(cloudformation, stack_id) == "DELETE_COMPLETE"
    client = emulator.client
    gone = [
        (
            client("codecommit").get_repository,
            {"repositoryName": f"{prefix}-demo"},
            "RepositoryDoesNotExistException",
        ),
        (client("codepipeline").get_pipeline, {"name": f"{prefix}-demo"}, "PipelineNotFoundException"),
        (
            client("lambda").get_function,
            {"FunctionName": f"{prefix}-start-ingestion"},
            "ResourceNotFoundException",
        ),
        (
            client("sns").get_topic_attributes,
            {"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:{prefix}-alarms"},
            "NotFound",
        ),
    ]
    for queue in (f"{prefix}-dlq", f"{prefix}-ingest.fifo"):
        gone.append(
            (client("sqs").get_queue_url, {"QueueName": queue}, "AWS.SimpleQueueService.NonExistentQueue")
        )
    for call, arguments, code in gone:
        assert error_code(call, **arguments) == code, call
    assert client("codebuild").batch_get_projects(names=[f"{prefix}-demo"])["projects"] == []
    assert client("cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"] == []
    assert (
        client("lambda").list_event_source_mappings(FunctionName=f"{prefix}-start-ingestion")[
            "EventSourceMappings"
        ]
        == []
    )
    s3 = client("s3")
    s3.head_bucket(Bucket=f"{prefix}-artifacts")  # retained, as its DeletionPolicy says, without its policy
    assert error_code(s3.get_bucket_policy, Bucket=f"{prefix}-artifacts") == "NoSuchBucketPolicy"
    deleted = {
        e["LogicalResourceId"]
        for e in cloudformation.describe_stack_events(StackName=stack_id)["StackEvents"]
        if e["ResourceStatus"] in ("DELETE_COMPLETE", "DELETE_SKIPPED")
    }
    created = {
        logical_id
        for logical_id, definition in loads(PRODUCT.read_text())["Resources"].items()
        if definition.get("Condition") != "HasAlarmEmail"
    }
    assert deleted >= created


def test_the_function_runs_the_code_version_the_template_pins(emulator, cloudformation, staging):
    """A later write to the key (a new version) does not reach a function created from the pinned one."""
    s3 = emulator.client("s3")
    s3.put_object(Bucket=STAGING, Key="function.zip", Body=function_zip("raise SystemExit('replaced')\n"))
    stack = deploy_product(cloudformation, staging, "p-pinned")
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    configuration = emulator.client("lambda").get_function(
        FunctionName="sagemaker-fsi-p-pinned-start-ingestion"
    )["Configuration"]
    pinned = s3.get_object(Bucket=STAGING, Key="function.zip", VersionId=staging["function-code-version"])
    digest = base64.b64encode(hashlib.sha256(pinned["Body"].read()).digest()).decode()
    assert configuration["CodeSha256"] == digest


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (
            {"S3ObjectVersion": "no-such-version"},
            "S3 Error Code: NoSuchVersion. S3 Error Message: The specified version does not exist.",
        ),
        (
            {"S3Key": "missing.zip"},
            "S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
        ),
        (
            {"S3Bucket": "no-such-bucket"},
            "S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
        ),
    ],
    ids=["version", "key", "bucket"],
)
def test_a_function_whose_code_is_missing_fails(emulator, cloudformation, staging, code, reason):
    role = emulator.client("iam").create_role(
        RoleName=f"function-role-{next(_names)}",
        AssumeRolePolicyDocument=json.dumps(trusting("lambda.amazonaws.com")),
    )["Role"]["Arn"]
    function_code = {
        "S3Bucket": STAGING,
        "S3Key": "function.zip",
        "S3ObjectVersion": staging["function-code-version"],
        **code,
    }
    stack = create(
        cloudformation,
        {
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.13",
                    "Handler": "start_fs_ingestion.lambda_handler",
                    "Role": role,
                    "Code": function_code,
                },
            }
        },
    )
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert reason in failure_reason(cloudformation, stack, "Function")


def test_a_role_whose_boundary_does_not_exist_is_refused(emulator, cloudformation):
    missing = f"arn:aws:iam::{ACCOUNT}:policy/no-such-boundary"
    trust = json.dumps(trusting("sagemaker.amazonaws.com"))
    iam = emulator.client("iam")
    with pytest.raises(ClientError) as raised:
        iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=trust, PermissionsBoundary=missing)
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "NoSuchEntity",
        f"Scope ARN: {missing} does not exist or is not attachable.",
    )
    stack = create(
        cloudformation,
        {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": json.loads(trust), "PermissionsBoundary": missing},
            }
        },
    )
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert "does not exist or is not attachable" in failure_reason(cloudformation, stack, "Role")


def test_describe_stacks_shows_parameters_as_they_were_given(cloudformation):
    stack = f"parameters-{next(_names)}"
    cloudformation.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(
            {
                "Parameters": {
                    "Buckets": {"Type": "CommaDelimitedList"},
                    "Count": {"Type": "Number", "Default": "3"},
                    "Secret": {"Type": "String", "NoEcho": True},
                },
                "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            }
        ),
        Parameters=[
            {"ParameterKey": "Buckets", "ParameterValue": "one,two"},
            {"ParameterKey": "Secret", "ParameterValue": "hunter2"},
        ],
    )
    [described] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]} == {
        "Buckets": "one,two",
        "Count": "3",
        "Secret": "****",
    }


# -- one handler at a time -------------------------------------------------------------------------
def create(cloudformation, resources: dict, outputs: dict | None = None) -> str:
    stack = f"handler-{next(_names)}"
    cloudformation.create_stack(StackName=stack, TemplateBody=template(resources, outputs))
    return stack


def update(cloudformation, stack: str, resources: dict, outputs: dict | None = None) -> str:
    cloudformation.update_stack(StackName=stack, TemplateBody=template(resources, outputs))
    return stack_status(cloudformation, stack)


def bucket_policy(bucket, statement_sid: str) -> dict:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": bucket,
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": statement_sid,
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:DeleteBucket",
                        "Resource": "*",
                    }
                ],
            },
        },
    }


def test_bucket_policy_ref_update_and_delete(emulator, cloudformation):
    s3 = emulator.client("s3")
    resources = {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "policy-target"}},
        "Policy": bucket_policy({"Ref": "Bucket"}, "First"),
    }
    stack = create(cloudformation, resources, {"Ref": {"Value": {"Ref": "Policy"}}})
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    assert outputs(cloudformation, stack) == {"Ref": "policy-target"}

    resources["Policy"] = bucket_policy({"Ref": "Bucket"}, "Second")
    assert update(cloudformation, stack, resources) == "UPDATE_COMPLETE"
    policy = json.loads(s3.get_bucket_policy(Bucket="policy-target")["Policy"])
    assert [statement["Sid"] for statement in policy["Statement"]] == ["Second"]

    cloudformation.delete_stack(StackName=stack)
    assert error_code(s3.head_bucket, Bucket="policy-target") == "404"


def test_bucket_policy_on_a_missing_bucket_fails(cloudformation):
    stack = create(cloudformation, {"Policy": bucket_policy("no-such-bucket", "Only")})
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert "NoSuchBucket" in failure_reason(cloudformation, stack, "Policy")


def queue_policy(queues: list, sid: str) -> dict:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": sid, "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
        ],
    }
    return {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": queues, "PolicyDocument": document}}


def test_queue_policy_ref_update_and_delete(emulator, cloudformation):
    sqs = emulator.client("sqs")

    def policy(name: str) -> str | None:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return (
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
            .get("Attributes", {})
            .get("Policy")
        )

    resources = {
        "A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "policy-a"}},
        "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "policy-b"}},
        "Policy": queue_policy([{"Ref": "A"}, {"Ref": "B"}], "One"),
    }
    refs = {"Ref": {"Value": {"Ref": "Policy"}}, "Id": {"Value": {"Fn::GetAtt": ["Policy", "Id"]}}}
    stack = create(cloudformation, resources, refs)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    got = outputs(cloudformation, stack)
    assert got["Ref"] == got["Id"]
    assert got["Ref"].startswith(f"{stack}-Policy-")
    assert json.loads(policy("policy-a"))["Statement"][0]["Sid"] == "One"

    resources["Policy"] = queue_policy([{"Ref": "B"}], "Two")
    assert update(cloudformation, stack, resources, refs) == "UPDATE_COMPLETE"
    assert outputs(cloudformation, stack) == got
    assert policy("policy-a") is None
    assert json.loads(policy("policy-b"))["Statement"][0]["Sid"] == "Two"

    del resources["Policy"]
    assert update(cloudformation, stack, resources) == "UPDATE_COMPLETE"
    assert policy("policy-b") is None


def test_queue_policy_needs_queue_urls(cloudformation):
    stack = create(cloudformation, {"Policy": queue_policy(["arn:aws:sqs:us-east-1:123456789012:q"], "x")})
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert "arn:aws:sqs:us-east-1:123456789012:q is not a queue URL" in failure_reason(
        cloudformation, stack, "Policy"
    )


@pytest.fixture(scope="module")
def function(emulator) -> str:
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return event\n")
    emulator.client("lambda").create_function(
        FunctionName="invoke-config-target",
        Runtime="python3.12",
        Role=USE_ROLE_ARN,
        Handler="index.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    return "invoke-config-target"


def invoke_config(function: str, retries: int, qualifier: str = "$LATEST") -> dict:
    return {
        "Type": "AWS::Lambda::EventInvokeConfig",
        "Properties": {"FunctionName": function, "Qualifier": qualifier, "MaximumRetryAttempts": retries},
    }


def test_event_invoke_config_ref_update_and_delete(emulator, cloudformation, function):
    lambda_ = emulator.client("lambda")
    stack = create(
        cloudformation, {"Config": invoke_config(function, 1)}, {"Ref": {"Value": {"Ref": "Config"}}}
    )
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    assert outputs(cloudformation, stack) == {"Ref": f"{function}|$LATEST"}

    assert update(cloudformation, stack, {"Config": invoke_config(function, 0)}) == "UPDATE_COMPLETE"
    assert lambda_.get_function_event_invoke_config(FunctionName=function)["MaximumRetryAttempts"] == 0
    assert (
        len(lambda_.list_function_event_invoke_configs(FunctionName=function)["FunctionEventInvokeConfigs"])
        == 1
    )

    cloudformation.delete_stack(StackName=stack)
    assert (
        error_code(lambda_.get_function_event_invoke_config, FunctionName=function)
        == "ResourceNotFoundException"
    )


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        (invoke_config("invoke-config-target", 1, qualifier="live"), "Qualifier live is not supported"),
        (invoke_config("invoke-config-target", 5), "Member must have value less than or equal to 2"),
        (invoke_config("no-such-function", 1), "no-such-function"),
    ],
)
def test_event_invoke_config_bad_input(cloudformation, function, config, reason):
    stack = create(cloudformation, {"Config": config})
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert reason in failure_reason(cloudformation, stack, "Config")


def build_project(name: str, description: str = "", **extra) -> dict:
    properties = {
        "Name": name,
        "Description": description,
        "ServiceRole": USE_ROLE_ARN,
        "Source": {"Type": "CODEPIPELINE", "BuildSpec": "buildspec.yml"},
        "Artifacts": {"Type": "CODEPIPELINE"},
        "Environment": {
            "Type": "LINUX_CONTAINER",
            "ComputeType": "BUILD_GENERAL1_SMALL",
            "Image": "aws/codebuild/standard:7.0",
        },
    }
    return {"Type": "AWS::CodeBuild::Project", "Properties": properties | extra}


def test_build_project_ref_getatt_and_replacement_on_update(emulator, cloudformation):
    codebuild = emulator.client("codebuild")
    refs = {"Ref": {"Value": {"Ref": "Project"}}, "Arn": {"Value": {"Fn::GetAtt": ["Project", "Arn"]}}}
    stack = create(cloudformation, {"Project": build_project("handler-project", "one")}, refs)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    assert outputs(cloudformation, stack) == {
        "Ref": "handler-project",
        "Arn": f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/handler-project",
    }
    [project] = codebuild.batch_get_projects(names=["handler-project"])["projects"]
    assert (project["timeoutInMinutes"], project["queuedTimeoutInMinutes"]) == (60, 480)  # AWS's defaults

    assert (
        update(cloudformation, stack, {"Project": build_project("handler-project", "two")}, refs)
        == "UPDATE_COMPLETE"
    )
    [project] = codebuild.batch_get_projects(names=["handler-project"])["projects"]
    assert project["description"] == "two"


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (
            {"SecondarySources": [{"Type": "S3", "Location": "b/k", "SourceIdentifier": "s"}]},
            "SecondarySources",
        ),
        ({"Source": {"Type": "S3"}}, "Project source location is required"),
        ({"Artifacts": {"Type": "S3"}}, "Artifacts location is required"),
        ({"ServiceRole": "arn:aws:iam::999999999999:role/other"}, "does not match caller's account"),
    ],
)
def test_build_project_bad_input(cloudformation, extra, reason):
    stack = create(cloudformation, {"Project": build_project(f"bad-project-{next(_names)}", **extra)})
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert reason in failure_reason(cloudformation, stack, "Project")


def pipeline(name: str, role_arn: str, stages: int = 2, **extra) -> dict:
    source = {
        "Name": "Source",
        "Actions": [
            {
                "Name": "Source",
                "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "S3", "Version": "1"},
                "Configuration": {"S3Bucket": "b", "S3ObjectKey": "k"},
                "OutputArtifacts": [{"Name": "Out"}],
            }
        ],
    }
    approve = {
        "Name": "Approve",
        "Actions": [
            {
                "Name": "Approve",
                "ActionTypeId": {
                    "Category": "Approval",
                    "Owner": "AWS",
                    "Provider": "Manual",
                    "Version": "1",
                },
            }
        ],
    }
    properties = {
        "Name": name,
        "RoleArn": role_arn,
        "ArtifactStore": {"Type": "S3", "Location": "artifacts"},
        "Stages": [source, approve][:stages],
    }
    return {"Type": "AWS::CodePipeline::Pipeline", "Properties": properties | extra}


@pytest.fixture(scope="module")
def list_trust_role(emulator) -> str:
    """A role trusting several services in one Principal.Service list, as IAM allows (moto's own
    CreatePipeline refuses it)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": ["codebuild.amazonaws.com", "codepipeline.amazonaws.com"]},
                "Action": ["sts:AssumeRole"],
            },
        ],
    }
    iam = emulator.client("iam")
    return iam.create_role(RoleName="list-trust", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def test_pipeline_accepts_a_role_trusting_services_as_a_list(emulator, cloudformation, list_trust_role):
    refs = {
        "Ref": {"Value": {"Ref": "Pipeline"}},
        "Version": {"Value": {"Fn::GetAtt": ["Pipeline", "Version"]}},
    }
    tags = {"Tags": [{"Key": "team", "Value": "data"}]}
    stack = create(cloudformation, {"Pipeline": pipeline("handler-pipeline", list_trust_role, **tags)}, refs)

    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    assert outputs(cloudformation, stack) == {"Ref": "handler-pipeline", "Version": "1"}
    codepipeline = emulator.client("codepipeline")
    arn = codepipeline.get_pipeline(name="handler-pipeline")["metadata"]["pipelineArn"]
    assert as_dict(codepipeline.list_tags_for_resource(resourceArn=arn)["tags"]) == {
        "team": "data",
        **system_tags(cloudformation, stack, "Pipeline"),
    }


def test_pipeline_updates_in_place_and_restarts_when_asked(emulator, cloudformation):
    codepipeline = emulator.client("codepipeline")
    refs = {"Version": {"Value": {"Fn::GetAtt": ["Pipeline", "Version"]}}}
    stack = create(cloudformation, {"Pipeline": pipeline("updated-pipeline", USE_ROLE_ARN)}, refs)
    changed = pipeline(
        "updated-pipeline",
        USE_ROLE_ARN,
        RestartExecutionOnUpdate=True,
        Tags=[{"Key": "stage", "Value": "dev"}],
        ArtifactStore={"Type": "S3", "Location": "other-artifacts"},
    )

    assert update(cloudformation, stack, {"Pipeline": changed}, refs) == "UPDATE_COMPLETE"

    assert outputs(cloudformation, stack) == {"Version": "2"}
    got = codepipeline.get_pipeline(name="updated-pipeline")
    assert got["pipeline"]["artifactStore"]["location"] == "other-artifacts"
    tags = codepipeline.list_tags_for_resource(resourceArn=got["metadata"]["pipelineArn"])["tags"]
    assert as_dict(tags) == {
        "stage": "dev",
        **system_tags(cloudformation, stack, "Pipeline"),
    }
    # one run when the pipeline was created (as AWS starts a new pipeline), one for the restart
    summaries = codepipeline.list_pipeline_executions(pipelineName="updated-pipeline")[
        "pipelineExecutionSummaries"
    ]
    assert [summary["trigger"]["triggerType"] for summary in summaries] == [
        "StartPipelineExecution",
        "CreatePipeline",
    ]


@pytest.mark.parametrize(
    ("role", "stages", "extra", "reason"),
    [
        ("no-codepipeline", 2, {}, "CodePipeline is not authorized to perform AssumeRole"),
        ("missing", 2, {}, "CodePipeline is not authorized to perform AssumeRole"),
        ("use", 1, {}, "Pipeline has only 1 stage(s)"),
        (
            "use",
            2,
            {"DisableInboundStageTransitions": [{"StageName": "Approve", "Reason": "x"}]},
            "DisableInboundStageTransitions",
        ),
    ],
)
def test_pipeline_bad_input(emulator, cloudformation, role, stages, extra, reason):
    roles = {
        "use": USE_ROLE_ARN,
        "missing": f"arn:aws:iam::{ACCOUNT}:role/missing",
        "no-codepipeline": USE_ROLE_ARN.replace("ProductsUseRole", "ProductsLaunchRole"),
    }
    stack = create(
        cloudformation, {"Pipeline": pipeline(f"bad-pipeline-{next(_names)}", roles[role], stages, **extra)}
    )
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert reason in failure_reason(cloudformation, stack, "Pipeline")


def trail(name: str, bucket: dict | str, **extra) -> dict:
    properties = {"TrailName": name, "S3BucketName": bucket, "IsLogging": True}
    return {"Type": "AWS::CloudTrail::Trail", "Properties": properties | extra}


def test_trail_ref_getatt_update_and_delete(emulator, cloudformation):
    cloudtrail = emulator.client("cloudtrail")
    resources = {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "handler-trail-logs"}},
        "Trail": trail("handler-trail", {"Ref": "Bucket"}, Tags=[{"Key": "a", "Value": "1"}]),
    }
    refs = {"Ref": {"Value": {"Ref": "Trail"}}, "Arn": {"Value": {"Fn::GetAtt": ["Trail", "Arn"]}}}
    stack = create(cloudformation, resources, refs)
    assert stack_status(cloudformation, stack) == "CREATE_COMPLETE"
    arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/handler-trail"
    assert outputs(cloudformation, stack) == {"Ref": "handler-trail", "Arn": arn}

    resources["Trail"] = trail("handler-trail", {"Ref": "Bucket"}, IsLogging=False, S3KeyPrefix="logs")
    assert update(cloudformation, stack, resources, refs) == "UPDATE_COMPLETE"
    assert cloudtrail.get_trail_status(Name="handler-trail")["IsLogging"] is False
    assert cloudtrail.get_trail(Name="handler-trail")["Trail"]["S3KeyPrefix"] == "logs"
    tags = cloudtrail.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"]
    assert as_dict(tags) == system_tags(cloudformation, stack, "Trail")

    cloudformation.delete_stack(StackName=stack)
    assert error_code(cloudtrail.get_trail, Name="handler-trail") == "TrailNotFoundException"


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({}, "S3 bucket no-such-bucket does not exist"),
        (
            {"IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": False},
            "must include global service events",
        ),
    ],
)
def test_trail_bad_input(cloudformation, extra, reason):
    stack = create(cloudformation, {"Trail": trail(f"bad-trail-{next(_names)}", "no-such-bucket", **extra)})
    assert stack_status(cloudformation, stack) == "ROLLBACK_COMPLETE"
    assert reason in failure_reason(cloudformation, stack, "Trail")


def test_a_second_trail_of_the_same_name_is_refused(emulator, cloudformation):
    emulator.client("s3").create_bucket(Bucket="twice-logs")
    first = create(cloudformation, {"Trail": trail("twice", "twice-logs")})
    second = create(cloudformation, {"Trail": trail("twice", "twice-logs")})
    assert stack_status(cloudformation, first) == "CREATE_COMPLETE"
    assert stack_status(cloudformation, second) == "ROLLBACK_COMPLETE"
    assert "TrailAlreadyExistsException" in failure_reason(cloudformation, second, "Trail")
    assert emulator.client("cloudtrail").get_trail_status(Name="twice")["IsLogging"] is True
