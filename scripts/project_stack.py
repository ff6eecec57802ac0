"""One project as the product deploys it, in the local emulator: the portfolio published and deployed as
`make package && make deploy` do, its feature group and flow, the project's stack created from the
published product template (the stack Service Catalog launches), and the pipeline the project's own build
upserts. The end-to-end tests and the upload benchmark share it, so the benchmark measures exactly what the
tests check."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from scripts import PROJECT_ROOT, deploy, follow
from scripts.assemble import SourceLayout
from scripts.aws import AwsContext
from scripts.errors import KitError
from scripts.local import ACCOUNT_ID
from scripts.local.bootstrap import EXECUTION_ROLE
from scripts.package import package
from scripts.staging_bucket import staging_location
from scripts.staging_policy import parse_publishers

REGION = "us-east-1"
ACCOUNT = ACCOUNT_ID
DEFAULT_BUCKET = f"sagemaker-{REGION}-{ACCOUNT}"
DATA_PREFIX = "feature-store-ingestion/incoming/"
FEATURE_GROUP = PROJECT_ROOT / "data" / "abalone.fg.json"
FLOW = PROJECT_ROOT / "data" / "abalone.flow"
_USERS_OWN = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "REGION",
    "CFN_BUCKET_NAME",
    "DATA_BUCKETS",
    "DELIVERY",
    "CONNECTIONS",
    "DOMAIN_ID",
)
"""Variables of the user's (or make's exported defaults) that would point the tooling elsewhere than the
emulator, or deploy it otherwise than a test says (`make test DELIVERY=s3` must not change the tests)."""


class ProjectStackFailedError(KitError):
    def __init__(self, stack: str, status: str, reason: str | None) -> None:
        super().__init__(
            f"project stack {stack} ended {status} ({reason or 'no reason given'}): its events "
            "(DescribeStackEvents) name the resource that failed; fix the product template"
        )


def client(endpoint: str, service: str):
    """A boto3 client of the emulator, without retries (a failure shows at once)."""
    import boto3
    from botocore.config import Config

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client(
        service, endpoint_url=endpoint, region_name=REGION, config=Config(retries={"max_attempts": 1})
    )


def emulator_environment(endpoint: str, tmp: Path) -> dict[str, str]:
    """The variables that point boto3 and the AWS CLI at the emulator, with empty AWS config files."""
    empty = tmp / "aws-config"
    empty.write_text("")
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@contextlib.contextmanager
def pointed_at(endpoint: str, tmp: Path, **variables: str) -> Iterator[None]:
    """This process's environment pointed at the emulator, plus ``variables``; restored afterwards."""
    with mock.patch.dict(os.environ):
        for name in _USERS_OWN:
            os.environ.pop(name, None)
        os.environ.update(emulator_environment(endpoint, tmp), **variables)
        yield


def copy_kit(root: Path) -> SourceLayout:
    """A copy of the kit's sources under ``root`` (a test may change its VERSION)."""
    for part in ("cfn-templates", "project-seed"):
        shutil.copytree(
            PROJECT_ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache")
        )
    shutil.copy(PROJECT_ROOT / "VERSION", root / "VERSION")
    return SourceLayout(root)


def package_and_deploy(endpoint: str, kit: SourceLayout, tmp: Path, **variables: str) -> str:
    """``make package && make deploy`` in-process, with ``variables`` set (``DATA_BUCKETS``...), building
    into ``tmp/build``; returns what they printed."""
    output = io.StringIO()
    argv = ["deploy", "--build-dir", str(tmp / "build")]
    with (
        pointed_at(endpoint, tmp, **variables),
        mock.patch.object(sys, "argv", argv),
        contextlib.redirect_stdout(output),
    ):
        aws = AwsContext.from_environment()
        staging = staging_location(aws)
        package(
            aws,
            bucket=staging.bucket,
            prefix=staging.prefix,
            layout=kit,
            build_root=tmp / "build",
            publishers=parse_publishers(os.environ.get("PUBLISHERS")),
        )
        deploy.main()
    return output.getvalue()


def project_parameters(project_id: str, **overrides: str) -> dict[str, str]:
    """The product's parameters for a project watching the default bucket's ingestion prefix."""
    return {
        "SageMakerProjectName": f"demo-{project_id[-4:]}",
        "SageMakerProjectId": project_id,
        "DataBucketName": DEFAULT_BUCKET,
        "DataKeyPrefix": DATA_PREFIX,
        "DataWranglerFlowBucket": DEFAULT_BUCKET,
        "DataWranglerFlowKey": "feature-store-ingestion/flows/abalone.flow",
        "FeatureGroupName": f"abalone-{project_id[-4:]}",
        **overrides,
    }


def as_cfn_parameters(parameters: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()]


def stack_name(project_id: str) -> str:
    """The name Service Catalog gives a provisioned product's stack."""
    return f"SC-{ACCOUNT}-pp-{project_id}"


def launch(endpoint: str, template_url: str, parameters: dict[str, str]) -> dict[str, str]:
    """The project's stack, created from the published product template; its outputs."""
    cloudformation = client(endpoint, "cloudformation")
    stack = stack_name(parameters["SageMakerProjectId"])
    cloudformation.create_stack(
        StackName=stack,
        TemplateURL=template_url,
        Parameters=as_cfn_parameters(parameters),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    [described] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    if described["StackStatus"] != "CREATE_COMPLETE":
        raise ProjectStackFailedError(stack, described["StackStatus"], described.get("StackStatusReason"))
    return {output["OutputKey"]: output["OutputValue"] for output in described["Outputs"]}


def create_project(endpoint: str, project_id: str, workspace: Path) -> dict[str, str]:
    """The portfolio deployed (projects may read the default bucket), the feature group (the abalone
    definition) and flow a data scientist prepares, the project's stack, and its pipeline as the project's
    own build upserts it (CodePipeline runs once on creation: CodeBuild, the seed's tests, ``build.py``);
    the stack's outputs and ``group``, the feature group's name."""
    package_and_deploy(endpoint, copy_kit(workspace / "kit"), workspace, DATA_BUCKETS=DEFAULT_BUCKET)
    manifest = json.loads((workspace / "build" / REGION / "manifest.json").read_text())
    parameters = project_parameters(project_id)
    sagemaker = client(endpoint, "sagemaker")
    sagemaker.create_feature_group(
        FeatureGroupName=parameters["FeatureGroupName"],
        OnlineStoreConfig={"EnableOnlineStore": True},
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{DEFAULT_BUCKET}/feature-store"}},
        RoleArn=client(endpoint, "iam").get_role(RoleName=EXECUTION_ROLE)["Role"]["Arn"],
        **json.loads(FEATURE_GROUP.read_text()),
    )
    flow_key = parameters["DataWranglerFlowKey"]
    client(endpoint, "s3").put_object(Bucket=DEFAULT_BUCKET, Key=flow_key, Body=FLOW.read_bytes())
    outputs = launch(endpoint, manifest["product_template_url"], parameters)
    follow.project_build(client(endpoint, "codepipeline"), outputs["BuildPipelineName"], seconds=180)
    sagemaker.describe_pipeline(PipelineName=outputs["PipelineName"])
    return {**outputs, "group": parameters["FeatureGroupName"]}
