"""How many concurrent live publishers one API process records without losing a frame, in one run:
WHIP, then RTMP and SRT (bench/live_encoders.py).

    .venv/bin/python -m bench.live [--seconds 60] [--steps 4,8,12,16] [--baseline-steps 1,2,3]
        [--protocols whip,rtmp,srt] [--rtmp-steps 10,20,30,40] [--srt-steps 5,10,15,20]

N FFmpeg publishers send a pre-encoded 720p30 2.5 Mb/s H.264 + Opus file in real time (`-re
-stream_loop -1 -c copy`, so publishing costs little) to Shopcast's WHIP endpoint, which keeps the
encoded frames; N grows until a recording misses frames. The same is done against a baseline server
that decodes every frame and re-encodes it (aiortc's MediaRecorder with libx264). Target:
>= 8 streams with no frame loss. Prints N, the server's CPU per stream, and the baseline's N.
RTMP and SRT: targets >= 40 and >= 20 streams, each at <= 2 % of a core, glass to preview <= 6 s.
All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import httpx
import psutil

from bench.live_encoders import EncoderStep, encoder_source, encoder_step
from bench.upload import wait_until_up
from ingest.assets.models import source_key
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import build_runtime
from shopcast.settings import Settings
from tests.harness.media import FFMPEG, ffmpeg
from tests.harness.services import free_port

FPS = 30
KEEP = 0.995  # a recording holding fewer of the sent frames than this has lost some
MAX_LAG_S = 1.0  # a recorder whose frames arrive later than this behind the publisher has fallen behind


@dataclass(frozen=True)
class Step:
    streams: int
    frames: list[int]  # video frames in each recording
    lags: list[float]  # each recording's largest lag behind its publisher
    cpu_s: float  # server CPU seconds over the run
    seconds: float

    def lossless(self, expected: int) -> bool:
        kept = len(self.frames) == self.streams and min(self.frames, default=0) >= KEEP * expected
        return kept and max(self.lags, default=0.0) <= MAX_LAG_S

    def row(self, expected: int) -> str:
        worst = min(self.frames, default=0)
        per_stream = 100 * self.cpu_s / self.seconds / self.streams
        verdict = "ok" if self.lossless(expected) else "LOST FRAMES"
        return (
            f"{self.streams:3d} streams: worst recording {worst}/{expected} frames, "
            f"lag up to {max(self.lags, default=0.0):5.2f} s, "
            f"server CPU {per_stream:5.1f} % of a core per stream  {verdict}"
        )


def make_source(folder: Path) -> Path:
    path = folder / "publish_720p30.mkv"
    if not path.exists():
        ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=20",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20",
            "-c:v", "libx264", "-profile:v", "baseline", "-bf", "0", "-g", "60", "-preset", "veryfast",
            "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "2500k",
            "-c:a", "libopus", "-b:a", "96k", "-ac", "2", str(path),
        )  # fmt: skip
    return path


def publishers(source: Path, urls: list[tuple[str, str]], seconds: int) -> list[subprocess.Popen[bytes]]:
    started = []
    for url, key in urls:
        command = [FFMPEG, "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1"]
        command += ["-i", str(source), "-t", str(seconds), "-c", "copy"]
        command += ["-authorization", key] if key else []
        started.append(subprocess.Popen([*command, "-f", "whip", url], stdout=subprocess.DEVNULL))
    return started


def video_frames(path: Path) -> int:
    try:
        with av.open(str(path)) as container:
            return sum(1 for p in container.demux(container.streams.video[0]) if p.size)
    except (av.FFmpegError, IndexError):
        return 0


def run_step(pid: int, urls: list[tuple[str, str]], source: Path, seconds: int) -> tuple[float, float]:
    """Publish to every URL at once; returns (server CPU seconds, wall seconds)."""
    process = psutil.Process(pid)
    before = process.cpu_times()
    started = time.monotonic()
    running = publishers(source, urls, seconds)
    for publisher in running:
        publisher.wait(timeout=seconds + 60)
    after = process.cpu_times()
    cpu = (after.user + after.system) - (before.user + before.system)
    return cpu, time.monotonic() - started


def shopcast_step(folder: Path, source: Path, streams: int, seconds: int) -> Step:
    data = folder / f"shopcast_{streams}"
    port = free_port()
    env = {
        **os.environ,
        "SHOPCAST_DATA_DIR": str(data),
        "SHOPCAST_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SHOPCAST_WEBRTC_HOSTS": "127.0.0.1",
        "SHOPCAST_RATE_LIMIT_BURST": "100000",
        "SHOPCAST_DEV": "1",  # the placeholder secret is fine for a loopback bench
    }
    data.mkdir(parents=True)
    settings = Settings(data_dir=data)
    upgrade(settings)
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        _, token = create_user(session, "bench", Role.creator)
    server = subprocess.Popen(
        [sys.executable, "-m", "shopcast.cli.main", "api", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=(data / "api.log").open("wb"),
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz")
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        made = [client.post("/v1/live-streams", json={"title": f"s{n}"}).json() for n in range(streams)]
        cpu, wall = run_step(server.pid, [(s["whip_url"], s["stream_key"]) for s in made], source, seconds)
        frames, lags = [], []
        deadline = time.monotonic() + 120
        for stream in made:
            while time.monotonic() < deadline:
                body = client.get(f"/v1/live-streams/{stream['id']}").json()
                if body["asset_id"]:
                    path = runtime.store.local_path(source_key(body["asset_id"]))
                    frames.append(video_frames(path) if path else 0)
                    lags.append(float((body["health"] or {}).get("max_lag_s", 0.0)))
                    break
                time.sleep(0.5)
        return Step(streams, frames, lags, cpu, wall)
    finally:
        server.terminate()
        server.wait(timeout=60)
        runtime.engine.dispose()


def baseline_step(folder: Path, source: Path, streams: int, seconds: int) -> Step:
    out = folder / f"baseline_{streams}"
    out.mkdir()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.live_transcoding_server", str(port), str(out)])
    try:
        wait_until_up(f"http://127.0.0.1:{port}/")
        urls = [(f"http://127.0.0.1:{port}/whip", "") for _ in range(streams)]
        cpu, wall = run_step(server.pid, urls, source, seconds)
        stats: dict[str, dict[str, float]] = {}
        deadline = time.monotonic() + 120
        while len(stats) < streams and time.monotonic() < deadline:
            time.sleep(1)
            stats = httpx.get(f"http://127.0.0.1:{port}/stats", timeout=10).json()
        frames = [video_frames(path) for path in sorted(out.glob("*.mkv"))]
        return Step(streams, frames, [s["max_lag_s"] for s in stats.values()], cpu, wall)
    finally:
        server.terminate()
        server.wait(timeout=60)


StepRunner = Callable[[Path, Path, int, int], Step]


def climb(name: str, step: StepRunner, steps: list[int], folder: Path, source: Path, seconds: int) -> int:
    expected = seconds * FPS
    best = 0
    print(f"{name}:")
    for streams in steps:
        result = step(folder, source, streams, seconds)
        print("  " + result.row(expected), flush=True)
        if not result.lossless(expected):
            break
        best = streams
    return best


def climb_encoders(protocol: str, steps: list[int], folder: Path, seconds: int) -> EncoderStep | None:
    """The largest step of `protocol` that lost no frame."""
    expected = seconds * FPS
    source = encoder_source(folder)
    best: EncoderStep | None = None
    print(f"{protocol.upper()} (copied as it arrives):")
    for streams in steps:
        result = encoder_step(protocol, folder, source, streams, seconds)
        print("  " + result.row(expected), flush=True)
        if not result.lossless(expected):
            break
        best = result
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--steps", default="4,8,12,16")
    parser.add_argument("--baseline-steps", default="1,2,3,4")
    parser.add_argument("--protocols", default="whip,rtmp,srt")
    parser.add_argument("--rtmp-steps", default="10,20,30,40")
    parser.add_argument("--srt-steps", default="5,10,15,20")
    args = parser.parse_args()
    protocols = args.protocols.split(",")
    with tempfile.TemporaryDirectory(prefix="bench_live_") as tmp:
        folder = Path(tmp)
        if "whip" in protocols:
            whip(folder, args)
        for protocol in ("rtmp", "srt"):
            if protocol in protocols:
                steps = [int(n) for n in getattr(args, f"{protocol}_steps").split(",")]
                report(protocol, climb_encoders(protocol, steps, folder, args.seconds))


TARGETS = {"rtmp": 40, "srt": 20}


def report(protocol: str, best: EncoderStep | None) -> None:
    summary = "none"
    if best is not None:
        summary = f"{best.streams} streams at {best.cpu_per_stream():.2f} % of a core each"
        if best.latencies:
            p50, worst = statistics.median(best.latencies), max(best.latencies)
            summary += f", glass to preview p50 {p50:.1f} s, max {worst:.1f} s"
    print(f"{protocol.upper()} with no frame loss: {summary}")
    print(f"target: >= {TARGETS[protocol]} streams at <= 2 % of a core each, glass to preview <= 6 s")


def whip(folder: Path, args: argparse.Namespace) -> None:
    steps = [int(n) for n in args.steps.split(",")]
    baseline_steps = [int(n) for n in args.baseline_steps.split(",")]
    source = make_source(folder)
    shopcast = climb(
        "Shopcast (keeps the encoded frames)", shopcast_step, steps, folder, source, args.seconds
    )
    baseline = climb(
        "baseline (decode + re-encode)", baseline_step, baseline_steps, folder, source, args.seconds
    )
    print(f"streams recorded with no frame loss: Shopcast {shopcast}, decode + re-encode {baseline}")
    print("target: >= 8 streams with no frame loss")


if __name__ == "__main__":
    main()
