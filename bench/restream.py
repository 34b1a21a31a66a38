"""What restreaming costs, in one run: one 1080p30 6 Mb/s show pushed to 0, 1, 3 and 5 destinations.

    .venv/bin/python -m bench.restream [--seconds 30] [--destinations 1,3,5]

The show is published over RTMP (H.264 High + AAC, pre-encoded, `-c copy`) to the API and its nginx
engine; the destinations are FFmpeg RTMP listeners on loopback that copy what they get to a file.
Printed: the API's and nginx's CPU per destination above the show with none (target <= 3 % of a
core), the time from the publisher's start until every destination is live and receiving (target
<= 3 s), and, for a WHIP show (H.264 + Opus), the CPU of the one FFmpeg that encodes its sound to AAC
with 1 and with 5 destinations: paid once, whatever the number. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from bench.live_encoders import LoopbackServer, serve_on_loopback
from tests.harness.media import FFMPEG, ffmpeg
from tests.harness.platforms import Platform, platform


def show_source(folder: Path, opus: bool = False) -> Path:
    """1080p30 at 6 Mb/s: H.264 High + AAC as OBS sends it, or baseline + Opus as WHIP carries it."""
    path = folder / f"show_1080p30_{'opus' if opus else 'aac'}.mkv"
    if not path.exists():
        video = ["-profile:v", "baseline", "-bf", "0"] if opus else ["-profile:v", "high", "-bf", "2"]
        audio = ["-c:a", "libopus", "-ar", "48000"] if opus else ["-c:a", "aac"]
        ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=20",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20",
            "-c:v", "libx264", *video, "-g", "60", "-sc_threshold", "0", "-preset", "veryfast",
            "-b:v", "6000k", "-maxrate", "6000k", "-bufsize", "6000k", *audio, "-b:a", "128k", "-ac", "2",
            str(path),
        )  # fmt: skip
    return path


def _publisher(source: Path, stream: dict[str, str], seconds: int, whip: bool) -> subprocess.Popen[bytes]:
    command = [FFMPEG, "-hide_banner", "-loglevel", "error", "-re", "-readrate_initial_burst", "0"]
    command += ["-stream_loop", "-1", "-i", str(source), "-t", str(seconds), "-c", "copy"]
    if whip:
        command += ["-authorization", stream["stream_key"], "-f", "whip", stream["whip_url"]]
    else:
        command += ["-f", "flv", f"{stream['rtmp_url']}/{stream['stream_key']}"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def _all_receiving(client: httpx.Client, stream_id: str, count: int, started: float) -> float | None:
    """Seconds from the publisher's start until every destination is live with a bitrate."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = client.get(f"/v1/live-streams/{stream_id}/destinations").json()
        if len(rows) == count and all(r["state"] == "live" and (r["kbps"] or 0) > 0 for r in rows):
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def _bridge_cpu(server: LoopbackServer) -> float:
    api = psutil.Process(server.processes[0].pid)
    bridges = [p for p in api.children(recursive=True) if "pipe:0" in p.cmdline()]
    return float(sum(p.cpu_times().user + p.cpu_times().system for p in bridges))


def run_show(
    folder: Path, source: Path, destinations: int, seconds: int, whip: bool = False
) -> dict[str, float]:
    """One show with `destinations` receivers: server CPU seconds, the time to all receiving, and the
    bridge's CPU seconds (WHIP)."""
    with serve_on_loopback(folder / f"{'whip' if whip else 'rtmp'}_{destinations}") as server:
        headers = {"Authorization": f"Bearer {server.token}"}
        client = httpx.Client(base_url=server.base, headers=headers, timeout=30)
        stream = client.post("/v1/live-streams", json={"title": "bench"}).json()
        receivers: list[Platform] = [platform("rtmp", folder) for _ in range(destinations)]
        for n, receiver in enumerate(receivers):
            client.post(
                f"/v1/live-streams/{stream['id']}/destinations", json={"name": f"d{n}", "url": receiver.url}
            )
        before, started = server.cpu_s(), time.monotonic()
        publisher = _publisher(source, stream, seconds, whip)
        reached = _all_receiving(client, stream["id"], destinations, started) if destinations else 0.0
        bridge = 0.0
        while publisher.poll() is None:
            bridge = max(bridge, _bridge_cpu(server))  # the bridge ends with the session
            time.sleep(0.5)
        cpu, wall = server.cpu_s() - before, time.monotonic() - started
        for receiver in receivers:
            receiver.kill()
        return {
            "cpu": cpu,
            "wall": wall,
            "reached": reached if reached is not None else -1.0,
            "bridge": bridge,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--destinations", default="1,3,5")
    args = parser.parse_args()
    counts = [int(n) for n in args.destinations.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench_restream_") as tmp:
        folder = Path(tmp)
        source = show_source(folder)
        alone = run_show(folder, source, 0, args.seconds)
        base = 100 * alone["cpu"] / alone["wall"]
        print(f"RTMP show, no destination: API + nginx {base:.1f} % of a core")
        for count in counts:
            show = run_show(folder, source, count, args.seconds)
            per = (100 * show["cpu"] / show["wall"] - base) / count
            print(
                f"  {count} destinations: {per:.2f} % of a core per destination (target 3 %), "
                f"all receiving {show['reached']:.1f} s after the publisher started (target 3 s)"
            )
        whip = show_source(folder, opus=True)
        for count in (1, 5):
            show = run_show(folder, whip, count, args.seconds, whip=True)
            print(
                f"WHIP show (Opus), {count} destinations: the AAC bridge used {show['bridge']:.1f} CPU s "
                f"over {show['wall']:.0f} s ({100 * show['bridge'] / show['wall']:.1f} % of a core)"
            )


if __name__ == "__main__":
    main()
