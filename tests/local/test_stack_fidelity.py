"""CloudFormation behaviours moto's own suites found the emulator getting wrong (issue 11), checked
through the emulator as users run it: template scalars as CloudFormation reads them, exports and
imports across stacks, stack and system tags on resources, the call-time checks, custom resources that
wait for their provider, and Service Catalog's product API."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

SYSTEM_TAGS = (
    "aws:cloudformation:stack-name",
    "aws:cloudformation:stack-id",
    "aws:cloudformation:logical-id",
)


def wait_for_status(cloudformation, stack: str, *, leaving: str, seconds: float = 10) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        [found] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
        if found["StackStatus"] != leaving or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def events(cloudformation, stack: str) -> list[tuple[str, str, str]]:
    found = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason") or "")
        for e in reversed(found)
    ]


def rollback_reason(cloudformation, stack: str) -> str:
    return next(
        reason for _, status, reason in events(cloudformation, stack) if status == "ROLLBACK_IN_PROGRESS"
    )


def outputs(stack: dict) -> dict[str, str]:
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


# -- template scalars ------------------------------------------------------------------------------------
ROLE_WITH_AN_UNQUOTED_DATE = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: dated-role
      AssumeRolePolicyDocument:
        Version: 2012-10-17
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: 12345678
      VisibilityTimeout: 60
"""


def test_an_unquoted_date_and_a_number_are_the_strings_cloudformation_reads(emulator):
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(StackName="scalars", TemplateBody=ROLE_WITH_AN_UNQUOTED_DATE)

    [stack] = cloudformation.describe_stacks(StackName="scalars")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", events(cloudformation, "scalars")
    role = emulator.client("iam").get_role(RoleName="dated-role")["Role"]
    assert role["AssumeRolePolicyDocument"]["Version"] == "2012-10-17"
    assert emulator.client("sqs").get_queue_url(QueueName="12345678")["QueueUrl"].endswith("/12345678")


# -- exports and imports ---------------------------------------------------------------------------------
EXPORTER = json.dumps(
    {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "exported-bucket"}}},
        "Outputs": {
            "Name": {"Value": {"Ref": "Bucket"}, "Export": {"Name": "shared-bucket-name"}},
            "Arn": {"Value": {"Fn::GetAtt": ["Bucket", "Arn"]}, "Export": {"Name": "shared-bucket-arn"}},
        },
    }
)
IMPORTER = json.dumps(
    {
        "Resources": {
            "Topic": {
                "Type": "AWS::SNS::Topic",
                "Properties": {"DisplayName": {"Fn::ImportValue": "shared-bucket-arn"}},
            }
        },
        "Outputs": {"Display": {"Value": {"Fn::GetAtt": ["Topic", "TopicName"]}}},
    }
)


