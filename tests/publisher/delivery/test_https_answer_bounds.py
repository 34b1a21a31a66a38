"""Issue #15: an HTTPS push reads a partner's answer streamed and capped (64 KiB kept), and the whole
exchange ends by `publish_push_deadline_s`: a loopback partner that answers a huge body, dribbles
bytes or never answers cannot hold the worker or fill its memory."""

from __future__ import annotations

import hashlib
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from publisher.delivery.https import HttpsTarget
from publisher.delivery.targets import DeliveryFailed, LocalFile
from publisher.publications.plans import DeliveryPlan, OutputFile, Receipt
from shopcast.settings import Settings
from shopcast.webhooks.signing import new_secret
from tests.harness.loopback_http import LoopbackHTTPServer

DEADLINE_S = 2.0
READ_TIMEOUT_S = 30.0  # far beyond the deadline: only the deadline can end a silent partner in time
GUARD_S = 15.0  # a delivery still running after this hangs (the defect), and the test fails
HUGE_BYTES = 256 * 1024**2

Answer = Callable[[BaseHTTPRequestHandler, threading.Event], None]


def _write_until_stopped(
    handler: BaseHTTPRequestHandler, stop: threading.Event, piece: bytes, pause_s: float
) -> None:
    try:
        while not stop.is_set():
            handler.wfile.write(piece)
            handler.wfile.flush()
            stop.wait(pause_s)
    except OSError:
        return  # the publisher closed the connection: what a bounded reader does


def huge_refusal(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """500 with a 256 MiB body, sent as fast as loopback takes it."""
    handler.send_response(500)
    handler.send_header("Content-Length", str(HUGE_BYTES))
    handler.end_headers()
    piece, sent = b"partner error; " * 4096, 0
    try:
        while sent < HUGE_BYTES and not stop.is_set():
            handler.wfile.write(piece[: HUGE_BYTES - sent])
            sent += len(piece)
    except OSError:
        return


def dribbled_refusal(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """502, then a byte every 50 ms without end (the body runs until the connection closes)."""
    handler.send_response(502)
    handler.end_headers()
    _write_until_stopped(handler, stop, b"x", 0.05)


def silence(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """Takes the file, then never answers."""
    stop.wait(60)


def endless_acceptance(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """201 with an ETag, then a body that never ends."""
    handler.send_response(201)
    handler.send_header("ETag", '"accepted"')
    handler.end_headers()
    _write_until_stopped(handler, stop, b"y" * 1024, 0.05)


@dataclass
class Partner:
    url: str
    received: list[int]


@pytest.fixture
def partner(request: pytest.FixtureRequest) -> Iterator[Partner]:
    answer: Answer = request.param
    stop, received = threading.Event(), []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            received.append(len(self.rfile.read(int(self.headers.get("Content-Length", "0")))))
            answer(self, stop)

        def log_message(self, *_args: object) -> None:
            return

    server = LoopbackHTTPServer(Handler)
    yield Partner(server.base_url + "/drop", received)
    stop.set()
    server.close()


@dataclass
class Outcome:
    result: Receipt | BaseException | None
    elapsed_s: float
    peak_bytes: int


def _deliver(tmp_path: Path, url: str) -> Outcome:
    """A PUT of a small file to `url`, in a thread the test waits on for GUARD_S at most, with
    the peak of Python allocations meanwhile."""
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"\x00media" * 4096)
    data = media.read_bytes()
    info = OutputFile(media.name, len(data), hashlib.sha256(data).hexdigest(), "video/mp4")
    plan = DeliveryPlan(
        publication_id="0" * 32, target_type="https", target={"type": "https", "url": url},
        credentials={"secret": new_secret()}, prefix="assets/a/publications/p/j", files=[info],
        base_name="clip",
    )  # fmt: skip
    settings = Settings(
        data_dir=tmp_path / "data", webhook_allow_private=True, publish_timeout_s=READ_TIMEOUT_S,
        publish_push_deadline_s=DEADLINE_S,
    )  # fmt: skip
    outcome: list[Receipt | BaseException] = []

    def run() -> None:
        try:
            outcome.append(HttpsTarget(settings, plan).deliver(LocalFile(media, media.name, info), []))
        except BaseException as exc:  # handed to the test to assert on
            outcome.append(exc)

    tracemalloc.start()
    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(GUARD_S)
    elapsed, peak = time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Outcome(outcome[0] if outcome else None, elapsed, peak)


def _failure(outcome: Outcome) -> str:
    assert outcome.result is not None, f"the delivery still ran after {GUARD_S} s"
    assert isinstance(outcome.result, DeliveryFailed), repr(outcome.result)
    return str(outcome.result)


@pytest.mark.parametrize("partner", [huge_refusal], indirect=True)
def test_a_huge_refusal_is_read_only_as_far_as_its_first_64_kib(tmp_path: Path, partner: Partner) -> None:
    outcome = _deliver(tmp_path, partner.url)
    message = _failure(outcome)
    assert "answered 500: partner error; partner error;" in message, message
    assert outcome.peak_bytes < 16 * 1024**2, f"{outcome.peak_bytes} bytes held for a 256 MiB answer"
    assert outcome.elapsed_s < DEADLINE_S, outcome.elapsed_s


@pytest.mark.parametrize("partner", [dribbled_refusal, silence], indirect=True)
def test_a_dribbling_or_silent_partner_fails_the_delivery_at_the_deadline(
    tmp_path: Path, partner: Partner
) -> None:
    outcome = _deliver(tmp_path, partner.url)
    message = _failure(outcome)
    assert f"longer than its {DEADLINE_S:g} s deadline" in message, message
    assert DEADLINE_S <= outcome.elapsed_s < DEADLINE_S + 2, outcome.elapsed_s
    assert partner.received == [len(b"\x00media" * 4096)], "the file went out before the answer stalled"


@pytest.mark.parametrize("partner", [endless_acceptance], indirect=True)
def test_an_accepted_delivery_does_not_wait_for_an_endless_answer_body(
    tmp_path: Path, partner: Partner
) -> None:
    outcome = _deliver(tmp_path, partner.url)
    assert isinstance(outcome.result, Receipt), repr(outcome.result)
    assert outcome.result.etag == '"accepted"'
    assert outcome.elapsed_s < DEADLINE_S, outcome.elapsed_s
