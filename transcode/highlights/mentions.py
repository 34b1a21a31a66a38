"""Where a product is named in the transcript, tolerant of Whisper's spacing and spelling.

Text is compared case-folded and without punctuation. Latin names match whole words ("tea" is not
in "great eats"), with Whisper's spacing forgiven by also trying one word more or fewer; Hangul
and other scripts match without spaces at all, so "제주감귤" finds "제주 감귤". A name of four or more
characters also matches a stretch that is close to it (difflib's ratio >= 0.8: "jeju tangerin"
finds "jeju tangerine"); shorter names, and SKUs under four characters, must match exactly or not
at all. Only stretches that share a piece of the name (two characters, three in Latin) are
compared closely, so a large catalogue costs little more than a small one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from transcode.highlights.signals import Product, Sentence

_FUZZY_MIN_CHARACTERS = 4
_FUZZY_RATIO = 0.8
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Mention:
    start_s: float
    end_s: float
    term: str  # the product's name or alias that was heard
    count: int  # times in this sentence


@dataclass(frozen=True)
class _Term:
    text: str
    words: tuple[str, ...]
    latin: bool

    @property
    def key(self) -> str:
        return "".join(self.words)


def normalised(text: str) -> str:
    return "".join(_words(text))


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold().replace("_", " "))


def _terms(product: Product) -> list[_Term]:
    terms = []
    for text in product.terms:
        words = tuple(_words(text))
        short_sku = text == product.sku and len("".join(words)) < _FUZZY_MIN_CHARACTERS
        if words and not short_sku:
            terms.append(_Term(text, words, "".join(words).isascii()))
    return terms


def mentions_of(product: Product, sentences: list[Sentence]) -> list[Mention]:
    """Each sentence that names the product, with the term heard most in it."""
    terms = _terms(product)
    found: list[Mention] = []
    for sentence in sentences:
        words = _words(sentence.text)
        counts = [(_occurrences(term, words), term.text) for term in terms]
        count, heard = max(counts, default=(0, ""))
        if count:
            found.append(Mention(sentence.start_s, sentence.end_s, heard, count))
    return found


def _occurrences(term: _Term, words: list[str]) -> int:
    if term.latin:
        n = len(term.words)
        exact = sum(1 for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == term.words)
        if exact or len(term.key) < _FUZZY_MIN_CHARACTERS:
            return exact
        stretches = [
            "".join(words[i : i + w]) for w in (n - 1, n, n + 1) if w > 0 for i in range(len(words) - w + 1)
        ]
        return 1 if any(_close(term.key, stretch, 3) for stretch in stretches) else 0
    text = "".join(words)
    exact = text.count(term.key)
    if exact or len(term.key) < _FUZZY_MIN_CHARACTERS:
        return exact
    width = len(term.key)
    stretches = [
        text[i : i + w] for w in (width - 1, width, width + 1) for i in range(max(1, len(text) - w + 1))
    ]
    return 1 if any(_close(term.key, stretch, 2) for stretch in stretches) else 0


def _close(key: str, stretch: str, piece: int) -> bool:
    if not any(key[i : i + piece] in stretch for i in range(len(key) - piece + 1)):
        return False
    matcher = SequenceMatcher(None, stretch, key, autojunk=False)
    return (
        matcher.real_quick_ratio() >= _FUZZY_RATIO
        and matcher.quick_ratio() >= _FUZZY_RATIO
        and matcher.ratio() >= _FUZZY_RATIO
    )
