"""Where uploaded files are kept: a folder (the default), or an S3-compatible object store.

Every instance of the portal must read every file, so with several machines the files live
either in a folder they all mount (NFS, a shared volume: `UPLOAD_FOLDER`) or in a bucket of an
S3-compatible store (`UPLOAD_STORAGE=s3`: AWS S3, MinIO, Ceph, Garage, a cloud provider's),
through boto3, the store's maintained client. Either way a file is stored under a random name
(32 hex digits) and only ever reaches a person through the portal's own download routes, after
their permission check: no storage URL is ever given out, and the bucket needs no public access.

    storage().save(name, data)    write a new file (never overwrites one)
    storage().read(name)          its bytes, or None when it is missing
    storage().delete(name)        remove it (a missing file is fine)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from flask import current_app

FILE_MODE = 0o640
FOLDER_MODE = 0o750


class Storage(Protocol):
    def save(self, name: str, data: bytes, content_type: str) -> None: ...
    def read(self, name: str) -> bytes | None: ...
    def delete(self, name: str) -> None: ...


class FolderStorage:
    """Files in a folder of the machine (or one every machine mounts)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path(self, name: str) -> Path:
        return self.folder / name

    def save(self, name: str, data: bytes, content_type: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        path = self.path(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), FILE_MODE)  # whatever the umask
                fh.write(data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    def read(self, name: str) -> bytes | None:
        try:
            return self.path(name).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)


class S3Storage:
    """Files as objects in a bucket of an S3-compatible store, under a key prefix."""

    def __init__(self, bucket: str, prefix: str, client) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.client = client

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def save(self, name: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self.key(name), Body=data, ContentType=content_type
        )

    def read(self, name: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except self.client.exceptions.NoSuchKey:
            return None
        with answer["Body"] as body:
            return body.read()

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))


def s3_client(config):
    """boto3's client for the configured store. The credentials come the usual boto3 ways
    (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance role)."""
    import boto3  # noqa: PLC0415 - only deployments with UPLOAD_STORAGE=s3 load it
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        "s3",
        endpoint_url=config["S3_ENDPOINT_URL"] or None,
        region_name=config["S3_REGION"] or None,
        config=Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"} if config["S3_ENDPOINT_URL"] else None,
        ),
    )


def storage() -> Storage:
    """The app's storage (an S3 client is made once per app; a folder costs nothing)."""
    app = current_app
    if app.config["UPLOAD_STORAGE"] != "s3":
        return FolderStorage(app.config["UPLOAD_FOLDER"])
    made = app.extensions.get("portal.storage")
    if made is None:
        made = S3Storage(app.config["S3_BUCKET"], app.config["S3_PREFIX"], s3_client(app.config))
        app.extensions["portal.storage"] = made
    return made
