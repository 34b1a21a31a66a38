"""Where a pusher writes: an FLV muxer on FFmpeg's RTMP(S) client, or an MPEG-TS muxer whose bytes go
out as SRT messages through libsrt (PyAV's FFmpeg has no SRT of its own).

Both are opened on the address the destination check let through, never on a name resolved again
behind that check (RTMPS keeps its name for TLS; see `urls.DestinationUrl.with_address`).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import av
from av.container import OutputContainer

from ingest.live import libsrt
from ingest.restream.urls import DestinationUrl
from shopcast.webhooks.address_guard import IPAddress

CONNECT_TIMEOUT_S = 10.0
_LINGER_S = 2
_TS_PACKET = 188
_TS_PER_MESSAGE = 7  # 1316 bytes: what every SRT implementation expects of live MPEG-TS


class SrtWriter:
    """A file for PyAV's MPEG-TS muxer that sends whole SRT messages of seven TS packets."""

    def __init__(self, sock: int) -> None:
        self.sock = sock
        self.pending = b""

    def write(self, data: bytes) -> int:
        self.pending += data
        size = _TS_PACKET * _TS_PER_MESSAGE
        while len(self.pending) >= size:
            libsrt.send(self.sock, self.pending[:size])
            self.pending = self.pending[size:]
        return len(data)

    def flush(self) -> None:
        whole = len(self.pending) - len(self.pending) % _TS_PACKET
        if whole:
            libsrt.send(self.sock, self.pending[:whole])
        self.pending = self.pending[whole:]

    def close(self) -> None:
        try:
            self.flush()
        finally:
            libsrt.close(self.sock)


class Output:
    """An open connection to a destination and its muxer."""

    def __init__(self, container: OutputContainer, writer: SrtWriter | None) -> None:
        self.container = container
        self.writer = writer

    def close(self) -> None:
        """End the stream as the protocol expects (FLV's last tag, SRT's shutdown)."""
        try:
            self.container.close()
        finally:
            if self.writer is not None:
                self.writer.close()


def open_output(destination: DestinationUrl, address: IPAddress) -> Output:
    """Connect to `destination` at `address`; raises OSError (av's errors included) when it refuses."""
    if destination.scheme == "srt":
        sock = libsrt.connect(str(address), destination.port, _srt_flags(destination.url))
        libsrt.linger(sock, _LINGER_S)  # the end of the show reaches the platform before we hang up
        writer = SrtWriter(sock)
        container = av.open(writer, "w", format="mpegts")
        assert isinstance(container, OutputContainer)
        return Output(container, writer)
    url = destination.with_address(address)
    container = av.open(url, "w", format="flv", timeout=(CONNECT_TIMEOUT_S, CONNECT_TIMEOUT_S))
    assert isinstance(container, OutputContainer)
    return Output(container, None)


def _srt_flags(url: str) -> dict[int, int | str]:
    """SRT options of an FFmpeg-style caller URL: streamid, passphrase, pbkeylen, latency (in µs)."""
    options = dict(parse_qsl(urlsplit(url).query))
    flags: dict[int, int | str] = {}
    if "streamid" in options:
        flags[libsrt.SRTO_STREAMID] = options["streamid"]
    if options.get("passphrase"):
        flags[libsrt.SRTO_PASSPHRASE] = options["passphrase"]
    if options.get("pbkeylen", "").isdigit():
        flags[libsrt.SRTO_PBKEYLEN] = int(options["pbkeylen"])
    if options.get("latency", "").isdigit():
        flags[libsrt.SRTO_LATENCY] = int(options["latency"]) // 1000
    return flags