def test_exports_of_ref_and_getatt_are_imported_and_protected_while_in_use(emulator):
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(StackName="exporter", TemplateBody=EXPORTER)
    exported = {e["Name"]: e["Value"] for e in cloudformation.list_exports()["Exports"]}
    assert exported == {
        "shared-bucket-name": "exported-bucket",
        "shared-bucket-arn": "arn:aws:s3:::exported-bucket",
    }

    cloudformation.create_stack(StackName="importer", TemplateBody=IMPORTER)
    [importer] = cloudformation.describe_stacks(StackName="importer")["Stacks"]
    assert importer["StackStatus"] == "CREATE_COMPLETE", events(cloudformation, "importer")
    topic_arn = emulator.client("sns").list_topics()["Topics"][0]["TopicArn"]
    attributes = emulator.client("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    assert attributes["DisplayName"] == "arn:aws:s3:::exported-bucket"

    cloudformation.delete_stack(StackName="exporter")
    [exporter] = cloudformation.describe_stacks(StackName="exporter")["Stacks"]
    assert exporter["StackStatus"] == "DELETE_FAILED"
    assert (
        "shared-bucket-arn" in exporter["StackStatusReason"] and "importer" in exporter["StackStatusReason"]
    )
    assert emulator.client("s3").head_bucket(Bucket="exported-bucket")  # nothing was deleted

    without_exports = json.dumps({"Resources": json.loads(EXPORTER)["Resources"]})
    cloudformation.update_stack(StackName="exporter", TemplateBody=without_exports)
    [exporter] = cloudformation.describe_stacks(StackName="exporter")["Stacks"]
    assert exporter["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert len(cloudformation.list_exports()["Exports"]) == 2

    cloudformation.delete_stack(StackName="importer")
    cloudformation.delete_stack(StackName="exporter")
    assert cloudformation.list_exports()["Exports"] == []
    assert "exported-bucket" not in [b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]]


def test_an_import_of_a_missing_export_rolls_the_stack_back(emulator):
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(StackName="orphan-importer", TemplateBody=IMPORTER)
    [stack] = cloudformation.describe_stacks(StackName="orphan-importer")["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert rollback_reason(cloudformation, "orphan-importer") == (
        "No export named shared-bucket-arn found. Rollback requested by user."
    )
    assert emulator.client("sns").list_topics()["Topics"] == []


def test_an_export_name_already_taken_rolls_the_second_stack_back(emulator):
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(StackName="first-exporter", TemplateBody=EXPORTER)
    second = EXPORTER.replace("exported-bucket", "second-bucket")
    cloudformation.create_stack(StackName="second-exporter", TemplateBody=second)

    [stack] = cloudformation.describe_stacks(StackName="second-exporter")["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "shared-bucket-name" in rollback_reason(cloudformation, "second-exporter")
    assert "second-bucket" not in [b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]]
    exported = {e["Name"]: e["ExportingStackId"] for e in cloudformation.list_exports()["Exports"]}
    first_id = cloudformation.describe_stacks(StackName="first-exporter")["Stacks"][0]["StackId"]
    assert set(exported.values()) == {first_id}
    cloudformation.delete_stack(StackName="first-exporter")


# -- tags ------------------------------------------------------------------------------------------------
def test_stack_tags_and_system_tags_reach_resources_whose_type_takes_them(emulator):
    cloudformation = emulator.client("cloudformation")
    body = json.dumps(
        {
            "Resources": {
                "Bucket": {
                    "Type": "AWS::S3::Bucket",
                    "Properties": {"BucketName": "tagged-bucket", "Tags": [{"Key": "team", "Value": "own"}]},
                },
                "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "tagged-topic"}},
            }
        }
    )
    stack_id = cloudformation.create_stack(
        StackName="tagged",
        TemplateBody=body,
        Tags=[{"Key": "team", "Value": "stack"}, {"Key": "sagemaker:project-name", "Value": "demo"}],
    )["StackId"]

    bucket_tags = emulator.client("s3").get_bucket_tagging(Bucket="tagged-bucket")["TagSet"]
    assert {t["Key"]: t["Value"] for t in bucket_tags} == {
        "team": "own",  # the resource's own tag wins over the stack's
        "sagemaker:project-name": "demo",
        "aws:cloudformation:stack-name": "tagged",
        "aws:cloudformation:stack-id": stack_id,
        "aws:cloudformation:logical-id": "Bucket",
    }
    sns = emulator.client("sns")
    topic_arn = sns.list_topics()["Topics"][0]["TopicArn"]
    topic_tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=topic_arn)["Tags"]}
    assert topic_tags["team"] == "stack" and topic_tags["aws:cloudformation:logical-id"] == "Topic"
    cloudformation.delete_stack(StackName="tagged")


def test_a_caller_still_cannot_set_a_reserved_aws_tag(emulator):
    emulator.client("s3").create_bucket(Bucket="caller-bucket")
    with pytest.raises(ClientError) as refused:
        emulator.client("s3").put_bucket_tagging(
            Bucket="caller-bucket",
            Tagging={"TagSet": [{"Key": "aws:cloudformation:stack-name", "Value": "x"}]},
        )
    assert refused.value.response["Error"]["Code"] == "InvalidTag"
    with pytest.raises(ClientError) as untagged:
        emulator.client("s3").get_bucket_tagging(Bucket="caller-bucket")
    assert untagged.value.response["Error"]["Code"] == "NoSuchTagSet"


