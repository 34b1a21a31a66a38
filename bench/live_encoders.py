"""Studio encoders for `bench/live.py`: how many concurrent RTMP or SRT publishers one API process
(with its nginx engine, for RTMP) records without losing a frame, at what CPU per stream, and how
long a picture takes from the encoder to the live preview.

N FFmpeg publishers send a pre-encoded 720p30 2.5 Mb/s H.264 (High, B-frames) + AAC file in real time
(`-re -stream_loop -1 -c copy`, so publishing costs little) over RTMP or SRT; the CPU counted is the
API process's plus nginx's. Glass to preview: a publisher sends media time t at wall time start + t
(`-re`, no initial burst), so a preview segment whose first picture is media time t, first listed at
wall time w, shows that picture `w - start - t` after the encoder sent it: a segment's first picture
waits longest, the whole segment. A real encoder's own encoding delay and the player's buffer (hls.js
starts three segments behind the live edge by default) come on top.
All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
import httpx
import psutil

from bench.upload import wait_until_up
from ingest.assets.models import source_key
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import Runtime, build_runtime
from shopcast.settings import Settings
from tests.harness.encoders import CONTAINERS, publish_url
from tests.harness.media import FFMPEG, ffmpeg
from tests.harness.services import free_port, free_udp_port

FPS = 30
KEEP = 0.995  # a recording holding fewer of the sent frames than this has lost some


@dataclass(frozen=True)
class EncoderStep:
    protocol: str
    streams: int
    frames: list[int]
    cpu_s: float
    seconds: float
    latencies: list[float]

    def lossless(self, expected: int) -> bool:
        return len(self.frames) == self.streams and min(self.frames, default=0) >= KEEP * expected

    def cpu_per_stream(self) -> float:
        return 100 * self.cpu_s / self.seconds / self.streams

    def row(self, expected: int) -> str:
        worst = min(self.frames, default=0)
        verdict = "ok" if self.lossless(expected) else "LOST FRAMES"
        late = f", glass to preview p50 {statistics.median(self.latencies):4.1f} s" if self.latencies else ""
        return (
            f"{self.streams:3d} streams: worst recording {worst}/{expected} frames, "
            f"server CPU {self.cpu_per_stream():4.2f} % of a core per stream{late}  {verdict}"
        )


def encoder_source(folder: Path) -> Path:
    """What OBS sends: H.264 High with B-frames, GOP 2 s, AAC."""
    path = folder / "encoder_720p30.mkv"
    if not path.exists():
        ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=20",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20",
            "-c:v", "libx264", "-profile:v", "high", "-bf", "2", "-g", "60", "-sc_threshold", "0",
            "-preset", "veryfast", "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "2500k",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2", str(path),
        )  # fmt: skip
    return path


@dataclass
class LoopbackServer:
    base: str
    runtime: Runtime
    token: str
    processes: list[subprocess.Popen[bytes]]

    def cpu_s(self) -> float:
        total = 0.0
        for process in self.processes:
            tree = psutil.Process(process.pid)
            for member in [tree, *tree.children(recursive=True)]:
                times = member.cpu_times()
                total += times.user + times.system
        return total


@contextmanager
def serve_on_loopback(folder: Path) -> Iterator[LoopbackServer]:
    """The API and the RTMP engine on loopback, with RTMP and SRT on ports of their own."""
    port = free_port()
    env = {
        **os.environ,
        "SHOPCAST_DATA_DIR": str(folder),
        "SHOPCAST_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SHOPCAST_RTMP_PORT": str(free_port()),
        "SHOPCAST_SRT_PORTS": str(free_udp_port()),
        "SHOPCAST_LIVE_LISTEN_HOST": "127.0.0.1",
        "SHOPCAST_RATE_LIMIT_BURST": "100000",
        "SHOPCAST_WEBRTC_HOSTS": "127.0.0.1",
        "SHOPCAST_RESTREAM_ALLOW_PRIVATE": "1",  # the destinations are on loopback too
        "SHOPCAST_DEV": "1",  # the placeholder secret is fine for a loopback bench
    }
    folder.mkdir(parents=True)
    settings = Settings(data_dir=folder)
    upgrade(settings)
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        _, token = create_user(session, "bench", Role.creator)
    cli = [sys.executable, "-m", "shopcast.cli.main"]
    api = subprocess.Popen(
        [*cli, "api", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=(folder / "api.log").open("wb"),
    )  # fmt: skip
    engine = subprocess.Popen([*cli, "rtmp"], env=env, stderr=(folder / "rtmp.log").open("wb"))
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        time.sleep(1)  # nginx binds within a moment of starting
        yield LoopbackServer(f"http://127.0.0.1:{port}", runtime, token, [api, engine])
    finally:
        for process in (engine, api):
            process.terminate()
            process.wait(timeout=60)
        runtime.engine.dispose()


def _publishers(
    source: Path, streams: list[dict[str, str]], protocol: str, seconds: int
) -> list[subprocess.Popen[bytes]]:
    started = []
    for stream in streams:
        # no initial burst: media time t leaves the publisher at wall time start + t
        command = [FFMPEG, "-hide_banner", "-loglevel", "error", "-re", "-readrate_initial_burst", "0"]
        command += ["-stream_loop", "-1"]
        command += ["-i", str(source), "-t", str(seconds), "-c", "copy", "-f", CONTAINERS[protocol]]
        started.append(subprocess.Popen([*command, publish_url(stream, protocol)], stdout=subprocess.DEVNULL))
    return started


def _video_frames(path: Path | None) -> int:
    if path is None:
        return 0
    try:
        with av.open(str(path)) as container:
            return sum(1 for p in container.demux(container.streams.video[0]) if p.size)
    except (av.FFmpegError, IndexError):
        return 0


def _watch_preview(client: httpx.Client, stream_id: str, started: float, until: float) -> list[float]:
    """Glass-to-preview latencies of each new segment of one stream's preview, while it is live."""
    seen: set[str] = set()
    latencies: list[float] = []
    preview = None
    while time.monotonic() < until:
        preview = preview or client.get(f"/v1/live-streams/{stream_id}").json()["preview_hls"]
        if preview:
            listed = httpx.get(preview, timeout=5)
            now = time.monotonic()
            for line in listed.text.splitlines():
                name = line.split("?")[0]
                if line.startswith("preview/") and name not in seen:
                    seen.add(name)
                    first = _first_picture(httpx.URL(preview).join(line)) if len(seen) > 1 else None
                    if first is not None:  # the first listing holds segments from before we looked
                        latencies.append(now - started - first)
        time.sleep(0.1)
    return latencies


