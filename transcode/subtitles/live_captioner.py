"""Live captions: a live recording's speech transcribed as it is recorded, segment by segment.

A thread per captioned recording follows the recording's index. Each closed MPEG-TS segment's audio
is decoded (16 kHz mono) onto a buffer on the recording's timeline, and Whisper transcribes the
buffer: what is not captioned yet (held-back speech and the new segment) after a few seconds of
captioned speech as context. Words that end more than `HOLD_S` before the buffer's end are final:
they become cues (the language's style) and are never rewritten; the rest waits for the next
segment, so a word cut by a segment boundary is heard whole. Translations (Whisper's, into English)
follow in stretches of `TRANSLATE_EVERY_S` of captioned speech: Whisper reads a 30 s window whatever
the audio's length, so translating every segment would double what keeping up costs. Once a
language's captions pass a video segment's end, its WebVTT file for that segment is written
(`captions/<lang>/<number>.vtt`: the cues overlapping it, and the X-TIMESTAMP-MAP that places them
on the segment's MPEG-TS clock); the lag from a segment's closing to its captions is what `health`
shows. The thread runs at `LIVE_NICENESS`: behind the API's own work, ahead of background jobs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np

from ingest import CAPTIONS_DIR, read_recording_index
from shopcast.media.cues import MIN_GAP_S, Cue, CueWord, segment_cues
from shopcast.media.subtitle_formats import render_vtt
from shopcast.settings import Settings
from transcode.subtitles.transcriber import Task, Transcriber, load_transcriber

__all__ = ["HOLD_S", "LiveCaptioner", "live_captioner_factory"]

log = logging.getLogger(__name__)

RATE = 16_000
HOLD_S = 1.5  # speech this close to the buffer's end may be a word cut in two: it waits
CONTEXT_S = 3.0  # captioned speech heard again before the new, so the new is heard in its sentence
# A window with sound where Whisper heard no words (it drops a window it finds repetitive) is heard
# again with the next segment, up to this long; quieter than SILENCE_RMS is silence, captioned as such.
MAX_UNHEARD_S = 8.0
SILENCE_RMS = 0.01
TRANSLATE_EVERY_S = 6.0  # translations follow in stretches of at least this much speech
_POLL_S = 0.2
# Live captions are late when they wait: a little below the API's own work (recording, serving),
# far above the workers' background jobs (ladders, full subtitle passes) at BACKGROUND_NICENESS.
LIVE_NICENESS = 5
_TS_CLOCK = 90_000


@dataclass
class _Track:
    cues: list[Cue] = field(default_factory=list)
    written: set[str] = field(default_factory=set)
    until_s: float = 0.0  # recording time up to which this language's captions are final


@dataclass
class _Pending:
    """Transcribed speech not translated yet: Whisper reads 30 s windows whatever their length, so a
    translation per segment would double the cost of keeping up; it waits for `TRANSLATE_EVERY_S`."""

    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    start_s: float = 0.0
    end_s: float = 0.0


class LiveCaptioner:
    """Captions one recording directory while it grows; `finish` captions the rest and stops."""

    def __init__(
        self, settings: Settings, directory: Path, language: str, translate: tuple[str, ...]
    ) -> None:
        self.directory = directory
        self.language = language
        self._transcriber: Transcriber = load_transcriber(settings)
        self._tracks = {lang: _Track() for lang in (language, *translate)}
        self._translate = translate
        self._done: set[str] = set()
        self._audio = np.zeros(0, dtype=np.float32)
        self._audio_start_s = 0.0
        self._captioned_s = 0.0  # recording time up to which the spoken language's captions are final
        self._pending = _Pending()
        self._ts_zero: int | None = None  # the MPEG-TS clock at recording time zero
        self._lag_s: float | None = None
        self._stopping = threading.Event()
        for lang in self._tracks:
            (directory / CAPTIONS_DIR / lang).mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name=f"captions-{directory.name}", daemon=True)
        self._thread.start()

    def health(self) -> dict[str, float]:
        return {"caption_lag_s": round(self._lag_s, 2)} if self._lag_s is not None else {}

    def finish(self) -> None:
        self._stopping.set()
        self._thread.join()

    # --- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # not Linux: normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LIVE_NICENESS)
        while True:
            stopping = self._stopping.is_set()
            try:
                progressed = self._step(final=stopping)
            except Exception:
                log.exception("live captions of %s failed a step", self.directory.name)
                progressed = False
            if stopping:
                return
            if not progressed:
                self._stopping.wait(_POLL_S)

    def _step(self, final: bool) -> bool:
        entries = [e for e in read_recording_index(self.directory) if str(e["name"]).endswith(".ts")]
        new = [e for e in entries if e["name"] not in self._done]
        if not new and not final:
            return False
        for entry in new:
            self._append(entry)
            self._done.add(str(entry["name"]))
        self._caption(final)
        self._write(entries, final)
        return True

    def _append(self, entry: dict[str, Any]) -> None:
        """The segment's audio onto the buffer at its place on the recording's timeline."""
        samples, first_pts = _decode(self.directory / str(entry["name"]))
        start_s = float(entry["start_s"])
        if self._ts_zero is None and first_pts is not None:
            self._ts_zero = max(0, first_pts - round(start_s * _TS_CLOCK))
        if not len(self._audio):
            self._audio_start_s = max(start_s, self._captioned_s)
        end_s = self._audio_start_s + len(self._audio) / RATE
        if start_s > end_s:  # a reconnect's gap: silence
            self._audio = np.concatenate([self._audio, np.zeros(round((start_s - end_s) * RATE), np.float32)])
        elif start_s < end_s:  # overlap: keep what is new
            samples = samples[round((end_s - start_s) * RATE) :]
        self._audio = np.concatenate([self._audio, samples])

    def _caption(self, final: bool) -> None:
        """Transcribe the buffer; its final words become cues and leave it (for the translations)."""
        seconds = len(self._audio) / RATE
        end_s = self._audio_start_s + seconds
        cut = end_s if final else end_s - HOLD_S
        heard = self._words(self._audio, "transcribe", self._audio_start_s) if seconds >= 0.3 else []
        # not the context's: a word is new if most of it comes after what was captioned (heard again
        # with more around it, a word's start may move a little before where the last step cut)
        words = [w for w in heard if (w.start_s + w.end_s) / 2 >= self._captioned_s]
        done = [w for w in words if w.end_s <= cut]
        waiting = [w for w in words if w.end_s > cut]
        until = max(min([cut, *(w.start_s for w in waiting[:1])]), self._captioned_s)
        if not words and not final and self._sounds(until) and until - self._captioned_s < MAX_UNHEARD_S:
            until = self._captioned_s  # sound but no words: Whisper misheard this window; hear it again
        self._publish(self.language, done, until)
        self._hand_to_translation(until, final)
        self._captioned_s = until
        drop = round((until - CONTEXT_S - self._audio_start_s) * RATE)
        if drop > 0:  # what was captioned leaves, but for a few seconds heard again as context
            self._audio = self._audio[drop:]
            self._audio_start_s += drop / RATE

    def _hand_to_translation(self, until: float, final: bool) -> None:
        """The stretch just captioned joins the speech awaiting translation, translated once long
        enough (or at the end)."""
        if not self._translate:
            return
        pending = self._pending
        if not len(pending.audio):
            pending.start_s = self._captioned_s
        pending.audio = np.concatenate([pending.audio, self._slice(self._captioned_s, until)])
        pending.end_s = until
        if pending.end_s - pending.start_s < TRANSLATE_EVERY_S and not final:
            return
        for target in self._translate:
            translated = self._words(pending.audio, "translate", pending.start_s)
            self._publish(target, [w for w in translated if w.start_s < pending.end_s], pending.end_s)
        self._pending = _Pending()

    def _words(self, audio: np.ndarray, task: Task, offset_s: float) -> list[CueWord]:
        """The words Whisper hears in `audio` (a stretch of the buffer from `offset_s`), on the
        recording's timeline."""
        if len(audio) < RATE * 0.3:
            return []
        wav = self.directory / CAPTIONS_DIR / "window.wav"
        _write_wav(wav, audio)
        transcript = self._transcriber.transcribe(wav, language=self.language, task=task)
        return [
            CueWord(w.text, w.start_s + offset_s, w.end_s + offset_s)
            for w in transcript.words
            if w.text.strip()
        ]

    def _sounds(self, until: float) -> bool:
        """Whether the stretch not captioned yet, up to `until`, holds more than silence."""
        stretch = self._slice(self._captioned_s, until)
        return bool(len(stretch)) and float(np.sqrt(np.mean(np.square(stretch)))) > SILENCE_RMS

    def _slice(self, from_s: float, to_s: float) -> np.ndarray:
        first = max(0, round((from_s - self._audio_start_s) * RATE))
        last = max(first, round((to_s - self._audio_start_s) * RATE))
        return self._audio[first:last]

    def _publish(self, language: str, words: list[CueWord], until: float) -> None:
        """New final cues: after the last published one, ending by `until`, up to which the
        language's captions are now final."""
        track = self._tracks[language]
        floor = track.cues[-1].end_s + MIN_GAP_S if track.cues else 0.0
        for cue in segment_cues(words, language):
            start = max(cue.start_s, floor)
            end = min(max(cue.end_s, start + 0.3), max(until, start + 0.3))
            track.cues.append(Cue(round(start, 3), round(end, 3), cue.lines))
            floor = end + MIN_GAP_S
        track.until_s = max(track.until_s, until)

    def _write(self, entries: list[dict[str, Any]], final: bool) -> None:
        """Each language's WebVTT file of every segment its captions have passed."""
        for language, track in self._tracks.items():
            for entry in entries:
                name = str(entry["name"])
                if name in track.written:
                    continue
                start_s, end_s = float(entry["start_s"]), float(entry["end_s"])
                if not final and end_s > track.until_s:
                    break
                cues = [c for c in track.cues if c.end_s > start_s and c.start_s < end_s]
                _write_segment(
                    self.directory / CAPTIONS_DIR / language / (name[:-3] + ".vtt"), cues, self._ts_zero or 0
                )
                track.written.add(name)
                if language == self.language and entry.get("at") is not None:
                    self._lag_s = max(0.0, time.time() - float(entry["at"]))


