"""Objects of the emulator's own S3 as its services read and write them (Athena's tables and results, the
Feature Store's offline store, pipeline jobs' inputs and outputs), by ``s3://bucket/key`` URI."""

from __future__ import annotations

from moto.s3.models import s3_backends


def split(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` → (bucket, key)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def bucket_exists(account: str, uri: str) -> bool:
    return split(uri)[0] in s3_backends[account]["global"].buckets


def read(account: str, uri: str) -> bytes | None:
    """The object's bytes; None when it (or its bucket) does not exist."""
    bucket_name, key = split(uri)
    bucket = s3_backends[account]["global"].buckets.get(bucket_name)
    stored = bucket.keys.get(key) if bucket else None
    return stored.value if stored is not None else None


def under(account: str, uri: str) -> list[tuple[str, bytes]] | None:
    """Every object whose key starts with the URI's key, in key order; None when the bucket does not exist."""
    bucket_name, prefix = split(uri)
    bucket = s3_backends[account]["global"].buckets.get(bucket_name)
    if bucket is None:
        return None
    return [(key, bucket.keys[key].value) for key in sorted(bucket.keys) if key.startswith(prefix)]


def write(account: str, uri: str, body: bytes) -> None:
    bucket, key = split(uri)
    s3_backends[account]["global"].put_object(bucket, key, body)
