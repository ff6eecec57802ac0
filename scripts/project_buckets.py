"""Which buckets retained by provisioned projects may go: only those whose project stack is gone.

Service Catalog provisions a project as the stack ``SC-<account>-pp-<...>``, launched with the parameter
``SageMakerProjectId``. The product template names the buckets a project keeps after its deletion
``sagemaker-fsi-<project id>-artifacts`` (and ``-trail`` in earlier releases), tags them
``sagemaker-fs-ingestion:retained=true``, and CloudFormation tags each with the id of the stack that
created it (``aws:cloudformation:stack-id``). The retained tag is set at creation, so it says nothing
about whether the project still lives: the stacks do. A bucket may be deleted only when every stack
known to be its project's (the one its tag names, every project stack with its project id) is
DELETE_COMPLETE; a bucket whose stack cannot be found is kept, and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore.exceptions import ClientError

from scripts.aws import AwsContext
from scripts.staging_bucket import bucket_region

RETAINED_TAG = ("sagemaker-fs-ingestion:retained", "true")
STACK_ID_TAG = "aws:cloudformation:stack-id"
PROJECT_BUCKET_PREFIX = "sagemaker-fsi-"
PROJECT_ID_PARAMETER = "SageMakerProjectId"
DELETED = "DELETE_COMPLETE"
_PROJECT_BUCKET = re.compile(r"^sagemaker-fsi-(?P<project>.+)-(?:artifacts|trail)$")


@dataclass(frozen=True)
class ProjectStack:
    name: str
    stack_id: str
    status: str
    project_id: str | None


@dataclass(frozen=True)
class BucketDecision:
    bucket: str
    delete: bool
    reason: str


def project_stack_prefix(account: str) -> str:
    """Service Catalog's name for the stack of a provisioned product (a SageMaker project's)."""
    return f"SC-{account}-pp-"


def retained_project_buckets(aws: AwsContext) -> list[str]:
    """This region's buckets that provisioned projects created and keep after their deletion."""
    return sorted(_retained_buckets(aws))


def plan(aws: AwsContext) -> list[BucketDecision]:
    """For each retained project bucket of this region: delete it or keep it, and why."""
    buckets = _retained_buckets(aws)
    if not buckets:
        return []
    stacks = project_stacks(aws)
    by_id = {stack.stack_id: stack for stack in stacks}
    decisions = []
    for bucket, tags in sorted(buckets.items()):
        tagged_id = tags.get(STACK_ID_TAG)
        tagged = (by_id.get(tagged_id) or _stack_by_id(aws, tagged_id)) if tagged_id else None
        named = _PROJECT_BUCKET.match(bucket)
        owners = [s for s in stacks if named and s.project_id == named["project"] and s.stack_id != tagged_id]
        decisions.append(_decide(bucket, tagged_id, tagged, owners, named["project"] if named else None))
    return decisions


def _decide(
    bucket: str,
    tagged_id: str | None,
    tagged: ProjectStack | None,
    owners: list[ProjectStack],
    project: str | None,
) -> BucketDecision:
    found = ([tagged] if tagged else []) + owners
    alive = [stack for stack in found if stack.status != DELETED]
    if alive:
        reasons = ", ".join(f"{stack.name} is {stack.status}" for stack in alive)
        return BucketDecision(bucket, False, f"its project stack lives ({reasons})")
    if tagged_id and tagged is None:
        return BucketDecision(
            bucket,
            False,
            f"the stack its {STACK_ID_TAG} tag names cannot be found ({tagged_id}): "
            "delete it by hand once you know it is unused",
        )
    if not found:
        whose = f"project {project}" if project else "it (not named sagemaker-fsi-<project id>-artifacts)"
        return BucketDecision(
            bucket, False, f"no project stack found for {whose}: delete it by hand once you know it is unused"
        )
    names = ", ".join(sorted({stack.name for stack in found}))
    return BucketDecision(bucket, True, f"its project stack was deleted ({names})")


def project_stacks(aws: AwsContext) -> list[ProjectStack]:
    """Every project stack of this region CloudFormation still lists, deleted ones included."""
    cfn = aws.client("cloudformation")
    prefix = project_stack_prefix(aws.account)
    summaries = [
        summary
        for page in cfn.get_paginator("list_stacks").paginate()
        for summary in page.get("StackSummaries", [])
        if summary["StackName"].startswith(prefix)
    ]
    return [
        ProjectStack(s["StackName"], s["StackId"], s["StackStatus"], _project_id(aws, s["StackId"]))
        for s in summaries
    ]


def _project_id(aws: AwsContext, stack_id: str) -> str | None:
    described = _describe(aws, stack_id)  # by id: a deleted stack stays describable
    parameters = described.get("Parameters", []) if described else []
    return next((p["ParameterValue"] for p in parameters if p["ParameterKey"] == PROJECT_ID_PARAMETER), None)


def _stack_by_id(aws: AwsContext, stack_id: str) -> ProjectStack | None:
    described = _describe(aws, stack_id)
    if described is None:
        return None
    return ProjectStack(described["StackName"], described["StackId"], described["StackStatus"], None)


def _describe(aws: AwsContext, stack: str) -> dict | None:
    try:
        return aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in error.response["Error"].get("Message", ""):
            return None
        raise


def _retained_buckets(aws: AwsContext) -> dict[str, dict[str, str]]:
    """Name → tags of this region's project buckets tagged as retained."""
    s3 = aws.client("s3")
    found = {}
    for page in s3.get_paginator("list_buckets").paginate(Prefix=PROJECT_BUCKET_PREFIX):
        for name in (bucket["Name"] for bucket in page.get("Buckets", [])):
            if not name.startswith(PROJECT_BUCKET_PREFIX) or bucket_region(s3, name) != aws.region:
                continue
            tags = _tags(s3, name)
            if tags.get(RETAINED_TAG[0]) == RETAINED_TAG[1]:
                found[name] = tags
    return found


def _tags(s3, bucket: str) -> dict[str, str]:
    try:
        tag_set = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchTagSet":  # no tags at all: not ours
            return {}
        raise
    return {tag["Key"]: tag["Value"] for tag in tag_set}