def _decode(path: Path) -> tuple[np.ndarray, int | None]:
    """A segment's audio as 16 kHz mono float32, and its first video packet's MPEG-TS time."""
    chunks: list[np.ndarray] = []
    first_pts: int | None = None
    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.stream.type == "video" and first_pts is None and packet.pts is not None:
                first_pts = packet.pts
            elif packet.stream.type == "audio":
                for frame in packet.decode():
                    assert isinstance(frame, av.AudioFrame)
                    chunks += [r.to_ndarray().reshape(-1) for r in resampler.resample(frame)]
    chunks += [r.to_ndarray().reshape(-1) for r in resampler.resample(None)]
    return (np.concatenate(chunks) if chunks else np.zeros(0, np.float32)), first_pts


def _write_wav(path: Path, audio: np.ndarray) -> None:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


def _write_segment(path: Path, cues: list[Cue], ts_zero: int) -> None:
    """A caption segment, written whole under a temporary name and then renamed into place."""
    vtt = render_vtt(cues)
    header, _, rest = vtt.partition("\n")
    text = f"{header}\nX-TIMESTAMP-MAP=MPEGTS:{ts_zero},LOCAL:00:00:00.000\n{rest}"
    partial = path.with_suffix(".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def live_captioner_factory(settings: Settings) -> Callable[[Path, str, tuple[str, ...]], LiveCaptioner]:
    """What ingest calls for each captioned recording (`ingest.set_captioner_factory`)."""

    def start(directory: Path, language: str, translate: tuple[str, ...]) -> LiveCaptioner:
        return LiveCaptioner(settings, directory, language, translate)

    return start
