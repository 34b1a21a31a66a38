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

from sqlalchemy.orm import Session, sessionmaker

from commerce.stats.ledger import Beacon, Outcome, count_beacons
from shopcast.db import transaction

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
            with transaction(self.sessions) as session:
                outcomes = count_beacons(session, [w.beacon for w in batch])
        except Exception as error:
            _log.exception("counting %d beacons failed", len(batch))
            for waiting in batch:
                waiting.loop.call_soon_threadsafe(_fail, waiting.answer, error)
            return
        for waiting, outcome in zip(batch, outcomes, strict=True):
            waiting.loop.call_soon_threadsafe(_settle, waiting.answer, outcome)


def _settle(answer: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not answer.done():  # the client may have gone and its handler been cancelled
        answer.set_result(outcome)


def _fail(answer: asyncio.Future[Outcome], error: Exception) -> None:
    if not answer.done():
        answer.set_exception(error)
