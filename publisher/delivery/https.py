"""HTTPS push to a partner's URL, signed like a Standard Webhooks message (`webhook-id`,
`webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`) with the
channel's secret. PUT sends each file to `<url>/<name>`; POST sends one multipart/form-data body with
the media as `file` and each sidecar as `sidecar`. Connections go only to addresses the outbound
address guard allows, without following redirects; the ids stay the same across retries, so a
partner can drop a repeated delivery. Each request's whole exchange ends by `publish_push_deadline_s`
and at most 64 KiB of a partner's answer is read, so a partner cannot hold a worker or fill its memory."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from publisher.delivery.targets import DeliveryFailed, DeliveryTarget, LocalFile
from publisher.publications.plans import Receipt
from shopcast.jobs.scratch import job_scratch
from shopcast.webhooks.address_guard import UnsafeWebhookUrl, parse_target, resolve
from shopcast.webhooks.signing import stream_signature

__all__ = ["HttpsTarget"]

_CHUNK = 1 << 20
_HEAD_BYTES = 64 * 1024  # of a refusal's body kept for its message; the rest is never read


class HttpsTarget(DeliveryTarget):
    def deliver(self, media: LocalFile, sidecars: list[LocalFile]) -> Receipt:
        base = str(self.plan.target["url"])
        if self.plan.target.get("method") == "POST":
            etag = self._post(base, media, sidecars)
            extra = [{"name": s.name, "language": s.info.language, "sha256": s.info.sha256} for s in sidecars]
            return Receipt(base, media.name, media.info.size, media.info.sha256, etag, extra)
        etag = self._send("PUT", _join(base, media.name), media.path, media.info.content_type, 0)
        extra = []
        for index, sidecar in enumerate(sidecars, start=1):
            url = _join(base, sidecar.name)
            self._send("PUT", url, sidecar.path, sidecar.info.content_type, index)
            extra.append({"url": url, "language": sidecar.info.language, "sha256": sidecar.info.sha256})
        return Receipt(_join(base, media.name), media.name, media.info.size, media.info.sha256, etag, extra)

    def _post(self, url: str, media: LocalFile, sidecars: list[LocalFile]) -> str | None:
        # In the worker's scratch space: beside the media would be inside the file store's publication
        # prefix, where a killed worker's half-written body would stay among the outputs.
        with job_scratch(self.settings) as folder:
            body, content_type = _multipart(folder / "body", media, sidecars)
            return self._send("POST", url, body, content_type, 0)

    def _send(self, method: str, url: str, body: Path, content_type: str, index: int) -> str | None:
        """One signed request with the file as its body; returns the answer's ETag. Raises
        DeliveryFailed for a refused URL, a transport error, a missed deadline or a non-2xx answer."""
        try:
            target = parse_target(url)
            if target.scheme != "https" and not self.settings.webhook_allow_private:
                raise UnsafeWebhookUrl("the URL must start with https://")
            address = resolve(target, self.settings.webhook_allow_private)[0]
        except UnsafeWebhookUrl as exc:
            raise DeliveryFailed(f"refused: {exc}") from exc
        message_id = f"pub_{self.plan.publication_id}_{index}"
        timestamp = int(time.time())
        headers = {
            "Host": target.host_header,
            "Content-Type": content_type,
            "Content-Length": str(body.stat().st_size),
            "User-Agent": "Shopcast-Publisher/1",
            "Accept-Encoding": "identity",  # the kept head is raw bytes: never a compressed bomb to inflate
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": stream_signature(self._secret, message_id, timestamp, _chunks(body)),
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = _Request(method, target.url_for(address), body, headers, extensions)
        answer = self._exchange(request, url)
        if not 200 <= answer.status < 300:
            snippet = answer.head.decode("utf-8", errors="replace")[:300]
            raise DeliveryFailed(f"{method} {url} answered {answer.status}: {snippet}")
        return answer.etag

    def _exchange(self, request: _Request, url: str) -> _Answer:
        """The request and its answer within `publish_push_deadline_s`, however the partner
        answers: slowly, without end, or not at all. Raises DeliveryFailed."""
        deadline_s = self.settings.publish_push_deadline_s
        try:
            return asyncio.run(_exchange(request, self.settings.publish_timeout_s, deadline_s))
        except TimeoutError as exc:
            raise DeliveryFailed(
                f"{request.method} {url} failed: the exchange took longer than its {deadline_s:g} s deadline"
            ) from exc
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{request.method} {url} failed: {type(exc).__name__}: {exc}") from exc

    @property
    def _secret(self) -> str:
        return str(self.plan.credentials["secret"])


@dataclass(frozen=True)
class _Request:
    method: str
    url: str  # to the resolved address the guard allowed
    body: Path
    headers: dict[str, str]
    extensions: dict[str, str]


@dataclass(frozen=True)
class _Answer:
    status: int
    etag: str | None
    head: bytes  # at most _HEAD_BYTES of a refusal's body; empty for a 2xx


async def _exchange(request: _Request, timeout_s: float, deadline_s: float) -> _Answer:
    # asyncio rather than the sync client: a deadline must cancel a read that is blocked, which a
    # per-read timeout never does when a partner dribbles a byte now and then.
    async with (
        asyncio.timeout(deadline_s),
        httpx.AsyncClient(timeout=timeout_s, follow_redirects=False, trust_env=False) as client,
        client.stream(
            request.method, request.url, content=_async_chunks(request.body), headers=request.headers,
            extensions=request.extensions,
        ) as answer,
    ):  # fmt: skip
        accepted = 200 <= answer.status_code < 300
        # An accepted delivery needs nothing of the body; leaving the block closes the connection
        # with the rest unread rather than draining what may never end.
        head = b"" if accepted else await _read_head(answer)
        return _Answer(answer.status_code, answer.headers.get("etag"), head)


async def _read_head(answer: httpx.Response) -> bytes:
    """The first _HEAD_BYTES of the answer's body, read as it arrives; the rest is never read."""
    head = bytearray()
    async for chunk in answer.aiter_raw():
        head += chunk[: _HEAD_BYTES - len(head)]
        if len(head) >= _HEAD_BYTES:
            break
    return bytes(head)


async def _async_chunks(path: Path) -> AsyncIterator[bytes]:
    for chunk in _chunks(path):
        yield chunk


def _join(base: str, name: str) -> str:
    path, _, query = base.partition("?")
    return f"{path.rstrip('/')}/{name}" + (f"?{query}" if query else "")


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def _multipart(path: Path, media: LocalFile, sidecars: list[LocalFile]) -> tuple[Path, str]:
    """The form body written to `path` (so it can be signed, then streamed); returns its content type."""
    boundary = "shopcast-" + secrets.token_hex(16)
    with path.open("wb") as out:
        for field, file in [("file", media), *(("sidecar", s) for s in sidecars)]:
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{file.name}"\r\n'
                f"Content-Type: {file.info.content_type}\r\n\r\n".encode()
            )
            for chunk in _chunks(file.path):
                out.write(chunk)
            out.write(b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
    return path, f"multipart/form-data; boundary={boundary}"
