"""The delivery queue: one small entry per delivery still to be attempted.

The delivery record (store/deliveries.py) holds the message and its log; the
queue holds only what a worker needs to find and lease due work, and an entry
is deleted once its delivery is finished. Workers scan, claim and complete a
batch in a few round trips, over a collection the size of the backlog rather
than of the whole history.

`due_at` is when an entry next wants attention: its next attempt, or, while it
is leased, the end of the lease. So the due scan is one range on one index, and
an entry whose worker died is due again when its lease runs out.

A claim takes two steps. First a *lease slot* `<delivery id>.<seq>` is inserted
into `webhook_delivery_leases`: a unique `_id` insert is atomic on every server,
so only one worker gets generation `seq`. Then the entry is updated on the
generation it was seen at. The slot is what makes claims exclusive on the
embedded FerretDB v1, whose findAndModify reads and writes in separate steps
(eight concurrent claimers took 299 of 300 documents twice there); on MongoDB
the conditional update alone would do. Completing filters on the owner and the
lease's end, which together name one claim, so a worker whose lease ran out
cannot complete the entry someone else now holds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, DeleteOne, IndexModel, InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from registry.store.database import Database, Document, create_missing_indexes

NAME = "webhook_delivery_queue"
LEASES = "webhook_delivery_leases"
INDEXES = [IndexModel([("due_at", ASCENDING), ("_id", ASCENDING)], name="due")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


@dataclass(frozen=True, slots=True)
class Entry:
    """A queued delivery as a scan or a claim saw it."""

    id: str
    due_at: datetime
    lease_seq: int
    attempt_count: int
    lease_owner: str | None = None
    lease_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Retry:
    """A claimed entry to be attempted again at `due_at`."""

    id: str
    due_at: datetime


def new_entry(delivery_id: str, due_at: datetime) -> Document:
    return {
        "_id": delivery_id,
        "due_at": due_at,
        "lease_seq": 0,
        "attempt_count": 0,
        "lease_owner": None,
        "lease_until": None,
    }


def _entry(doc: Document) -> Entry:
    return Entry(
        id=doc["_id"],
        due_at=doc["due_at"],
        lease_seq=int(doc.get("lease_seq", 0)),
        attempt_count=int(doc.get("attempt_count", 0)),
        lease_owner=doc.get("lease_owner"),
        lease_until=doc.get("lease_until"),
    )


async def enqueue(db: Database, entries: Sequence[Document]) -> int:
    """Queue deliveries, skipping those already queued; returns how many were new."""
    return await _insert_new(db, NAME, entries)


async def enqueue_one(db: Database, delivery_id: str, due_at: datetime) -> None:
    """Queue a delivery again (a replay), or leave it be if it is still queued."""
    with contextlib.suppress(DuplicateKeyError):
        await db[NAME].insert_one(new_entry(delivery_id, due_at))


async def due(db: Database, now: datetime, limit: int) -> list[Entry]:
    """Entries due at `now` (never leased, retrying, or with a lapsed lease), oldest first."""
    cursor = (
        db[NAME]
        .find({"due_at": {"$lte": now}})
        .sort([("due_at", ASCENDING), ("_id", ASCENDING)])
        .limit(limit)
    )
    return [_entry(doc) async for doc in cursor]


async def take_slots(
    db: Database, entries: Sequence[Entry], *, owner: str, until: datetime, now: datetime
) -> set[str]:
    """Reserve the next generation of each entry; returns the ids whose slot we got."""
    docs = [
        {"_id": _slot(e.id, e.lease_seq + 1), "owner": owner, "taken_at": now, "until": until}
        for e in entries
    ]
    lost = await _insert_failures(db, LEASES, docs)
    return {e.id for i, e in enumerate(entries) if i not in lost}


async def expired_slots(db: Database, entries: Sequence[Entry], now: datetime) -> list[Entry]:
    """Entries whose next slot was taken by a worker whose lease then ran out."""
    if not entries:
        return []
    by_slot = {_slot(e.id, e.lease_seq + 1): e for e in entries}
    cursor = db[LEASES].find({"_id": {"$in": list(by_slot)}, "until": {"$lt": now}}, {"_id": 1})
    return [by_slot[doc["_id"]] async for doc in cursor]


async def skip_slot(db: Database, entry: Entry) -> None:
    """Step past a slot whose owner died before claiming with it (no attempt was made)."""
    await db[NAME].update_one(
        {"_id": entry.id, "lease_seq": entry.lease_seq}, {"$inc": {"lease_seq": 1}}
    )


async def claim(
    db: Database, entries: Sequence[Entry], *, owner: str, until: datetime, now: datetime
) -> list[Entry]:
    """Lease entries whose next slot the caller holds; returns those it now holds.

    Each entry is updated only at the generation it was seen at and only while
    still due, so an entry that moved on since the scan is left alone (and its
    slot given back).
    """
    if not entries:
        return []
    await db[NAME].bulk_write(
        [
            UpdateOne(
                {"_id": e.id, "lease_seq": e.lease_seq, "due_at": {"$lte": now}},
                {
                    "$set": {"lease_owner": owner, "lease_until": until, "due_at": until},
                    "$inc": {"lease_seq": 1, "attempt_count": 1},
                },
            )
            for e in entries
        ],
        ordered=False,
    )
    ids = [e.id for e in entries]
    cursor = db[NAME].find({"_id": {"$in": ids}, "lease_owner": owner, "lease_until": until})
    claimed = [_entry(doc) async for doc in cursor]
    got = {e.id for e in claimed}
    await release_slots(db, [(e.id, e.lease_seq + 1) for e in entries if e.id not in got])
    return claimed


async def complete(
    db: Database,
    *,
    owner: str,
    until: datetime,
    finished: Sequence[str],
    retries: Sequence[Retry],
    slots: Iterable[tuple[str, int]],
) -> None:
    """End one claim's leases: finished entries leave the queue, retries wait again."""
    ops: list[UpdateOne | DeleteOne] = []
    fence = {"lease_owner": owner, "lease_until": until}
    if finished:
        # One delete for the common case; the fence is per claim, not per entry.
        await db[NAME].delete_many({"_id": {"$in": list(finished)}, **fence})
    ops.extend(
        UpdateOne(
            {"_id": r.id, **fence},
            {"$set": {"due_at": r.due_at, "lease_owner": None, "lease_until": None}},
        )
        for r in retries
    )
    if ops:
        await db[NAME].bulk_write(ops, ordered=False)
    await release_slots(db, list(slots))


async def release_slots(db: Database, slots: Sequence[tuple[str, int]]) -> None:
    """Drop slots no claim needs any more: unused ones, and those of ended leases."""
    if slots:
        await db[LEASES].delete_many({"_id": {"$in": [_slot(i, seq) for i, seq in slots]}})


async def get(db: Database, delivery_id: str) -> Entry | None:
    doc = await db[NAME].find_one({"_id": delivery_id})
    return _entry(doc) if doc else None


def _slot(delivery_id: str, seq: int) -> str:
    return f"{delivery_id}.{seq}"


async def _insert_new(db: Database, name: str, docs: Sequence[Document]) -> int:
    return len(docs) - len(await _insert_failures(db, name, docs))


async def _insert_failures(db: Database, name: str, docs: Sequence[Document]) -> set[int]:
    """Insert all, ignoring duplicate `_id`s; returns the indexes of the duplicates."""
    if not docs:
        return set()
    try:
        await db[name].bulk_write([InsertOne(doc) for doc in docs], ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != 11000 for error in errors):
            raise
        return {int(error["index"]) for error in errors}
    return set()
