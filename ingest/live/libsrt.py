"""Haivision's SRT library (Debian's `libsrt1.5-openssl`) through ctypes: the calls of a listener
that records and of a caller that restreams.

libsrt does all of SRT (handshakes, encryption, retransmission, latency); Shopcast listens, decides
in libsrt's listen callback whether a caller's stream id may publish (and with which passphrase),
receives the accepted sockets' messages, and calls destinations to send them a stream. Constants and
the statistics layout are those of `srt/srt.h` 1.5.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import socket
import struct
import threading
from dataclasses import dataclass

SRTO_LINGER = 7
SRTO_RCVSYN = 2
SRTO_SNDTIMEO = 13
SRTO_RCVTIMEO = 14
SRTO_LATENCY = 23
SRTO_PBKEYLEN = 27
SRTO_CONNTIMEO = 36
SRTO_PASSPHRASE = 26
SRTO_STREAMID = 46
SRTO_TSBPDMODE = 22
# a receive found nothing in time (6002 non-blocking, 6003 past SRTO_RCVTIMEO): the connection is fine
_NOTHING_YET = (6002, 6003)
SRT_LOG_ERR = 3
LIVE_PAYLOAD_BYTES = 1456  # the most one live-mode message holds (1316 for seven TS packets)

ListenCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p
)


class SrtError(OSError):
    """A libsrt call failed; `code` is libsrt's error number (e.g. 2001 connection lost)."""

    def __init__(self, call: str, code: int, text: str) -> None:
        super().__init__(code, f"{call}: {text}")
        self.code = code


class _Stats(ctypes.Structure):
    """`SRT_TRACEBSTATS` (struct CBytePerfMon), as far as the receive-side figures Shopcast reads."""

    _fields_ = [
        ("msTimeStamp", ctypes.c_int64),
        ("pktSentTotal", ctypes.c_int64),
        ("pktRecvTotal", ctypes.c_int64),
        ("pktSndLossTotal", ctypes.c_int),
        ("pktRcvLossTotal", ctypes.c_int),
        ("pktRetransTotal", ctypes.c_int),
        ("pktSentACKTotal", ctypes.c_int),
        ("pktRecvACKTotal", ctypes.c_int),
        ("pktSentNAKTotal", ctypes.c_int),
        ("pktRecvNAKTotal", ctypes.c_int),
        ("usSndDurationTotal", ctypes.c_int64),
        ("pktSndDropTotal", ctypes.c_int),
        ("pktRcvDropTotal", ctypes.c_int),
        ("pktRcvUndecryptTotal", ctypes.c_int),
        ("byteSentTotal", ctypes.c_uint64),
        ("byteRecvTotal", ctypes.c_uint64),
        ("byteRcvLossTotal", ctypes.c_uint64),
        ("byteRetransTotal", ctypes.c_uint64),
        ("byteSndDropTotal", ctypes.c_uint64),
        ("byteRcvDropTotal", ctypes.c_uint64),
        ("byteRcvUndecryptTotal", ctypes.c_uint64),
        ("pktSent", ctypes.c_int64),
        ("pktRecv", ctypes.c_int64),
        ("pktSndLoss", ctypes.c_int),
        ("pktRcvLoss", ctypes.c_int),
        ("pktRetrans", ctypes.c_int),
        ("pktRcvRetrans", ctypes.c_int),
        ("pktSentACK", ctypes.c_int),
        ("pktRecvACK", ctypes.c_int),
        ("pktSentNAK", ctypes.c_int),
        ("pktRecvNAK", ctypes.c_int),
        ("mbpsSendRate", ctypes.c_double),
        ("mbpsRecvRate", ctypes.c_double),
        ("usSndDuration", ctypes.c_int64),
        ("pktReorderDistance", ctypes.c_int),
        ("pktRcvAvgBelatedTime", ctypes.c_double),
        ("pktRcvBelated", ctypes.c_int64),
        ("pktSndDrop", ctypes.c_int),
        ("pktRcvDrop", ctypes.c_int),
        ("pktRcvUndecrypt", ctypes.c_int),
        ("byteSent", ctypes.c_uint64),
        ("byteRecv", ctypes.c_uint64),
        ("byteRcvLoss", ctypes.c_uint64),
        ("byteRetrans", ctypes.c_uint64),
        ("byteSndDrop", ctypes.c_uint64),
        ("byteRcvDrop", ctypes.c_uint64),
        ("byteRcvUndecrypt", ctypes.c_uint64),
        ("usPktSndPeriod", ctypes.c_double),
        ("pktFlowWindow", ctypes.c_int),
        ("pktCongestionWindow", ctypes.c_int),
        ("pktFlightSize", ctypes.c_int),
        ("msRTT", ctypes.c_double),
        ("mbpsBandwidth", ctypes.c_double),
        ("byteAvailSndBuf", ctypes.c_int),
        ("byteAvailRcvBuf", ctypes.c_int),
        # the rest of the structure (1.5's later fields), read by nobody here but written by libsrt
        ("_rest", ctypes.c_byte * 512),
    ]


@dataclass(frozen=True)
class ReceiveStats:
    packets_received: int
    packets_lost: int  # reported lost on the way (most are recovered by retransmission)
    packets_dropped: int  # never arrived in time: what the recording lacks
    retransmitted: int
    rtt_ms: float


_lock = threading.Lock()
_lib: ctypes.CDLL | None = None