# -- call-time checks ------------------------------------------------------------------------------------
def test_a_reference_to_a_resource_the_template_lacks_is_refused_and_nothing_is_created(emulator):
    cloudformation = emulator.client("cloudformation")
    body = json.dumps(
        {
            "Resources": {
                "Topic": {
                    "Type": "AWS::SNS::Topic",
                    "Properties": {"DisplayName": {"Fn::GetAtt": ["Nope", "Arn"]}},
                }
            }
        }
    )
    with pytest.raises(ClientError) as refused:
        cloudformation.create_stack(StackName="dangling", TemplateBody=body)
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert refused.value.response["Error"]["Message"] == (
        "Template error: instance of Fn::GetAtt references undefined resource Nope"
    )
    assert "dangling" not in [s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"]]
    assert emulator.client("sns").list_topics()["Topics"] == []


def test_an_update_missing_a_new_required_parameter_is_refused_and_the_stack_is_untouched(emulator):
    cloudformation = emulator.client("cloudformation")
    before = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    cloudformation.create_stack(StackName="needs-parameter", TemplateBody=before)
    after = json.dumps(
        {
            "Parameters": {"DisplayName": {"Type": "String"}, "Owner": {"Type": "String"}},
            "Resources": {
                "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "DisplayName"}}}
            },
        }
    )
    with pytest.raises(ClientError) as refused:
        cloudformation.update_stack(StackName="needs-parameter", TemplateBody=after)
    assert refused.value.response["Error"]["Message"] == "Parameters: [DisplayName, Owner] must have values"
    [stack] = cloudformation.describe_stacks(StackName="needs-parameter")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert cloudformation.get_template(StackName="needs-parameter")["TemplateBody"] == json.loads(before)
    cloudformation.delete_stack(StackName="needs-parameter")


# -- custom resources ------------------------------------------------------------------------------------
def sns_provider(emulator) -> tuple[str, str]:
    """A topic whose requests land in a queue (raw), as an SNS-backed provider receives them."""
    sqs, sns = emulator.client("sqs"), emulator.client("sns")
    queue_url = sqs.create_queue(QueueName="provider-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic_arn = sns.create_topic(Name="provider")["TopicArn"]
    sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    return topic_arn, queue_url


def next_request(emulator, queue_url: str) -> dict:
    sqs = emulator.client("sqs")
    [message] = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return json.loads(message["Body"])


def respond(request: dict, status: str, method: str = "PUT", **fields) -> int:
    """What cfn-response does: PUT the provider's JSON, with an empty content type, to the ResponseURL."""
    body = {
        "Status": status,
        "StackId": request["StackId"],
        "RequestId": request["RequestId"],
        "LogicalResourceId": request["LogicalResourceId"],
        **fields,
    }
    put = urllib.request.Request(
        request["ResponseURL"], data=json.dumps(body).encode(), method=method, headers={"Content-Type": ""}
    )
    try:
        with urllib.request.urlopen(put, timeout=30) as answered:
            return answered.status
    except urllib.error.HTTPError as refused:
        return refused.code


def custom_template(token: str, **properties) -> str:
    return json.dumps(
        {
            "Resources": {
                "Info": {
                    "Type": "Custom::Info",
                    "Properties": {"ServiceToken": token, "Size": 3, **properties},
                },
                "After": {
                    "Type": "AWS::SNS::Topic",
                    "Properties": {"DisplayName": {"Fn::GetAtt": ["Info", "Answer"]}},
                },
            },
            "Outputs": {
                "Answer": {"Value": {"Fn::GetAtt": ["Info", "Answer"]}},
                "Id": {"Value": {"Ref": "Info"}},
            },
        }
    )


def test_a_custom_resource_waits_for_its_provider_and_takes_its_data(emulator):
    cloudformation = emulator.client("cloudformation")
    topic_arn, queue_url = sns_provider(emulator)
    stack_id = cloudformation.create_stack(StackName="custom", TemplateBody=custom_template(topic_arn))[
        "StackId"
    ]

    [stack] = cloudformation.describe_stacks(StackName="custom")["Stacks"]
    assert stack["StackStatus"] == "CREATE_IN_PROGRESS" and "Outputs" not in stack
    request = next_request(emulator, queue_url)
    assert request["RequestType"] == "Create"
    assert request["StackId"] == stack_id and request["LogicalResourceId"] == "Info"
    assert request["ResourceType"] == "Custom::Info"
    assert request["ResourceProperties"] == {"ServiceToken": topic_arn, "Size": "3"}
    assert request["ResponseURL"].startswith(f"{emulator.endpoint}/cloudformation_us-east-1/cfnresponse?")

    assert respond(request, "SUCCESS", PhysicalResourceId="info-1", Data={"Answer": "forty-two"}) == 200
    [stack] = cloudformation.describe_stacks(StackName="custom")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert outputs(stack) == {"Answer": "forty-two", "Id": "info-1"}
    assert respond(request, "SUCCESS", PhysicalResourceId="info-1") == 404  # answered already

    cloudformation.update_stack(StackName="custom", TemplateBody=custom_template(topic_arn, Size=4))
    update = next_request(emulator, queue_url)
    assert update["RequestType"] == "Update" and update["PhysicalResourceId"] == "info-1"
    assert update["OldResourceProperties"]["Size"] == "3" and update["ResourceProperties"]["Size"] == "4"
    respond(update, "SUCCESS", method="POST", PhysicalResourceId="info-1", Data={"Answer": "forty-three"})
    [stack] = cloudformation.describe_stacks(StackName="custom")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE" and outputs(stack)["Answer"] == "forty-three"

    cloudformation.delete_stack(StackName="custom")
    assert (
        cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_IN_PROGRESS"
    )
    delete = next_request(emulator, queue_url)
    assert delete["RequestType"] == "Delete" and delete["PhysicalResourceId"] == "info-1"
    respond(delete, "SUCCESS", PhysicalResourceId="info-1")
    assert cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_a_failed_response_fails_the_resource_and_rolls_the_stack_back(emulator):
    cloudformation = emulator.client("cloudformation")
    topic_arn, queue_url = sns_provider(emulator)
    cloudformation.create_stack(StackName="custom-failed", TemplateBody=custom_template(topic_arn))
    request = next_request(emulator, queue_url)

    respond(request, "FAILED", Reason="the vendor said no")
    [stack] = cloudformation.describe_stacks(StackName="custom-failed")["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert ("Info", "CREATE_FAILED", (
        "Received response status [FAILED] from custom resource. Message returned: the vendor said no "
        f"(RequestId: {request['RequestId']})"
    )) in events(cloudformation, "custom-failed")  # fmt: skip
    assert [t for t in emulator.client("sns").list_topics()["Topics"] if t["TopicArn"] != topic_arn] == []


def test_an_invalid_response_fails_the_resource(emulator):
    cloudformation = emulator.client("cloudformation")
    topic_arn, queue_url = sns_provider(emulator)
    cloudformation.create_stack(StackName="custom-invalid", TemplateBody=custom_template(topic_arn))
    request = next_request(emulator, queue_url)

    not_json = urllib.request.Request(request["ResponseURL"], data=b"SUCCESS", method="PUT")
    not_json.add_header("Content-Type", "")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(not_json, timeout=30)
    assert (refused.value.code, refused.value.read()) == (
        400,
        b"The response must be the provider's JSON object.",
    )
    [stack] = cloudformation.describe_stacks(StackName="custom-invalid")["Stacks"]
    assert stack["StackStatus"] == "CREATE_IN_PROGRESS"  # still waiting for a response it can read

    assert respond(request, "DONE") == 200
    [stack] = cloudformation.describe_stacks(StackName="custom-invalid")["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert ("Info", "CREATE_FAILED", "Invalid response object: Status must be SUCCESS or FAILED") in events(
        cloudformation, "custom-invalid"
    )


def test_a_provider_that_never_answers_times_out_and_the_stack_rolls_back(emulator):
    cloudformation = emulator.client("cloudformation")
    topic_arn, queue_url = sns_provider(emulator)
    cloudformation.create_stack(
        StackName="custom-silent", TemplateBody=custom_template(topic_arn, ServiceTimeout=1)
    )
    request = next_request(emulator, queue_url)

    stack = wait_for_status(cloudformation, "custom-silent", leaving="CREATE_IN_PROGRESS")
    stack = wait_for_status(cloudformation, "custom-silent", leaving="ROLLBACK_IN_PROGRESS")
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [
        reason
        for logical_id, status, reason in events(cloudformation, "custom-silent")
        if status == "CREATE_FAILED"
    ]
    assert failed == [
        "CloudFormation did not receive a response from your Custom Resource. Please check your logs for "
        f"requestId [{request['RequestId']}]. (local timeout: 1 s; set LOCAL_CUSTOM_RESOURCE_TIMEOUT or the "
        "resource's ServiceTimeout)"
    ]
    assert respond(request, "SUCCESS", PhysicalResourceId="late") == 404


def lambda_provider_template() -> dict:
    """The custom resource's template with a Lambda provider, ``Provider``, whose code (inline, with AWS's
    cfnresponse module beside it) answers at the ResponseURL; the resource's ServiceToken is left to set."""
    body = json.loads(custom_template("placeholder"))
    body["Resources"]["ProviderRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        },
    }
    code = (
        "import json, cfnresponse\n"
        "def handler(event, context):\n"
        "    if 'Records' in event:  # through SNS\n"
        "        event = json.loads(event['Records'][0]['Sns']['Message'])\n"
        "    answer = {'Answer': event['ResourceType'] + ' ' + event['RequestType']}\n"
        "    cfnresponse.send(event, context, cfnresponse.SUCCESS, answer, 'from-lambda')\n"
    )
    body["Resources"]["Provider"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["ProviderRole", "Arn"]},
            "Code": {"ZipFile": code},
        },
    }
    return body


