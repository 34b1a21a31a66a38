"""Subtitles in another language: the Translator interface, beside the transcriber.

Two engines sit behind it. Whisper listens to the speech again with `task="translate"` (the default:
it needs nothing but the model, but it cannot see a PD's corrections and may loop, so its output is
judged by quality.py). A text translator reads the spoken language's cues, a PD's corrected ones
included, and writes each in the target language over the same times; `libretranslate.py` speaks the
LibreTranslate HTTP API (self-hostable), and a Papago- or DeepL-style client fits the same
`TextEngine` shape. Its output is `ok`: a translation of what was really said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from shopcast.media.cues import Cue, CueWord, segment_cues
from shopcast.settings import Settings
from transcode.subtitles.quality import Verdict, judge
from transcode.subtitles.transcriber import Transcriber, Transcript

__all__ = [
    "TextEngine",
    "TextTranslator",
    "Translation",
    "TranslationRequest",
    "Translator",
    "WhisperTranslator",
    "cues_of",
    "load_translator",
]


@dataclass(frozen=True)
class TranslationRequest:
    """What a translator may use: the spoken language's cues (Whisper's, or a PD's correction),
    the transcript they came from and the speech itself when there are any, and the target."""

    language: str
    cues: Sequence[Cue]
    target: str = "en"
    audio: Path | None = None
    transcript: Transcript | None = None


@dataclass(frozen=True)
class Translation:
    cues: list[Cue]
    verdict: Verdict


class Translator(Protocol):
    # Whether it can translate cues alone (a PD's correction), without the speech
    reads_text: bool

    def translate(self, request: TranslationRequest) -> Translation: ...


class TextEngine(Protocol):
    """Text in one language to another, one output per input, in order."""

    def translate_texts(self, texts: Sequence[str], source: str, target: str) -> list[str]: ...


def cues_of(transcript: Transcript, language: str) -> list[Cue]:
    """The transcript's words as cues in `language`'s style."""
    words = [CueWord(w.text, w.start_s, w.end_s) for w in transcript.words if w.text.strip()]
    return segment_cues(words, language)


class WhisperTranslator:
    """Whisper's own translation from the audio (English only)."""

    reads_text = False

    def __init__(self, transcriber: Transcriber) -> None:
        self._transcriber = transcriber

    def translate(self, request: TranslationRequest) -> Translation:
        if request.audio is None or request.target != "en":
            raise ValueError("Whisper translates speech, and only into English")
        translation = self._transcriber.transcribe(request.audio, language=request.language, task="translate")
        return Translation(cues_of(translation, "en"), judge(translation, request.transcript))


class TextTranslator:
    """Each spoken cue's text through a text engine, its words spread over the cue's time and laid
    out again in the target language's style (split into more cues where it is too long for one)."""

    reads_text = True

    def __init__(self, engine: TextEngine) -> None:
        self._engine = engine

    def translate(self, request: TranslationRequest) -> Translation:
        texts = [" ".join(cue.lines) for cue in request.cues]
        translated = self._engine.translate_texts(texts, request.language, request.target) if texts else []
        pairs = zip(request.cues, translated, strict=True)
        # each spoken cue on its own: the translation keeps the cue breaks (and a PD's choice of them)
        cues = [cue for source, text in pairs for cue in segment_cues(_spread(source, text), request.target)]
        return Translation(cues, Verdict("ok", ()))


def _spread(cue: Cue, text: str) -> list[CueWord]:
    """The words of `text` evenly over the cue's time, each in proportion to its length."""
    words = text.split()
    total = sum(len(w) + 1 for w in words)
    at, out = cue.start_s, []
    for word in words:
        length = cue.duration_s * (len(word) + 1) / total
        out.append(CueWord(word, at, at + length))
        at += length
    return out


def load_translator(settings: Settings, transcriber: Transcriber) -> Translator:
    """The text translator when `translate_url` is set, Whisper's translation otherwise."""
    return text_translator(settings) if settings.translate_url else WhisperTranslator(transcriber)


def text_translator(settings: Settings) -> TextTranslator:
    """The configured text engine (a LibreTranslate-compatible API at `translate_url`)."""
    from transcode.subtitles.libretranslate import LibreTranslateEngine

    return TextTranslator(LibreTranslateEngine(settings))
