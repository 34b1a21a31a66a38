"""What a highlight job knows about a show: its sentences, products, pins, shot changes and
loudness, gathered into one value (`ShowSignals`) that `proposals.py` turns into proposals."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shopcast.media.cues import Cue
from transcode.highlights.command import LOUDNESS_STEP_S

# A sentence ends at closing punctuation, where the speaker pauses this long, or (Whisper sometimes
# leaves out every stop for a minute) at the first cue boundary after this many seconds: cues break
# at phrase and clause boundaries.
_SENTENCE_END = re.compile("[.!?\u3002\uff01\uff1f\u2026]['\")\\]]*$")  # and the full-width stops
_PAUSE_S = 0.35
_LONGEST_S = 12.0
SILENT_DB = -120.0


@dataclass(frozen=True)
class Sentence:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Product:
    """A product the show may pitch: from its timeline or the creator's catalogue."""

    sku: str
    name: str
    aliases: tuple[str, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict, compare=False)  # url, price, currency, image_url

    @property
    def terms(self) -> tuple[str, ...]:
        """What a speaker says to name it."""
        return tuple(dict.fromkeys(t for t in (self.name, *self.aliases, self.sku) if t.strip()))


@dataclass(frozen=True)
class Pin:
    sku: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class ShowSignals:
    duration_s: float
    sentences: list[Sentence]
    products: list[Product]
    pins: list[Pin]
    shots: list[float]  # shot changes, seconds, ascending
    loudness_db: list[float]  # RMS level of each LOUDNESS_STEP_S of sound; SILENT_DB where there is none

    def level_at(self, time: float) -> float:
        index = int(time / LOUDNESS_STEP_S)
        return self.loudness_db[index] if 0 <= index < len(self.loudness_db) else SILENT_DB


def sentences_of(cues: Sequence[Cue]) -> list[Sentence]:
    """Cues joined into sentences: a sentence closes at closing punctuation, a pause, or a cue
    boundary once it is long."""
    sentences: list[Sentence] = []
    group: list[Cue] = []
    for index, cue in enumerate(cues):
        group.append(cue)
        following = cues[index + 1] if index + 1 < len(cues) else None
        text = " ".join(" ".join(c.lines) for c in group)
        closed = _SENTENCE_END.search(text.strip()) or cue.end_s - group[0].start_s >= _LONGEST_S
        if following is None or closed or following.start_s - cue.end_s >= _PAUSE_S:
            sentences.append(Sentence(group[0].start_s, cue.end_s, text))
            group = []
    return sentences


def products_of(timeline: Iterable[dict[str, Any]], catalogue: Iterable[dict[str, Any]]) -> list[Product]:
    """Every product by SKU: the catalogue's names and aliases, the timeline's where it has none."""
    found: dict[str, Product] = {}
    for entry in [*catalogue, *timeline]:
        sku = str(entry.get("sku") or "")
        if not sku or sku in found:
            continue
        fields = {k: entry.get(k) for k in ("url", "price", "currency", "image_url")}
        aliases = tuple(str(a) for a in entry.get("aliases") or ())
        found[sku] = Product(sku, str(entry.get("name") or sku), aliases, fields)
    return list(found.values())


def pins_of(timeline: Iterable[dict[str, Any]]) -> list[Pin]:
    return [Pin(str(e["sku"]), float(e["start_s"]), float(e["end_s"])) for e in timeline if e.get("sku")]


def read_shots(path: Path) -> list[float]:
    """Shot-change times from a `metadata=print` file of the selected frames."""
    return sorted(time for time, _value in _printed(path))


def read_loudness(path: Path, duration_s: float) -> list[float]:
    """Each LOUDNESS_STEP_S's RMS level (dB) from an `ametadata=print` file; silence is SILENT_DB."""
    levels = [SILENT_DB] * max(1, math.ceil(duration_s / LOUDNESS_STEP_S))
    for time, value in _printed(path):
        step = round(time / LOUDNESS_STEP_S)
        if 0 <= step < len(levels) and value is not None and math.isfinite(value):
            levels[step] = max(SILENT_DB, value)
    return levels


def _printed(path: Path) -> list[tuple[float, float | None]]:
    """(pts_time, value) pairs of a metadata print file: a `frame:… pts_time:T` line, then `key=value`."""
    if not path.exists():
        return []
    pairs: list[tuple[float, float | None]] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("frame:"):
            match = re.search(r"pts_time:(-?[\d.]+)", line)
            if match:
                pairs.append((float(match.group(1)), None))
        elif "=" in line and pairs:
            try:
                pairs[-1] = (pairs[-1][0], float(line.split("=", 1)[1]))
            except ValueError:
                continue  # "-inf" parses; anything else is not a level
    return pairs
