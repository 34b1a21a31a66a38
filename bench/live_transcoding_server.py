"""The baseline for bench/live.py: a WHIP server that records by decoding and re-encoding.

It receives exactly as Shopcast does (aiortc, the same tap), but its video sink decodes every frame
(PyAV's H.264 decoder) and encodes it again with libx264 (veryfast, zerolatency, the publisher's
bitrate) into a Matroska file per session: what a recorder built on decoded frames has to do.
Audio is dropped, so the comparison is the video work alone.

    python -m bench.live_transcoding_server PORT FOLDER
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from fractions import Fraction
from pathlib import Path

import av
import uvicorn
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ingest.live import tap as live_tap


class TranscodingSink:
    """Decode each received H.264 frame and encode it again."""

    def __init__(self, path: Path) -> None:
        self.decoder = av.CodecContext.create("h264", "r")
        self.output = av.open(str(path), "w", format="matroska")
        self.stream = self.output.add_stream(
            "libx264", rate=30, options={"preset": "veryfast", "tune": "zerolatency"}
        )
        self.stream.bit_rate = 2_500_000
        self.frames = 0
        self.first_arrival: float | None = None
        self.max_lag_s = 0.0
        self.lock = threading.Lock()

    def frame(self, ticks: int, data: bytes) -> None:
        now = time.monotonic()
        self.first_arrival = self.first_arrival or now
        with self.lock:
            for picture in self.decoder.decode(av.Packet(data)):
                if self.frames == 0:
                    self.stream.width, self.stream.height = picture.width, picture.height
                picture.pts, picture.time_base = self.frames, Fraction(1, 30)
                self.output.mux(self.stream.encode(picture))
                self.frames += 1
        self.max_lag_s = max(self.max_lag_s, time.monotonic() - self.first_arrival - ticks / 90000)

    def sender_report(self, ntp_s: float, ticks: int) -> None:
        pass

    def picture_lost(self) -> None:
        pass

    def close(self) -> None:
        with self.lock:
            if self.frames:
                self.output.mux(self.stream.encode(None))
            self.output.close()


class NullSink(TranscodingSink):
    def __init__(self) -> None:
        pass

    def frame(self, ticks: int, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def make_app(folder: Path) -> Starlette:
    sessions: dict[str, tuple[RTCPeerConnection, TranscodingSink]] = {}
    finished: dict[str, dict[str, float]] = {}

    async def publish(request: Request) -> Response:
        offer = (await request.body()).decode()
        session_id = uuid.uuid4().hex
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        sink = TranscodingSink(folder / f"{session_id}.mkv")
        for transceiver in pc.getTransceivers():
            live_tap.attach(transceiver.receiver, sink if transceiver.kind == "video" else NullSink())
        await pc.setLocalDescription(await pc.createAnswer())
        sessions[session_id] = (pc, sink)
        headers = {"Location": f"/whip/{session_id}"}
        answer = pc.localDescription.sdp
        return Response(answer, status_code=201, media_type="application/sdp", headers=headers)

    async def stop(request: Request) -> Response:
        session_id = request.path_params["session_id"]
        pc, sink = sessions.pop(session_id)
        await pc.close()  # the receiver thread works through its backlog first
        sink.close()
        finished[session_id] = {"frames": sink.frames, "max_lag_s": sink.max_lag_s}
        return Response(status_code=200)

    async def stats(request: Request) -> Response:
        return Response(json.dumps(finished), media_type="application/json")

    routes = [
        Route("/whip", publish, methods=["POST"]),
        Route("/whip/{session_id}", stop, methods=["DELETE"]),
        Route("/stats", stats, methods=["GET"]),
    ]
    return Starlette(routes=routes)


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    live_tap.install(["127.0.0.1"])  # loopback candidates only
    uvicorn.run(make_app(folder), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
