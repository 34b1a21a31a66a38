"""From a show's signals to highlight proposals: one per product pitch, and a few loud peaks.

A pitch is a pin of the product (the creator said "this one, now"), or, where nobody pinned it,
a run of sentences that name it (two or more, no more than `_CLUSTER_GAP_S` apart). Its edges move
to sentence boundaries and, where a shot change is near, onto the shot change, so a short neither
starts mid-word nor on the last frame of the previous shot; a pitch found from speech alone also
reaches back and forward to the shot changes around it (the product's shot). Lengths are held
between the settings' minimum and maximum. Peaks are the stretches whose sound is well above the
show's median loudness, away from every pitch. `reason` says which signals made each one.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

from transcode.highlights.command import LOUDNESS_STEP_S
from transcode.highlights.mentions import Mention, mentions_of
from transcode.highlights.signals import SILENT_DB, Pin, Product, Sentence, ShowSignals

_CLUSTER_GAP_S = 40.0  # mentions further apart are separate pitches
_PIN_REACH_S = 10.0  # mentions this close to a pin belong to it
_PIN_JOIN_S = 2.0  # a product's pins this close are one pitch
_SHORTEST_PIN_S = 1.0  # a pin shorter than this is a proposal only when the product is named near it
_SHORTEST_EDGES_S = 0.5
_SNAP_S = 2.0  # a shot change this close to an edge becomes the edge
_LEAD_S = 8.0  # a pitch from speech starts at a shot change this long before its first mention
_TRAIL_S = 15.0  # and ends at one this long after its last
_INSIDE_SLACK_S = 0.3  # a shot change this close to a sentence's edge is not inside it
_PEAK_DB = 6.0  # a peak is this far above the show's median loudness
_QUIET_DB = 15.0  # a pause is this far below it
_PEAK_WINDOW_S = 20.0


@dataclass(frozen=True)
class Limits:
    min_s: float = 10.0
    max_s: float = 120.0
    peaks: int = 2


@dataclass(frozen=True)
class Proposal:
    start_s: float
    end_s: float
    score: float
    title: str
    reason: str
    product: Product | None


@dataclass(frozen=True)
class _Pitch:
    product: Product
    start_s: float
    end_s: float
    pin: Pin | None
    mentions: list[Mention]


def propose(signals: ShowSignals, limits: Limits) -> list[Proposal]:
    """Proposals in time order."""
    shots = _clean_shots(signals)
    proposals = [_proposal(signals, limits, shots, pitch) for pitch in _pitches(signals)]
    proposals += _peaks(signals, limits, proposals)
    return sorted(proposals, key=lambda p: (p.start_s, -p.score))


def _pitches(signals: ShowSignals) -> list[_Pitch]:
    pitches: list[_Pitch] = []
    for product in signals.products:
        mentions = mentions_of(product, signals.sentences)
        pins = _merged([pin for pin in signals.pins if pin.sku == product.sku])
        claimed: set[int] = set()
        for pin in pins:
            near = [
                i for i, m in enumerate(mentions)
                if m.end_s >= pin.start_s - _PIN_REACH_S and m.start_s <= pin.end_s + _PIN_REACH_S
            ]  # fmt: skip
            if pin.end_s - pin.start_s < _SHORTEST_PIN_S and not near:
                continue  # pinned and unpinned at once, and nobody named it: a slip
            claimed.update(near)
            pitches.append(_Pitch(product, pin.start_s, pin.end_s, pin, [mentions[i] for i in near]))
        free = [m for i, m in enumerate(mentions) if i not in claimed]
        for cluster in _clusters(free):
            if sum(m.count for m in cluster) >= 2:
                pitches.append(_Pitch(product, cluster[0].start_s, cluster[-1].end_s, None, cluster))
    return pitches


def _merged(pins: list[Pin]) -> list[Pin]:
    """One product's pins, those a moment apart (a re-pin while live) joined."""
    merged: list[Pin] = []
    for pin in sorted(pins, key=lambda p: p.start_s):
        if merged and pin.start_s - merged[-1].end_s <= _PIN_JOIN_S:
            merged[-1] = Pin(pin.sku, merged[-1].start_s, max(merged[-1].end_s, pin.end_s))
        else:
            merged.append(pin)
    return merged


def _clusters(mentions: list[Mention]) -> list[list[Mention]]:
    clusters: list[list[Mention]] = []
    for mention in mentions:
        if clusters and mention.start_s - clusters[-1][-1].end_s <= _CLUSTER_GAP_S:
            clusters[-1].append(mention)
        else:
            clusters.append([mention])
    return clusters


def _proposal(signals: ShowSignals, limits: Limits, shots: list[float], pitch: _Pitch) -> Proposal:
    sentences = signals.sentences
    if pitch.pin is not None:
        start = _snap(pitch.start_s, sentences, shots, -_SNAP_S, _SNAP_S)
        end = _snap(pitch.end_s, sentences, shots, -_SNAP_S, _SNAP_S)
    else:
        # The first and last mentions' sentences may run over the cut (Whisper left out the stop).
        first, last = pitch.mentions[0], pitch.mentions[-1]
        start = _snap(pitch.start_s, sentences, shots, -_LEAD_S, first.end_s - pitch.start_s, latest=True)
        end = _snap(pitch.end_s, sentences, shots, last.start_s - pitch.end_s, _TRAIL_S)
    if end - start < _SHORTEST_EDGES_S:  # snapping crossed the edges over: keep the pitch's own
        start, end = pitch.start_s, max(pitch.end_s, pitch.start_s)
    start, end = _held(start, end, signals, limits, pitch.mentions)
    on_shot = [edge for edge in (start, end) if any(abs(edge - s) < 0.05 for s in shots)]
    heard = sum(m.count for m in pitch.mentions if m.end_s > start and m.start_s < end)
    score = 0.5 + (0.25 if pitch.pin else 0.0) + 0.04 * min(heard, 5) + 0.025 * len(on_shot)
    return Proposal(
        round(start, 3),
        round(end, 3),
        round(min(score, 1.0), 3),
        pitch.product.name,
        _reason(pitch, heard, on_shot, _speech_share(sentences, start, end)),
        pitch.product,
    )


