"""Live captions as ingest sees them: which streams have them, where their files are, and the
playlists that list them beside the preview.

A captioned stream's recording gets a `captions/` folder: for each language a WebVTT file per video
segment (`captions/ko/000003.vtt`, the same number as the segment it captions), written once and
never rewritten. The captioner that writes them (Whisper: `transcode/subtitles/live_captioner.py`) is
handed in at start-up (`set_captioner_factory`), as commerce hands in the pins; ingest starts one per
captioned recording when it goes live and finishes it before the hand-off, and serves the preview's
master playlist with a `SUBTITLES` rendition per language.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from ingest.live import service as live_service
from ingest.live.recording_index import read_index
from shopcast.db import transaction
from shopcast.media.cues import Cue
from shopcast.media.subtitle_formats import SubtitleFileError, parse_vtt
from shopcast.media.subtitle_renditions import subtitle_media_line
from shopcast.runtime import Runtime

log = logging.getLogger(__name__)

CAPTIONS_DIR = "captions"


class Captioner(Protocol):
    def health(self) -> dict[str, float]: ...

    def finish(self) -> None:
        """Caption what remains of the recording, write the last files and stop (blocking)."""


# (recording directory, spoken language, languages to translate into) -> a running captioner
CaptionerFactory = Callable[[Path, str, tuple[str, ...]], Captioner]
# (session, runtime, asset id, spoken language, cues of each language): the recording's asset starts
# with the live captions as its subtitles
CaptionsAdopter = Callable[[Session, Runtime, str, str, dict[str, list[Cue]]], None]
_factory: CaptionerFactory | None = None
_adopter: CaptionsAdopter | None = None


def set_captioner_factory(factory: CaptionerFactory, adopter: CaptionsAdopter) -> None:
    global _factory, _adopter
    _factory, _adopter = factory, adopter


def adopt_captions(
    session: Session, runtime: Runtime, stream_id: str, asset_id: str, directory: Path
) -> None:
    """Hand the recording's live captions to its new asset (in the hand-off's transaction). Captions
    never hold a recording back: if they cannot be read, the asset starts without them."""
    captions = live_service.captions_of(session, stream_id)
    if _adopter is None or not captions:
        return
    try:
        tracks = recorded_captions(directory)
        if any(tracks.values()):
            with session.begin_nested():
                _adopter(session, runtime, asset_id, str(captions["language"]), tracks)
    except Exception:
        log.exception("live stream %s: its captions could not be kept with its recording", stream_id)


def recorded_captions(directory: Path) -> dict[str, list[Cue]]:
    """Each language's cues from its segment files, once each (a cue may span two segments)."""
    tracks: dict[str, list[Cue]] = {}
    for language in caption_languages(directory):
        cues: dict[tuple[float, float, tuple[str, ...]], Cue] = {}
        for path in sorted((directory / CAPTIONS_DIR / language).glob("*.vtt")):
            try:
                found = parse_vtt(path.read_text(encoding="utf-8"))
            except SubtitleFileError:  # a segment nobody spoke in
                continue
            for cue in found:
                cues.setdefault((round(cue.start_s, 3), round(cue.end_s, 3), cue.lines), cue)
        tracks[language] = sorted(cues.values(), key=lambda cue: cue.start_s)
    return tracks


class LiveCaptions:
    """The captioners of this node's captioned recordings, one per stream across reconnects."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._running: dict[str, Captioner] = {}
        self._lock = threading.Lock()

    def ensure(self, stream_id: str, directory: Path) -> None:
        """Start the stream's captioner if it has captions and none runs yet (blocking)."""
        with self._lock:
            if stream_id in self._running or _factory is None:
                return
            try:
                with transaction(self.runtime.sessions) as db:
                    captions = live_service.captions_of(db, stream_id)
                if captions:
                    translate = tuple(str(t) for t in captions.get("translate", ()))
                    self._running[stream_id] = _factory(directory, str(captions["language"]), translate)
            except Exception:  # the show goes on without captions
                log.exception("live stream %s: its captions could not start", stream_id)

    def health(self, stream_id: str) -> dict[str, float]:
        captioner = self._running.get(stream_id)
        return captioner.health() if captioner is not None else {}

    def finish(self, stream_id: str) -> None:
        """Let the stream's captioner caption the rest and stop (blocking); before the hand-off."""
        with self._lock:
            captioner = self._running.pop(stream_id, None)
        if captioner is not None:
            try:
                captioner.finish()
            except Exception:
                log.exception("live stream %s: finishing its captions failed", stream_id)


def caption_languages(directory: Path) -> list[str]:
    folder = directory / CAPTIONS_DIR
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def captioned_master(directory: Path, languages: list[str]) -> str | None:
    """The preview's master playlist: the video preview and a subtitle rendition per language."""
    entries = [e for e in read_index(directory) if str(e["name"]).endswith(".ts")][-6:]
    if not entries:
        return None
    seconds = sum(max(0.001, float(e["end_s"]) - float(e["start_s"])) for e in entries)
    size = sum(
        (directory / str(e["name"])).stat().st_size for e in entries if (directory / str(e["name"])).exists()
    )
    bandwidth = max(100_000, int(size * 8 / seconds))
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    lines += [
        subtitle_media_line("captions", lang, f"preview/captions/{lang}.m3u8", default=i == 0)
        for i, lang in enumerate(languages)
    ]
    lines += [f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},SUBTITLES="captions"', "preview.m3u8"]
    return "\n".join(lines) + "\n"


def captions_playlist(directory: Path, language: str, window: int = 6) -> str | None:
    """The language's last WebVTT segments: each has its video segment's number and duration, so the
    two line up; when captions lag, this window ends a little behind the video's."""
    folder = directory / CAPTIONS_DIR / language
    if not folder.is_dir():
        return None
    entries = [e for e in read_index(directory) if str(e["name"]).endswith(".ts")]
    captioned = [e for e in entries if (folder / vtt_name(str(e["name"]))).is_file()][-window:]
    durations = [max(0.001, float(e["end_s"]) - float(e["start_s"])) for e in captioned]
    first = str(captioned[0]["name"]) if captioned else "0.ts"
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{math.ceil(max(durations, default=2.0))}",
        f"#EXT-X-MEDIA-SEQUENCE:{int(first.split('.')[0])}",
    ]
    for entry, duration in zip(captioned, durations, strict=True):
        lines += [f"#EXTINF:{duration:.3f},", f"{language}/{vtt_name(str(entry['name']))}"]
    return "\n".join(lines) + "\n"


def vtt_name(segment_name: str) -> str:
    return segment_name.rsplit(".", 1)[0] + ".vtt"


def caption_segment(directory: Path, language: str, name: str) -> Path | None:
    """A caption segment's file; names are checked, never joined blindly."""
    if len(language) != 2 or not language.isalpha() or not name.endswith(".vtt") or not name[:-4].isdigit():
        return None
    path = directory / CAPTIONS_DIR / language / name
    return path if path.is_file() else None
