"""The transcode job against the plain FFmpeg CLI doing the same rungs, in one run.

    .venv/bin/python -m bench.ladder [--seconds 60]

Targets: job run time <= 1.05x plain FFmpeg with the same preset, nothing else running, and
<= 0.6x for a source that can be its own top rung (H.264, closed 2 s GOPs, within the top rung's
bitrate); time to a playable `playback.hls` <= 1.5 s after asset.ready. Also prints the worker's peak
memory (process tree).

The machine's speed drifts over the minutes a run takes, so plain FFmpeg runs before, between and
after the farm worker's jobs, and the ratio is the fastest job over the fastest plain run (every
time is printed). The stack runs with the production heartbeat and sweep intervals, not the test
suite's fast ones; the bench asks the API for the job's state every 2 s, as a patient client, and
samples the worker's memory every 0.5 s (at the tests' 20 ms, the sampler's scans of the process
table took about 8 % of the machine from the job it was timing).

"Nothing else running" is the farm's transcode worker (infra/: the transcode queue at concurrency 1,
probes on their own worker), where thumbnails and loudness wait for the ladder and subtitles go to
another machine. The one-box layout of `make run` (every queue at concurrency 2, so thumbnails,
loudness and Whisper share the two cores with the ladder) is measured too, for comparison.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ingest.uploads.models import Upload
from shopcast.events.models import Event
from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.settings import Settings
from tests.harness.media import ffmpeg
from tests.harness.memory import RssSampler
from tests.harness.services import free_port
from tests.harness.stack import WORKERS, Stack, Workers, boot
from tests.harness.tus import upload
from tests.transcode.outputs import finished_transcode
from transcode.hls.command import LadderJob, build_hls_ladder
from transcode.hls.ladder import choose_rungs


def make_source(folder: Path, seconds: int, compliant: bool = False) -> Path:
    """1080p30 H.264 at 8 Mb/s with x264's own GOPs; or, `compliant`, at 5 Mb/s with an IDR every 2 s."""
    path = folder / ("compliant_1080p30.mp4" if compliant else "source_1080p30.mp4")
    video = ["-b:v", "8M"]
    if compliant:
        video = ["-b:v", "5M", "-maxrate", "5M", "-bufsize", "10M", "-g", "60", "-keyint_min", "60",
                 "-sc_threshold", "0", "-x264-params", "open-gop=0"]  # fmt: skip
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
        "-c:v", "libx264", "-preset", "veryfast", *video, "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-ac", "2", str(path), timeout=1800,
    )  # fmt: skip
    return path


def plain_ffmpeg(source: Path, folder: Path) -> float:
    job = LadderJob(source, folder / "plain", choose_rungs(1920, 1080), 30.0, False, True, "veryfast")
    started = time.perf_counter()
    run_ffmpeg(build_hls_ladder(job), timeout_s=3600)
    return time.perf_counter() - started


FARM_TRANSCODE: Workers = {"transcoder": ("transcode", 1), "prober": ("probe", 1)}


# Settings' own defaults in place of the test stacks' one-second heartbeats and sweeps.
PRODUCTION_INTERVALS = {
    f"SHOPCAST_{name.upper()}": str(Settings.model_fields[name].default)
    for name in ("job_heartbeat_s", "job_stale_after_s", "job_resend_after_s", "sweep_interval_s")
}


@dataclass(frozen=True)
class JobRun:
    run_s: float
    ready_to_playable_s: float
    completed_to_playable_s: float
    peak_rss: int


def shopcast_job(source: Path, folder: Path, workers: Workers) -> JobRun:
    stack = boot("bench", PRODUCTION_INTERVALS, folder / "stack", free_port(), workers)
    try:
        with stack.client(stack.user("bench", "creator")) as client:
            sampler = RssSampler(stack.processes[next(iter(workers))].pid, tree=True, interval_s=0.5)
            asset_id = upload(client, source)
            job = finished_transcode(client, asset_id, interval=2.0)
            peak = sampler.stop() + sampler.baseline
        run_s = (
            datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["started_at"])
        ).total_seconds()
        completed, ready, playable = _event_times(stack, asset_id)
        return JobRun(run_s, (playable - ready).total_seconds(), (playable - completed).total_seconds(), peak)
    finally:
        stack.stop_all()


def _event_times(stack: Stack, asset_id: str) -> tuple[datetime, datetime, datetime]:
    """When the upload completed, when the probe made the asset ready, when it became playable."""
    with stack.runtime.sessions() as session:
        rows = session.execute(select(Event.type, Event.created_at).where(Event.subject_id == asset_id))
        times = {type_: created_at for type_, created_at in rows}
        completed = session.scalar(select(Upload.completed_at).where(Upload.asset_id == asset_id))
    assert completed is not None
    return completed, times["asset.ready"], times["asset.playable"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopcast-ladder-") as scratch:
        folder = Path(scratch)
        print(f"source: {args.seconds} s 1080p30 H.264 + AAC; 4 rungs (1080/720/540/360), x264 veryfast")
        for compliant in (False, True):
            source = make_source(folder, args.seconds, compliant)
            _compare(source, folder / f"compliant-{compliant}", compliant)


def _compare(source: Path, folder: Path, compliant: bool) -> None:
    """Plain FFmpeg, farm job, plain FFmpeg, farm job, plain FFmpeg, then the one-box job once."""
    target = "0.6x: the 1080p rung is copied" if compliant else "1.05x"
    plain: list[float] = []
    farm: list[JobRun] = []
    for index in range(2):
        plain.append(plain_ffmpeg(source, folder))
        farm.append(shopcast_job(source, folder / f"farm-{index}", FARM_TRANSCODE))
    plain.append(plain_ffmpeg(source, folder))
    one_box = shopcast_job(source, folder / "one-box", WORKERS)
    kind = "compliant" if compliant else "x264 GOPs"
    print(f"{kind} source, plain FFmpeg CLI: " + ", ".join(f"{s:.2f} s" for s in plain))
    fastest = min(plain)
    best = min(farm, key=lambda run: run.run_s)
    runs = ", ".join(f"{run.run_s:.2f} s" for run in farm)
    ratio = best.run_s / fastest
    print(
        f"  transcode job, farm transcode worker: {runs}; fastest = {ratio:.2f}x plain (target <= {target})"
    )
    print(
        f"  transcode job, one box (make run): {one_box.run_s:.2f} s = {one_box.run_s / fastest:.2f}x plain"
    )
    for layout, run in (("farm", best), ("one box", one_box)):
        print(
            f"    {layout}: asset.ready -> playable {run.ready_to_playable_s:.2f} s (target <= 1.5 s); upload"
            f" complete -> playable {run.completed_to_playable_s:.2f} s (target <= 3 s); worker peak RSS"
            f" {run.peak_rss / 2**20:.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
