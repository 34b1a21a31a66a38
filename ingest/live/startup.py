"""Live ingest in an API process: the node that keeps sessions, and a front end per protocol.

WHIP answers on the API's own port; RTMP arrives through the engine's callbacks when `rtmp_port` is
set (the engine itself is another process, `shopcast rtmp`); SRT listens in this process when
`srt_ports` is set and libsrt is installed. A protocol whose parts are missing is off, with a log
line that says what to install; the others still work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ingest.live import libsrt
from ingest.live.node import LiveNode, start_live_node
from ingest.live.rtmp_sessions import RtmpIngest
from ingest.live.srt_listener import SrtIngest
from ingest.live.whip_sessions import WhipIngest
from shopcast.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class LiveIngest:
    node: LiveNode
    whip: WhipIngest
    rtmp: RtmpIngest | None
    srt: SrtIngest | None

    async def shutdown(self) -> None:
        if self.srt is not None:
            self.srt.stop()  # no new callers while the sessions are handed off
        await self.node.shutdown()


async def start_live_ingest(runtime: Runtime) -> LiveIngest:
    settings = runtime.settings
    node = await start_live_node(runtime)
    rtmp = RtmpIngest(node) if settings.rtmp_port else None
    return LiveIngest(node, WhipIngest(node), rtmp, _start_srt(node))


def _start_srt(node: LiveNode) -> SrtIngest | None:
    settings = node.runtime.settings
    if not settings.srt_port_range:
        return None
    if not libsrt.available():
        log.warning("SRT ingest is off: install Debian's libsrt1.5-openssl")
        return None
    srt = SrtIngest(node)
    try:
        srt.start()
    except OSError as exc:
        log.error("SRT ingest is off: no port of %s could be bound (%s)", settings.srt_ports, exc)
        return None
    return srt
