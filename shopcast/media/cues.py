"""Subtitle cues from word timestamps, after Netflix's timed text style guides (docs/architecture.md,
"The standards the media meets").

Segmentation is a shortest-path search over the places a cue may end: every cue costs something, a cue
that ends mid-phrase costs more than one that ends on a full stop, and a cue that cannot be shown long
enough to read costs in proportion to the missing time. Characters are counted as Netflix counts them:
letters, punctuation and spaces inside a line, but not the line break.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "LONG_PAUSE_S",
    "MAX_DURATION_S",
    "MIN_DURATION_S",
    "MIN_GAP_S",
    "SILENCE_S",
    "STYLES",
    "Cue",
    "CueWord",
    "Style",
    "segment_cues",
    "style_for",
]

MIN_DURATION_S = 5 / 6
MAX_DURATION_S = 7.0
MIN_GAP_S = 2 / 24  # two frames at 24 fps between consecutive cues
LONG_PAUSE_S = 0.5
SILENCE_S = 1.5  # a pause this long ends a thought as surely as a full stop


@dataclass(frozen=True)
class CueWord:
    """One transcribed word; English words usually carry Whisper's leading space."""

    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    lines: tuple[str, ...]

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def characters(self) -> int:
        """Characters a viewer reads, spaces included, line breaks not."""
        return sum(len(line) for line in self.lines)


@dataclass(frozen=True)
class Style:
    max_line_chars: int
    max_lines: int
    max_cps: float

    def __post_init__(self) -> None:
        if self.max_lines not in (1, 2) or self.max_line_chars < 1 or self.max_cps <= 0:
            raise ValueError(f"unsupported subtitle style {self}")


STYLES: dict[str, Style] = {"ko": Style(16, 2, 12.0), "en": Style(42, 2, 20.0)}


def style_for(language: str) -> Style:
    """The style for a language code such as "ko" or "ko-KR"; unknown languages get English's."""
    primary = language.strip().lower().replace("_", "-").split("-")[0]
    return STYLES.get(primary, STYLES["en"])


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Costs of ending a cue (or, scaled down, a line) between two words. Lower is better.
_SENTENCE = 0.0
_SOFT_SENTENCE = 0.5
_CLAUSE = 1.0
_PAUSE = 2.0
_CONJUNCTION = 3.0
_PHRASE = 5.0
_PLAIN = 8.0
_BAD = 14.0

_CUE_COST = 2.0
_LINE_WEIGHT = 0.5
_TOP_HEAVY_WEIGHT = 6.0
_BOTTOM_HEAVY_WEIGHT = 1.5
_SHORT_CUE_COST = 20.0  # a cue under MIN_DURATION_S flashes by: worse than any break
_SHORT_CUE_WEIGHT = 100.0  # and per second under it
_SLOW_READ_WEIGHT = 20.0  # per second short of the reading speed
_SHOT_CROSS_COST = 6.0
_SENTENCE_INSIDE = 4.0  # a sentence that ends mid-line instead of at a line or cue break
_SILENCE_INSIDE = 6.0  # a cue that shows words seconds before they are said
_INFEASIBLE = 1e6

# Written as escapes because they look like ASCII: closing quotes and brackets, full-width . ? ! , ; :
# and the em and en dashes.
_CLOSERS = "\"')]\u201d\u2019\u00bb\u300d\u300f"
_SENTENCE_END = re.compile(rf"[.?!\u3002\uff1f\uff01\u2026]+[{re.escape(_CLOSERS)}]*$")
_CLAUSE_END = re.compile(rf"[,;:\uff0c\u3001\uff1b\uff1a\u2014\u2013][{re.escape(_CLOSERS)}]*$")
_KO_SENTENCE_END = re.compile(
    r"(니다|세요|어요|아요|에요|예요|해요|네요|군요|지요|죠|까요|데요|래요|거든요|게요)$"
)
_KO_CLAUSE_END = re.compile(r"(는데|은데|지만|니까|면서|어서|아서|해서|하고|이고|으면|하면|려면|거나|도록)$")
_KO_PARTICLE_END = re.compile(
    r"[가-힣](은|는|이|가|을|를|에|에서|으로|로|도|와|과|에게|한테|까지|부터|보다|처럼|만)$"
)
_KO_MODIFIER_END = re.compile(
    r"(한|할|운|릴|될|된|던|있는|없는|하는|되는|드리는|주는|좋은|같은|많은|작은|새로운)$"
)
_NUMBER = re.compile(r"^([0-9][0-9,.%]*|[일이삼사오육칠팔구십백천만억]+)$")
_NUMBER_WORDS = _words(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
    "fifty hundred thousand million"
)
_ABBREVIATIONS = _words("mr. mrs. ms. dr. st. vs. e.g. i.e. no.")
_CONJUNCTIONS = _words(
    "and but so because or although though while when if unless until since whereas which who where then yet"
)
_PREPOSITIONS = _words(
    "to of in on at for with from by about into onto over under after before without through like than"
)
_CLINGS_TO_NEXT = _PREPOSITIONS | _words(
    "a an the my your our their his her its this these those very i mr. mrs. ms. dr."
)


