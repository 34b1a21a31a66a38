"""Destinations in the database: who may see and change them, the saved ones new streams start with,
and the push states that the live node writes while a stream runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ingest.live.models import LiveStream
from ingest.restream.models import Destination, PushState, SavedDestination
from ingest.restream.schemas import DestinationIn, DestinationOut, DestinationPatch, SavedDestinationOut
from ingest.restream.urls import (
    UnsafeDestination,
    addresses_for,
    mask,
    parse_destination,
    seal_url,
    unseal_url,
)
from shopcast.auth.service import Principal
from shopcast.errors import Conflict, NotFound, ValidationFailed
from shopcast.events.service import emit
from shopcast.settings import Settings


@dataclass(frozen=True)
class PushTarget:
    """What the live node needs to push to a destination (the URL unsealed, in memory only)."""

    id: str
    url: str


def add_destination(
    session: Session, settings: Settings, stream: LiveStream, body: DestinationIn
) -> Destination:
    """A destination of `stream` (which the caller may see); 422 for a URL that may not be pushed to,
    409 past the per-stream limit."""
    count = session.scalar(
        select(func.count()).select_from(Destination).where(Destination.stream_id == stream.id)
    )
    if (count or 0) >= settings.restream_max_destinations:
        raise Conflict(
            f"a live stream has at most {settings.restream_max_destinations} destinations",
            code="too_many_destinations",
        )
    sealed, masked = _vetted(settings, body.url)
    destination = Destination(
        stream_id=stream.id,
        owner_id=stream.owner_id,
        name=body.name,
        url_sealed=sealed,
        url_masked=masked,
        enabled=body.enabled,
        state=PushState.idle,
        reconnects=0,
    )
    session.add(destination)
    if body.save:
        session.add(
            SavedDestination(owner_id=stream.owner_id, name=body.name, url_sealed=sealed, url_masked=masked)
        )
    session.flush()
    return destination


def _vetted(settings: Settings, url: str) -> tuple[str, str]:
    try:
        destination = parse_destination(url)
        addresses_for(destination, settings.restream_allow_private)
    except UnsafeDestination as exc:
        raise ValidationFailed(str(exc), code="unsafe_destination") from None
    return seal_url(settings.secret_key, destination.url), mask(destination)


def destinations_of(session: Session, stream: LiveStream) -> list[Destination]:
    query = select(Destination).where(Destination.stream_id == stream.id).order_by(Destination.id)
    return list(session.scalars(query))


def destination(session: Session, stream: LiveStream, destination_id: str) -> Destination:
    found = session.get(Destination, destination_id)
    if found is None or found.stream_id != stream.id:
        raise NotFound("no such destination")
    return found


def change_destination(
    session: Session, stream: LiveStream, destination_id: str, patch: DestinationPatch
) -> Destination:
    found = destination(session, stream, destination_id)
    if patch.name is not None:
        found.name = patch.name
    if patch.enabled is not None:
        found.enabled = patch.enabled
    return found


def remove_destination(session: Session, stream: LiveStream, destination_id: str) -> None:
    session.delete(destination(session, stream, destination_id))


def copy_saved(session: Session, owner_id: str, stream_id: str) -> None:
    """A new stream of `owner_id` starts with their saved destinations."""
    saved = session.scalars(select(SavedDestination).where(SavedDestination.owner_id == owner_id))
    for row in saved:
        session.add(
            Destination(
                stream_id=stream_id,
                owner_id=owner_id,
                name=row.name,
                url_sealed=row.url_sealed,
                url_masked=row.url_masked,
                enabled=row.enabled,
                state=PushState.idle,
                reconnects=0,
            )
        )


def saved_of(session: Session, principal: Principal) -> list[SavedDestination]:
    query = select(SavedDestination).where(SavedDestination.owner_id == principal.id)
    return list(session.scalars(query.order_by(SavedDestination.id)))


def forget_saved(session: Session, principal: Principal, saved_id: str) -> None:
    found = session.get(SavedDestination, saved_id)
    if found is None or found.owner_id != principal.id:
        raise NotFound("no such saved destination")
    session.delete(found)


# --- the live node's side --------------------------------------------------------------------------


def enabled_targets(session: Session, settings: Settings, stream_id: str) -> list[PushTarget]:
    """The destinations to push the stream to now."""
    query = select(Destination).where(Destination.stream_id == stream_id, Destination.enabled.is_(True))
    return [
        PushTarget(row.id, unseal_url(settings.secret_key, row.url_sealed)) for row in session.scalars(query)
    ]


def record_push(
    session: Session,
    destination_id: str,
    state: PushState,
    *,
    error: str | None = None,
    reconnected: bool = False,
    live_since: datetime | None = None,
) -> PushState | None:
    """A pusher's new state, with `destination.connected` when it goes live and `destination.failed`
    when it stops being live or connecting; returns the state before (None: the destination is gone)."""
    row = session.get(Destination, destination_id)
    if row is None:
        return None
    before = row.state
    row.state = state
    if error is not None:
        row.last_error = error[:500]
    if reconnected:
        row.reconnects += 1
    row.live_since = live_since if state is PushState.live else None
    if state is not PushState.live:
        row.kbps = None
    _announce(session, row, before)
    return before


def _announce(session: Session, row: Destination, before: PushState) -> None:
    data = {"id": row.id, "stream_id": row.stream_id, "name": row.name, "url_masked": row.url_masked}
    if row.state is PushState.live and before is not PushState.live:
        emit(session, "destination.connected", owner_id=row.owner_id, subject_id=row.id, data=data)
    failing = (PushState.retrying, PushState.failed)
    if row.state in failing and before not in failing:
        data = {**data, "state": row.state.value, "error": row.last_error or ""}
        emit(session, "destination.failed", owner_id=row.owner_id, subject_id=row.id, data=data)


def has_enabled(session: Session, stream_id: str) -> bool:
    query = select(Destination.id).where(Destination.stream_id == stream_id, Destination.enabled.is_(True))
    return session.scalar(query.limit(1)) is not None


def refuse_all(session: Session, stream_id: str, reason: str) -> None:
    """The stream cannot be pushed anywhere as it is (a codec RTMP and SRT cannot carry)."""
    query = select(Destination.id).where(Destination.stream_id == stream_id, Destination.enabled.is_(True))
    for destination_id in list(session.scalars(query)):
        record_push(session, destination_id, PushState.failed, error=reason)


def record_rate(session: Session, destination_id: str, kbps: float) -> None:
    session.execute(update(Destination).where(Destination.id == destination_id).values(kbps=round(kbps, 1)))


def all_idle(session: Session, stream_id: str) -> None:
    """The stream is no longer pushed anywhere (it ended, or its session dropped)."""
    session.execute(
        update(Destination)
        .where(Destination.stream_id == stream_id, Destination.state != PushState.failed)
        .values(state=PushState.idle, kbps=None, live_since=None)
    )


def forget_stream(session: Session, stream_id: str) -> None:
    session.execute(delete(Destination).where(Destination.stream_id == stream_id))


def to_out(row: Destination) -> DestinationOut:
    return DestinationOut(
        id=row.id,
        stream_id=row.stream_id,
        name=row.name,
        url_masked=row.url_masked,
        enabled=row.enabled,
        state=row.state.value,
        last_error=row.last_error,
        reconnects=row.reconnects,
        kbps=row.kbps,
        live_since=row.live_since,
    )


def saved_to_out(row: SavedDestination) -> SavedDestinationOut:
    return SavedDestinationOut(id=row.id, name=row.name, url_masked=row.url_masked, enabled=row.enabled)
