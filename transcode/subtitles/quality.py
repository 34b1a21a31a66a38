"""Whether a machine-made track is fit for a channel: degenerate Whisper output is kept as a draft.

Whisper `base` translating Korean can answer a minute of speech with one unrelated sentence, or with
one word repeated for a minute ("flat-flat-flat..."). Decoding already suppresses some of that
(transcriber.py); what remains is measured here on the finished text, against the speech it claims
to cover. A track that fails any check is `draft`: players still get it, but the pages say so and a
profile that delivers translations to overseas channels refuses it until a PD corrects it or a text
translator writes it again (`origin` edit or translator, quality `ok`).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from transcode.subtitles.transcriber import Transcript

__all__ = ["Quality", "Verdict", "judge"]

Quality = Literal["ok", "draft"]

# Whisper's own limits (openai/whisper transcribe.py): above this gzip ratio the text is looping,
# below this mean log-probability the decoder was guessing.
MAX_COMPRESSION_RATIO = 2.4
MIN_MEAN_LOGPROB = -1.0
# The same n-gram (1 to 4 words) back to back this many times is a loop, not speech.
MAX_RUN = 4
# Fewer distinct word trigrams than this share, over a text of at least _MIN_WORDS words, is a loop
# spread out (the same sentence again and again).
MIN_DISTINCT_TRIGRAMS = 0.4
_MIN_WORDS = 24
# Characters per second of speech: people say at most about 20 in English (SPECS.md reading speed is
# 20); more is text that was not said.
MAX_CHARS_PER_S = 30.0
# A translation whose cues cover less than this share of the speech its transcript covers left most
# of the show untranslated ("I'm going to make a documentary" for 40 s).
MIN_COVERAGE = 0.5
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Verdict:
    quality: Quality
    reasons: tuple[str, ...]


def judge(track: Transcript, spoken: Transcript | None = None) -> Verdict:
    """`ok`, or `draft` with the reasons, for a transcript or translation; `spoken` is the
    transcript a translation was made from, against which its coverage is measured."""
    reasons = [
        *_loops(track.text),
        *_unsure(track),
        *_too_dense(track),
        *(_uncovered(track, spoken) if spoken is not None else []),
    ]
    return Verdict("draft" if reasons else "ok", tuple(reasons))


def _loops(text: str) -> list[str]:
    reasons = []
    words = [w.lower() for w in _WORD.findall(text)]
    run = longest_run(words)
    if run >= MAX_RUN:
        reasons.append(f"an n-gram repeated {run} times in a row")
    if len(words) >= _MIN_WORDS:
        trigrams = list(zip(words, words[1:], words[2:], strict=False))
        distinct = len(set(trigrams)) / len(trigrams)
        if distinct < MIN_DISTINCT_TRIGRAMS:
            reasons.append(f"only {distinct:.0%} of its word trigrams are distinct")
    encoded = text.encode()
    if len(encoded) >= 64 and len(encoded) / len(zlib.compress(encoded)) > MAX_COMPRESSION_RATIO:
        reasons.append("its text compresses like a loop")
    return reasons


def longest_run(words: Sequence[str], longest_n: int = 4) -> int:
    """How many times an n-gram (n ≤ `longest_n`) follows itself at most: 1 when nothing repeats.
    Linear in the words for each n: a run at i is one more than the run at i + n."""
    best = 1
    for n in range(1, longest_n + 1):
        runs = [1] * len(words)
        for i in range(len(words) - 2 * n, -1, -1):
            if words[i : i + n] == words[i + n : i + 2 * n]:
                runs[i] = runs[i + n] + 1
        best = max(best, *runs) if runs else best
    return best


def _unsure(track: Transcript) -> list[str]:
    spoken = [(s.end_s - s.start_s, s.avg_logprob) for s in track.segments if s.end_s > s.start_s]
    total = sum(duration for duration, _ in spoken)
    if not total:
        return []
    mean = sum(duration * logprob for duration, logprob in spoken) / total
    return [f"mean log-probability {mean:.2f}"] if mean < MIN_MEAN_LOGPROB else []


def _too_dense(track: Transcript) -> list[str]:
    duration = sum(s.end_s - s.start_s for s in track.segments)
    characters = len(track.text)
    if duration <= 0 or characters < 40:
        return []
    rate = characters / duration
    return [f"{rate:.0f} characters a second of speech"] if rate > MAX_CHARS_PER_S else []


def _uncovered(track: Transcript, spoken: Transcript) -> list[str]:
    said = _covered_s(spoken)
    if said < 5:
        return []
    share = _covered_s(track) / said
    return [f"covers {share:.0%} of the speech"] if share < MIN_COVERAGE else []


def _covered_s(track: Transcript) -> float:
    return sum(w.end_s - w.start_s for w in track.words)