@dataclass(frozen=True)
class _Plan:
    """One candidate cue over tokens[first:stop] and what it costs."""

    cost: float
    first: int
    lines: tuple[str, ...]
    end_s: float


def segment_cues(
    words: Sequence[CueWord], language: str, *, shot_changes_s: Sequence[float] = ()
) -> list[Cue]:
    """Cues that follow the style for ``language``, in time order, never overlapping.

    Every word lands whole in exactly one cue, in order. Cues end at sentence or clause boundaries where
    the timing allows, last between ``MIN_DURATION_S`` and ``MAX_DURATION_S``, are held on screen past the
    last word (up to ``MIN_GAP_S`` before the next cue) to meet the reading speed, and avoid running
    across ``shot_changes_s``. An empty word list gives no cues.
    """
    tokens = _tokens(words)
    if not tokens:
        return []
    style = style_for(language)
    breaks = [_break_cost(a, b) for a, b in itertools.pairwise(tokens)]
    shots = sorted(shot_changes_s)
    best: list[tuple[float, _Plan | None]] = [(math.inf, None)] * (len(tokens) + 1)
    best[0] = (0.0, None)
    for stop in range(1, len(tokens) + 1):
        for first in range(stop - 1, -1, -1):
            plan = _plan(tokens, breaks, first, stop, style, shots)
            if plan is None:
                break
            total = best[first][0] + plan.cost
            if total < best[stop][0]:
                best[stop] = (total, plan)
    return _collect(tokens, best)


def _tokens(words: Sequence[CueWord]) -> list[CueWord]:
    """Stripped, non-empty words with times made monotonic (Whisper occasionally steps back)."""
    tokens: list[CueWord] = []
    floor = 0.0
    for word in words:
        text = " ".join(word.text.split())
        if not text:
            continue
        start = max(word.start_s, floor)
        tokens.append(CueWord(text, start, max(word.end_s, start)))
        floor = start
    return tokens


def _collect(tokens: list[CueWord], best: list[tuple[float, _Plan | None]]) -> list[Cue]:
    cues: list[Cue] = []
    stop = len(tokens)
    while stop > 0:
        plan = best[stop][1]
        assert plan is not None  # a single word always makes a cue, so every prefix has a plan
        cues.append(Cue(tokens[plan.first].start_s, plan.end_s, plan.lines))
        stop = plan.first
    cues.reverse()
    return _separate(cues)


def _separate(cues: list[Cue]) -> list[Cue]:
    """Guarantee order and a gap even for words without usable times (many starting at one instant)."""
    separated: list[Cue] = []
    for cue in cues:
        start = cue.start_s if not separated else max(cue.start_s, separated[-1].end_s + MIN_GAP_S)
        end = cue.end_s if cue.end_s > start else start + MIN_DURATION_S
        separated.append(Cue(start, end, cue.lines))
    return separated


def _plan(
    tokens: list[CueWord], breaks: list[float], first: int, stop: int, style: Style, shots: list[float]
) -> _Plan | None:
    """The cue over tokens[first:stop], or None when it cannot fit the lines or the maximum duration."""
    words = [token.text for token in tokens[first:stop]]
    start = tokens[first].start_s
    spoken_end = tokens[stop - 1].end_s
    if len(words) > 1 and spoken_end - start > MAX_DURATION_S:
        return None
    layout = _layout(words, breaks[first : stop - 1], style)
    if layout is None:
        return None
    line_cost, lines = layout
    line_cost += _inside_cost(tokens[first:stop], breaks[first : stop - 1])
    next_start = tokens[stop].start_s if stop < len(tokens) else math.inf
    end, timing_cost = _timing(start, spoken_end, next_start, sum(map(len, lines)), style, shots)
    ending_cost = breaks[stop - 1] if stop < len(tokens) else 0.0
    return _Plan(_CUE_COST + line_cost + ending_cost + timing_cost, first, lines, end)


def _inside_cost(words: list[CueWord], breaks: list[float]) -> float:
    """What a cue costs for the sentence ends and silences it runs across."""
    sentences = sum(1 for cost in breaks if cost <= _SOFT_SENTENCE)
    silences = sum(1 for a, b in itertools.pairwise(words) if b.start_s - a.end_s >= SILENCE_S)
    return _SENTENCE_INSIDE * sentences + _SILENCE_INSIDE * silences


