"""The staging bucket's policy: TLS only, and only the publishers may write.

Every new project runs the seed and function code published here, so whoever can write the staging
bucket can change what every project runs. AWS's ``AmazonSageMakerFullAccess`` (what data scientists
usually have) grants ``s3:PutObject`` on any ARN containing ``sagemaker``; an explicit Deny in the bucket
policy beats any such grant. The publishers are the principals that ran ``make package`` here (plus
``PUBLISHERS``); ``make package`` adds its caller, never removes anyone, and refuses to run for a caller
the policy does not list (only a publisher can name another one).

The policy is read, modified and written back: statements other than ours (by Sid) are kept.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable

from scripts.errors import KitError

TLS_SID = "DenyInsecureTransport"
OBJECTS_SID = "OnlyPublishersWriteObjects"
BUCKET_SID = "OnlyPublishersChangeTheBucket"
OUR_SIDS = (TLS_SID, OBJECTS_SID, BUCKET_SID)

OBJECT_WRITES = (
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersionTagging",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:RestoreObject",
)
"""Everything that changes an object, a version or its tags (the launch role reads only tagged code)."""

BUCKET_CHANGES = (
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutReplicationConfiguration",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketAcl",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutEncryptionConfiguration",
    "s3:DeleteBucket",
)
"""What could expire, replace or expose published versions, or change who publishes."""

_ASSUMED_ROLE = re.compile(
    r"^arn:(?P<partition>[\w-]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/.+$"
)
_PRINCIPAL = re.compile(r"^arn:[\w-]+:(iam::\d{12}:(root|user/.+|role/.+)|sts::\d{12}:federated-user/.+)$")


class NotAPublisherError(KitError):
    def __init__(self, bucket: str, caller: str, publishers: list[str]) -> None:
        super().__init__(
            f"only {', '.join(publishers)} may publish to s3://{bucket} and you are {caller}: ask one of "
            "them to run `make package PUBLISHERS=<your role or user ARN>` once"
        )


class BadPublisherError(KitError):
    def __init__(self, value: str) -> None:
        super().__init__(
            f"PUBLISHERS entry {value!r} is not an IAM user or role ARN (or account root): give e.g. "
            "arn:aws:iam::123456789012:role/PlatformEngineer"
        )


def principal_patterns(caller_arn: str) -> list[str]:
    """The ``aws:PrincipalArn`` patterns of a caller. An assumed role's session ARN lacks the role's
    path, so the role matches with and without one."""
    assumed = _ASSUMED_ROLE.match(caller_arn)
    if assumed:
        prefix = f"arn:{assumed['partition']}:iam::{assumed['account']}:role/"
        return [f"{prefix}{assumed['role']}", f"{prefix}*/{assumed['role']}"]
    return [caller_arn]


def parse_publishers(text: str | None) -> list[str]:
    """``PUBLISHERS``: comma-separated IAM user/role ARNs (or account root)."""
    values = [value.strip() for value in (text or "").split(",") if value.strip()]
    for value in values:
        if not _PRINCIPAL.match(value):
            raise BadPublisherError(value)
    return values


def publishers_in(policy: dict | None) -> list[str]:
    """The publisher patterns a policy written by this module names (empty: none yet)."""
    for statement in _statements(policy):
        if statement.get("Sid") == OBJECTS_SID:
            value = statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
            return [value] if isinstance(value, str) else list(value)
    return []


def is_publisher(caller_arn: str, publishers: Iterable[str]) -> bool:
    """Whether the caller's ``aws:PrincipalArn`` matches a publisher pattern, as ArnLike does. For an
    assumed role the path is unknown: a pattern naming the role under any path matches too."""
    principal = principal_patterns(caller_arn)[0]
    role_prefix, _, role_name = principal.rpartition("/")
    assumed = _ASSUMED_ROLE.match(caller_arn) is not None
    return any(
        fnmatch.fnmatchcase(principal, pattern)
        or (assumed and pattern.startswith(f"{role_prefix}/") and pattern.rsplit("/", 1)[1] == role_name)
        for pattern in publishers
    )


def desired_policy(existing: dict | None, partition: str, bucket: str, publishers: Iterable[str]) -> dict:
    """``existing`` with our statements (re)written for ``publishers``; other statements are kept."""
    arn = f"arn:{partition}:s3:::{bucket}"
    allowed = sorted(set(publishers))
    not_a_publisher = {"ArnNotLike": {"aws:PrincipalArn": allowed}}
    ours = [
        {
            "Sid": TLS_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": OBJECTS_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": list(OBJECT_WRITES),
            "Resource": f"{arn}/*",
            "Condition": not_a_publisher,
        },
        {
            "Sid": BUCKET_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": list(BUCKET_CHANGES),
            "Resource": arn,
            "Condition": not_a_publisher,
        },
    ]
    others = [s for s in _statements(existing) if s.get("Sid") not in OUR_SIDS]
    return {"Version": "2012-10-17", "Statement": ours + others}


def _statements(policy: dict | None) -> list[dict]:
    statements = (policy or {}).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def loads(text: str | None) -> dict | None:
    return json.loads(text) if text else None


def dumps(policy: dict) -> str:
    return json.dumps(policy, indent=2)
