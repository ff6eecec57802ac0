"""Which stacks still use a staging location, so that deleting it would break them.

A stack uses ``s3://<bucket>/<prefix>/`` when its template names the bucket and a key under the prefix:
a URL (a portfolio's ``LoadTemplateFromURL``, a nested stack's ``TemplateURL``), an ``s3://`` URI or an
S3 ARN, or a mapping that pairs the bucket with such a key (a repository's ``Code.S3`` ``Bucket`` and
``Key``, a function's ``S3Bucket`` and ``S3Key``). Every stack CloudFormation has that is not
DELETE_COMPLETE is read: this portfolio, another portfolio published to the same prefix, every project
stack (projects run the seed and function code they were launched with).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

import yaml
from botocore.exceptions import ClientError

from scripts import cfn_yaml
from scripts.errors import KitError


def stacks_using(
    cfn,
    bucket: str,
    prefix: str,
    exclude: Iterable[str] = (),
    report: Callable[[str], None] = print,
) -> list[str]:
    """Names of the stacks (other than the stack ids in ``exclude``) whose template names a key under
    ``s3://bucket/prefix/``."""
    skipped = set(exclude)
    summaries = [
        summary
        for page in cfn.get_paginator("list_stacks").paginate()
        for summary in page.get("StackSummaries", [])
        if summary["StackStatus"] != "DELETE_COMPLETE" and summary["StackId"] not in skipped
    ]
    report(f"Checking {len(summaries)} stack(s) for references to s3://{bucket}/{prefix}/")
    users = []
    for summary in summaries:
        try:
            body = cfn.get_template(StackName=summary["StackId"])["TemplateBody"]
        except ClientError as error:
            if "does not exist" in error.response["Error"].get("Message", ""):  # deleted meanwhile
                continue
            raise
        if references(body, bucket, prefix):
            users.append(summary["StackName"])
    return users


def references(template: str | dict, bucket: str, prefix: str) -> bool:
    """Whether ``template`` (text or parsed) names a key under ``s3://bucket/prefix/``."""
    if isinstance(template, str):
        try:
            document: Any = cfn_yaml.loads(template)
        except (yaml.YAMLError, ValueError, KitError):
            document = template  # not a template we can parse: its text is still searched
    else:
        document = template
    location = re.compile(
        r"(?<![a-z0-9.-])"
        + re.escape(bucket)
        + r"(?:\.s3[.-][a-z0-9.-]*amazonaws\.com(?:\.cn)?)?/"
        + re.escape(prefix)
        + "/"
    )
    return _names(document, bucket, prefix + "/", location)


def _names(node: Any, bucket: str, key_prefix: str, location: re.Pattern) -> bool:
    if isinstance(node, str):
        return location.search(unquote(node)) is not None
    if isinstance(node, cfn_yaml.Tagged):
        return _names(node.value, bucket, key_prefix, location)
    if isinstance(node, dict):
        values = [value for value in node.values() if isinstance(value, str)]
        if bucket in values and any(value.startswith(key_prefix) for value in values):
            return True
        return any(_names(value, bucket, key_prefix, location) for value in node.values())
    if isinstance(node, list):
        return any(_names(value, bucket, key_prefix, location) for value in node)
    return False
