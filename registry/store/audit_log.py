"""The audit trail: appended on every mutation and every refused attempt, never
updated or deleted by the application (this module has no function that could)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

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
) -> None:
    """One entry: who (key, role, customer) did what to which target, and the outcome."""
    await db[NAME].insert_one(
        {
            "_id": ids.new_id("AuditEntry"),
            "at": at,
            "key_id": key_id,
            "role": role,
            "customer_id": customer_id,
            "action": action,
            "target": target,
            "result": result,
            "request_id": request_id,
        }
    )


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