def _timing(
    start: float, spoken_end: float, next_start: float, chars: int, style: Style, shots: list[float]
) -> tuple[float, float]:
    """When the cue ends (held on for reading where the next cue allows) and the cost of its timing."""
    limit = min(start + MAX_DURATION_S, next_start - MIN_GAP_S)
    wanted = start + max(MIN_DURATION_S, chars / style.max_cps)
    end = min(max(spoken_end, wanted), limit)
    end = _stop_at_shot_change(start, spoken_end, end, shots)
    if end <= start:
        return start, _INFEASIBLE
    shown = end - start
    cost = 0.0
    if shown < MIN_DURATION_S - 1e-9:
        cost += _SHORT_CUE_COST + _SHORT_CUE_WEIGHT * (MIN_DURATION_S - shown)
    cost += _SLOW_READ_WEIGHT * max(0.0, chars / style.max_cps - shown)
    crossed = sum(1 for shot in shots if start + MIN_GAP_S < shot < spoken_end - MIN_GAP_S)
    return end, cost + _SHOT_CROSS_COST * crossed


def _stop_at_shot_change(start: float, spoken_end: float, end: float, shots: list[float]) -> float:
    """Do not hold a cue across a shot change once the words are spoken and the minimum is met."""
    floor = max(spoken_end, start + MIN_DURATION_S)
    for shot in shots:
        if floor <= shot < end:
            return shot
    return end


def _layout(words: list[str], breaks: list[float], style: Style) -> tuple[float, tuple[str, ...]] | None:
    """The cheapest way to set the words on at most ``style.max_lines`` lines, or None if none fits."""
    total = sum(map(len, words)) + len(words) - 1
    if _fits(total, len(words), style):
        return 0.0, (" ".join(words),)
    if style.max_lines < 2:
        return None
    best: tuple[float, int] | None = None
    top = -1
    for split in range(1, len(words)):
        top += len(words[split - 1]) + 1
        bottom = total - top - 1
        if not (_fits(top, split, style) and _fits(bottom, len(words) - split, style)):
            continue
        cost = _LINE_WEIGHT * breaks[split - 1] + _imbalance(top, bottom, style)
        if breaks[split - 1] <= _SOFT_SENTENCE:
            cost -= _SENTENCE_INSIDE  # the sentence ends on the line break, as it should
        if best is None or cost < best[0]:
            best = (cost, split)
    if best is None:
        return None
    cost, split = best
    return cost, (" ".join(words[:split]), " ".join(words[split:]))


def _fits(chars: int, words: int, style: Style) -> bool:
    """A line fits its width, or is one word too long to fit any line (which is never split)."""
    return words == 1 or chars <= style.max_line_chars


def _imbalance(top: int, bottom: int, style: Style) -> float:
    """Two-line cues read best bottom-heavy or even; a long top line over a short bottom one reads worst."""
    if top > bottom:
        return _TOP_HEAVY_WEIGHT * (top - bottom) / style.max_line_chars
    return _BOTTOM_HEAVY_WEIGHT * (bottom - top) / style.max_line_chars


def _break_cost(before: CueWord, after: CueWord) -> float:
    """How good a place the gap between two words is to end a cue or a line."""
    cost = _boundary_cost(before.text, after.text)
    pause = after.start_s - before.end_s
    if pause >= SILENCE_S:
        return _SENTENCE
    if pause >= LONG_PAUSE_S:
        return min(cost, _PAUSE)
    return cost


def _boundary_cost(before: str, after: str) -> float:
    left = before.lower()
    right = after.lower().strip(_CLOSERS + ",.?!")
    if _SENTENCE_END.search(before) and left not in _ABBREVIATIONS:
        return _SENTENCE
    if _KO_SENTENCE_END.search(before):
        return _SOFT_SENTENCE
    if _CLAUSE_END.search(before) or _KO_CLAUSE_END.search(before):
        return _CLAUSE
    if right in _CONJUNCTIONS:
        return _CONJUNCTION
    if left in _CLINGS_TO_NEXT or _KO_MODIFIER_END.search(before) or _is_number(left):
        return _BAD
    if right in _PREPOSITIONS or _KO_PARTICLE_END.search(before):
        return _PHRASE
    return _PLAIN


def _is_number(word: str) -> bool:
    """Numbers stay with what they count: "삼만 구천 원", "twenty-nine dollars"."""
    return bool(_NUMBER.match(word)) or any(part in _NUMBER_WORDS for part in word.split("-"))
