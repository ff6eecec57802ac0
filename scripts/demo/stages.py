"""What `make demo` does, stage by stage, through the public APIs a user's own code would call."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from scripts import PROJECT_ROOT, abalone, dataset, deploy, follow, offline_store, project_templates
from scripts.aws import AwsContext
from scripts.errors import KitError
from scripts.execution_role import studio_execution_role
from scripts.follow import wait_for
from scripts.publish import publish as publish_kit

PROJECT_NAME = "fs-ingestion-demo"
FEATURE_GROUP = "abalone-demo"
FLOW_KEY = "feature-store-ingestion/flows/abalone.flow"
DATA_PREFIX = "feature-store-ingestion/incoming/"


class DemoError(KitError):
    pass


@dataclass
class Demo:
    aws: AwsContext
    build_dir: Path = PROJECT_ROOT / "build"
    datasets: Path = dataset.CACHE

    @property
    def bucket(self) -> str:
        """The SageMaker default bucket, which `make deploy` lets projects read by default."""
        return f"sagemaker-{self.aws.region}-{self.aws.account}"


def publish(demo: Demo) -> None:
    """`make package` then `make deploy`, in this process."""
    publish_kit(demo.build_dir)


def feature_group(demo: Demo) -> str:
    """The abalone feature group (created unless it exists), once Created."""
    sagemaker = demo.aws.client("sagemaker")
    try:
        sagemaker.describe_feature_group(FeatureGroupName=FEATURE_GROUP)
        print(f"    {FEATURE_GROUP} exists: reused")
    except sagemaker.exceptions.ResourceNotFound:
        definition = json.loads((PROJECT_ROOT / "data" / "abalone.fg.json").read_text())
        sagemaker.create_feature_group(
            FeatureGroupName=FEATURE_GROUP,
            OnlineStoreConfig={"EnableOnlineStore": True},
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{demo.bucket}/feature-store"}},
            RoleArn=os.environ.get("EXECUTION_ROLE_ARN") or studio_execution_role(sagemaker, demo.aws.region),
            **definition,
        )

    def created() -> tuple[str | None, str]:
        status = sagemaker.describe_feature_group(FeatureGroupName=FEATURE_GROUP)["FeatureGroupStatus"]
        if status == "CreateFailed":
            raise DemoError(f"feature group {FEATURE_GROUP} could not be created: see DescribeFeatureGroup")
        return (status if status == "Created" else None), f"feature group {FEATURE_GROUP}: {status}"

    wait_for(f"feature group {FEATURE_GROUP} being created", created, 300)
    demo.aws.client("s3").put_object(
        Bucket=demo.bucket, Key=FLOW_KEY, Body=(PROJECT_ROOT / "data" / "abalone.flow").read_bytes()
    )
    print(f"    flow uploaded to s3://{demo.bucket}/{FLOW_KEY}")
    return FEATURE_GROUP


def project(demo: Demo) -> dict[str, str]:
    """The demo project (created unless a completed one exists; a failed one is replaced); its stack's
    outputs."""
    sagemaker = demo.aws.client("sagemaker")
    existing = [
        summary
        for summary in sagemaker.list_projects(NameContains=PROJECT_NAME)["ProjectSummaryList"]
        if summary["ProjectName"] == PROJECT_NAME
    ]
    if existing and existing[0]["ProjectStatus"] == "CreateCompleted":
        print(f"    {PROJECT_NAME} ({existing[0]['ProjectId']}) exists: reused")
    else:
        if existing:
            print(f"    {PROJECT_NAME} is {existing[0]['ProjectStatus']}: deleting it to start again")
            sagemaker.delete_project(ProjectName=PROJECT_NAME)
            wait_for(
                f"project {PROJECT_NAME} being deleted", lambda: _gone(sagemaker), follow.PROJECT_SECONDS
            )
        _create_project(demo)

    follow.project_created(sagemaker, PROJECT_NAME)
    outputs = project_outputs(demo)
    print(f"    project id {outputs['project_id']}, stack {outputs['stack']}")
    return outputs


def project_outputs(demo: Demo) -> dict[str, str]:
    """The demo project's stack outputs, with its ``project_id`` and ``stack`` name."""
    described = demo.aws.client("sagemaker").describe_project(ProjectName=PROJECT_NAME)
    [stack] = demo.aws.client("cloudformation").describe_stacks(
        StackName=project_templates.stack_of(described, demo.aws.account)
    )["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    return {**outputs, "project_id": described["ProjectId"], "stack": stack["StackName"]}


def _gone(sagemaker) -> tuple[bool | None, str]:
    names = [
        p["ProjectName"] for p in sagemaker.list_projects(NameContains=PROJECT_NAME)["ProjectSummaryList"]
    ]
    return (True if PROJECT_NAME not in names else None), "deleting the old project"


def _create_project(demo: Demo) -> None:
    """From the Service Catalog product, or with DELIVERY=s3 from the S3-delivered template."""
    template = project_templates.find_template(
        demo.aws, os.environ.get("DELIVERY"), os.environ.get("STACK_NAME") or deploy.DEFAULT_STACK
    )
    print(f"    from the {template.delivery} delivery of the template")
    parameters = {
        "DataBucketName": demo.bucket,
        "DataKeyPrefix": DATA_PREFIX,
        "DataWranglerFlowBucket": demo.bucket,
        "DataWranglerFlowKey": FLOW_KEY,
        "FeatureGroupName": FEATURE_GROUP,
    }
    project_templates.create_project(
        demo.aws, template, PROJECT_NAME, "make demo: abalone.csv into Feature Store", parameters
    )


def build(demo: Demo, outputs: dict[str, str]) -> str:
    """Wait for the project's CodePipeline to build the seed and its SageMaker pipeline to exist."""
    follow.project_build(demo.aws.client("codepipeline"), outputs["BuildPipelineName"])
    pipeline = outputs["PipelineName"]
    demo.aws.client("sagemaker").describe_pipeline(PipelineName=pipeline)
    print(f"    SageMaker pipeline {pipeline} upserted by the build")
    return pipeline


@dataclass(frozen=True)
class Upload:
    uri: str
    origin: str
    """Where its rows come from (:mod:`scripts.dataset`)."""


def upload(demo: Demo) -> Upload:
    """abalone.csv put under the monitored prefix, under a new key each run."""
    rows = dataset.abalone_rows(demo.datasets)
    print(f"    rows: {rows.origin}")
    key = f"{DATA_PREFIX}abalone-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.csv"
    with tempfile.TemporaryDirectory(prefix="demo-") as scratch:
        csv = abalone.write_prepared(rows.frame, Path(scratch) / "abalone.csv")
        demo.aws.client("s3").put_object(Bucket=demo.bucket, Key=key, Body=csv.read_bytes())
    print(f"    uploaded s3://{demo.bucket}/{key}")
    return Upload(f"s3://{demo.bucket}/{key}", rows.origin)


def execution(demo: Demo, pipeline: str, uri: str) -> str:
    """Follow the execution the upload started (its description is the object's URI) to its end."""
    sagemaker = demo.aws.client("sagemaker")
    arn = follow.upload_execution(sagemaker, pipeline, uri)
    follow.execution_succeeded(sagemaker, arn)
    return arn


@dataclass(frozen=True)
class Features:
    table: str
    rows: int
    records: int
    columns: list[str]
    sample: list[dict[str, str]]


def query(demo: Demo) -> Features:
    """The offline store through Athena: rows, distinct records, columns and the first three records (the
    latest version of each, as the deduplicating query gives them)."""
    sagemaker = demo.aws.client("sagemaker")
    described = sagemaker.describe_feature_group(FeatureGroupName=FEATURE_GROUP)
    record, event_time = described["RecordIdentifierFeatureName"], described["EventTimeFeatureName"]
    table = offline_store.offline_table(sagemaker, FEATURE_GROUP)
    output = f"s3://{demo.bucket}/athena-results/demo/"
    athena = demo.aws.client("athena")
    [[rows, records]] = offline_store.query(
        athena, f"SELECT count(*), count(DISTINCT {record}) FROM {table}", output
    )[1]
    header, sample = offline_store.query(
        athena,
        f"SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY {record} ORDER BY {event_time} DESC, "
        f"api_invocation_time DESC, write_time DESC) AS latest FROM {table}) "
        f"WHERE latest = 1 AND NOT is_deleted ORDER BY {record} LIMIT 3",
        output,
    )
    columns = [record] + [name for name in header if name not in (record, "latest")]
    return Features(
        table, int(rows), int(records), columns, [dict(zip(header, row, strict=True)) for row in sample]
    )
