"""Peak resident memory of another process, sampled in a thread (tests and benchmarks share it)."""

from __future__ import annotations

import threading

import psutil


class RssSampler:
    """Samples every 20 ms from construction until stop(), which returns the growth in bytes."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.baseline = int(self.process.memory_info().rss)
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, int(self.process.memory_info().rss))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak - self.baseline
