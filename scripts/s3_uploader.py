"""Putting built files into the staging bucket: encrypted, tagged, and only when they changed.

Each object carries the SHA-256 of its content in its metadata, so an unchanged file is recognised
without downloading it and is not uploaded again. Every decision (upload, skip, conflict) is made
before the first byte goes up, so a conflict publishes nothing. The checks of all objects run
concurrently (they are independent round trips; boto3 clients are thread-safe).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode

from botocore.exceptions import ClientError

from scripts.assemble import PROVISIONING_TAG, BuiltObject
from scripts.errors import ReleaseAlreadyPublishedError

SHA256_METADATA = "sha256"
_CONTENT_TYPES = {".zip": "application/zip", ".yaml": "application/yaml", ".json": "application/json"}


@dataclass
class UploadPlan:
    upload: list[BuiltObject] = field(default_factory=list)
    unchanged: list[BuiltObject] = field(default_factory=list)
    retag: list[BuiltObject] = field(default_factory=list)  # unchanged, but the tag went missing
    versions: dict[str, str] = field(default_factory=dict)  # S3 version of each unchanged object, by key


class S3Uploader:
    def __init__(self, s3, bucket: str, report: Callable[[str], None] = print) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._report = report

    def plan(self, objects: Iterable[BuiltObject]) -> UploadPlan:
        """Decide what to do with each object; raise if a published release would change."""
        plan = UploadPlan()
        objects = list(objects)
        with ThreadPoolExecutor(max_workers=max(1, len(objects))) as pool:
            states = list(pool.map(self._remote_state, objects))
        for built, (remote_sha, tag_present, version_id) in zip(objects, states, strict=True):
            if remote_sha == built.sha256:
                plan.unchanged.append(built)
                if version_id:
                    plan.versions[built.key] = version_id
                if not tag_present:
                    plan.retag.append(built)
            elif remote_sha is not None and built.immutable:
                raise ReleaseAlreadyPublishedError(_release_of(built.key), built.key)
            else:
                plan.upload.append(built)
        return plan

    def execute(self, plan: UploadPlan) -> dict[str, str]:
        """Upload in plan order (the caller orders templates last), then repair missing tags. Returns
        the S3 version of every object of the plan, by key."""
        versions = dict(plan.versions)
        total = len(plan.upload)
        for index, built in enumerate(plan.upload, start=1):
            self._report(
                f"  [{index}/{total}] uploading s3://{self._bucket}/{built.key} ({_size(built.size)})"
            )
            version_id = self._put(built)
            if version_id:
                versions[built.key] = version_id
        for built in plan.unchanged:
            self._report(f"  unchanged, not uploaded: s3://{self._bucket}/{built.key}")
        for built in plan.retag:
            self._report(f"  restoring tag servicecatalog:provisioning=true on {built.key}")
            self._s3.put_object_tagging(
                Bucket=self._bucket,
                Key=built.key,
                Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in PROVISIONING_TAG.items()]},
            )
        return versions

    def list_keys(self, prefix: str) -> list[str]:
        paginator = self._s3.get_paginator("list_objects_v2")
        return [
            entry["Key"]
            for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix)
            for entry in page.get("Contents", [])
        ]

    def _put(self, built: BuiltObject) -> str | None:
        arguments = {
            "Bucket": self._bucket,
            "Key": built.key,
            "Body": built.path.read_bytes(),
            "ServerSideEncryption": "AES256",
            "Metadata": {SHA256_METADATA: built.sha256},
            "ContentType": _CONTENT_TYPES.get(built.path.suffix, "application/octet-stream"),
        }
        if built.tagged:
            arguments["Tagging"] = urlencode(PROVISIONING_TAG)
        return self._s3.put_object(**arguments).get("VersionId")

    def _remote_state(self, built: BuiltObject) -> tuple[str | None, bool, str | None]:
        """The remote object's SHA-256 (None: absent), whether a tag it needs is in place, and its
        current S3 version."""
        head = self._head(built.key)
        remote_sha = None if head is None else head.get("Metadata", {}).get(SHA256_METADATA, "")
        needs_tag_check = built.tagged and remote_sha == built.sha256
        tag_present = not needs_tag_check or self._has_provisioning_tag(built.key)
        return remote_sha, tag_present, (head or {}).get("VersionId")

    def _head(self, key: str) -> dict | None:
        try:
            return self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return None
            raise

    def _has_provisioning_tag(self, key: str) -> bool:
        tags = self._s3.get_object_tagging(Bucket=self._bucket, Key=key)["TagSet"]
        return all({"Key": k, "Value": v} in tags for k, v in PROVISIONING_TAG.items())


def _release_of(key: str) -> str:
    # .../product/<version>/<template>
    return key.rsplit("/", 2)[-2]


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size >= 1024 else f"{size} B"
