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
BACKGROUND_NICENESS = 19  # the lowest: a share of about 1.5 % against a normal process


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
    background: bool = False,
) -> list[str]:
    """Run `ffmpeg <args>`; returns the last lines of its log (filters such as ebur128 report there).

    Raises FfmpegFailed. Progress is reported as a fraction of `duration_s`. `background` work
    (thumbnails, measurements) runs at a lower CPU priority, so on a busy machine it takes what the
    ladder leaves rather than slowing it; on idle cores it runs at full speed.
    """
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-progress", "pipe:1", *args]
    if background:
        command = ["nice", "-n", str(BACKGROUND_NICENESS), *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stderr is not None
    tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
    drain = threading.Thread(target=_collect, args=(process.stderr, tail), daemon=True)
    drain.start()
    watchdog = _Watchdog(process, time.monotonic() + timeout_s, cancelled)
    watchdog.start()
    parser = _ProgressParser(duration_s)
    for line in process.stdout:
        report = parser.feed(line)
        if report is not None and on_progress is not None:
            on_progress(report)
    code = process.wait()
    drain.join()
    watchdog.join()
    if code != 0:
        raise FfmpegFailed(f"ffmpeg {watchdog.verdict or f'exited with {code}'}", "\n".join(tail))
    return list(tail)


def _collect(stream: IO[str], tail: collections.deque[str]) -> None:
    for line in stream:
        tail.append(line.rstrip())


class _Watchdog(threading.Thread):
    """Kills FFmpeg at its deadline or when the caller cancels, and remembers which it was."""

    def __init__(self, process: subprocess.Popen[str], deadline: float, cancelled: Callable[[], bool] | None):
        super().__init__(daemon=True, name="ffmpeg-watchdog")
        self._process = process
        self._deadline = deadline
        self._cancelled = cancelled
        self.verdict: str | None = None

    def run(self) -> None:
        while self._process.poll() is None:
            if time.monotonic() > self._deadline:
                self.verdict = "timed out"
            elif self._cancelled is not None and self._cancelled():
                self.verdict = "cancelled"
            if self.verdict is not None:
                self._process.kill()
                return
            time.sleep(0.2)


class _ProgressParser:
    """Reads FFmpeg's `key=value` progress blocks; each ends with a `progress=` line, where the
    block's time and speed are reported together. The last block (`progress=end`) is reported too,
    so a run shorter than one stats period still leaves its speed."""

    def __init__(self, duration_s: float | None):
        self.duration_s = duration_s
        self.speed: float | None = None
        self._out_us: int | None = None

    def feed(self, line: str) -> Progress | None:
        key, _, value = line.strip().partition("=")
        if key == "speed":
            try:
                self.speed = float(value.rstrip("x"))
            except ValueError:
                self.speed = None
        elif key == "out_time_us" and value.isdigit():
            self._out_us = int(value)
        elif key == "progress" and self.duration_s and self._out_us is not None:
            return Progress(fraction=min(1.0, self._out_us / 1e6 / self.duration_s), speed=self.speed)
        return None
