"""Live streams in the database: stream keys, who is publishing, and the hand-off to an asset.

The row is the truth across API processes: a publisher is live while `session_id` names its WHIP
session; a dropped publisher leaves the stream `live` with no session until it reconnects or its grace
period ends; `ended` is reached once, by compare-and-set, together with the asset its recording became.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ingest.assets.models import Asset, AssetState
from ingest.live.models import LiveState, LiveStream
from ingest.live.schemas import LiveStreamIn, LiveStreamOut, LiveStreamPatch
from ingest.restream.service import copy_saved
from shopcast.auth.models import Role
from shopcast.auth.ownership import get_visible, page_visible
from shopcast.auth.service import Principal
from shopcast.db import rows_affected, utcnow
from shopcast.errors import Conflict, Forbidden, ShopcastError, Unauthorized
from shopcast.events.service import emit
from shopcast.jobs.pipeline import start_probe
from shopcast.live_urls import rtmp_url, rtmps_url, srt_url
from shopcast.settings import Settings
from studio_booking import booking_for_stream_key

KEY_PREFIX = "lk_"
# `session_id` while a node turns the recording into an asset: no publisher may claim the stream.
HANDING_OFF = "handing-off"


@dataclass(frozen=True)
class RecordingFile:
    """A finished recording already in the store as the source of the asset `asset_id`."""

    asset_id: str
    size_bytes: int
    duration_s: float
    products: list[dict[str, Any]] = field(default_factory=list)  # the pins, on its timeline


def create_stream(session: Session, principal: Principal, body: LiveStreamIn) -> LiveStream:
    """A new idle stream owned by the caller; Forbidden for partners, who pull clips and never go live."""
    if principal.role is Role.partner:
        raise Forbidden("partners pull clips; live streams belong to creators", code="partners_cannot_stream")
    stream = LiveStream(
        owner_id=principal.id,
        title=body.title,
        stream_key=KEY_PREFIX + secrets.token_urlsafe(24),
        state=LiveState.idle,
        captions=body.captions.model_dump() if body.captions is not None else None,
    )
    session.add(stream)
    session.flush()
    copy_saved(session, stream.owner_id, stream.id)
    return stream


def update_stream(
    session: Session, principal: Principal, stream_id: str, body: LiveStreamPatch
) -> LiveStream:
    """Change the title, or the captions while the stream is not live (409 `stream_live`)."""
    stream = get_visible_stream(session, principal, stream_id)
    if principal.role is Role.partner:
        raise Forbidden("partners cannot change live streams")
    if "title" in body.model_fields_set:
        stream.title = body.title
    if "captions" in body.model_fields_set:
        if stream.state is LiveState.live:
            raise Conflict("captions change before going live, not during the show", code="stream_live")
        stream.captions = body.captions.model_dump() if body.captions is not None else None
    session.flush()
    return stream


def captions_of(session: Session, stream_id: str) -> dict[str, Any] | None:
    stream = session.get(LiveStream, stream_id)
    return dict(stream.captions) if stream is not None and stream.captions else None


def get_visible_stream(session: Session, principal: Principal, stream_id: str) -> LiveStream:
    return get_visible(session, principal, LiveStream, stream_id, LiveStream.owner_id, "live stream")


@dataclass(frozen=True)
class LiveStreamFacts:
    """What other domains may know of a stream: whose it is, whether it is live, since when."""

    id: str
    owner_id: str
    state: str
    started_at: datetime | None
    asset_id: str | None


def live_stream_facts(session: Session, principal: Principal, stream_id: str) -> LiveStreamFacts:
    """A stream `principal` may see; NotFound otherwise."""
    stream = get_visible_stream(session, principal, stream_id)
    return LiveStreamFacts(stream.id, stream.owner_id, stream.state.value, stream.started_at, stream.asset_id)


def list_visible(session: Session, principal: Principal, limit: int, cursor: str | None) -> list[LiveStream]:
    return page_visible(session, principal, LiveStream, LiveStream.owner_id, limit, cursor)


def stream_for_key(session: Session, key: str, now: datetime, settings: Settings) -> LiveStream:
    """The stream a WHIP publisher's bearer key may publish to now.

    Raises Unauthorized (401) for a key nobody issued, Forbidden (403) for a booking key outside its
    window, Conflict (409) while another publisher is live on it or after it ended.
    """
    stream = session.scalar(select(LiveStream).where(LiveStream.stream_key == key))
    if stream is None:
        stream = _booking_stream(session, key, now, settings)
    _check_publishable(stream)
    return stream


def _booking_stream(session: Session, key: str, now: datetime, settings: Settings) -> LiveStream:
    """The live stream of the booking whose key this is, made on its first publish."""
    try:
        booking = booking_for_stream_key(session, key, now, settings)
    except Unauthorized:
        raise Unauthorized(
            "this stream key is unknown; copy it again from your live stream or booking",
            code="unknown_stream_key",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    by_booking = select(LiveStream).where(LiveStream.booking_id == booking.id)
    stream = session.scalar(by_booking)
    if stream is not None:
        return stream
    stream = LiveStream(
        owner_id=booking.creator_id,
        title=f"Live {booking.starts_at:%Y-%m-%d %H:%M} UTC",
        stream_key=key,
        booking_id=booking.id,
        state=LiveState.idle,
    )
    try:
        with session.begin_nested():
            session.add(stream)
            session.flush()
            copy_saved(session, stream.owner_id, stream.id)
    except IntegrityError:
        # Two first publishes at once: both found no stream, the other one's insert won (the key
        # and the booking are unique). Its stream is this key's stream.
        winner = session.scalar(by_booking)
        if winner is None:
            raise
        return winner
    return stream


def _check_publishable(stream: LiveStream) -> None:
    if stream.state is LiveState.ended:
        raise Conflict(
            "this live stream has ended and its recording is an asset; create a new live stream",
            code="stream_ended",
        )
    if stream.session_id == HANDING_OFF:
        raise Conflict(
            "this live stream has just ended and its recording is being saved; create a new live stream",
            code="stream_ending",
        )
    if stream.session_id is not None:
        raise Conflict(
            "someone is already live with this stream key; stop that broadcast first",
            code="already_live",
        )


def node_id(live_dir: Path) -> str:
    """Which process records here: host, pid, this start's nonce and its recordings folder."""
    return f"{socket.gethostname()}:{os.getpid()}:{_BOOT}:{live_dir}"


