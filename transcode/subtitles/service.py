"""Subtitles of an asset: Whisper's transcript and English translation, PDs' corrections, and how
players reach them (signed files, and subtitle renditions in the HLS master).

Each version of a language's track is written under a prefix of its own and becomes visible when
its SubtitleTrack row points there, in the transaction that finishes the job or accepts the edit.
A version a PD's edit replaced is deleted after that edit commits, unless a render of the asset is
running (a clip or publication render planned against it may still be reading it; `retention.py`);
so is a version a Whisper job replaced, and the job's own files of a language a PD has corrected.
A version kept for a running render is deleted by a sweep once no render runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ingest import source_of
from shopcast.db import rows_affected, utcnow
from shopcast.events.service import emit
from shopcast.ids import new_id
from shopcast.jobs.registry import ProgressReport
from shopcast.jobs.scratch import job_scratch
from shopcast.media.cues import Cue
from shopcast.media.ffmpeg_runner import BACKGROUND_NICENESS, run_ffmpeg
from shopcast.media.subtitle_formats import render_srt, render_vtt
from shopcast.media.subtitle_renditions import subtitle_media_line
from shopcast.runtime import Runtime
from shopcast.signing import sign
from transcode.hls.service import asset_gone_checker
from transcode.local_source import local_source
from transcode.subtitles.command import build_speech_extract
from transcode.subtitles.models import SubtitleTrack
from transcode.subtitles.quality import Quality, judge
from transcode.subtitles.retention import delete_replaced_after_commit
from transcode.subtitles.transcriber import load_transcriber
from transcode.subtitles.translator import TranslationRequest, cues_of, load_translator
from transcode.subtitles.vocabulary import vocabulary_for

_Result = TypeVar("_Result")
LANGUAGE = re.compile(r"^[a-z]{2}$")
_VTT_TYPE = "text/vtt; charset=utf-8"
_SRT_TYPE = "application/x-subrip; charset=utf-8"
# Players place WebVTT cues on the media timeline through this header (RFC 8216, 3.5).
_TIMESTAMP_MAP = "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000"


@dataclass(frozen=True)
class TrackFiles:
    language: str
    kind: str
    cue_count: int
    quality: Quality = "ok"


@dataclass(frozen=True)
class SubtitleSet:
    prefix: str
    tracks: list[TrackFiles]


def transcribe_asset(
    runtime: Runtime, asset_id: str, job_id: str, report: ProgressReport
) -> SubtitleSet | None:
    """Transcribe the asset's speech and translate it to English; None when the asset is gone.
    Silence, music or no audio give a set without tracks."""
    with runtime.sessions() as session:
        found = source_of(session, asset_id)
        vocabulary = vocabulary_for(session, asset_id)
    if found is None:
        return None
    source = found[1]
    prefix = f"assets/{asset_id}/subtitles/{job_id}"
    if not source.audio_codec:
        return SubtitleSet(prefix, [])
    transcriber = load_transcriber(runtime.settings)
    translator = load_translator(runtime.settings, transcriber)
    with job_scratch(runtime.settings) as folder:
        wav = folder / "speech.wav"
        duration = float(source.duration_s)
        run_ffmpeg(
            build_speech_extract(local_source(runtime, asset_id, folder), wav),
            timeout_s=runtime.settings.speech_extract_time_limit.for_media(duration),
            duration_s=duration,
            cancelled=asset_gone_checker(runtime, asset_id),
            background=True,
        )
        report(0.1)
        transcript = _at_low_priority(lambda: transcriber.transcribe(wav, None, "transcribe", vocabulary))
        spoken = cues_of(transcript, transcript.language)
        tracks = [(transcript.language, "transcript", spoken, judge(transcript).quality)]
        report(0.55)
        if transcript.words and transcript.language != "en":
            request = TranslationRequest(transcript.language, spoken, "en", wav, transcript)
            translation = _at_low_priority(lambda: translator.translate(request))
            tracks.append(("en", "translation", translation.cues, translation.verdict.quality))
    written = []
    for language, kind, cues, quality in tracks:
        if cues:
            store_track(runtime, prefix, language, cues)
            written.append(TrackFiles(language, kind, len(cues), quality))
    return SubtitleSet(prefix, written)


def _at_low_priority(work: Callable[[], _Result]) -> _Result:
    """Run `work` in a thread of its own at the background niceness (Linux sets niceness per
    thread, and the inference threads it starts inherit it), so a transcription on a busy machine
    takes what the ladder leaves; the worker's own thread keeps its priority for the next job."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        with contextlib.suppress(OSError, AttributeError):  # not Linux, or not allowed: normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)
        try:
            outcome["result"] = work()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="transcription")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    result: _Result = outcome["result"]
    return result


