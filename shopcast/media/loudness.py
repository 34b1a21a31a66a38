"""Integrated loudness, loudness range and true peak (ITU-R BS.1770-4, FFmpeg's ebur128 filter)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

_SUMMARY = {
    "integrated_lufs": re.compile(r"^\s*I:\s+(-?[0-9.]+|-inf) LUFS"),
    "range_lu": re.compile(r"^\s*LRA:\s+(-?[0-9.]+) LU$"),
    "true_peak_dbtp": re.compile(r"^\s*Peak:\s+(-?[0-9.]+|-inf) dBFS"),
}
SILENCE_LUFS = -70.0


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float

    def to_json(self) -> dict[str, float]:
        return asdict(self)


def build_measurement(source: Path) -> list[str]:
    """Decode the first audio stream through ebur128 with true-peak metering; write nothing."""
    return ["-i", str(source), "-map", "0:a:0", "-af", "ebur128=peak=true", "-f", "null", "-"]


def parse_summary(log_lines: list[str]) -> Loudness:
    """The summary ebur128 logs at the end; raises ValueError when it is missing."""
    found: dict[str, float] = {}
    for line in log_lines:
        for name, pattern in _SUMMARY.items():
            match = pattern.match(line.split("]")[-1] if "]" in line else line)
            if match:
                value = match.group(1)
                found[name] = SILENCE_LUFS if value == "-inf" else float(value)
    if set(found) != set(_SUMMARY):
        raise ValueError(f"no ebur128 summary in FFmpeg's log: {log_lines[-5:]}")
    return Loudness(**found)
