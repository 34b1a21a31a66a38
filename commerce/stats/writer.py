"""Group commit for beacons: handlers hand their beacon to one writer thread per API process and
wait for its outcome; the writer counts everything that queued up while it was committing the last
batch in one transaction. On SQLite one commit (and one fsync) then carries hundreds of beacons
instead of one, which is what lets one process absorb thousands a second with short waits; every
answer still comes after its beacon is committed.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from commerce.stats.ledger import Beacon, Outcome, count_beacons

_log = logging.getLogger(__name__)
_MAX_BATCH = 500


@dataclass(frozen=True)
class _Waiting:
    beacon: Beacon
    answer: asyncio.Future[Outcome]
    loop: asyncio.AbstractEventLoop


class BeaconWriter:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions
        # The writer keeps one connection for its life: on SQLite (no pool) opening one and setting
        # its pragmas for every batch cost as much as counting the batch. Dropped after an error.
        self.connection: Connection | None = None
        self.waiting: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="beacon-writer", daemon=True)
        self.thread.start()

    async def count(self, beacon: Beacon) -> Outcome:
        """The beacon's outcome once it is committed; raises what counting it raised."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Outcome] = loop.create_future()
        self.waiting.put(_Waiting(beacon, answer, loop))
        return await answer

    def _run(self) -> None:
        while True:
            batch = [self.waiting.get()]
            while len(batch) < _MAX_BATCH:
                try:
                    batch.append(self.waiting.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[_Waiting]) -> None:
        try:
            outcomes = self._count([w.beacon for w in batch])
        except Exception as error:
            _log.exception("counting %d beacons failed", len(batch))
            self._drop_connection()
            for waiting in batch:
                waiting.loop.call_soon_threadsafe(_fail, waiting.answer, error)
            return
        for waiting, outcome in zip(batch, outcomes, strict=True):
            waiting.loop.call_soon_threadsafe(_settle, waiting.answer, outcome)

    def _count(self, beacons: list[Beacon]) -> list[Outcome]:
        connection = self._connection()
        with Session(bind=connection, expire_on_commit=False) as session:
            if connection.dialect.name == "postgresql":
                # Viewer stats may lose their last fraction of a second to a database crash, never
                # their consistency: the commit returns before its WAL is flushed, the flush follows.
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            outcomes = count_beacons(session, beacons)
            session.commit()
        return outcomes

    def _connection(self) -> Connection:
        if self.connection is None:
            self.connection = self.sessions.kw["bind"].connect()
            if self.connection.dialect.name == "sqlite":
                # the same trade on SQLite, for this connection only: in WAL mode a commit is then
                # synced at checkpoints rather than every time
                self.connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
                self.connection.commit()
        return self.connection

    def _drop_connection(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                _log.exception("closing the beacon writer's connection failed")


def _settle(answer: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not answer.done():  # the client may have gone and its handler been cancelled
        answer.set_result(outcome)


def _fail(answer: asyncio.Future[Outcome], error: Exception) -> None:
    if not answer.done():
        answer.set_exception(error)
