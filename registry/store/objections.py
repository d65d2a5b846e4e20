"""Customers' objections to changes, and their resolution.

At most one objection per customer and change is open. The rule lives in `_id`
(`ids.objection_id`: the customer's n-th objection to the change), not in a unique
index, so it holds on a sharded collection: a filing reads the pair's objections,
refuses if one is open, and inserts the next number; two filings racing for the
same number store one objection. Objections written before this scheme keep their
ids (customers hold them) and are counted like the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from registry.domain.models import Objection, ObjectionResolution, ObjectionStatus
from registry.domain.person import Person
from registry.store import ids, leases
from registry.store.codec import Codec
from registry.store.database import (
    Backlog,
    Database,
    Document,
    backlog,
    create_missing_indexes,
    page_by_id,
)

NAME = "objections"
INDEXES = [
    IndexModel([("change_id", ASCENDING), ("customer_id", ASCENDING)], name="change_customer"),
    IndexModel([("customer_id", ASCENDING)], name="customer_id"),
    IndexModel([("status", ASCENDING), ("deadline", ASCENDING)], name="status_deadline"),
    # Objections whose filing or resolution is not yet followed by its effects.
    IndexModel([("settled", ASCENDING), ("filed_at", ASCENDING)], name="settling_due"),
]

SETTLED = "settled"
"""False from a filing or a resolution (the commit point) until its effects are applied
(services/objection_effects.py); objections stored before it have none."""


_MAX_RACES = 32  # a filing that loses this many races in a row reports it rather than spin


class DuplicateObjection(Exception):
    pass


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


CODEC = Codec(Objection)
_PERSON = Codec(Person, id_field=None)
to_document = CODEC.to_document
from_document = CODEC.from_document


async def insert(db: Database, objection: Objection) -> Objection:
    """Store a new open objection under its derived id (the `id` given is replaced);
    DuplicateObjection when the customer has an open one to the change."""
    pair = {"change_id": objection.change_id, "customer_id": objection.customer_id}
    for _ in range(_MAX_RACES):
        existing = [doc async for doc in db[NAME].find(pair, {"status": 1})]
        if any(doc["status"] == ObjectionStatus.OPEN.value for doc in existing):
            raise DuplicateObjection
        number = len(existing)
        stored = replace(
            objection, id=ids.objection_id(objection.change_id, objection.customer_id, number)
        )
        try:
            await db[NAME].insert_one({**to_document(stored), SETTLED: False})
        except DuplicateKeyError:
            continue  # another filing took this number: look again
        return stored
    raise RuntimeError(f"objection ids of {objection.change_id}/{objection.customer_id} collide")


async def get(db: Database, objection_id: str) -> Objection | None:
    doc = await db[NAME].find_one({"_id": objection_id})
    return from_document(doc) if doc else None


async def resolve(
    db: Database,
    objection_id: str,
    resolution: ObjectionResolution,
    note: str | None,
    at: datetime,
    by: str | None,
    contract_ends_at: datetime | None = None,
    person: Person | None = None,
) -> Objection | None:
    result = await db[NAME].update_one(
        {"_id": objection_id, "status": ObjectionStatus.OPEN.value},
        {
            "$set": {
                "status": ObjectionStatus.RESOLVED.value,
                "resolution": resolution.value,
                "note": note,
                "contract_ends_at": contract_ends_at,
                "resolved_at": at,
                "resolved_by": by,
                "resolver": _PERSON.to_document(person) if person else None,
                SETTLED: False,
            }
        },
    )
    return await get(db, objection_id) if result.modified_count == 1 else None


async def claim_settling(
    db: Database,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    only: str | None = None,
) -> Objection | None:
    """An objection whose effects are due (that one, with `only`), leased."""
    due: Document = {SETTLED: False}
    if only is not None:
        due["_id"] = only
    doc = await leases.claim(db, NAME, due, owner=owner, now=now, lease=lease, sort="filed_at")
    return from_document(doc) if doc is not None else None


async def finish_settling(db: Database, objection: Objection, *, owner: str) -> bool:
    """Mark its effects applied if it is still in the state they came from; the lease
    is released either way (a resolution meanwhile leaves it due)."""
    if await leases.complete(
        db,
        NAME,
        objection.id,
        owner=owner,
        guard={"status": objection.status.value},
        update={"$set": {SETTLED: True}},
    ):
        return True
    await leases.release(db, NAME, objection.id, owner=owner)
    return False


async def by_changes(
    db: Database, change_ids: Sequence[str], customer_id: str | None
) -> dict[str, list[Objection]]:
    query: Document = {"change_id": {"$in": list(change_ids)}}
    if customer_id is not None:
        query["customer_id"] = customer_id
    grouped: dict[str, list[Objection]] = {c: [] for c in change_ids}
    async for doc in db[NAME].find(query).sort("filed_at", ASCENDING):
        grouped.setdefault(doc["change_id"], []).append(from_document(doc))
    return grouped


async def page(
    db: Database,
    *,
    change_id: str | None,
    customer_id: str | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Objection], int]:
    query: Document = {}
    if change_id is not None:
        query["change_id"] = change_id
    if customer_id is not None:
        query["customer_id"] = customer_id
    docs, total = await page_by_id(db, NAME, query, after=after[0] if after else None, limit=limit)
    return [from_document(d) for d in docs], total


async def open_by_deadline(db: Database, *, limit: int) -> tuple[list[Objection], int]:
    """Open objections, the nearest deadline first (the staff inbox)."""
    query: Document = {"status": ObjectionStatus.OPEN.value}
    total = await db[NAME].count_documents(query)
    cursor = db[NAME].find(query).sort([("deadline", ASCENDING), ("_id", ASCENDING)]).limit(limit)
    return [from_document(d) async for d in cursor], total


async def settling_backlog(db: Database) -> Backlog:
    return await backlog(db, NAME, {SETTLED: False}, "filed_at")


async def terminations(db: Database, customer_id: str) -> list[Objection]:
    """The customer's objections upheld by ending its contract (a few at most)."""
    query = {
        "customer_id": customer_id,
        "status": ObjectionStatus.RESOLVED.value,
        "resolution": ObjectionResolution.CUSTOMER_TERMINATES.value,
    }
    return [from_document(doc) async for doc in db[NAME].find(query)]


async def contract_ends(db: Database) -> dict[str, datetime]:
    """Each customer's earliest contract end set by an upheld objection (few customers)."""
    query = {
        "status": ObjectionStatus.RESOLVED.value,
        "resolution": ObjectionResolution.CUSTOMER_TERMINATES.value,
        "contract_ends_at": {"$type": "date"},
    }
    ends: dict[str, datetime] = {}
    async for doc in db[NAME].find(query, {"customer_id": 1, "contract_ends_at": 1}):
        at: datetime = doc["contract_ends_at"]  # aware: the client is tz_aware
        ends[doc["customer_id"]] = min(at, ends.get(doc["customer_id"], at))
    return ends


async def exclusions(db: Database, customer_id: str) -> list[Objection]:
    """The customer's objections upheld by excluding it from a change (a few at most)."""
    query = {
        "customer_id": customer_id,
        "status": ObjectionStatus.RESOLVED.value,
        "resolution": ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER.value,
    }
    return [from_document(doc) async for doc in db[NAME].find(query)]
