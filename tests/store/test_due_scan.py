"""The due scan's answer: the first due entries in order, whatever the database does to
read them without the whole backlog (the embedded database answers this query shape
from its index, devdb/patches/edits.toml)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import ASCENDING, AsyncMongoClient

from registry.store import delivery_queue
from registry.store.database import Database, Document

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(mongo_client: AsyncMongoClient[Document], db_name: str) -> Database:
    return mongo_client[db_name]


async def test_the_due_scan_is_the_first_due_entries_oldest_first(db: Database) -> None:
    await db[delivery_queue.NAME].delete_many({})
    await delivery_queue.ensure_indexes(db)
    # Ties on purpose: many entries share a due time, so the limit cuts through them.
    entries = [
        delivery_queue.new_entry(f"dlv_{n:04d}", NOW - timedelta(seconds=n % 7 - 3))
        for n in range(300)
    ]
    random.Random(4).shuffle(entries)
    await delivery_queue.enqueue(db, entries)
    due = sorted((e for e in entries if e["due_at"] <= NOW), key=lambda e: (e["due_at"], e["_id"]))
    for limit in (1, 50, 128, 1000):
        found = await delivery_queue.due(db, NOW, limit)
        assert [e.id for e in found] == [e["_id"] for e in due[:limit]]
    assert await delivery_queue.due(db, NOW - timedelta(days=1), 10) == []


def _mixed(count: int) -> list[dict[str, Any]]:
    """Documents whose `due_at` is what a range can and cannot match: dates with ties,
    dates before 1970, arrays of dates, numbers, strings that look like arrays, null,
    nothing."""
    rnd = random.Random(7)
    docs: list[dict[str, Any]] = []
    for n in range(count):
        doc: dict[str, Any] = {"_id": f"d{rnd.randrange(10**6):06d}-{n}"}
        kind = rnd.random()
        if kind < 0.75:
            doc["due_at"] = NOW + timedelta(seconds=rnd.randrange(-60, 60))
        elif kind < 0.8:
            doc["due_at"] = [NOW + timedelta(seconds=rnd.randrange(-90, 200)), NOW]
        elif kind < 0.84:
            doc["due_at"] = datetime(1950, 1, 1, tzinfo=UTC) + timedelta(days=rnd.randrange(9000))
        elif kind < 0.88:
            doc["due_at"] = rnd.randrange(-(10**13), 10**13)
        elif kind < 0.92:
            doc["due_at"] = "[not a date"
        elif kind < 0.96:
            doc["due_at"] = None
        docs.append(doc)
    return docs


@pytest.mark.parametrize("op", ["$lte", "$lt"])
async def test_a_limited_date_range_in_order_answers_as_a_full_scan_does(
    db: Database, op: str
) -> None:
    name = f"range_{op[1:]}"
    await db[name].drop()
    await db[name].create_index([("due_at", ASCENDING), ("_id", ASCENDING)], name="due")
    await db[name].insert_many(_mixed(1500))
    order = [("due_at", ASCENDING), ("_id", ASCENDING)]
    for seconds in (-100, -30, 0, 30, 500):
        bound = NOW + timedelta(seconds=seconds)
        # The second filter matches the same documents, in a shape no database narrows.
        scanned = db[name].find({"due_at": {op: bound}, "absent": {"$exists": False}}).sort(order)
        everything = [doc["_id"] async for doc in scanned]
        for limit in (1, 7, 100, 1000, 2000):
            ranged = db[name].find({"due_at": {op: bound}}).sort(order).limit(limit)
            assert [doc["_id"] async for doc in ranged] == everything[:limit], (seconds, limit)
