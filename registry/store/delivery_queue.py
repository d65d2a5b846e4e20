"""The delivery queue: one small entry per delivery still to be attempted.

The delivery record (store/deliveries.py) holds the message and its log; the
queue holds only what a worker needs to find and lease due work, and an entry
is deleted once its delivery is finished. Workers scan, claim and complete a
batch in a few round trips over a collection the size of the backlog, not of
the whole history.

A claim is a *lease slot*: a document `<delivery id>.<seq>` inserted into
`webhook_delivery_leases`, where `seq` is the generation after the one the
entry is at. A unique `_id` insert is atomic on every server, so only one
worker gets a generation, and claiming a batch is one bulk insert; the entry
itself is not written until its attempt is over. (FerretDB v1's findAndModify
reads and writes in separate steps, so a conditional update alone would not be
exclusive there: eight concurrent claimers took 299 of 300 documents twice.)

Completing moves the entry to the next generation (a retry) or deletes it, in
both cases only if it is still at the generation the claim was made on, and
then drops the slot. Because the entry moves before the slot goes, a worker
that wins a slot and then finds its entry still at the generation it expected
holds the only live claim on it (`claimed`). Workers skip entries whose next
slot is taken, so several of them drain one queue side by side. A slot whose
worker died is found once its `until` has passed; the entry then steps past
that generation (`step_past`), and the attempt that worker may have made is
counted. A live worker renews its slots' `until` while it works on them
(services/outbox/renewal.py), so leases can be seconds long.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.errors import DuplicateKeyError

from registry.store.database import (
    Backlog,
    Database,
    Document,
    backlog,
    create_missing_indexes,
    insert_skipping_duplicates,
)

NAME = "webhook_delivery_queue"
LEASES = "webhook_delivery_leases"
INDEXES = [IndexModel([("due_at", ASCENDING), ("_id", ASCENDING)], name="due")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


@dataclass(frozen=True, slots=True)
class Entry:
    """A queued delivery: when it is due, its generation, and the attempts made so far."""

    id: str
    due_at: datetime
    lease_seq: int
    attempt_count: int


@dataclass(frozen=True, slots=True)
class Retry:
    """A claimed entry, seen at generation `lease_seq`, to be attempted again at `due_at`."""

    id: str
    lease_seq: int
    due_at: datetime
    attempt_count: int


def new_entry(delivery_id: str, due_at: datetime) -> Document:
    return {"_id": delivery_id, "due_at": due_at, "lease_seq": 0, "attempt_count": 0}


def _entry(doc: Document) -> Entry:
    return Entry(
        id=doc["_id"],
        due_at=doc["due_at"],
        lease_seq=int(doc.get("lease_seq", 0)),
        attempt_count=int(doc.get("attempt_count", 0)),
    )


async def enqueue(db: Database, entries: Sequence[Document]) -> int:
    """Queue deliveries, skipping those already queued; returns how many were new."""
    return len(entries) - len(await insert_skipping_duplicates(db, NAME, entries))


async def enqueue_one(db: Database, delivery_id: str, due_at: datetime) -> None:
    """Queue a delivery again (a replay), or leave it be if it is still queued."""
    with contextlib.suppress(DuplicateKeyError):
        await db[NAME].insert_one(new_entry(delivery_id, due_at))


async def due(db: Database, now: datetime, limit: int) -> list[Entry]:
    """Entries due at `now`, oldest first; some may be leased by a worker right now."""
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
        {"_id": slot_id(e.id, e.lease_seq + 1), "owner": owner, "taken_at": now, "until": until}
        for e in entries
    ]
    lost = await insert_skipping_duplicates(db, LEASES, docs)
    return {e.id for i, e in enumerate(entries) if i not in lost}


async def claimed(db: Database, entries: Sequence[Entry]) -> list[Entry]:
    """Of entries whose next slot the caller just took, those still at the generation seen.

    An entry that moved on since the scan (finished, or retried by the worker
    whose slot was dropped just before ours went in) is not the caller's.
    """
    if not entries:
        return []
    cursor = db[NAME].find({"_id": {"$in": [e.id for e in entries]}}, {"lease_seq": 1})
    current = {doc["_id"]: int(doc.get("lease_seq", 0)) async for doc in cursor}
    return [e for e in entries if current.get(e.id) == e.lease_seq]


async def slots_taken(db: Database, entries: Sequence[Entry]) -> dict[str, datetime]:
    """Entries whose next slot is taken, with when that slot's lease ends."""
    if not entries:
        return {}
    by_slot = {slot_id(e.id, e.lease_seq + 1): e.id for e in entries}
    cursor = db[LEASES].find({"_id": {"$in": list(by_slot)}}, {"until": 1})
    return {by_slot[doc["_id"]]: doc["until"] async for doc in cursor}


async def step_past(db: Database, entry: Entry) -> Entry | None:
    """Move an entry past a generation whose worker died, counting the attempt it may
    have made; returns the entry as it now is, or None if it had moved on already."""
    result = await db[NAME].update_one(
        {"_id": entry.id, "lease_seq": entry.lease_seq},
        {"$inc": {"lease_seq": 1, "attempt_count": 1}},
    )
    if result.modified_count != 1:
        return None
    return Entry(entry.id, entry.due_at, entry.lease_seq + 1, entry.attempt_count + 1)


async def complete(
    db: Database,
    *,
    finished: Sequence[tuple[str, int]],
    retries: Sequence[Retry],
) -> None:
    """End claims: finished entries leave the queue, retries wait for their next attempt.

    `finished` pairs an id with the generation its claim was made at; each write
    applies only while the entry is still there, then the claims' slots go.
    """
    by_seq: dict[int, list[str]] = defaultdict(list)
    for delivery_id, seq in finished:
        by_seq[seq].append(delivery_id)
    for seq, ids in by_seq.items():
        await db[NAME].delete_many({"_id": {"$in": ids}, "lease_seq": seq})
    if retries:
        ops = [
            UpdateOne(
                {"_id": r.id, "lease_seq": r.lease_seq},
                {
                    "$set": {
                        "due_at": r.due_at,
                        "lease_seq": r.lease_seq + 1,
                        "attempt_count": r.attempt_count,
                    }
                },
            )
            for r in retries
        ]
        await db[NAME].bulk_write(ops, ordered=False)
    slots = [(i, seq + 1) for i, seq in finished] + [(r.id, r.lease_seq + 1) for r in retries]
    await release_slots(db, slots)


async def release_slots(db: Database, slots: Sequence[tuple[str, int]]) -> None:
    """Drop slots no claim needs any more."""
    if slots:
        await db[LEASES].delete_many({"_id": {"$in": [slot_id(i, seq) for i, seq in slots]}})


async def get(db: Database, delivery_id: str) -> Entry | None:
    doc = await db[NAME].find_one({"_id": delivery_id})
    return _entry(doc) if doc else None


def slot_id(delivery_id: str, seq: int) -> str:
    """The lease slot of a delivery's generation `seq`."""
    return f"{delivery_id}.{seq}"


async def renew_slots(db: Database, slots: Sequence[str], *, owner: str, until: datetime) -> int:
    """Extend `owner`'s slots to `until`; a slot written off meanwhile is left alone."""
    result = await db[LEASES].update_many(
        {"_id": {"$in": list(slots)}, "owner": owner}, {"$set": {"until": until}}
    )
    return result.modified_count


async def due_backlog(db: Database, now: datetime) -> Backlog:
    return await backlog(db, NAME, {"due_at": {"$lte": now}}, "due_at")
