"""Run an FFmpeg argument list: time limit, progress from `-progress pipe:1`, cancellation, stderr tail.

Commands are built elsewhere (one builder per kind of job); this module only runs them.
"""

from __future__ import annotations

import collections
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import imageio_ffmpeg

_STDERR_TAIL_LINES = 40


def ffmpeg_exe() -> str:
    """The FFmpeg binary shipped in the imageio-ffmpeg wheel."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


class FfmpegFailed(RuntimeError):
    """FFmpeg exited non-zero, ran out of time or was cancelled; `stderr_tail` says why."""

    def __init__(self, reason: str, stderr_tail: str):
        super().__init__(f"{reason}: {stderr_tail[-1500:]}")
        self.reason = reason
        self.stderr_tail = stderr_tail


@dataclass(frozen=True)
class Progress:
    fraction: float
    speed: float | None


def run_ffmpeg(
    args: list[str],
    *,
    timeout_s: float,
    duration_s: float | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[str]:
    """Run `ffmpeg <args>`; returns the last lines of its log (filters such as ebur128 report there).

    Raises FfmpegFailed. Progress is reported as a fraction of `duration_s`.
    """
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-progress", "pipe:1", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stderr is not None
    tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
    drain = threading.Thread(target=_collect, args=(process.stderr, tail), daemon=True)
    drain.start()
    watchdog = threading.Thread(
        target=_watch, args=(process, time.monotonic() + timeout_s, cancelled), daemon=True
    )
    watchdog.start()
    parser = _ProgressParser(duration_s)
    for line in process.stdout:
        report = parser.feed(line)
        if report is not None and on_progress is not None:
            on_progress(report)
    code = process.wait()
    drain.join()
    if code != 0:
        reason = "timed out" if code == -9 and not (cancelled and cancelled()) else f"exited with {code}"
        if cancelled and cancelled():
            reason = "cancelled"
        raise FfmpegFailed(f"ffmpeg {reason}", "\n".join(tail))
    return list(tail)


def _collect(stream: IO[str], tail: collections.deque[str]) -> None:
    for line in stream:
        tail.append(line.rstrip())


def _watch(process: subprocess.Popen[str], deadline: float, cancelled: Callable[[], bool] | None) -> None:
    while process.poll() is None:
        if time.monotonic() > deadline or (cancelled is not None and cancelled()):
            process.kill()
            return
        time.sleep(0.2)


class _ProgressParser:
    """Reads FFmpeg's `key=value` progress lines (a block's speed arrives after its time, so reports
    carry the previous block's speed)."""

    def __init__(self, duration_s: float | None):
        self.duration_s = duration_s
        self.speed: float | None = None

    def feed(self, line: str) -> Progress | None:
        key, _, value = line.strip().partition("=")
        if key == "speed":
            try:
                self.speed = float(value.rstrip("x"))
            except ValueError:
                self.speed = None
            return None
        if key != "out_time_us" or not self.duration_s or not value.isdigit():
            return None
        return Progress(fraction=min(1.0, int(value) / 1e6 / self.duration_s), speed=self.speed)
