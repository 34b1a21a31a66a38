"""A webhook receiver on loopback: records every request and answers as the test says."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.harness.loopback_http import LoopbackHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """`statuses` are answered in turn (then `default`); every request is kept in `received`."""

    statuses: list[int] = field(default_factory=list)
    default: int = 200
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.received.append(Received(headers, body))
            return self.statuses.pop(0) if self.statuses else self.default

    def of_type(self, event_type: str) -> Iterator[Received]:
        for request in list(self.received):
            if json.loads(request.body)["type"] == event_type:
                yield request


class ReceiverServer:
    """Serves a Receiver on 127.0.0.1 (a given port, so a test can start it late)."""

    def __init__(self, receiver: Receiver, port: int = 0):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.answer({k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: object) -> None:
                return

        self._http = LoopbackHTTPServer(Handler, port)
        self.port = int(self._http.server.server_address[1])
        self.url = f"{self._http.base_url}/hooks"

    def close(self) -> None:
        self._http.close()
