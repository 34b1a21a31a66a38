"""Split and stitch: does a second worker shorten a long encode? In one run:

    .venv/bin/python -m bench.split_stitch [--seconds 180] [--size 1280x720]

Three stacks on the embedded defaults, the same source each time, every worker pinned to a core of
its own with `taskset` (FFmpeg inherits the pinning):
  1. one worker, one core, no split (the ordinary single-process ladder),
  2. one worker, one core, split into 32 s chunks (what splitting costs by itself),
  3. two workers, one core each, split (target: >= 1.6x faster than 1).
Times are the transcode job's own (`started_at` to `finished_at`).
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import datetime
from pathlib import Path

from tests.harness.media import ffmpeg
from tests.harness.services import free_port
from tests.harness.stack import boot
from tests.harness.tus import upload
from tests.transcode.outputs import finished_transcode


def make_source(folder: Path, seconds: int, size: str) -> Path:
    path = folder / f"source_{size}.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
        str(path), timeout=1800,
    )  # fmt: skip
    return path


def transcode_seconds(source: Path, folder: Path, workers: int, split: bool) -> float:
    env = {"SHOPCAST_SPLIT_ABOVE_S": "60" if split else "86400", "SHOPCAST_CHUNK_S": "32"}
    stack = boot("bench", env, folder, free_port())
    try:
        stack.stop("worker")
        for index in range(workers):
            name = f"worker-{index}"
            stack.start_worker(name, concurrency=1, cpu=index)
            stack.wait_worker_ready(name)
        with stack.client(stack.user("bench", "creator")) as client:
            asset_id = upload(client, source)
            job = finished_transcode(client, asset_id)
        started, finished = (datetime.fromisoformat(job[key]) for key in ("started_at", "finished_at"))
        return (finished - started).total_seconds()
    finally:
        stack.stop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopcast-split-") as scratch:
        folder = Path(scratch)
        source = make_source(folder, args.seconds, args.size)
        print(f"source: {args.seconds} s {args.size} 30 fps H.264 + AAC; x264 veryfast; 32 s chunks")
        single = transcode_seconds(source, folder / "single", workers=1, split=False)
        print(f"1 worker x 1 core, no split : {single:7.2f} s", flush=True)
        split_one = transcode_seconds(source, folder / "split1", workers=1, split=True)
        print(f"1 worker x 1 core, split    : {split_one:7.2f} s ({single / split_one:.2f}x)", flush=True)
        split_two = transcode_seconds(source, folder / "split2", workers=2, split=True)
        print(f"2 workers x 1 core, split   : {split_two:7.2f} s ({single / split_two:.2f}x; target >= 1.6x)")


if __name__ == "__main__":
    main()
