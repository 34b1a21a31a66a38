"""A PD's corrected transcript, translated again by the text translator.

With a text translator configured (`translate_url`), a PD's correction of the spoken language's
track queues a `translate_subtitles` job: it translates the corrected cues and makes the result the
English track (origin `translator`, quality `ok`), unless a PD has corrected the English itself,
which always stands. Without one, the English keeps its own corrections: Whisper's translation
listens to the audio, not to the correction. A job whose correction was replaced by a newer one
before it finished stores nothing; the newer correction's job translates that one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ingest import source_of
from shopcast.db import utcnow
from shopcast.events.service import emit
from shopcast.jobs.service import create_job
from shopcast.media.subtitle_formats import parse_vtt
from shopcast.runtime import Runtime
from transcode.subtitles.models import SubtitleTrack
from transcode.subtitles.retention import delete_replaced_after_commit
from transcode.subtitles.service import store_track, track_key
from transcode.subtitles.translator import TranslationRequest, text_translator

__all__ = ["RETRANSLATE_KIND", "Retranslated", "publish_retranslation", "queue_retranslation", "retranslate"]

RETRANSLATE_KIND = "translate_subtitles"
TARGET = "en"


@dataclass(frozen=True)
class Retranslated:
    prefix: str
    source_language: str
    source_version: int
    cue_count: int


def queue_retranslation(session: Session, runtime: Runtime, track: SubtitleTrack) -> None:
    """After a PD's correction of `track`: queue its translation when it is the transcript, a text
    translator is configured, and no PD has corrected the English."""
    if not runtime.settings.translate_url or track.kind != "transcript" or track.language == TARGET:
        return
    english = session.get(SubtitleTrack, (track.asset_id, TARGET))
    if english is not None and english.origin == "edit":
        return
    params = {"language": track.language, "version": track.version}
    create_job(
        session,
        RETRANSLATE_KIND,
        asset_id=track.asset_id,
        max_attempts=runtime.settings.job_max_attempts,
        params=params,
    )


def retranslate(runtime: Runtime, asset_id: str, job_id: str, params: dict[str, Any]) -> Retranslated | None:
    """The corrected transcript's English, stored under the job's prefix; None when the correction
    it was queued for is no longer the track (or the asset is gone)."""
    language, version = str(params["language"]), int(params["version"])
    with runtime.sessions() as session:
        track = session.get(SubtitleTrack, (asset_id, language))
        key = track_key(track, "vtt") if track is not None and track.version == version else None
    if key is None:
        return None
    cues = parse_vtt(runtime.store.get_bytes(key).decode("utf-8"))
    translation = text_translator(runtime.settings).translate(TranslationRequest(language, cues, TARGET))
    prefix = f"assets/{asset_id}/subtitles/{job_id}"
    store_track(runtime, prefix, TARGET, translation.cues)
    return Retranslated(prefix, language, version, len(translation.cues))


def publish_retranslation(session: Session, runtime: Runtime, asset_id: str, result: Retranslated) -> None:
    """The translation becomes the English track, unless the English was corrected meanwhile or
    the transcript changed again (then its files are deleted after this commits)."""
    source = session.get(SubtitleTrack, (asset_id, result.source_language))
    english = session.get(SubtitleTrack, (asset_id, TARGET))
    stale = source is None or source.version != result.source_version
    if stale or (english is not None and english.origin == "edit"):
        delete_replaced_after_commit(session, runtime, asset_id, TARGET, result.prefix)
        return
    assert source is not None
    if english is None:
        english = SubtitleTrack(asset_id=asset_id, language=TARGET, kind="translation", version=0)
        session.add(english)
    else:
        delete_replaced_after_commit(session, runtime, asset_id, TARGET, english.prefix)
    english.origin, english.prefix, english.cue_count, english.quality = (
        "translator",
        result.prefix,
        result.cue_count,
        "ok",
    )
    english.version, english.published_at = (english.version or 0) + 1, utcnow()
    session.flush()
    subtitles = [{"language": TARGET, "kind": "translation", "quality": "ok"}]
    data = {"id": asset_id, "subtitles": subtitles, "translated_from": result.source_language}
    found = source_of(session, asset_id)
    if found is not None:
        emit(session, "subtitles.ready", owner_id=found[0], subject_id=asset_id, data=data)
