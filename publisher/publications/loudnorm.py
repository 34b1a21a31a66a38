"""Parsing the measurement that FFmpeg's `loudnorm` prints after pass 1 (`print_format=json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["LoudnormMeasurement", "parse_loudnorm"]


@dataclass(frozen=True)
class LoudnormMeasurement:
    """Pass 1's findings, handed to pass 2 so that it can apply one linear gain."""

    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float


def parse_loudnorm(log_lines: list[str]) -> LoudnormMeasurement:
    """The JSON block at the end of FFmpeg's log; raises ValueError when it is missing."""
    text = "\n".join(log_lines)
    start, end = text.rfind("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError(f"no loudnorm measurement in FFmpeg's log: {log_lines[-5:]}")
    data = json.loads(text[start : end + 1])
    values = {key: _number(data[key]) for key in ("input_i", "input_tp", "input_lra", "input_thresh")}
    return LoudnormMeasurement(**values, target_offset=_number(data["target_offset"]))


def _number(value: str) -> float:
    # Silence measures as -inf; loudnorm accepts the floor of its range instead.
    return -99.0 if value.strip().lstrip("-") == "inf" else float(value)