# New at every start. Host and pid cannot tell a dead process from its successor in a container:
# under tini the restarted API has the same hostname and the same pid, so `kill(pid, 0)` succeeds.
_BOOT = secrets.token_hex(8)
_NODE = re.compile(r"^(?P<host>[^:]*):(?P<pid>\d+):(?:(?P<boot>[0-9a-f]{16}):)?(?P<folder>.*)$")


def _node_gone(node: str | None, live_dir: Path) -> bool:
    """Whether `node` recorded into this folder on this host and was another start of the API.

    One process at a time records into a folder (each node has its own data directory), so a
    different nonce there is a process that has died. A node id written before nonces existed is
    judged by its pid alone."""
    parsed = _NODE.match(node or "")
    if parsed is None or parsed["host"] != socket.gethostname() or parsed["folder"] != str(live_dir):
        return False
    if parsed["boot"] is not None:
        return parsed["boot"] != _BOOT
    if int(parsed["pid"]) == os.getpid():
        return True  # this process writes a nonce: an old id with its pid is a predecessor's
    try:
        os.kill(int(parsed["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim(session: Session, stream_id: str, session_id: str, node: str, ingest: str = "whip") -> bool:
    """Make `session_id` (over `ingest`: whip, rtmp or srt) the stream's publisher if nobody else
    got there first."""
    now = utcnow()
    won = session.execute(
        update(LiveStream)
        .where(
            LiveStream.id == stream_id,
            LiveStream.session_id.is_(None),
            LiveStream.state.in_([LiveState.idle, LiveState.live]),
        )
        .values(state=LiveState.live, session_id=session_id, node=node, ingest=ingest)
    )
    if rows_affected(won) != 1:
        return False
    stream = session.get(LiveStream, stream_id)
    assert stream is not None
    if stream.started_at is None:
        stream.started_at = now
        emit(
            session,
            "live_stream.started",
            owner_id=stream.owner_id,
            subject_id=stream.id,
            data={"id": stream.id, "booking_id": stream.booking_id},
        )
    return True


def release(session: Session, stream_id: str, session_id: str) -> bool:
    """The publisher went away; the stream stays live and may be taken up again by a reconnect.
    False if `session_id` was not the stream's publisher."""
    released = session.execute(
        update(LiveStream)
        .where(LiveStream.id == stream_id, LiveStream.session_id == session_id)
        .values(session_id=None)
    )
    return rows_affected(released) == 1


def record_health(session: Session, stream_id: str, health: dict[str, float | int]) -> None:
    """The incoming stream's figures, keeping the note of the last refused publisher."""
    stream = session.get(LiveStream, stream_id)
    if stream is None:
        return
    refused = (stream.health or {}).get("last_refused")
    stream.health = {**health, "last_refused": refused} if refused else dict(health)


def record_refusal(session: Session, key: str, ingest: str, error: ShopcastError) -> None:
    """A publisher of a known key was refused: the stream's `health` says when, over what and why,
    so a creator whose encoder cannot connect sees the reason on the stream."""
    stream = session.scalar(select(LiveStream).where(LiveStream.stream_key == key))
    if stream is None:
        return
    note = {"at": utcnow().isoformat(), "ingest": ingest, "code": error.code, "message": error.message}
    stream.health = {**(stream.health or {}), "last_refused": note}


def stream_row(session: Session, stream_id: str) -> LiveStream | None:
    return session.get(LiveStream, stream_id)


def begin_hand_off(session: Session, stream_id: str, publisher: str | None) -> bool:
    """Take the stream from its last publisher (`session_id` as the caller last saw it) for the
    hand-off; False if someone reconnected or another hand-off got there first."""
    held = LiveStream.session_id.is_(None) if publisher is None else LiveStream.session_id == publisher
    won = session.execute(
        update(LiveStream)
        .where(LiveStream.id == stream_id, LiveStream.state == LiveState.live, held)
        .values(session_id=HANDING_OFF)
    )
    return rows_affected(won) == 1


def abandon_hand_off(session: Session, stream_id: str) -> None:
    """A hand-off failed: the stream is live with no publisher again, so a reconnect may continue it
    and a later hand-off (publisher None) may retry, instead of it answering `stream_ending` forever."""
    session.execute(
        update(LiveStream)
        .where(
            LiveStream.id == stream_id,
            LiveStream.state == LiveState.live,
            LiveStream.session_id == HANDING_OFF,
        )
        .values(session_id=None)
    )


def end_with_asset(
    session: Session, settings: Settings, stream_id: str, recording: RecordingFile | None
) -> bool:
    """End the stream once, creating the asset its recording became; False if it had ended already.

    The caller has put the recording's bytes under `source_key(recording.asset_id)` already; if this
    returns False they belong to nobody and the caller deletes them."""
    stream = session.get(LiveStream, stream_id)
    if stream is None or stream.state is LiveState.ended:
        return False
    # Nothing recorded (ICE never connected, no picture): the stream is `idle` again, key reusable.
    after = LiveState.ended if recording is not None else LiveState.idle
    won = session.execute(
        update(LiveStream)
        .where(LiveStream.id == stream_id, LiveStream.session_id == HANDING_OFF)
        .values(state=after, session_id=None, ended_at=utcnow() if recording else None)
    )
    if rows_affected(won) != 1:
        return False
    if recording is not None:
        stream.asset_id = _recorded_asset(session, settings, stream, recording).id
    duration_s = round(recording.duration_s, 3) if recording else 0.0
    data = {"id": stream.id, "asset_id": stream.asset_id, "duration_s": duration_s}
    emit(session, "live_stream.ended", owner_id=stream.owner_id, subject_id=stream.id, data=data)
    return True


def _recorded_asset(
    session: Session, settings: Settings, stream: LiveStream, recording: RecordingFile
) -> Asset:
    """The asset the recording becomes, on its way to the probe like an upload."""
    asset = Asset(
        id=recording.asset_id,
        owner_id=stream.owner_id,
        state=AssetState.processing,
        title=stream.title or "Live recording",
        filename=f"live-{stream.id}.mkv",
        size_bytes=recording.size_bytes,
        products=recording.products,
    )
    session.add(asset)
    session.flush()
    emit(session, "asset.created", owner_id=stream.owner_id, subject_id=asset.id, data={"id": asset.id})
    start_probe(session, asset.id, settings.job_max_attempts)
    return asset


def orphaned_streams(session: Session, live_dir: Path) -> list[tuple[str, str | None]]:
    """(stream, its last session) for streams recorded into `live_dir` on this host by a process that
    has died; they are still `live`, their segments are on this disk."""
    columns = select(LiveStream.id, LiveStream.session_id, LiveStream.node)
    rows = session.execute(columns.where(LiveStream.state == LiveState.live))
    return [(stream_id, session_id) for stream_id, session_id, node in rows if _node_gone(node, live_dir)]


def to_out(
    stream: LiveStream, settings: Settings, preview_hls: str | None, srt_port: int | None = None
) -> LiveStreamOut:
    return LiveStreamOut(
        id=stream.id,
        title=stream.title,
        stream_key=stream.stream_key,
        whip_url=f"{settings.public_url.rstrip('/')}/v1/live/whip",
        rtmp_url=rtmp_url(settings),
        rtmps_url=rtmps_url(settings),
        srt_url=srt_url(settings, stream.stream_key, srt_port),
        ingest=stream.ingest,
        state=stream.state.value,
        preview_hls=preview_hls,
        booking_id=stream.booking_id,
        asset_id=stream.asset_id,
        started_at=stream.started_at,
        ended_at=stream.ended_at,
        health=stream.health,
        captions=stream.captions,
    )
