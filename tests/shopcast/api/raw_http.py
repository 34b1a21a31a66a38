"""HTTP/1.1 over a bare socket, for requests an HTTP client will not send as a test needs them: a
chunked body that stops as soon as the server answers, a head of any size."""

from __future__ import annotations

import contextlib
import select
import socket
from dataclasses import dataclass

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RawAnswer:
    status: int
    head: str
    body_bytes_sent: int


def port_of(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def send_chunked(port: int, head: str, total_bytes: int, fill: bytes = b" ") -> RawAnswer:
    """Send `head` then up to `total_bytes` of chunked body, stopping as soon as an answer arrives."""
    payload = fill * _CHUNK
    frame = f"{len(payload):x}\r\n".encode() + payload + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head.encode("latin-1"))
        sent = 0
        while sent < total_bytes and not _readable(sock):
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(payload)
        if sent >= total_bytes:
            sock.sendall(b"0\r\n\r\n")
        return RawAnswer(*_read_head(sock), body_bytes_sent=sent)


def send_head(port: int, head: bytes) -> RawAnswer | None:
    """Send a request head (no body); None when the server closed without answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head)
        try:
            status, text = _read_head(sock)
        except (ConnectionResetError, ValueError):
            return None
        return RawAnswer(status, text, 0)


def _readable(sock: socket.socket) -> bool:
    ready, _, _ = select.select([sock], [], [], 0)
    return bool(ready)


def _read_head(sock: socket.socket) -> tuple[int, str]:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    text = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    parts = text.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise ValueError(f"no HTTP answer, got {text[:80]!r}")
    return int(parts[1]), text
