"""An RTMP publisher that knows which moment of its source it was sending when: FFmpeg with `-re`
(as `tests.harness.encoders.publish`), reporting its output time ten times a second on a pipe.

Each report pairs the wall clock with the output time sent so far; the earliest pairing (the report
read with the least delay) gives the wall time of the source's zero. Tests of timing (where a product
pin lands on the recording) compare against it.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from tests.harness.media import FFMPEG


class PacedPublisher:
    def __init__(self, source: Path, url: str) -> None:
        self.process = subprocess.Popen(
            [
                FFMPEG, "-hide_banner", "-loglevel", "warning", "-re", "-i", str(source), "-c", "copy",
                "-progress", "pipe:1", "-stats_period", "0.1", "-f", "flv", url,
            ],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.zero_wall: float | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def media_time(self, wall: float) -> float:
        """The source time that was being sent at `wall`."""
        assert self.zero_wall is not None, "nothing sent yet"
        return wall - self.zero_wall

    def finish(self, timeout: float = 60) -> None:
        code = self.process.wait(timeout)
        self._reader.join(5)
        errors = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
        assert code == 0, errors

    def _read(self) -> None:
        assert self.process.stdout is not None
        out_time: float | None = None
        for raw in self.process.stdout:
            now = time.time()
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                out_time = int(value) / 1e6
            elif key == "progress" and out_time is not None and out_time > 0:
                zero = now - out_time
                self.zero_wall = zero if self.zero_wall is None else min(self.zero_wall, zero)
