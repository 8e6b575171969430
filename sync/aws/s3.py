"""Reading S3 with aioboto3: a client from the settings, object listings, streamed bodies.

Credentials and region come from the AWS SDK's own lookup (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, profiles, instance roles);
``AWS_ENDPOINT_URL`` points the client at an S3-compatible service (moto in the tests).
Errors become :class:`S3Problem` with one line a person can act on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aioboto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from core.settings import Settings

CHUNK = 1 << 20
"""Bytes read from a body at a time."""

MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


class S3Problem(RuntimeError):
    """S3 refused or could not be reached; the message is one line."""


class S3Missing(S3Problem):
    """The key or prefix holds nothing."""


@dataclass(frozen=True, slots=True)
class S3Object:
    key: str
    size: int
    modified: datetime


def s3_url(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def _problem(exc: Exception, bucket: str, key: str) -> S3Problem:
    where = s3_url(bucket, key)
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in MISSING_CODES:
            return S3Missing(f"{where} does not exist")
        if code == "NoSuchBucket":
            return S3Missing(f"the bucket {bucket} does not exist")
        message = str(error.get("Message", "")) or code
        return S3Problem(f"S3 refused {where}: {message}")
    if isinstance(exc, NoCredentialsError):
        return S3Problem("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    return S3Problem(f"could not read {where}: {exc}")


@asynccontextmanager
async def s3_client(settings: Settings) -> AsyncIterator[Any]:
    """An aioboto3 S3 client, through ``AWS_ENDPOINT_URL`` when it is set."""
    session = aioboto3.Session()
    options: dict[str, Any] = {}
    if settings.aws_endpoint_url:
        options["endpoint_url"] = settings.aws_endpoint_url
    async with session.client("s3", **options) as client:
        yield client


async def list_objects(client: Any, bucket: str, prefix: str) -> list[S3Object]:
    """Every object under ``prefix``, in key order."""
    found: list[S3Object] = []
    try:
        paginator = client.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found.append(S3Object(item["Key"], int(item["Size"]), item["LastModified"]))
    except (ClientError, BotoCoreError) as exc:
        raise _problem(exc, bucket, prefix) from None
    return sorted(found, key=lambda item: item.key)


async def read_chunks(client: Any, bucket: str, key: str) -> AsyncIterator[bytes]:
    """The object's bytes, a chunk at a time (never the whole object in memory)."""
    try:
        response = await client.get_object(Bucket=bucket, Key=key)
        body = response["Body"]
        try:
            while chunk := await body.read(CHUNK):
                yield chunk
        finally:
            body.close()
    except (ClientError, BotoCoreError) as exc:
        raise _problem(exc, bucket, key) from None


async def read_small(client: Any, bucket: str, key: str, limit: int) -> bytes:
    """A small object whole (a manifest); refuses one larger than ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    async for chunk in read_chunks(client, bucket, key):
        size += len(chunk)
        if size > limit:
            raise S3Problem(f"{s3_url(bucket, key)} is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)
