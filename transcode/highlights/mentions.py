"""Where a product is named in the transcript, tolerant of Whisper's spacing and spelling.

Both sides are compared without spaces or punctuation and case-folded, so "제주감귤" finds "제주
감귤" and "Jeju-Tangerine" finds "jeju tangerine". A name of four or more characters also matches
a stretch of the sentence that is close to it (difflib's ratio ≥ 0.8: "헷감귤" for "햇감귤" misses,
"jejutangerin" for "jejutangerine" finds); shorter names must match exactly.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from transcode.highlights.signals import Product, Sentence

_FUZZY_MIN_CHARACTERS = 4
_FUZZY_RATIO = 0.8


@dataclass(frozen=True)
class Mention:
    start_s: float
    end_s: float
    term: str  # the product's name or alias that was heard
    count: int  # times in this sentence


def normalised(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def mentions_of(product: Product, sentences: list[Sentence]) -> list[Mention]:
    """Each sentence that names the product, with the term heard most in it."""
    terms = [(term, normalised(term)) for term in product.terms]
    terms = [(term, key) for term, key in terms if key]
    found: list[Mention] = []
    for sentence in sentences:
        text = normalised(sentence.text)
        counts = [(_occurrences(key, text), term) for term, key in terms]
        count, term = max(counts, default=(0, ""))
        if count:
            found.append(Mention(sentence.start_s, sentence.end_s, term, count))
    return found


def _occurrences(key: str, text: str) -> int:
    exact = text.count(key)
    if exact or len(key) < _FUZZY_MIN_CHARACTERS or len(text) < len(key) - 1:
        return exact
    return 1 if _close_stretch(key, text) else 0


def _close_stretch(key: str, text: str) -> bool:
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(key)
    for width in (len(key) - 1, len(key), len(key) + 1):
        for start in range(0, max(1, len(text) - width + 1)):
            matcher.set_seq1(text[start : start + width])
            quick = matcher.real_quick_ratio() >= _FUZZY_RATIO and matcher.quick_ratio() >= _FUZZY_RATIO
            if quick and matcher.ratio() >= _FUZZY_RATIO:
                return True
    return False