def _first_picture(url: httpx.URL) -> float | None:
    """When a preview segment's first picture was sent, on the stream's timeline: the frame that
    waited longest for its segment to be listed."""
    data = httpx.get(url, timeout=10).content
    with av.open(_Bytes(data), "r", format="mpegts") as container:
        video = container.streams.video[0]
        times = [
            float(p.pts * p.time_base) for p in container.demux(video) if p.pts is not None and p.time_base
        ]
    return min(times, default=0.0)


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        self.at += len(chunk)
        return chunk


def encoder_step(protocol: str, folder: Path, source: Path, streams: int, seconds: int) -> EncoderStep:
    with serve_on_loopback(folder / f"{protocol}_{streams}") as server:
        client = httpx.Client(
            base_url=server.base, headers={"Authorization": f"Bearer {server.token}"}, timeout=30
        )
        made = [client.post("/v1/live-streams", json={"title": f"s{n}"}).json() for n in range(streams)]
        before, started = server.cpu_s(), time.monotonic()
        running = _publishers(source, made, protocol, seconds)
        latencies = _watch_preview(client, made[0]["id"], started, started + seconds)
        for publisher in running:
            publisher.wait(timeout=seconds + 60)
        cpu, wall = server.cpu_s() - before, time.monotonic() - started
        frames = [_video_frames(_recording(client, server.runtime, stream["id"])) for stream in made]
        return EncoderStep(protocol, streams, frames, cpu, wall, latencies)


def _recording(client: httpx.Client, runtime: Runtime, stream_id: str) -> Path | None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        body = client.get(f"/v1/live-streams/{stream_id}").json()
        if body["asset_id"]:
            return runtime.store.local_path(source_key(body["asset_id"]))
        time.sleep(0.5)
    return None