def store_track(runtime: Runtime, prefix: str, language: str, cues: Sequence[Cue]) -> None:
    runtime.store.put_bytes(f"{prefix}/{language}.vtt", render_vtt(cues).encode(), _VTT_TYPE)
    runtime.store.put_bytes(f"{prefix}/{language}.srt", render_srt(cues).encode(), _SRT_TYPE)


def publish_subtitles(session: Session, runtime: Runtime, asset_id: str, result: SubtitleSet) -> None:
    """Point the asset's tracks at the job's files; a PD's correction is never replaced by Whisper.
    The files no track points at any more (the versions replaced, or this job's own for a language a
    PD has corrected) are deleted after this commits (`retention.py`). Emits subtitles.ready."""
    found = source_of(session, asset_id)
    if found is None:
        return
    for files in result.tracks:
        track = session.get(SubtitleTrack, (asset_id, files.language))
        if track is None:
            session.add(_new_track(asset_id, files, result.prefix))
            continue
        before = track.prefix
        if track.origin == "whisper" and _replace_whisper_track(session, track, files, result.prefix):
            if before != result.prefix:
                delete_replaced_after_commit(session, runtime, asset_id, files.language, before)
        else:  # a PD's correction stands: this job's files of the language are never read
            delete_replaced_after_commit(session, runtime, asset_id, files.language, result.prefix)
    session.flush()
    data = {
        "id": asset_id,
        "subtitles": [{"language": t.language, "kind": t.kind, "quality": t.quality} for t in result.tracks],
    }
    emit(session, "subtitles.ready", owner_id=found[0], subject_id=asset_id, data=data)


