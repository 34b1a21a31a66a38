"""When a replaced subtitle version's files may go: after the edit or Whisper job that replaced it
has committed, and only while no render of the asset may still be reading it.

A render (a clip that burns subtitles in, or a publication that carries them as sidecars) reads the
track's key in the transaction that starts it, after the job's claim has committed, and reads the
file later. So a render that planned against the replaced version was `running` before the
replacement committed; checking for running renders after that commit cannot miss it. A version
kept for a running render is written down as a SubtitleLeftover, and a periodic sweep
(`sweep_leftovers`) deletes it once no render of the asset is running.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from shopcast.db import transaction
from shopcast.jobs.models import Job, JobState
from shopcast.runtime import Runtime
from transcode.subtitles.models import SubtitleLeftover, SubtitleTrack

__all__ = ["delete_replaced_after_commit", "sweep_leftovers"]

log = logging.getLogger(__name__)

_PENDING = "transcode.subtitles.replaced_after_commit"  # in session.info: what to delete on commit
_LISTENING = "transcode.subtitles.replaced_listening"
_RENDER_QUEUE = "render"  # clip and publication renders: the jobs that read subtitle files


def delete_replaced_after_commit(
    session: Session, runtime: Runtime, asset_id: str, language: str, replaced: str | None
) -> None:
    """Once `session` commits, delete the `language` files of the version under `replaced` (the
    prefix the track pointed at before). Nothing for None; nothing if the session rolls back."""
    if replaced is None:
        return
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_rollback", lambda rolled_back: rolled_back.info.pop(_PENDING, None))
    session.info.setdefault(_PENDING, []).append((runtime, asset_id, language, replaced))


def _run_pending(session: Session) -> None:
    for runtime, asset_id, language, replaced in session.info.pop(_PENDING, []):
        try:
            _delete_if_unread(runtime, asset_id, language, replaced)
        except Exception:  # the edit stands; its predecessor's few kilobytes stay behind
            log.exception("asset %s: deleting replaced subtitles under %s failed", asset_id, replaced)


def _delete_if_unread(runtime: Runtime, asset_id: str, language: str, replaced: str) -> None:
    with transaction(runtime.sessions) as session:
        if _renders_running(session, asset_id):
            log.info(
                "asset %s: keeping subtitles under %s, a running render may read them", asset_id, replaced
            )
            if session.get(SubtitleLeftover, (asset_id, replaced, language)) is None:
                session.add(SubtitleLeftover(asset_id=asset_id, prefix=replaced, language=language))
            return
        shared = _still_referenced(session, asset_id, replaced)
    _delete_files(runtime, replaced, language, shared)


def _delete_files(runtime: Runtime, prefix: str, language: str, shared: bool) -> None:
    if shared:  # a Whisper job's prefix also holds its other languages, which are still live
        for extension in ("vtt", "srt"):
            runtime.store.delete_prefix(f"{prefix}/{language}.{extension}")
    else:
        runtime.store.delete_prefix(prefix + "/")


def sweep_leftovers(runtime: Runtime) -> None:
    """Delete the kept versions of every asset that no render is reading any more (a periodic)."""
    with runtime.sessions() as session:
        leftovers = session.execute(
            select(SubtitleLeftover.asset_id, SubtitleLeftover.prefix, SubtitleLeftover.language)
        ).all()
    for asset_id, prefix, language in leftovers:
        with transaction(runtime.sessions) as session:
            if _renders_running(session, asset_id):
                continue
            shared = _still_referenced(session, asset_id, prefix)
        _delete_files(runtime, prefix, language, shared)
        with transaction(runtime.sessions) as session:
            session.execute(
                delete(SubtitleLeftover).where(
                    SubtitleLeftover.asset_id == asset_id,
                    SubtitleLeftover.prefix == prefix,
                    SubtitleLeftover.language == language,
                )
            )


def _renders_running(session: Session, asset_id: str) -> bool:
    query = select(func.count()).where(
        Job.asset_id == asset_id, Job.queue == _RENDER_QUEUE, Job.state == JobState.running
    )
    return bool(session.scalar(query))


def _still_referenced(session: Session, asset_id: str, prefix: str) -> bool:
    query = select(func.count()).where(SubtitleTrack.asset_id == asset_id, SubtitleTrack.prefix == prefix)
    return bool(session.scalar(query))
