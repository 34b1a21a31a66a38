"""Live ingest in /metrics: streams by state and by protocol, and each live stream's health as its node
last saw it."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ingest.live.models import LiveState, LiveStream

_HEALTH = {
    "video_kbps": "Incoming video bitrate (kb/s, last 5 s)",
    "audio_kbps": "Incoming audio bitrate (kb/s, last 5 s)",
    "fps": "Incoming video frames per second (last 5 s)",
    "frames_dropped": "Video frames not recorded (waiting for a keyframe after a loss)",
    "packets_lost": "Packets lost on the way in (RTP for WHIP; SRT's, most of them retransmitted)",
    "packets_dropped": "SRT packets that never arrived",
    "packets_retransmitted": "SRT packets the publisher sent again",
    "rtt_ms": "Round trip to an SRT publisher (ms)",
    "keyframe_requests": "Keyframes requested from the publisher (RTCP PLI)",
    "seconds_recorded": "Seconds of the stream recorded so far",
    "max_lag_s": "Most a frame reached the recorder behind the publisher's clock (s)",
}


class _LiveCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        streams = GaugeMetricFamily("shopcast_live_streams", "Live streams by state", labels=["state"])
        live_by = GaugeMetricFamily(
            "shopcast_live_publishers", "Streams live now by ingest protocol", labels=["ingest"]
        )
        health = {
            name: GaugeMetricFamily(f"shopcast_live_{name}", text, labels=["stream_id"])
            for name, text in _HEALTH.items()
        }
        with self.sessions() as session:
            counts = dict(
                session.execute(select(LiveStream.state, func.count()).group_by(LiveStream.state)).all()
            )
            for state in LiveState:
                streams.add_metric([state.value], float(counts.get(state, 0)))
            live = session.execute(
                select(LiveStream.id, LiveStream.health, LiveStream.ingest).where(
                    LiveStream.state == LiveState.live
                )
            ).all()
            protocols = [ingest for _, _, ingest in live]
            for protocol in ("whip", "rtmp", "srt"):
                live_by.add_metric([protocol], float(protocols.count(protocol)))
            for stream_id, values, _ingest in live:
                for name, family in health.items():
                    if values and name in values:
                        family.add_metric([stream_id], float(values[name]))
        yield streams
        yield live_by
        yield from health.values()


def install_live_collector(registry: CollectorRegistry, sessions: sessionmaker[Session]) -> None:
    registry.register(_LiveCollector(sessions))
