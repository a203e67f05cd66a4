"""Artefacts in an S3-compatible bucket through boto3.

A write is a multipart upload to a pending key; parts are sent as soon as
8 MiB have gathered (S3 wants at least 5 MiB per part but the last), so
memory stays flat whatever the upload's size. ``commit`` copies the object
to its content-addressed key inside the bucket and removes the pending one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from lti_tool.storage import CHUNK_SIZE, StorageError

PART_SIZE = 8 * 1024 * 1024


class _S3Write:
    def __init__(self, store: S3Store):
        self._store = store
        self._key = store.full("incoming/" + secrets.token_hex(16))
        self._buffer = bytearray()
        self._parts: list[dict] = []
        self._upload_id: str | None = None
        self._done = False

    def _client(self):
        return self._store.client

    def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= PART_SIZE:
            self._send_part()

    def _send_part(self) -> None:
        client = self._client()
        if self._upload_id is None:
            created = client.create_multipart_upload(
                Bucket=self._store.bucket, Key=self._key
            )
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        sent = client.upload_part(
            Bucket=self._store.bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=bytes(self._buffer),
        )
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})
        self._buffer.clear()

    def commit(self, key: str) -> None:
        client = self._client()
        bucket = self._store.bucket
        if self._upload_id is None:
            client.put_object(Bucket=bucket, Key=self._key, Body=bytes(self._buffer))
        else:
            if self._buffer:
                self._send_part()
            client.complete_multipart_upload(
                Bucket=bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        target = self._store.full(key)
        if self._store.size(key) is None:
            client.copy_object(
                Bucket=bucket,
                Key=target,
                CopySource={"Bucket": bucket, "Key": self._key},
            )
        client.delete_object(Bucket=bucket, Key=self._key)
        self._buffer.clear()
        self._done = True

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._buffer.clear()
        if self._upload_id is not None:
            self._client().abort_multipart_upload(
                Bucket=self._store.bucket, Key=self._key, UploadId=self._upload_id
            )


class S3Store:
    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "",
        client=None,
    ):
        if not bucket:
            raise StorageError("storage is s3 but s3_bucket is empty")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._endpoint_url = endpoint_url
        self._region = region
        self._client = client

    @property
    def client(self):
        # Created on first use: boto3 is needed only where s3 is chosen.
        if self._client is None:
            import boto3

            self._client = boto3.client(
                "s3", endpoint_url=self._endpoint_url, region_name=self._region
            )
        return self._client

    def full(self, key: str) -> str:
        if not key or any(p in {"", ".", ".."} for p in key.split("/")):
            raise StorageError(f"not a storage key: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def begin(self) -> _S3Write:
        return _S3Write(self)

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if end is not None and end <= start:
            return
        wanted = f"bytes={start}-" + ("" if end is None else str(end - 1))
        body = self.client.get_object(
            Bucket=self.bucket, Key=self.full(key), Range=wanted
        )["Body"]
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.full(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
                return None
            raise StorageError(f"s3 head failed: {exc}") from None
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.full(key))
