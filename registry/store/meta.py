"""The registry version: a counter bumped by every write that changes what a query
answers, so cached responses are keyed by it and never served stale.

Beside it, the public version moves only with writes that can change what an anonymous
caller is answered (store/write_watch.py `PRIVATE` lists the collections that cannot): the
entity tags of anonymous answers are made from it, so a customer opening its notice
page, or a subscription, tells the public nothing.

Reading it on every request would cost a database round trip per cached answer, so
each process keeps a `VersionWatch`: it polls the counter in the background (a write
in another process is seen within `POLL_PERIOD_S` plus one round trip) and learns a
bump made by this process at once, since `bump` tells every watch on that database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from registry.store.database import Database, Document

NAME = "meta"
_ID = "registry"
POLL_PERIOD_S = 0.5
STALE_AFTER_S = 1.0
"""A watch that has not heard from the database for this long knows nothing: callers
then read the version themselves rather than trust an old value."""

logger = logging.getLogger("registry.store.meta")
_watches: weakref.WeakSet[VersionWatch] = weakref.WeakSet()


async def ensure_indexes(db: Database) -> None:
    """Only `_id` lookups."""


async def version(db: Database) -> int:
    return (await versions(db))[0]


async def versions(db: Database) -> tuple[int, int]:
    """The registry version and the public version."""
    doc = await db[NAME].find_one({"_id": _ID})
    return (int(doc["version"]), int(doc.get("public", 0))) if doc else (0, 0)


async def bump(db: Database, *, public: bool = True) -> int:
    """Bump the version; the public one too unless every write bumped for was `PRIVATE`."""
    try:
        doc = await _increment(db, public)
    except DuplicateKeyError:
        doc = await _increment(db, public)  # two first bumps raced to insert: it exists now
    bumped = int(doc["version"]) if doc else 0
    public_now = int(doc.get("public", 0)) if doc else 0
    for watch in list(_watches):
        if watch.db == db:
            watch.observe(bumped, public_now)
    return bumped


async def has_flag(db: Database, name: str) -> bool:
    """One-time data migrations record here that they ran."""
    return await db[NAME].find_one({"_id": f"flag:{name}"}) is not None


async def set_flag(db: Database, name: str) -> None:
    # Processes starting together may both set it: the loser's insert fails, the flag is set.
    with contextlib.suppress(DuplicateKeyError):
        await db[NAME].update_one({"_id": f"flag:{name}"}, {"$set": {"set": True}}, upsert=True)


async def _increment(db: Database, public: bool) -> Document | None:
    counters = {"version": 1, "public": 1} if public else {"version": 1}
    return await db[NAME].find_one_and_update(
        {"_id": _ID}, {"$inc": counters}, upsert=True, return_document=ReturnDocument.AFTER
    )


def _retrieve(flight: asyncio.Future[int]) -> None:
    """A poll nobody awaited any more must not log "exception never retrieved"."""
    if not flight.cancelled():
        flight.exception()


class VersionWatch:
    """This process's knowledge of the registry version, without a round trip per read."""

    def __init__(
        self,
        db: Database,
        *,
        period_s: float = POLL_PERIOD_S,
        stale_after_s: float = STALE_AFTER_S,
    ) -> None:
        self.db = db
        self.period_s = period_s
        self.stale_after_s = stale_after_s
        self._version = 0
        self._public = 0
        self._heard_at = float("-inf")  # monotonic time of the last successful poll
        self._local_bumps = 0
        self._failing = False
        self._flight: asyncio.Future[int] | None = None
        self._flight_started = float("-inf")
        _watches.add(self)  # from now on, bumps made in this process reach it

    def current(self) -> int | None:
        """The version as of at most `stale_after_s` ago, or None when that is not known."""
        if time.monotonic() - self._heard_at > self.stale_after_s:
            return None
        return self._version

    async def read(self) -> int:
        """The version: the watched one when fresh, else a poll (shared with concurrent reads)."""
        known = self.current()
        return known if known is not None else await self.refresh()

    async def read_public(self) -> int:
        """The public version, as fresh as `read`'s."""
        if self.current() is None:
            await self.refresh()
        return self._public

    def observe(self, bumped: int, public: int = 0) -> None:
        """A bump made in this process: never go back to an older version."""
        self._local_bumps += 1
        self._version = max(self._version, bumped)
        self._public = max(self._public, public)

    async def refresh(self) -> int:
        """Poll once. Callers arriving while a recent poll is in flight share it: a stale
        watch under load costs the database one query, not one per request."""
        flight = self._flight
        if flight is None or flight.done() or self._flight_age() > self.stale_after_s:
            self._flight_started = time.monotonic()
            flight = self._flight = asyncio.ensure_future(self._poll(self._flight_started))
            flight.add_done_callback(_retrieve)
        return await asyncio.shield(flight)

    def _flight_age(self) -> float:
        return time.monotonic() - self._flight_started

    async def _poll(self, started: float) -> int:
        """The database is the truth (it may even have been reset), unless a bump in this
        process landed while the poll was in flight: then keep the newer. What it read is
        known as of the moment the poll started."""
        bumps_before = self._local_bumps
        polled, public = await versions(self.db)
        if self._local_bumps == bumps_before:
            self._version, self._public = polled, public
        else:
            self._version = max(self._version, polled)
            self._public = max(self._public, public)
        self._heard_at = max(self._heard_at, started)
        return self._version

    async def run(self) -> None:
        """Poll until cancelled; a failing database is logged once, then retried."""
        try:
            while True:
                try:
                    await self.refresh()
                except PyMongoError as exc:
                    if not self._failing:
                        logger.warning("cannot read the registry version: %s", type(exc).__name__)
                    self._failing = True
                else:
                    if self._failing:
                        logger.info("registry version readable again")
                    self._failing = False
                await asyncio.sleep(self.period_s)
        finally:
            _watches.discard(self)
