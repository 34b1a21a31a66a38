"""Speech to timed words: the Transcriber interface, and faster-whisper (CTranslate2) behind it.

Other engines (openai-whisper, a remote service) can sit behind the same interface; the subtitle job
only sees `Transcriber.transcribe` and the dataclasses below.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from shopcast.settings import Settings
from transcode.subtitles.whisper_model import resolve_model

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

__all__ = [
    "FasterWhisperTranscriber",
    "Segment",
    "Task",
    "TranscribedWord",
    "Transcriber",
    "Transcript",
    "load_transcriber",
]

Task = Literal["transcribe", "translate"]

# Whisper's own rule for "this window is not speech" (openai/whisper transcribe.py), applied to every
# segment because the batched pipeline does not apply it. VAD removes such windows first: without it,
# base turns 10 s of a 1 kHz tone into " You You".
_NO_SPEECH_PROB = 0.6
_LOW_AVG_LOGPROB = -1.0
# The gzip ratio of a segment's text above which Whisper is looping ("오늘의 영상은 오늘의 영상은 ...").
# The sequential decoder retries such segments at higher temperatures; the batched one keeps them.
_REPETITIVE_COMPRESSION = 2.4
# Translating Korean, base loops on one word for a minute ("flat-flat-flat..."): penalise tokens it
# has just written and forbid a 4-gram twice in a window. Transcripts keep the plain decoder, whose
# Korean error rate these would change; quality.py judges both afterwards.
_LOOP_GUARDS: dict[str, Any] = {"repetition_penalty": 1.15, "no_repeat_ngram_size": 4}


@dataclass(frozen=True)
class TranscribedWord:
    """One word with its time on the audio's timeline. English words carry Whisper's leading space."""

    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True)
class Segment:
    text: str
    start_s: float
    end_s: float
    words: tuple[TranscribedWord, ...]
    # Whisper's confidence in the segment (mean token log-probability), for quality.py
    avg_logprob: float = 0.0


@dataclass(frozen=True)
class Transcript:
    """What was said. `language` is the spoken language (detected, or as forced by the caller); the text
    is in `text_language`: the same, or English for a translation."""

    language: str
    language_probability: float
    duration_s: float
    task: Task
    segments: tuple[Segment, ...]

    @property
    def text_language(self) -> str:
        return "en" if self.task == "translate" else self.language

    @property
    def words(self) -> list[TranscribedWord]:
        return [word for segment in self.segments for word in segment.words]

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments).strip()


class Transcriber(Protocol):
    def transcribe(
        self,
        audio: Path,
        language: str | None = None,
        task: Task = "transcribe",
        vocabulary: Sequence[str] = (),
    ) -> Transcript:
        """Timed words of the speech in `audio` (any file FFmpeg reads).

        `language=None` detects the language; `task="translate"` writes English whatever was spoken.
        `vocabulary` (product names: vocabulary.py) biases the decoder towards those spellings.
        Silence, music and tones give a transcript without words.
        """
        ...


class FasterWhisperTranscriber:
    """faster-whisper on the CPU: int8, VAD, word timestamps, the batched pipeline when
    `whisper_batch_size` > 1. The model is loaded once per process and shared."""

    def __init__(self, settings: Settings):
        self._settings = settings

    def transcribe(
        self,
        audio: Path,
        language: str | None = None,
        task: Task = "transcribe",
        vocabulary: Sequence[str] = (),
    ) -> Transcript:
        """See Transcriber. Raises ModelNotInstalled or ModelChecksumMismatch (whisper_model.py)
        when the weights cannot be had, and av's errors when `audio` cannot be decoded."""
        model = _shared_model(self._settings)
        options: dict[str, Any] = {
            "language": language,
            "task": task,
            "word_timestamps": True,
            "vad_filter": True,
            "condition_on_previous_text": False,  # a hallucinated line must not seed the next one
            **(_LOOP_GUARDS if task == "translate" else {}),
        }
        if vocabulary and task == "transcribe":
            options["hotwords"] = ", ".join(vocabulary)
        batch_size = self._settings.whisper_batch_size
        if batch_size > 1:
            # Imported here: faster-whisper brings CTranslate2 and ONNX Runtime, which API processes that
            # import this module for its types never need.
            from faster_whisper import BatchedInferencePipeline

            segments, info = BatchedInferencePipeline(model).transcribe(
                str(audio), batch_size=batch_size, **options
            )
        else:
            segments, info = model.transcribe(str(audio), **options)
        return Transcript(
            language=info.language,
            language_probability=float(info.language_probability),
            duration_s=float(info.duration),
            task=task,
            segments=tuple(_kept_segments(segments)),
        )


def load_transcriber(settings: Settings) -> Transcriber:
    """The configured engine (faster-whisper); its model loads on first use."""
    return FasterWhisperTranscriber(settings)


def _kept_segments(segments: Iterable[Any]) -> Iterable[Segment]:
    for segment in segments:
        if _hallucinated(segment) or not segment.words:
            continue
        words = tuple(
            TranscribedWord(w.word, float(w.start), float(w.end), float(w.probability)) for w in segment.words
        )
        start, end, logprob = float(segment.start), float(segment.end), float(segment.avg_logprob)
        yield Segment(segment.text, start, end, words, logprob)


def _hallucinated(segment: Any) -> bool:
    not_speech = segment.no_speech_prob > _NO_SPEECH_PROB and segment.avg_logprob < _LOW_AVG_LOGPROB
    return bool(not_speech or segment.compression_ratio > _REPETITIVE_COMPRESSION)


_models: dict[tuple[str, Path, str, str, int], WhisperModel] = {}
_models_lock = threading.Lock()


def _shared_model(settings: Settings) -> WhisperModel:
    """One WhisperModel per process and configuration: loading, and checking the weights' sha256,
    happen on the first call only."""
    from faster_whisper import WhisperModel

    key = (
        settings.whisper_model,
        settings.resolved_data_dir,
        settings.whisper_device,
        settings.whisper_compute_type,
        settings.whisper_threads,
    )
    with _models_lock:
        if key not in _models:
            _models[key] = WhisperModel(
                resolve_model(settings),
                device=settings.whisper_device,
                compute_type=settings.whisper_compute_type,
                cpu_threads=settings.whisper_threads,
            )
        return _models[key]
