"""Which renditions a source gets (the house ladder in docs/architecture.md): by short side, never
upscaled."""

from __future__ import annotations

from dataclasses import dataclass

# (short side, video bitrate in kb/s), H.264 High
HOUSE_LADDER: tuple[tuple[int, int], ...] = ((1080, 6000), (720, 3000), (540, 2000), (360, 730))
AUDIO_KBPS = 128


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    video_kbps: int


def choose_rungs(width: int, height: int) -> list[Rung]:
    """Rungs for a picture displayed at width x height: every house rung not above the source's short
    side, keeping the orientation; a source smaller than the lowest rung gets one rung at its own size."""
    short, long_ = min(width, height), max(width, height)
    portrait = height > width
    rungs = [_rung(s, kbps, short, long_, portrait) for s, kbps in HOUSE_LADDER if s <= short]
    if not rungs:
        rungs = [_rung(_even(short), HOUSE_LADDER[-1][1], short, long_, portrait)]
    return rungs


def _rung(target_short: int, kbps: int, short: int, long_: int, portrait: bool) -> Rung:
    target_long = _even(round(long_ * target_short / short))
    width, height = (target_short, target_long) if portrait else (target_long, target_short)
    return Rung(name=f"{target_short}p", width=width, height=height, video_kbps=kbps)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


# Rates players and channels expect; a measured average close to one of them means that rate.
STANDARD_RATES = (12.0, 15.0, 20.0, 24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0)
_SNAP_TOLERANCE = 0.015


def output_fps(source_fps: float) -> float:
    """30 fps at most (the house ladder): faster sources are halved until they fit, slower ones kept.

    A variable-rate source's average (a phone's 29.83, a webcam's 19.9) becomes the standard rate
    within 1.5 % of it, so the ladder is made constant at a rate that keeps 2 s GOPs whole."""
    fps = source_fps if source_fps > 0 else 30.0
    while fps > 30.5:
        fps /= 2
    nearest = min(STANDARD_RATES, key=lambda rate: abs(rate - fps))
    return nearest if abs(nearest - fps) <= fps * _SNAP_TOLERANCE else fps
