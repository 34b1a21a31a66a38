"""A loopback HTTP proxy in front of an S3 server that answers 500 to the first N requests that `when`
picks (default: any), and forwards everything else as it came, to show that deliveries survive a
failing S3."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import httpx

from tests.harness.loopback_http import LoopbackHTTPServer

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class FlakyProxy:
    def __init__(self, upstream: str, failures: int, when: Callable[[str, str], bool] = lambda _m, _p: True):
        self.upstream = upstream.rstrip("/")
        self.remaining = failures
        self.failed: list[str] = []
        self.forwarded: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                body = self._body()
                with proxy._lock:
                    fail = proxy.remaining > 0 and when(self.command, self.path)
                    if fail:
                        proxy.remaining -= 1
                        proxy.failed.append(f"{self.command} {self.path}")
                    else:
                        proxy.forwarded.append(f"{self.command} {self.path}")
                if fail:
                    payload = b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"
                    self._answer(500, {"Content-Type": "application/xml"}, payload)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                headers["Host"] = self.headers.get("Host", "")
                answer = httpx.request(
                    self.command, proxy.upstream + self.path, headers=headers, content=body, timeout=60
                )
                kept = {
                    k: v for k, v in answer.headers.items() if k.lower() not in _HOP | {"content-encoding"}
                }
                # A HEAD answer's Content-Length is the object's size, though no body follows.
                length = answer.headers.get("content-length", "0") if self.command == "HEAD" else None
                self._answer(answer.status_code, kept, answer.content, length)

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline().strip():
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))

            def _answer(
                self, status: int, headers: dict[str, str], body: bytes, length: str | None = None
            ) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", length if length is not None else str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle

            def log_message(self, *_args: object) -> None:
                return

        self._http = LoopbackHTTPServer(Handler)
        self.url = self._http.base_url

    def close(self) -> None:
        self._http.close()
