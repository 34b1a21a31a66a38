"""Is an SRT listener answering on host:port? Ask it as a caller with a stream id it must refuse.

`shopcast doctor` uses this: a listener that rejects the probe's made-up key is up and checking keys;
one that never answers the handshake is not there.
"""

from __future__ import annotations

import ctypes

from ingest.live import libsrt

SRTO_CONNTIMEO = 36
_PROBE_ID = "shopcast-doctor-probe"


def srt_answers(host: str, port: int, timeout_ms: int = 1500) -> bool:
    """Whether an SRT listener at host:port answered the handshake (it refuses the probe's key)."""
    lib = libsrt.library()
    sock = lib.srt_create_socket()
    try:
        libsrt.set_int(sock, SRTO_CONNTIMEO, timeout_ms)
        libsrt.set_string(sock, libsrt.SRTO_STREAMID, _PROBE_ID)
        address = libsrt.sockaddr(host, port)
        if lib.srt_connect(sock, ctypes.c_char_p(address), len(address)) == 0:
            return True  # let in: something listens, if not one that checks keys
        return bool(lib.srt_getrejectreason(sock) >= 1000)  # an application's refusal: a listener
    finally:
        lib.srt_close(sock)
