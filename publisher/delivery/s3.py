"""Delivery to a partner's S3 bucket: a multipart upload with a SHA-256 checksum on every part, then
a HEAD that the stored object has the size sent. The key is the same for every re-publication of a
clip to a channel, so a retry or a re-publication replaces the object instead of adding one. A custom
endpoint's name is resolved and vetted by the outbound address guard before every delivery, not only
when the channel was saved, so a name that re-resolves to a private address is refused."""

from __future__ import annotations

import base64
import contextlib
import hashlib
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from publisher.delivery.targets import DeliveryFailed, DeliveryTarget, LocalFile
from publisher.publications.plans import Receipt
from shopcast.webhooks.address_guard import UnsafeWebhookUrl, parse_target, resolve

__all__ = ["PART_BYTES", "S3Target"]

PART_BYTES = 8 * 1024 * 1024


class S3Target(DeliveryTarget):
    def deliver(self, media: LocalFile, sidecars: list[LocalFile]) -> Receipt:
        self._vet_endpoint()
        client = self._client()
        try:
            etag = self._upload(client, media)
            extra = []
            for sidecar in sidecars:
                self._upload(client, sidecar)
                extra.append({"key": self._key(sidecar.name), "language": sidecar.info.language,
                              "sha256": sidecar.info.sha256})  # fmt: skip
        except (BotoCoreError, ClientError) as exc:
            raise DeliveryFailed(f"S3 delivery failed: {exc}") from exc
        target = self.plan.target
        key = self._key(media.name)
        return Receipt(f"s3://{target['bucket']}/{key}", key, media.info.size, media.info.sha256, etag, extra)

    def _vet_endpoint(self) -> None:
        """Raises DeliveryFailed when the endpoint's name now leads to a forbidden address."""
        endpoint = self.plan.target.get("endpoint_url")
        if not endpoint:
            return
        try:
            resolve(parse_target(str(endpoint)), self.settings.webhook_allow_private)
        except UnsafeWebhookUrl as exc:
            raise DeliveryFailed(f"refused: {exc}") from exc

    def _client(self) -> Any:
        target = self.plan.target
        config = Config(
            retries={"total_max_attempts": self.settings.publish_s3_request_attempts, "mode": "standard"},
            connect_timeout=10,
            read_timeout=self.settings.publish_timeout_s,
            s3={"addressing_style": "path"},
        )
        return boto3.client(
            "s3",
            endpoint_url=target.get("endpoint_url") or None,
            region_name=target.get("region") or "us-east-1",
            aws_access_key_id=target["access_key_id"],
            aws_secret_access_key=self.plan.credentials["secret_access_key"],
            config=config,
        )

    def _key(self, name: str) -> str:
        prefix = str(self.plan.target.get("prefix") or "").strip("/")
        return f"{prefix}/{name}" if prefix else name

    def _upload(self, client: Any, file: LocalFile) -> str:
        """Multipart upload with per-part SHA-256; aborted on any failure. Returns the ETag."""
        bucket, key = self.plan.target["bucket"], self._key(file.name)
        created = client.create_multipart_upload(
            Bucket=bucket,
            Key=key,
            ContentType=file.info.content_type,
            ChecksumAlgorithm="SHA256",
            Metadata={"sha256": file.info.sha256, "publication-id": self.plan.publication_id},
        )
        upload_id = created["UploadId"]
        try:
            parts = self._parts(client, bucket, key, upload_id, file)
            done = client.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            _abort(client, bucket, key, upload_id)
            raise
        head = client.head_object(Bucket=bucket, Key=key)
        if int(head["ContentLength"]) != file.info.size:
            raise DeliveryFailed(
                f"s3://{bucket}/{key} holds {head['ContentLength']} bytes, not {file.info.size}"
            )
        return str(done.get("ETag") or head.get("ETag") or "").strip('"')

    def _parts(
        self, client: Any, bucket: str, key: str, upload_id: str, file: LocalFile
    ) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        with file.path.open("rb") as stream:
            number = 1
            while True:
                body = stream.read(PART_BYTES)
                if not body and parts:
                    break
                checksum = base64.b64encode(hashlib.sha256(body).digest()).decode()
                answer = client.upload_part(
                    Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body,
                    ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum,
                )  # fmt: skip
                parts.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": checksum})
                number += 1
                if len(body) < PART_BYTES:
                    break
        return parts


def _abort(client: Any, bucket: str, key: str, upload_id: str) -> None:
    # What an abort that fails leaves, the bucket's lifecycle rule for incomplete uploads removes.
    with contextlib.suppress(BotoCoreError, ClientError):
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
