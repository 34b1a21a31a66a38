"""A store in an S3 bucket (AWS or any endpoint). Uploads stream as multipart uploads.

S3 parts must be at least 5 MiB except the last, while tus appends can be any size. Like tusd's
s3store, bytes that do not yet fill a part are kept as a small `.tail` object and prepended to
the next append, so every API process can continue any upload.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from shopcast.settings import Settings
from shopcast.storage.base import ObjectStore, StagedUpload, StagingState

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3Store(ObjectStore):
    def __init__(self, client: S3Client, bucket: str, prefix: str):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    @classmethod
    def from_url(cls, url: str, settings: Settings) -> S3Store:
        parsed = urlparse(url)
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": "path"}),
        )
        return cls(client, parsed.netloc, parsed.path)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> None:
        self.client.upload_file(
            str(path), self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
        )

    def get_bytes(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def size(self, key: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def iter_range(self, key: str, start: int, end: int, chunk: int = 1 << 20) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{end}")[
            "Body"
        ]
        try:
            yield from body.iter_chunks(chunk)
        finally:
            body.close()

    def delete_prefix(self, prefix: str) -> None:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})  # type: ignore[typeddict-item]

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        strip = len(self.prefix) + 1 if self.prefix else 0
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(prefix)
        ):
            keys += [obj["Key"][strip:] for obj in page.get("Contents", [])]
        return sorted(keys)

    def local_path(self, key: str) -> Path | None:
        return None

    def download_to(self, key: str, dest: Path) -> None:
        self.client.download_file(self.bucket, self._key(key), str(dest))

    def _tail_key(self, key: str) -> str:
        return self._key(key) + ".tail"

    def begin_staging(self, key: str) -> StagingState:
        created = self.client.create_multipart_upload(Bucket=self.bucket, Key=self._key(key))
        return StagingState(multipart_id=created["UploadId"])

    def append(self, key: str, state: StagingState, offset: int, part_bytes: int) -> StagedUpload:
        tail = b""
        if state.tail_bytes:
            tail = self.client.get_object(Bucket=self.bucket, Key=self._tail_key(key))["Body"].read()
            tail = tail[: state.tail_bytes]
        return _S3Append(self, key, state, tail, part_bytes)

    def finish_staging(self, key: str, state: StagingState) -> None:
        parts = list(state.parts)
        if state.tail_bytes or not parts:
            tail = b""
            if state.tail_bytes:
                tail = self.client.get_object(Bucket=self.bucket, Key=self._tail_key(key))["Body"].read()
            parts.append((len(parts) + 1, self._upload_part(key, state, len(parts) + 1, tail)))
        assert state.multipart_id
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self._key(key),
            UploadId=state.multipart_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
        )
        self.client.delete_object(Bucket=self.bucket, Key=self._tail_key(key))

    def abort_staging(self, key: str, state: StagingState) -> None:
        if state.multipart_id:
            with contextlib.suppress(ClientError):  # already completed or aborted
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self._key(key), UploadId=state.multipart_id
                )
        self.client.delete_object(Bucket=self.bucket, Key=self._tail_key(key))

    def _upload_part(self, key: str, state: StagingState, number: int, data: bytes) -> str:
        assert state.multipart_id
        answer: Any = self.client.upload_part(
            Bucket=self.bucket, Key=self._key(key), UploadId=state.multipart_id, PartNumber=number, Body=data
        )
        return str(answer["ETag"])


class _S3Append(StagedUpload):
    def __init__(self, store: S3Store, key: str, state: StagingState, tail: bytes, part_bytes: int):
        self._store = store
        self._key = key
        self._base = state
        self._parts = list(state.parts)
        self._buffer = bytearray(tail)
        self._part_bytes = part_bytes

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= self._part_bytes:
            number = len(self._parts) + 1
            with memoryview(self._buffer) as view:
                chunk = bytes(view[: self._part_bytes])  # one copy; a bytearray slice would add another
            self._parts.append((number, self._store._upload_part(self._key, self._base, number, chunk)))
            del self._buffer[: self._part_bytes]

    def commit(self) -> StagingState:
        tail_key = self._store._tail_key(self._key)
        if self._buffer:
            self._store.client.put_object(Bucket=self._store.bucket, Key=tail_key, Body=bytes(self._buffer))
        return StagingState(
            multipart_id=self._base.multipart_id, parts=self._parts, tail_bytes=len(self._buffer)
        )

    def discard(self) -> None:
        # Parts uploaded here are not in the stored state: later appends overwrite their numbers,
        # and completion lists only the stored parts.
        self._buffer.clear()