def _replace_whisper_track(session: Session, track: SubtitleTrack, files: TrackFiles, prefix: str) -> bool:
    """Compare-and-set: a PD's edit committed since `track` was read wins (False)."""
    replaced = session.execute(
        update(SubtitleTrack)
        .where(
            SubtitleTrack.asset_id == track.asset_id,
            SubtitleTrack.language == files.language,
            SubtitleTrack.origin == "whisper",
            SubtitleTrack.version == track.version,
        )
        .values(
            kind=files.kind,
            prefix=prefix,
            cue_count=files.cue_count,
            quality=files.quality,
            version=track.version + 1,
            published_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return rows_affected(replaced) == 1


def _new_track(asset_id: str, files: TrackFiles, prefix: str) -> SubtitleTrack:
    return SubtitleTrack(
        asset_id=asset_id,
        language=files.language,
        kind=files.kind,
        origin="whisper",
        prefix=prefix,
        cue_count=files.cue_count,
        quality=files.quality,
        version=1,
    )


def replace_track(
    session: Session, runtime: Runtime, asset_id: str, owner_id: str, language: str, cues: Sequence[Cue]
) -> SubtitleTrack:
    """A PD's corrected cues become the language's track; the version it replaces is deleted once
    this commits, unless a running render may still read it (`retention.py`)."""
    prefix = f"assets/{asset_id}/subtitles/edit-{new_id()}"
    store_track(runtime, prefix, language, cues)
    track = session.get(SubtitleTrack, (asset_id, language))
    delete_replaced_after_commit(session, runtime, asset_id, language, track.prefix if track else None)
    if track is None:
        kind = "transcript" if _transcript_language(session, asset_id) in (None, language) else "translation"
        track = _new_track(asset_id, TrackFiles(language, kind, len(cues)), prefix)
        track.version = 0  # the edit below makes it the first version
        session.add(track)
    track.origin, track.prefix, track.cue_count, track.quality = "edit", prefix, len(cues), "ok"
    track.version, track.published_at = (track.version or 0) + 1, utcnow()
    session.flush()
    data = {"id": asset_id, "subtitles": [{"language": language, "kind": track.kind}], "edited": True}
    emit(session, "subtitles.ready", owner_id=owner_id, subject_id=asset_id, data=data)
    return track


def _transcript_language(session: Session, asset_id: str) -> str | None:
    return session.scalar(
        select(SubtitleTrack.language).where(
            SubtitleTrack.asset_id == asset_id, SubtitleTrack.kind == "transcript"
        )
    )


def tracks_of(session: Session, asset_id: str) -> list[SubtitleTrack]:
    rows = session.scalars(select(SubtitleTrack).where(SubtitleTrack.asset_id == asset_id))
    return sorted(rows, key=lambda t: (t.kind != "transcript", t.language))


def subtitles_view(session: Session, runtime: Runtime, asset_id: str) -> list[dict[str, Any]]:
    """The asset's `subtitles`: language, kind and signed, expiring WebVTT and SRT URLs."""
    tracks = tracks_of(session, asset_id)
    if not tracks:
        return []
    token = sign(runtime.settings.secret_key, asset_id, runtime.settings.playback_ttl_s)
    base = f"{runtime.settings.public_url}/v1/playback/{asset_id}/subtitles"
    return [
        {
            "language": t.language,
            "kind": t.kind,
            "origin": t.origin,
            "version": t.version,
            "quality": t.quality,
            "vtt_url": f"{base}/{t.language}.vtt?token={token}",
            "srt_url": f"{base}/{t.language}.srt?token={token}",
        }
        for t in tracks
    ]


def with_subtitle_renditions(master: str, tracks: Sequence[SubtitleTrack]) -> str:
    """The master playlist with one WebVTT rendition per track in the group every variant names."""
    if not tracks:
        return master
    media = [subtitle_media_line("subs", t.language, f"subtitles/{t.language}.m3u8") for t in tracks]
    lines: list[str] = []
    for line in master.splitlines():
        if line.startswith("#EXT-X-STREAM-INF:"):
            if not _media_inserted(lines):
                lines += media
            line += ',SUBTITLES="subs"'
        lines.append(line)
    return "\n".join(lines) + "\n"


def _media_inserted(lines: list[str]) -> bool:
    return any(line.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES") for line in lines)


def subtitle_playlist(language: str, duration_s: float) -> str:
    """A media playlist of one segment: the whole WebVTT file."""
    return (
        "#EXTM3U\n#EXT-X-VERSION:7\n"
        f"#EXT-X-TARGETDURATION:{max(1, round(duration_s + 0.5))}\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXTINF:{duration_s:.3f},\n{language}.vtt\n#EXT-X-ENDLIST\n"
    )


def with_timestamp_map(vtt: str) -> str:
    """The WebVTT file as an HLS segment: the timestamp map right after the header line."""
    header, _, rest = vtt.partition("\n")
    return f"{header}\n{_TIMESTAMP_MAP}\n{rest}"


def track_key(track: SubtitleTrack, extension: str) -> str:
    return f"{track.prefix}/{track.language}.{extension}"


def adopt_live_captions(
    session: Session, runtime: Runtime, asset_id: str, spoken: str, tracks: dict[str, list[Cue]]
) -> None:
    """A live recording's asset starts with its live captions as subtitles (`ingest`'s hand-off
    calls this in its transaction); the subtitles job's full pass replaces them later, as it
    replaces any of Whisper's tracks, unless a PD has corrected them by then."""
    prefix = f"assets/{asset_id}/subtitles/live"
    for language, cues in tracks.items():
        if cues and session.get(SubtitleTrack, (asset_id, language)) is None:
            store_track(runtime, prefix, language, cues)
            kind = "transcript" if language == spoken else "translation"
            session.add(_new_track(asset_id, TrackFiles(language, kind, len(cues)), prefix))
    session.flush()