def settled_stack(cloudformation, name: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while (stack := cloudformation.describe_stacks(StackName=name)["Stacks"][0])[
        "StackStatus"
    ] == "CREATE_IN_PROGRESS":
        assert time.monotonic() < deadline, "the provider never answered"
        time.sleep(0.1)
    return stack


def test_a_lambda_provider_runs_and_its_response_completes_the_resource(emulator):
    """CloudFormation invokes the function with the request, and the stack completes with the data its
    response sent."""
    cloudformation = emulator.client("cloudformation")
    body = lambda_provider_template()
    body["Resources"]["Info"]["Properties"]["ServiceToken"] = {"Fn::GetAtt": ["Provider", "Arn"]}
    cloudformation.create_stack(StackName="custom-lambda", TemplateBody=json.dumps(body))

    stack = settled_stack(cloudformation, "custom-lambda")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert outputs(stack) == {"Answer": "Custom::Info Create", "Id": "from-lambda"}


def test_an_sns_provider_with_a_lambda_subscriber_completes_the_resource(emulator):
    """The request is published to the topic; SNS invokes the subscribed function (its policy lets the
    topic invoke it) with the notification, and the function's response completes the resource."""
    cloudformation = emulator.client("cloudformation")
    body = lambda_provider_template()
    body["Resources"]["Requests"] = {"Type": "AWS::SNS::Topic"}
    body["Resources"]["Subscriber"] = {
        "Type": "AWS::SNS::Subscription",
        "Properties": {
            "TopicArn": {"Ref": "Requests"},
            "Protocol": "lambda",
            "Endpoint": {"Fn::GetAtt": ["Provider", "Arn"]},
        },
    }
    body["Resources"]["TopicMayInvoke"] = {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "FunctionName": {"Ref": "Provider"},
            "Action": "lambda:InvokeFunction",
            "Principal": "sns.amazonaws.com",
            "SourceArn": {"Ref": "Requests"},
        },
    }
    body["Resources"]["Info"]["Properties"]["ServiceToken"] = {"Ref": "Requests"}
    body["Resources"]["Info"]["DependsOn"] = ["Subscriber", "TopicMayInvoke"]
    cloudformation.create_stack(StackName="custom-sns-lambda", TemplateBody=json.dumps(body))

    stack = settled_stack(cloudformation, "custom-sns-lambda")
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    assert outputs(stack) == {"Answer": "Custom::Info Create", "Id": "from-lambda"}