def _clean_shots(signals: ShowSignals) -> list[float]:
    """Shot changes that do not cut a word: outside every sentence, or in a pause (the cue timing
    of a transcript without stops can run over one; the sound around the cut says it is quiet)."""
    median = _median_level(signals)
    quiet = median - _QUIET_DB if median is not None else SILENT_DB

    def in_a_pause(shot: float) -> bool:
        return all(signals.level_at(shot + d) <= quiet for d in (-LOUDNESS_STEP_S, 0.0))

    def inside(shot: float) -> bool:
        return any(s.start_s + _INSIDE_SLACK_S < shot < s.end_s - _INSIDE_SLACK_S for s in signals.sentences)

    return [shot for shot in signals.shots if not inside(shot) or in_a_pause(shot)]


def _median_level(signals: ShowSignals) -> float | None:
    heard = [level for level in signals.loudness_db if level > SILENT_DB]
    return statistics.median(heard) if heard else None


def _snap(
    time: float,
    sentences: list[Sentence],
    shots: list[float],
    before: float,
    after: float,
    latest: bool = False,
) -> float:
    """The shot change nearest `time` within [time+before, time+after] (the latest one, with
    `latest`), else the nearer edge of the sentence `time` falls in, else `time`."""
    near = [s for s in shots if time + before <= s <= time + after]
    if near:
        return max(near) if latest else min(near, key=lambda s: abs(s - time))
    for sentence in sentences:
        if sentence.start_s < time < sentence.end_s:
            return sentence.start_s if time - sentence.start_s <= sentence.end_s - time else sentence.end_s
    return time


def _held(
    start: float, end: float, signals: ShowSignals, limits: Limits, mentions: list[Mention]
) -> tuple[float, float]:
    """Edges moved, along sentence boundaries, until the length is within the limits."""
    if end - start > limits.max_s:
        first = min((m.start_s for m in mentions if m.start_s >= start), default=start)
        start = max(start, min(first, end - limits.max_s))
        ends = [s.end_s for s in signals.sentences if start + limits.min_s <= s.end_s <= start + limits.max_s]
        end = max(ends, default=start + limits.max_s)
    if end - start < limits.min_s:
        ends = [s.end_s for s in signals.sentences if start + limits.min_s <= s.end_s <= start + limits.max_s]
        end = min(ends, default=start + limits.min_s)
    end = min(end, signals.duration_s)
    if end - start < limits.min_s:  # near the show's end: reach back instead
        start = max(0.0, end - limits.min_s)
    return min(start, end), end


def _speech_share(sentences: list[Sentence], start: float, end: float) -> float:
    spoken = sum(max(0.0, min(end, s.end_s) - max(start, s.start_s)) for s in sentences)
    return spoken / (end - start) if end > start else 0.0


def _reason(pitch: _Pitch, heard: int, on_shot: list[float], speech: float) -> str:
    parts = []
    if pitch.pin is not None:
        parts.append(f"pin {pitch.product.sku} at {_clock(pitch.pin.start_s)}")
    if heard:
        term = max(pitch.mentions, key=lambda m: m.count).term
        parts.append(f"'{term}' said {heard} time{'s' if heard != 1 else ''}")
    if on_shot:
        parts.append("shot change at " + " and ".join(_clock(t) for t in on_shot))
    parts.append(f"speech {speech:.0%}")
    return "; ".join(parts)


def _peaks(signals: ShowSignals, limits: Limits, taken: list[Proposal]) -> list[Proposal]:
    """The loudest stretches, well above the show's median loudness and away from every pitch."""
    levels, median = signals.loudness_db, _median_level(signals)
    window_s = max(limits.min_s, min(_PEAK_WINDOW_S, limits.max_s))
    window = round(window_s / LOUDNESS_STEP_S)
    if limits.peaks == 0 or len(levels) < 3 * window or median is None:
        return []
    sums = list(itertools.accumulate(levels, initial=0.0))
    windows = sorted(((sums[i + window] - sums[i]) / window, i) for i in range(len(levels) - window + 1))
    windows.reverse()
    busy = [(p.start_s, p.end_s) for p in taken]
    peaks: list[Proposal] = []
    for level, first in windows:
        excess = level - median
        if excess < _PEAK_DB or len(peaks) == limits.peaks:
            break
        start = _snap(first * LOUDNESS_STEP_S, signals.sentences, [], 0.0, 0.0)
        end = _snap((first + window) * LOUDNESS_STEP_S, signals.sentences, [], 0.0, 0.0)
        if end - start < limits.min_s or any(start < b and a < end for a, b in busy):
            continue
        busy.append((start, end))
        score = round(0.2 + min(0.2, (excess - _PEAK_DB) / 30), 3)
        speech = _speech_share(signals.sentences, start, end)
        reason = f"sound {excess:.0f} dB above the show's median; speech {speech:.0%}"
        peaks.append(
            Proposal(round(start, 3), round(end, 3), score, f"Peak at {_clock(start)}", reason, None)
        )
    return peaks


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return (
        f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
        if whole >= 3600
        else f"{whole // 60}:{whole % 60:02d}"
    )
