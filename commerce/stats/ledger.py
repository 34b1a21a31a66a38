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

from sqlalchemy import Table, bindparam, select, update
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


@dataclass
class _Counters:
    """A session row while a batch is counted: plain values, written back with one executemany."""

    started_at: float
    last_tick: float | None = None
    last_at_s: float | None = None
    beacons: int = 0
    watch_s: float = 0.0
    stored: bool = True


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
    _write_back(session, beacons, keys, rows)
    if new_marks:
        session.execute(_insert_ignoring_duplicates(session, ViewerMark), new_marks)
    return outcomes


def _session_rows(session: Session, beacons: Sequence[Beacon], keys: list[str]) -> dict[str, _Counters]:
    table = cast(Table, ViewerSession.__table__)
    c = table.c
    query = select(c.id, c.started_at, c.last_tick, c.last_at_s, c.beacons, c.watch_s).where(
        c.id.in_(set(keys))
    )
    rows = {row[0]: _Counters(*row[1:]) for row in session.execute(query.with_for_update())}
    for beacon, key in zip(beacons, keys, strict=True):
        if key not in rows:
            rows[key] = _Counters(started_at=beacon.received_at, stored=False)
    return rows


def _write_back(
    session: Session, beacons: Sequence[Beacon], keys: list[str], rows: dict[str, _Counters]
) -> None:
    table = cast(Table, ViewerSession.__table__)
    objects = {key: (b.kind, b.object_id) for b, key in zip(beacons, keys, strict=True)}
    fresh = [
        {"id": key, "object_kind": objects[key][0], "object_id": objects[key][1], **_values(row)}
        for key, row in rows.items()
        if not row.stored
    ]
    if fresh:
        # another API process may have created the same session meanwhile: its row wins, and this
        # batch's few beacons of that session are lost rather than counted twice
        session.execute(_insert_ignoring_duplicates(session, ViewerSession), fresh)
    changed = [{"key": key, **_values(row)} for key, row in rows.items() if row.stored]
    if changed:
        statement = (
            update(table)
            .where(table.c.id == bindparam("key"))
            .values(
                {
                    name: bindparam(name)
                    for name in ("started_at", "last_tick", "last_at_s", "beacons", "watch_s")
                }
            )
        )
        session.execute(statement, changed)


def _values(row: _Counters) -> dict[str, float | int | None]:
    return {
        "started_at": row.started_at,
        "last_tick": row.last_tick,
        "last_at_s": row.last_at_s,
        "beacons": row.beacons,
        "watch_s": row.watch_s,
    }


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


def _within_bound(row: _Counters, now: float) -> bool:
    allowed = min(_MAX_PER_SESSION, _BURST + max(0.0, now - row.started_at) * _RATE_PER_S)
    return row.beacons < allowed


def _add_watch_time(row: _Counters, beacon: Beacon) -> None:
    if row.last_tick is not None and row.last_at_s is not None:
        wall = max(0.0, beacon.received_at - row.last_tick)
        advance = beacon.at_s - row.last_at_s
        if 0 < advance <= wall * _SPEED_SLACK + 1.0:
            lived = beacon.received_at - row.started_at + 1.0
            row.watch_s = round(min(row.watch_s + min(advance, wall + 1.0), lived), 3)
    row.last_tick, row.last_at_s = beacon.received_at, beacon.at_s
