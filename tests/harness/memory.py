"""Peak resident memory of another process, sampled in a thread (tests and benchmarks share it)."""

from __future__ import annotations

import threading

import psutil


class RssSampler:
    """Samples every `interval_s` from construction until stop(), which returns the growth in bytes.

    With `tree`, the process and all its descendants are summed (a worker and its FFmpeg children).
    Finding descendants scans every process on the machine: at 20 ms that costs about 16 % of a
    core, so benchmarks that time work beside the sampler sample less often.
    """

    def __init__(self, pid: int, tree: bool = False, interval_s: float = 0.02):
        self.process = psutil.Process(pid)
        self.tree = tree
        self.interval_s = interval_s
        self.baseline = self._rss()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.peak = max(self.peak, self._rss())
            except psutil.Error:
                continue  # a child exited between listing and reading

    def _rss(self) -> int:
        processes = [self.process, *self.process.children(recursive=True)] if self.tree else [self.process]
        return sum(int(p.memory_info().rss) for p in processes)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak - self.baseline
