"""What ``99-clean-up`` deletes, one step at a time. Each step says what it found, asks first
(:func:`scripts.notebooks.confirm.confirm`), waits until AWS has really deleted it, and finds nothing
to do when run again."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from scripts import project_buckets, project_templates
from scripts.destroy import (
    delete_objects,
    delete_portfolio_stack,
    delete_project_buckets,
    live_stack_id,
    report_plan,
)
from scripts.errors import KitError
from scripts.follow import wait_for
from scripts.notebooks.confirm import confirm
from scripts.notebooks.environment import Environment

DELETE_SECONDS = 300


class ProjectNotDeletedError(KitError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"project {name} could not be deleted (DeleteFailed): DescribeProject and its stack's events "
            "say why; fix that, then run this notebook again"
        )


@dataclass(frozen=True)
class Project:
    name: str
    project_id: str
    status: str
    feature_group: str | None
    """The feature group the project's pipeline ingests into (its ``FeatureGroupName`` parameter)."""


def delivered_templates(
    env: Environment, portfolio_stack: str
) -> list[project_templates.CatalogProduct | project_templates.S3Template]:
    """The kit's template as each delivery offers it here (none when nothing is deployed)."""
    found = []
    for delivery in project_templates.DELIVERIES:
        try:
            found.append(project_templates.find_template(env, delivery, portfolio_stack))
        except KitError as missing:
            print(f"no {delivery} template to look for projects of: {missing}")
    return found


def projects_from(
    env: Environment, templates: list[project_templates.CatalogProduct | project_templates.S3Template]
) -> list[Project]:
    """The projects, not deleted, created from any of ``templates`` (a product: any version)."""
    sagemaker = env.client("sagemaker")
    found = []
    for page in sagemaker.get_paginator("list_projects").paginate():
        for summary in page["ProjectSummaryList"]:
            described = sagemaker.describe_project(ProjectName=summary["ProjectName"])
            made = any(template.made(described) for template in templates)
            if not made or described["ProjectStatus"] == "DeleteCompleted":
                continue
            parameters = project_templates.parameters_of(described)
            found.append(
                Project(
                    described["ProjectName"],
                    described["ProjectId"],
                    described["ProjectStatus"],
                    parameters.get("FeatureGroupName"),
                )
            )
    return found


def delete_project(env: Environment, project: Project) -> bool:
    """Delete the project (its stack goes with it; the buckets it retains stay); whether it was deleted."""
    if not confirm(f"Delete project {project.name} ({project.project_id}, {project.status}) and its stack?"):
        return False
    sagemaker = env.client("sagemaker")
    sagemaker.delete_project(ProjectName=project.name)

    def gone() -> tuple[bool | None, str]:
        try:
            status = sagemaker.describe_project(ProjectName=project.name)["ProjectStatus"]
        except ClientError:
            return True, f"project {project.name}: deleted"
        if status == "DeleteFailed":
            raise ProjectNotDeletedError(project.name)
        return (True if status == "DeleteCompleted" else None), f"project {project.name}: {status}"

    wait_for(f"project {project.name} being deleted", gone, DELETE_SECONDS, interval=1)
    return True


def delete_feature_group(env: Environment, name: str) -> bool:
    """Delete the feature group, then what DeleteFeatureGroup leaves behind: its offline store's data
    and its Glue table. Whether anything was there to delete."""
    sagemaker = env.client("sagemaker")
    try:
        described = sagemaker.describe_feature_group(FeatureGroupName=name)
    except sagemaker.exceptions.ResourceNotFound:
        print(f"Feature group {name}: not found, nothing to delete")
        return False
    offline = described.get("OfflineStoreConfig", {})
    location = offline.get("S3StorageConfig", {}).get("ResolvedOutputS3Uri")
    table = offline.get("DataCatalogConfig")
    what = ", ".join(filter(None, [location and f"its offline data {location}", table and "its Glue table"]))
    if not confirm(f"Delete feature group {name}" + (f" and {what}" if what else "") + "?"):
        return False
    if described["FeatureGroupStatus"] != "Deleting":
        sagemaker.delete_feature_group(FeatureGroupName=name)

    def gone() -> tuple[bool | None, str]:
        try:
            status = sagemaker.describe_feature_group(FeatureGroupName=name)["FeatureGroupStatus"]
        except sagemaker.exceptions.ResourceNotFound:
            return True, f"feature group {name}: deleted"
        return None, f"feature group {name}: {status}"

    wait_for(f"feature group {name} being deleted", gone, DELETE_SECONDS, interval=1)
    if location:
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        if not delete_objects(env.aws, bucket, prefix.rstrip("/") + "/"):
            print(f"Offline store {location}: empty")
    if table:
        glue = env.client("glue")
        try:
            glue.delete_table(DatabaseName=table["Database"], Name=table["TableName"])
            print(f"Glue table {table['Database']}.{table['TableName']}: deleted")
        except glue.exceptions.EntityNotFoundException:
            print(f"Glue table {table['Database']}.{table['TableName']}: already gone")
    return True


def delete_prefix(env: Environment, bucket: str, prefix: str) -> int:
    """Delete every object version under ``s3://bucket/prefix`` (asked); how many were deleted."""
    s3 = env.client("s3")
    listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    if not listed.get("Versions") and not listed.get("DeleteMarkers"):
        print(f"s3://{bucket}/{prefix}: empty, nothing to delete")
        return 0
    if not confirm(f"Delete everything under s3://{bucket}/{prefix}?"):
        return 0
    return delete_objects(env.aws, bucket, prefix)


def delete_retained_buckets(env: Environment) -> int:
    """Empty and delete the buckets projects retain once their project stack is gone (as
    ``make destroy DELETE_PROJECT_BUCKETS=1`` does); how many were deleted."""
    decisions = project_buckets.plan(env.aws)
    if not decisions:
        print("Retained project buckets: none")
        return 0
    report_plan(decisions)
    doomed = [decision for decision in decisions if decision.delete]
    if not doomed or not confirm(f"Empty and delete {len(doomed)} retained project bucket(s)?"):
        return 0
    delete_project_buckets(env.aws, decisions)
    return len(doomed)


def delete_portfolio(env: Environment, stack: str) -> bool:
    """Delete the portfolio stack (as ``make destroy`` does); whether it was there."""
    cloudformation = env.client("cloudformation")
    if live_stack_id(cloudformation, stack) is None:
        print(f"Portfolio stack {stack}: not found, nothing to delete")
        return False
    if not confirm(f"Delete the portfolio stack {stack} (the template disappears from Studio for everyone)?"):
        return False
    delete_portfolio_stack(env, stack)
    return True
