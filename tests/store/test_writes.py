"""Cached answers retire from the writes themselves: the driver's command events are
counted per database, bookkeeping collections aside, and one bump covers them all."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient

from registry.store import meta, writes
from registry.store.database import Database, Document, connect
from registry.store.write_watch import BOOKKEEPING


@pytest.fixture
async def db(mongo_uri: str) -> AsyncIterator[Database]:
    client: AsyncMongoClient[Document] = connect(mongo_uri)
    name = f"t_writes_{uuid.uuid4().hex[:8]}"
    yield client[name]
    await client.drop_database(name)
    await client.close()


async def test_a_write_to_an_answering_collection_is_retired_once(db: Database) -> None:
    await writes.retire_written(db)  # nothing pending from the fixture
    before = await meta.version(db)
    await db["subprocessors"].insert_one({"_id": "a"})
    await db["subprocessors"].update_one({"_id": "a"}, {"$set": {"x": 1}})
    await db["notices"].delete_many({})
    assert await writes.retire_written(db) is True
    assert await meta.version(db) == before + 1  # one bump for three writes
    assert await writes.retire_written(db) is False
    assert await meta.version(db) == before + 1


@pytest.mark.parametrize("collection", sorted(BOOKKEEPING - {"meta"}))
async def test_bookkeeping_writes_leave_cached_answers_standing(
    db: Database, collection: str
) -> None:
    await writes.retire_written(db)
    before = await meta.version(db)
    await db[collection].insert_one({"_id": "x"})
    assert await writes.retire_written(db) is False
    assert await meta.version(db) == before


async def test_reads_and_failed_reads_retire_nothing(db: Database) -> None:
    await writes.retire_written(db)
    await db["subprocessors"].find_one({"_id": "none"})
    assert await writes.retire_written(db) is False


async def test_a_failed_write_is_counted_too(db: Database) -> None:
    """An ordered bulk write may fail after writing part of it."""
    await writes.retire_written(db)
    await db["products"].insert_one({"_id": "p"})
    await writes.retire_written(db)
    with pytest.raises(Exception, match="duplicate"):
        await db["products"].insert_one({"_id": "p"})
    assert await writes.retire_written(db) is True


async def test_concurrent_callers_each_return_after_a_bump_covering_their_writes(
    db: Database,
) -> None:
    await writes.retire_written(db)
    before = await meta.version(db)

    async def write_then_retire(n: int) -> int:
        await db["customers"].insert_one({"_id": f"c{n}"})
        await writes.retire_written(db)
        return await meta.version(db)

    seen = await asyncio.gather(*(write_then_retire(n) for n in range(12)))
    # Every caller saw a version past the one its write was made at; bumps were shared.
    assert all(v > before for v in seen)
    assert await meta.version(db) - before <= 12
    assert await writes.retire_written(db) is False


async def test_writes_that_match_nothing_retire_nothing(db: Database) -> None:
    """The scheduler's lease claims find no work on most ticks: the cache stays."""
    await db["changes"].insert_one({"_id": "c", "settled": True})
    await writes.retire_written(db)
    before = await meta.version(db)
    await db["changes"].find_one_and_update({"settled": False}, {"$set": {"lease": 1}})
    await db["changes"].update_many({"settled": False}, {"$set": {"lease": 1}})
    await db["changes"].delete_many({"settled": False})
    assert await writes.retire_written(db) is False
    assert await meta.version(db) == before
    await db["changes"].find_one_and_update({"settled": True}, {"$set": {"lease": 1}})
    assert await writes.retire_written(db) is True