def library() -> ctypes.CDLL:
    """libsrt, started once per process; raises OSError when it is not installed."""
    global _lib
    with _lock:
        if _lib is None:
            name = ctypes.util.find_library("srt") or "libsrt.so.1.5"
            lib = ctypes.CDLL(name)
            lib.srt_getlasterror_str.restype = ctypes.c_char_p
            lib.srt_getlasterror.argtypes = [ctypes.c_void_p]
            lib.srt_listen_callback.argtypes = [ctypes.c_int, ListenCallback, ctypes.c_void_p]
            lib.srt_setsockflag.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
            lib.srt_getsockflag.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
            lib.srt_recvmsg.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
            c_int = ctypes.c_int
            lib.srt_sendmsg.argtypes = [c_int, ctypes.c_char_p, c_int, c_int, c_int]
            lib.srt_bstats.argtypes = [ctypes.c_int, ctypes.POINTER(_Stats), ctypes.c_int]
            lib.srt_startup()
            lib.srt_setloglevel(SRT_LOG_ERR)
            _lib = lib
        return _lib


def available() -> bool:
    try:
        library()
    except OSError:
        return False
    return True


def _check(call: str, result: int) -> int:
    if result < 0:
        lib = library()
        raise SrtError(call, lib.srt_getlasterror(None), lib.srt_getlasterror_str().decode())
    return result


def sockaddr(host: str, port: int) -> bytes:
    """A `struct sockaddr_in` or `sockaddr_in6` for bind."""
    if ":" in host:
        packed = socket.inet_pton(socket.AF_INET6, host)
        return (
            struct.pack("=H", socket.AF_INET6) + struct.pack("!HI", port, 0) + packed + struct.pack("=I", 0)
        )
    return struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + socket.inet_aton(host) + bytes(8)


def listen(host: str, port: int, callback: ctypes._CFuncPtr) -> int:  # type: ignore[name-defined]
    """A listening socket on host:port whose every caller passes through `callback` first."""
    lib = library()
    sock = _check("srt_create_socket", lib.srt_create_socket())
    address = sockaddr(host, port)
    try:
        # A recorder wants every packet rather than each on time: no timestamp-based delivery, so
        # nothing is dropped as too late; lost packets are retransmitted until they arrive.
        set_int(sock, SRTO_TSBPDMODE, 0)
        _check("srt_bind", lib.srt_bind(sock, address, len(address)))
        _check("srt_listen_callback", lib.srt_listen_callback(sock, callback, None))
        _check("srt_listen", lib.srt_listen(sock, 64))
    except SrtError:
        lib.srt_close(sock)
        raise
    return sock


def accept(listener: int) -> int:
    """The next accepted caller (blocks; raises SrtError once the listener is closed)."""
    return _check("srt_accept", library().srt_accept(listener, None, None))


def set_string(sock: int, option: int, value: str) -> None:
    data = value.encode()
    _check("srt_setsockflag", library().srt_setsockflag(sock, option, data, len(data)))


def set_int(sock: int, option: int, value: int) -> None:
    number = ctypes.c_int(value)
    _check("srt_setsockflag", library().srt_setsockflag(sock, option, ctypes.byref(number), 4))


def stream_id(sock: int) -> str:
    buffer = ctypes.create_string_buffer(513)
    size = ctypes.c_int(513)
    _check("srt_getsockflag", library().srt_getsockflag(sock, SRTO_STREAMID, buffer, ctypes.byref(size)))
    return buffer.value.decode("utf-8", "replace")


def reject(sock: int, status: int) -> None:
    """Refuse a caller from the listen callback with an HTTP-like status (401, 403, 409, ...)."""
    library().srt_setrejectreason(sock, 1000 + status)


def receive(sock: int, buffer: ctypes.Array[ctypes.c_char]) -> int:
    """Bytes of the next message in `buffer`; 0 when the receive timed out (SRTO_RCVTIMEO)."""
    lib = library()
    got = lib.srt_recvmsg(sock, buffer, len(buffer))
    if got >= 0:
        return int(got)
    code = lib.srt_getlasterror(None)
    if code in _NOTHING_YET:
        return 0
    raise SrtError("srt_recvmsg", code, lib.srt_getlasterror_str().decode())


def connect(host: str, port: int, flags: dict[int, int | str], timeout_ms: int = 5000) -> int:
    """A caller socket connected to host:port (an address, not a name) with these options set
    first; sends block at most `timeout_ms`. Raises SrtError (a refusal included)."""
    lib = library()
    sock = _check("srt_create_socket", lib.srt_create_socket())
    try:
        set_int(sock, SRTO_CONNTIMEO, timeout_ms)
        set_int(sock, SRTO_SNDTIMEO, timeout_ms)
        for option, value in flags.items():
            if isinstance(value, str):
                set_string(sock, option, value)
            else:
                set_int(sock, option, value)
        address = sockaddr(host, port)
        _check("srt_connect", lib.srt_connect(sock, ctypes.c_char_p(address), len(address)))
    except SrtError:
        lib.srt_close(sock)
        raise
    return sock


def linger(sock: int, seconds: int) -> None:
    """Let a close wait up to `seconds` for what was sent to arrive (live mode's default drops it)."""
    value = struct.pack("=ii", 1, seconds)
    _check("srt_setsockflag", library().srt_setsockflag(sock, SRTO_LINGER, value, len(value)))


def send(sock: int, data: bytes) -> None:
    """One message (at most LIVE_PAYLOAD_BYTES); raises SrtError when the connection is gone."""
    _check("srt_sendmsg", library().srt_sendmsg(sock, data, len(data), -1, 0))


def close(sock: int) -> None:
    library().srt_close(sock)


def stats(sock: int) -> ReceiveStats | None:
    perf = _Stats()
    if library().srt_bstats(sock, ctypes.byref(perf), 0) < 0:
        return None
    return ReceiveStats(
        int(perf.pktRecvTotal),
        int(perf.pktRcvLossTotal),
        int(perf.pktRcvDropTotal),
        int(perf.pktRetransTotal),
        float(perf.msRTT),
    )
