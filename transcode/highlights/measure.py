"""The highlight job's one FFmpeg pass over a show (shot changes, loudness per quarter second), and the
show's signals assembled from it, the transcript, the timeline and the catalogue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopcast.media.cues import Cue
from shopcast.media.ffmpeg_runner import Progress, run_ffmpeg
from transcode.highlights.command import build_show_signals
from transcode.highlights.signals import (
    ShowSignals,
    pins_of,
    products_of,
    read_loudness,
    read_shots,
    sentences_of,
)


@dataclass(frozen=True)
class ShowMeasures:
    shots: list[float]
    loudness_db: list[float]


def measure_show(
    source: Path,
    folder: Path,
    duration_s: float,
    *,
    video: bool,
    audio: bool,
    timeout_s: float,
    cancelled: Callable[[], bool] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> ShowMeasures:
    """Shot changes (when there is video) and loudness per quarter second (when there is sound)."""
    shots = folder / "shots.txt" if video else None
    energy = folder / "energy.txt" if audio else None
    if shots is None and energy is None:
        return ShowMeasures([], [])
    run_ffmpeg(
        build_show_signals(source, shots, energy),
        timeout_s=timeout_s,
        duration_s=duration_s,
        on_progress=on_progress,
        cancelled=cancelled,
        background=True,
    )
    return ShowMeasures(
        read_shots(shots) if shots is not None else [],
        read_loudness(energy, duration_s) if energy is not None else [],
    )


def show_signals(
    duration_s: float,
    cues: Sequence[Cue],
    timeline: list[dict[str, Any]],
    catalogue: list[dict[str, Any]],
    measures: ShowMeasures,
) -> ShowSignals:
    return ShowSignals(
        duration_s=duration_s,
        sentences=sentences_of(cues),
        products=products_of(timeline, catalogue),
        pins=pins_of(timeline),
        shots=measures.shots,
        loudness_db=measures.loudness_db,
    )