@pytest.mark.parametrize(
    ("token", "properties", "message"),
    [
        (
            "not-an-arn",
            {},
            "Invalid service token 'not-an-arn': give the ARN of an SNS topic or a Lambda function",
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:absent",
            {},
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:absent",
        ),
        ("TOPIC", {"ServiceTimeout": 0}, "ServiceTimeout must be a number of seconds from 1 to 3600: 0"),
    ],
    ids=["not-an-arn", "unknown-function", "service-timeout-out-of-range"],
)
def test_a_custom_resource_that_cannot_be_requested_fails_and_nothing_is_sent(
    emulator, token, properties, message
):
    cloudformation = emulator.client("cloudformation")
    topic_arn, queue_url = sns_provider(emulator)
    body = custom_template(topic_arn if token == "TOPIC" else token, **properties)
    cloudformation.create_stack(StackName="custom-refused", TemplateBody=body)

    [stack] = cloudformation.describe_stacks(StackName="custom-refused")["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    [(_, _, reason)] = [e for e in events(cloudformation, "custom-refused") if e[1] == "CREATE_FAILED"]
    assert message in reason
    assert "Messages" not in emulator.client("sqs").receive_message(QueueUrl=queue_url)
    cloudformation.delete_stack(StackName="custom-refused")


# -- Service Catalog's product API -----------------------------------------------------------------------
def test_a_product_needs_no_artifact_and_can_import_one_from_a_stack(emulator):
    catalog = emulator.client("servicecatalog")
    created = catalog.create_product(Name="bare", Owner="tests", ProductType="CLOUD_FORMATION_TEMPLATE")
    assert "ProvisioningArtifactDetail" not in created
    product_id = created["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    assert catalog.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"] == []

    cloudformation = emulator.client("cloudformation")
    body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    stack_id = cloudformation.create_stack(StackName="to-import", TemplateBody=body)["StackId"]
    artifact = catalog.create_provisioning_artifact(
        ProductId=product_id,
        Parameters={
            "Name": "v1",
            "Info": {"ImportFromPhysicalId": stack_id},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
    )
    described = catalog.describe_provisioning_artifact(
        ProductId=product_id, ProvisioningArtifactId=artifact["ProvisioningArtifactDetail"]["Id"]
    )
    assert described["Status"] == "AVAILABLE"
    assert described["Info"] == {"ImportFromPhysicalId": stack_id}

    with pytest.raises(ClientError) as refused:
        catalog.create_provisioning_artifact(
            ProductId=product_id,
            Parameters={"Name": "v2", "Info": {"ImportFromPhysicalId": f"{stack_id}x"}},
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParametersException"
    assert (
        refused.value.response["Error"]["Message"]
        == f"Invalid ImportFromPhysicalId {stack_id}x: no such stack."
    )
    listed = catalog.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    assert [a["Name"] for a in listed] == ["v1"]


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        ({}, "InvalidParametersException", "Either Id or Name must be specified."),
        ({"Id": "prod-nothere"}, "ResourceNotFoundException", "Product with Id 'prod-nothere' not found."),
    ],
)
def test_describe_product_errors_are_aws_s(emulator, arguments, code, message):
    with pytest.raises(ClientError) as refused:
        emulator.client("servicecatalog").describe_product(**arguments)
    assert refused.value.response["Error"]["Code"] == code
    assert refused.value.response["Error"]["Message"] == message
