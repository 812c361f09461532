"""Where photo files are kept: one small interface, two backends.

- ``LocalStorage``: files under ``PHOTO_DIR`` (``instance/photos`` by default): embedded mode,
  one web machine.
- ``S3Storage``: any S3-compatible object store (boto3; bucket, endpoint and region from the
  settings, credentials from boto3's usual sources: ``AWS_ACCESS_KEY_ID`` and
  ``AWS_SECRET_ACCESS_KEY``, or the machine's role), for several web machines.

Keys are ``photos/<token>.jpg``, ``photos/<token>-thumb.jpg`` and ``public/<token>.jpg``; the
app serves every one of them itself (staff copies behind a permission check), so the bucket
stays private.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

import boto3
from botocore.exceptions import ClientError
from flask import current_app

from config.settings import Settings, settings

_KEY = re.compile(r"(photos|public)/[0-9a-f]{32}(-thumb)?\.jpg")


class MissingFile(LookupError):
    """No file under that key."""


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a photo key: {key!r}")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise MissingFile(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    def __init__(self, bucket: str, endpoint: str | None, region: str) -> None:
        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=region)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=_checked(key), Body=data, ContentType="image/jpeg"
        )

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=_checked(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MissingFile(key) from None
            raise
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_checked(key))


def storage_for(config: Settings) -> Storage:
    if config.photo_storage == "s3":
        return S3Storage(
            config.photo_s3_bucket or "", config.photo_s3_endpoint, config.photo_s3_region
        )
    return LocalStorage(config.photo_dir)


def photo_storage() -> Storage:
    """The app's storage (one client per app; a test that changes the settings drops it)."""
    extensions = current_app.extensions
    config = settings()
    cached = extensions.get("conectados.photo_storage")
    if cached is None or cached[0] != config:
        cached = (config, storage_for(config))
        extensions["conectados.photo_storage"] = cached
    return cached[1]
