"""When a replaced subtitle version's files may go: after the edit that replaced it has committed,
and only while no render of the asset may still be reading it.

A render (a clip that burns subtitles in, or a publication that carries them as sidecars) reads the
track's key in the transaction that starts it, after the job's claim has committed, and reads the
file later. So a render that planned against the replaced version was `running` before the edit
committed; checking for running renders after that commit cannot miss it. Such a version stays
(a few kilobytes) until the asset is deleted, as every version once did.
"""

from __future__ import annotations

import logging

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from shopcast.jobs.models import Job, JobState
from shopcast.runtime import Runtime
from transcode.subtitles.models import SubtitleTrack

__all__ = ["delete_replaced_after_commit"]

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
    with runtime.sessions() as session:
        if _renders_running(session, asset_id):
            log.info(
                "asset %s: keeping subtitles under %s, a running render may read them", asset_id, replaced
            )
            return
        shared = _still_referenced(session, asset_id, replaced)
    if shared:  # a Whisper job's prefix also holds its other languages, which are still live
        for extension in ("vtt", "srt"):
            runtime.store.delete_prefix(f"{replaced}/{language}.{extension}")
    else:
        runtime.store.delete_prefix(replaced + "/")


def _renders_running(session: Session, asset_id: str) -> bool:
    query = select(func.count()).where(
        Job.asset_id == asset_id, Job.queue == _RENDER_QUEUE, Job.state == JobState.running
    )
    return bool(session.scalar(query))


def _still_referenced(session: Session, asset_id: str, prefix: str) -> bool:
    query = select(func.count()).where(SubtitleTrack.asset_id == asset_id, SubtitleTrack.prefix == prefix)
    return bool(session.scalar(query))
