"""Shopping platforms' live ingest in tests: FFmpeg listening on loopback for RTMP (`-listen 1`) or SRT
(listener mode) and writing what it receives to a file, as a restream destination's far end."""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.media import FFMPEG
from tests.harness.services import free_port, free_udp_port


@dataclass
class Platform:
    """One receiver process; `start` again after `kill` to stand for a platform that came back."""

    protocol: str  # rtmp or srt
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        if self.protocol == "srt":
            return f"srt://127.0.0.1:{self.port}?mode=caller&streamid=platform-key&latency=200000"
        return f"rtmp://127.0.0.1:{self.port}/app/platform-secret-key-1234"

    def start(self) -> None:
        path = (
            self.folder
            / f"received-{self.protocol}-{len(self.files)}.{'ts' if self.protocol == 'srt' else 'flv'}"
        )
        self.files.append(path)
        listen = (
            ["-i", f"srt://127.0.0.1:{self.port}?mode=listener&latency=200000"]
            if self.protocol == "srt"
            else ["-listen", "1", "-i", f"rtmp://127.0.0.1:{self.port}/app/platform-secret-key-1234"]
        )
        self.process = subprocess.Popen(
            [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *listen, "-c", "copy", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def kill(self) -> None:
        """Gone without a goodbye, as a platform's ingest that crashes."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def finish(self, timeout: float = 30) -> Path:
        """The last file, once the receiver has ended (its publisher left and it wrote the trailer)."""
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGINT)  # FFmpeg finishes its file on ^C
                self.process.wait(timeout=10)
        return self.files[-1]


def platform(protocol: str, folder: Path) -> Platform:
    receiver = Platform(protocol, folder, free_udp_port() if protocol == "srt" else free_port())
    receiver.start()
    return receiver
