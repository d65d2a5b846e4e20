"""The audit trail: appended on every mutation and every refused attempt, never
deleted by the application; the only update counts repeated anonymous failures of
one window into that window's entry (`count_failure`)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from registry.domain.person import Person
from registry.store import ids
from registry.store.database import Database, Document, create_missing_indexes

NAME = "audit_log"
INDEXES = [IndexModel([("at", DESCENDING), ("_id", DESCENDING)], name="at_desc")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


async def append(
    db: Database,
    *,
    at: datetime,
    key_id: str | None,
    role: str | None,
    customer_id: str | None,
    action: str,
    target: str | None,
    result: str,
    request_id: str,
    person: Person | None = None,
) -> None:
    """One entry: who (key or person, role, customer) did what to which target, and the
    outcome."""
    await db[NAME].insert_one(
        {
            "_id": ids.new_id("AuditEntry"),
            "at": at,
            "key_id": key_id,
            "person": person_document(person),
            "role": role,
            "customer_id": customer_id,
            "action": action,
            "target": target,
            "result": result,
            "request_id": request_id,
        }
    )


def person_document(person: Person | None) -> Document | None:
    if person is None:
        return None
    return {"subject": person.subject, "name": person.name, "email": person.email}


def person_of(doc: Document) -> Person | None:
    """The person an entry names; None for keys, the scheduler and anonymous callers."""
    found = doc.get("person")
    if not found:
        return None
    return Person(subject=found["subject"], name=found["name"], email=found.get("email"))


async def count_failure(
    db: Database,
    *,
    window_start: datetime,
    at: datetime,
    action: str,
    result: str,
    request_id: str,
) -> None:
    """Count an anonymous failure in the one entry of its action and window: the id is
    the window's start (so entries stay in time order) and a digest of the action; the
    entry keeps the first attempt's time and request id, and `count` and `last_at`."""
    suffix = hashlib.sha256(f"{action}\x00{result}".encode()).digest()[:8]
    window = int(window_start.timestamp()).to_bytes(4, "big")
    entry_id = f"{ids.PREFIXES['AuditEntry']}_{ObjectId(window + suffix)}"
    update: Document = {
        "$setOnInsert": {
            "at": at,
            "key_id": None,
            "role": None,
            "customer_id": None,
            "action": action,
            "target": None,
            "result": result,
            "request_id": request_id,
        },
        "$inc": {"count": 1},
        "$max": {"last_at": at},
    }
    try:
        await db[NAME].update_one({"_id": entry_id}, update, upsert=True)
    except DuplicateKeyError:  # a concurrent first failure inserted it: count into it
        await db[NAME].update_one({"_id": entry_id}, update)


async def page(
    db: Database, *, after: tuple[Any, ...] | None, limit: int
) -> tuple[list[Document], int]:
    """Newest first."""
    total = await db[NAME].count_documents({})
    query: Document = {}
    if after is not None:
        query = {"_id": {"$lt": after[0]}}
    cursor = db[NAME].find(query).sort([("_id", DESCENDING)]).limit(limit)
    return [d async for d in cursor], total


async def stream(db: Database) -> AsyncIterator[Document]:
    async for doc in db[NAME].find({}).sort([("_id", ASCENDING)]):
        yield doc
