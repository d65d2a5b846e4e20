"""Moving a database written by an earlier storage layout to the current one.

Layout 1 kept two rules in secondary unique indexes: one event per dedupe key
(`events.dedupe_key_unique`) and one open objection per customer and change
(`objections.open_guard_unique`). MongoDB enforces such an index on a sharded
collection only when it starts with the shard key, so layout 2 keeps every rule of
a growing collection in `_id` (store/sharding.py has the plan): an event's id is
derived from its dedupe key, an objection's from its change, customer and number.

Moving an event means a new document, so without transactions each step is
idempotent and ordered so that no document is ever missing: the copy under the
derived id (`former_id` = the old one) is inserted first, then the event's
deliveries are pointed at it, then the old document is deleted. A run stopped
anywhere is finished by the next; two runs side by side make the same writes.
Deliveries keep their ids (derived from `former_id`), so an event that was only
partly dispatched is dispatched again without a duplicate. Objections keep their
ids: customers hold them, and the new rule counts them as they are.

A lease document keeps processes starting together from doing the work twice:
one migrates, the others wait until it is done, or take over once its lease has
lapsed (its holder died). Correctness does not depend on it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.errors import DuplicateKeyError, OperationFailure

from registry.clock import Clock, SystemClock
from registry.store import deliveries, events, ids, objections
from registry.store.database import (
    Database,
    Document,
    create_missing_indexes,
    insert_skipping_duplicates,
)

logger = logging.getLogger("registry.migration")

NAME = "migrations"
LAYOUT = 2
"""The layout this code writes. 1: uniqueness in secondary unique indexes; 2: in `_id`."""
_STATE = "layout"
_LEASE = "layout.lease"
LEASE = timedelta(seconds=60)
BATCH = 500
_RELINK_INDEX = IndexModel([("event_id", ASCENDING)], name="migration_event_id")
OLD_UNIQUE_INDEXES = (
    (events.NAME, "dedupe_key_unique"),
    (objections.NAME, "open_guard_unique"),
)


@dataclass(slots=True)
class Report:
    """What one call did; `ran` is False when the layout was already current (or
    another process brought it there while this one waited)."""

    ran: bool = False
    indexes_dropped: list[str] = field(default_factory=list)
    events_moved: int = 0
    deliveries_relinked: int = 0
    objections_cleaned: int = 0

    def summary(self) -> str:
        if not self.ran:
            return f"storage layout {LAYOUT} already in place: nothing to do"
        dropped = ", ".join(self.indexes_dropped) or "none"
        return (
            f"storage layout {LAYOUT}: {self.events_moved} events moved to derived ids, "
            f"{self.deliveries_relinked} deliveries relinked, "
            f"{self.objections_cleaned} objections cleaned, unique indexes dropped: {dropped}"
        )


async def layout(db: Database) -> int:
    """The layout the database is at; 1 for a database written before layouts were
    recorded (a new, empty one is moved to the current layout in a few reads)."""
    doc = await db[NAME].find_one({"_id": _STATE})
    return int(doc["layout"]) if doc else 1


async def _wait() -> None:
    await asyncio.sleep(0.25)


async def migrate(
    db: Database,
    *,
    clock: Clock | None = None,
    owner: str | None = None,
    lease: timedelta = LEASE,
    wait: Callable[[], Awaitable[None]] = _wait,
) -> Report:
    """Bring the database to the current layout; safe to call from every process at
    start-up, at once. Returns when the layout is current."""
    if await layout(db) >= LAYOUT:
        return Report()
    the_clock = clock or SystemClock()
    me = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    while await layout(db) < LAYOUT:
        if await _take_lease(db, me, the_clock, lease):
            try:
                if await layout(db) >= LAYOUT:
                    break  # the holder before us finished just now
                report = await run_steps(db, renew=lambda: _renew(db, me, the_clock, lease))
                await db[NAME].update_one(
                    {"_id": _STATE},
                    {"$set": {"layout": LAYOUT, "migrated_at": the_clock.now(), "by": me}},
                    upsert=True,
                )
                if report.events_moved or report.indexes_dropped:
                    logger.info("%s", report.summary())
                return report
            finally:
                await db[NAME].delete_one({"_id": _LEASE, "owner": me})
        await wait()
    return Report()


async def _take_lease(db: Database, owner: str, clock: Clock, lease: timedelta) -> bool:
    """Insert the lease document (an `_id` insert is atomic everywhere); a lapsed
    lease is removed first, only if it is still the one seen."""
    now = clock.now()
    try:
        await db[NAME].insert_one({"_id": _LEASE, "owner": owner, "until": now + lease})
    except DuplicateKeyError:
        held = await db[NAME].find_one({"_id": _LEASE})
        if held is not None and held["until"] <= now:
            logger.warning("taking over the layout migration from %s", held["owner"])
            await db[NAME].delete_one({"_id": _LEASE, "owner": held["owner"]})
        return False
    return True


async def _renew(db: Database, owner: str, clock: Clock, lease: timedelta) -> None:
    await db[NAME].update_one(
        {"_id": _LEASE, "owner": owner}, {"$set": {"until": clock.now() + lease}}
    )


async def _nothing() -> None:
    return None


async def run_steps(
    db: Database, *, renew: Callable[[], Awaitable[None]] = _nothing, batch: int | None = None
) -> Report:
    """Every step of the move, each idempotent; `renew` is called between batches of
    `batch` events (default BATCH)."""
    report = Report(ran=True)
    for collection, index in OLD_UNIQUE_INDEXES:
        if await _drop_index(db, collection, index):
            report.indexes_dropped.append(f"{collection}.{index}")
    await _move_events(db, report, renew, batch or BATCH)
    result = await db[objections.NAME].update_many(
        {"open_guard": {"$exists": True}}, {"$unset": {"open_guard": ""}}
    )
    report.objections_cleaned = result.modified_count
    return report


async def _drop_index(db: Database, collection: str, name: str) -> bool:
    present = {index["name"] async for index in await db[collection].list_indexes()}
    if name not in present:
        return False
    try:
        await db[collection].drop_index(name)
    except OperationFailure:
        # Another process dropped it between the listing and the drop.
        present = {index["name"] async for index in await db[collection].list_indexes()}
        if name in present:
            raise
        return False
    return True


async def _move_events(
    db: Database, report: Report, renew: Callable[[], Awaitable[None]], batch: int
) -> None:
    """Every event whose `_id` is not derived from its dedupe key moves to one that is."""
    relinking = False
    after: str | None = None
    while True:
        query: Document = {} if after is None else {"_id": {"$gt": after}}
        cursor = db[events.NAME].find(query, {"dedupe_key": 1}).sort("_id", 1).limit(batch)
        keys = [d async for d in cursor]
        if not keys:
            break
        after = keys[-1]["_id"]
        new_ids = {d["_id"]: ids.event_id(d["dedupe_key"]) for d in keys}
        old_ids = [old for old, new in new_ids.items() if old != new]
        if not old_ids:
            continue
        if not relinking:
            # Relinking finds an event's deliveries by `event_id`, which nothing else
            # needs indexed: the index lives only as long as the move.
            await create_missing_indexes(db, deliveries.NAME, [_RELINK_INDEX])
            relinking = True
        docs = [d async for d in db[events.NAME].find({"_id": {"$in": old_ids}})]
        await move_copies(
            db, [{**d, "_id": new_ids[d["_id"]], "former_id": d["_id"]} for d in docs]
        )
        moved = [(d["_id"], new_ids[d["_id"]]) for d in docs]
        report.deliveries_relinked += await relink_deliveries(db, moved)
        await delete_moved(db, [old for old, _ in moved])
        report.events_moved += len(moved)
        await renew()
    # Dropped also when an interrupted run left it behind.
    await _drop_index(db, deliveries.NAME, _RELINK_INDEX.document["name"])


async def move_copies(db: Database, copies: list[Document]) -> None:
    """Step 1: the events under their derived ids (those already copied are skipped)."""
    await insert_skipping_duplicates(db, events.NAME, copies)


async def relink_deliveries(db: Database, moves: list[tuple[str, str]]) -> int:
    """Step 2: deliveries of a moved event name its new id.

    One query finds a batch's deliveries, then each is updated by `_id` (an update
    filtered on `event_id` alone would scan the collection once per event on the
    embedded database)."""
    new_id = dict(moves)
    cursor = db[deliveries.NAME].find({"event_id": {"$in": list(new_id)}}, {"event_id": 1})
    ops = [
        UpdateOne(
            {"_id": doc["_id"], "event_id": doc["event_id"]},
            {"$set": {"event_id": new_id[doc["event_id"]]}},
        )
        async for doc in cursor
    ]
    if not ops:
        return 0
    return (await db[deliveries.NAME].bulk_write(ops, ordered=False)).modified_count


async def delete_moved(db: Database, old_ids: list[str]) -> None:
    """Step 3: the old documents, now that their copies and deliveries are in place."""
    await db[events.NAME].delete_many({"_id": {"$in": old_ids}})
