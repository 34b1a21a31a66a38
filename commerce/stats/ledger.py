"""Counting a batch of beacons into viewer sessions, in one transaction.

Each beacon is checked against its session's row: `view` and `play` count once per session, an
impression or a click once per SKU per session; `progress` adds the playhead's advance as watch time,
but never more than the wall clock allowed since the last play or progress (a seek counts nothing),
so a session cannot claim more watching than it lived. A session may send `_BURST` beacons at once
and `_RATE_PER_S` a second after that, `_MAX_PER_SESSION` in all; beyond that a beacon is `bounded`
and counts nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from commerce.stats.models import ViewerMark, ViewerSession
from shopcast.db import Base
from shopcast.embed_links import EmbedKind

Outcome = Literal["counted", "duplicate", "bounded"]
BeaconType = Literal["view", "play", "progress", "product_impression", "product_click"]

_BURST = 60
_RATE_PER_S = 0.5
_MAX_PER_SESSION = 3000
_SPEED_SLACK = 2.0  # playback up to 2x, plus a second of clock skew, still counts


@dataclass(frozen=True)
class Beacon:
    kind: EmbedKind
    object_id: str
    session: str
    type: BeaconType
    at_s: float
    sku: str  # "" unless a product beacon
    received_at: float  # epoch seconds, the server's clock


def session_key(kind: str, object_id: str, session: str) -> str:
    return hashlib.blake2b(f"{kind}:{object_id}:{session}".encode(), digest_size=16).hexdigest()


def count_beacons(session: Session, beacons: Sequence[Beacon]) -> list[Outcome]:
    """Each beacon's outcome, in order; the caller commits."""
    keys = [session_key(b.kind, b.object_id, b.session) for b in beacons]
    rows = _session_rows(session, beacons, keys)
    marks = _marks_of(session, list(rows))
    new_marks: list[dict[str, str]] = []
    outcomes: list[Outcome] = []
    for beacon, key in zip(beacons, keys, strict=True):
        row = rows[key]
        if not _within_bound(row, beacon.received_at):
            outcomes.append("bounded")
            continue
        row.beacons += 1
        if beacon.type == "progress":
            _add_watch_time(row, beacon)
            outcomes.append("counted")
            continue
        if beacon.type == "play":
            row.last_tick, row.last_at_s = beacon.received_at, beacon.at_s
        mark = (key, beacon.type, beacon.sku)
        if mark in marks:
            outcomes.append("duplicate")
            continue
        marks.add(mark)
        new_marks.append({"viewer_session_id": key, "type": beacon.type, "sku": beacon.sku})
        outcomes.append("counted")
    if new_marks:
        session.execute(_insert_ignoring_duplicates(session, ViewerMark), new_marks)
    return outcomes


def _session_rows(session: Session, beacons: Sequence[Beacon], keys: list[str]) -> dict[str, ViewerSession]:
    fresh = {
        key: {"id": key, "object_kind": b.kind, "object_id": b.object_id, "started_at": b.received_at}
        for b, key in zip(beacons, keys, strict=True)
    }
    values = [{**v, "beacons": 0, "watch_s": 0.0} for v in fresh.values()]
    # another API process may create the same session meanwhile: whoever is first wins
    session.execute(_insert_ignoring_duplicates(session, ViewerSession), values)
    query = select(ViewerSession).where(ViewerSession.id.in_(list(fresh))).with_for_update()
    return {row.id: row for row in session.scalars(query)}


def _marks_of(session: Session, keys: list[str]) -> set[tuple[str, str, str]]:
    query = select(ViewerMark.viewer_session_id, ViewerMark.type, ViewerMark.sku).where(
        ViewerMark.viewer_session_id.in_(keys)
    )
    return {(row[0], row[1], row[2]) for row in session.execute(query)}


def _insert_ignoring_duplicates(session: Session, model: type[Base]) -> Executable:
    table = cast(Table, model.__table__)
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def _within_bound(row: ViewerSession, now: float) -> bool:
    allowed = min(_MAX_PER_SESSION, _BURST + max(0.0, now - row.started_at) * _RATE_PER_S)
    return row.beacons < allowed


def _add_watch_time(row: ViewerSession, beacon: Beacon) -> None:
    if row.last_tick is not None and row.last_at_s is not None:
        wall = max(0.0, beacon.received_at - row.last_tick)
        advance = beacon.at_s - row.last_at_s
        if 0 < advance <= wall * _SPEED_SLACK + 1.0:
            lived = beacon.received_at - row.started_at + 1.0
            row.watch_s = round(min(row.watch_s + min(advance, wall + 1.0), lived), 3)
    row.last_tick, row.last_at_s = beacon.received_at, beacon.at_s
