"""The embedded database as the launcher builds it: FerretDB v1 with devdb/patches applied.

These run against a devdb of their own, whatever MONGODB_URI says: they test the
launcher, not the storage code.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient, UpdateOne
from pymongo.errors import OperationFailure

from registry import devdb
from registry.store.database import Database, Document, connect


@pytest.fixture(scope="module")
def devdb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with devdb.running(tmp_path_factory.mktemp("devdb-own")) as uri:
        yield uri


@pytest.fixture
async def db(devdb_uri: str) -> AsyncIterator[Database]:
    client: AsyncMongoClient[Document] = connect(devdb_uri)
    await client.drop_database("launcher")
    yield client["launcher"]
    await client.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"_id": "d7"}, ["d7"], id="_id alone"),
        pytest.param({"_id": "d7", "n": 8}, [], id="_id and another condition"),
        pytest.param({"_id": {"$in": ["d7", "d8", "x"]}, "n": {"$gt": 7}}, ["d8"], id="_id $in"),
    ],
)
async def test_lookups_by_id_use_the_id_index(
    db: Database, query: Document, expected: list[str]
) -> None:
    await db.docs.insert_many([{"_id": f"d{n}", "n": n} for n in range(50)])

    plan = await db.command("explain", {"find": "docs", "filter": query})

    assert plan["filterPushdown"] is True
    [step] = plan["queryPlanner"]["Plan"]
    assert "USING INDEX" in step
    # The rows the index narrows to are still checked against the whole filter.
    assert [doc["_id"] async for doc in db.docs.find(query)] == expected


async def test_a_query_without_id_still_scans_and_filters(db: Database) -> None:
    await db.docs.insert_many([{"_id": f"d{n}", "n": n % 3} for n in range(30)])

    plan = await db.command("explain", {"find": "docs", "filter": {"n": 1}})

    assert plan["filterPushdown"] is False
    assert await db.docs.count_documents({"n": 1}) == 10


async def test_a_bulk_write_of_many_updates_completes(db: Database) -> None:
    # Unpatched, each update statement kept a pooled connection until the command
    # ended, and a command of 300 updates never returned.
    await db.docs.insert_many([{"_id": f"d{n}", "n": 0} for n in range(300)])
    ops = [UpdateOne({"_id": f"d{n}", "n": 0}, {"$inc": {"n": 1}}) for n in range(300)]

    result = await asyncio.wait_for(db.docs.bulk_write(ops, ordered=False), timeout=30)

    assert result.modified_count == 300
    assert await db.docs.count_documents({"n": 1}) == 300


async def test_an_update_of_many_documents_writes_every_one(db: Database) -> None:
    # Updated documents are written in transactions of 100: 250 spans three.
    await db.docs.insert_many([{"_id": f"d{n:03}", "n": n} for n in range(300)])

    result = await db.docs.update_many({"n": {"$lt": 250}}, {"$set": {"seen": True}})

    assert (result.matched_count, result.modified_count) == (250, 250)
    assert await db.docs.count_documents({"seen": True}) == 250
    assert await db.docs.count_documents({"seen": True, "n": {"$gte": 250}}) == 0


async def test_an_update_that_fails_midway_keeps_what_it_wrote_before(db: Database) -> None:
    # As before the batching (and as in MongoDB): an error stops the command, and the
    # documents updated before it stay updated, even those not yet committed.
    await db.docs.insert_many([{"_id": f"d{n:03}", "n": n} for n in range(150)])
    await db.docs.insert_one({"_id": "d150", "n": "not a number"})

    with pytest.raises(OperationFailure):
        await db.docs.update_many({}, {"$inc": {"n": 1}})

    assert await db.docs.count_documents({"n": {"$type": "number", "$gte": 1}}) == 150
    assert await db.docs.find_one({"_id": "d000"}) == {"_id": "d000", "n": 1}


async def test_find_and_modify_and_upsert_see_the_batched_writes(db: Database) -> None:
    await db.docs.insert_many([{"_id": f"d{n}", "n": 0} for n in range(3)])

    before = await db.docs.find_one_and_update({"_id": "d1"}, {"$inc": {"n": 5}})
    await db.docs.update_one({"_id": "d9"}, {"$set": {"n": 9}}, upsert=True)

    assert before == {"_id": "d1", "n": 0}
    assert await db.docs.find_one({"_id": "d1"}) == {"_id": "d1", "n": 5}
    assert await db.docs.find_one({"_id": "d9"}) == {"_id": "d9", "n": 9}


async def test_debug_logging_still_shows_each_statement_with_its_arguments(
    tmp_path: Path,
) -> None:
    # The launcher's logger formats attributes only for records it writes.
    with devdb.running(tmp_path, log_level="debug") as uri:
        client: AsyncMongoClient[Document] = connect(uri)
        await client.launcher.docs.insert_one({"_id": "d1", "note": "first"})
        await client.launcher.docs.update_one({"_id": "d1"}, {"$set": {"note": "marker-42"}})
        await client.close()

    log = (tmp_path / "devdb.log").read_text()
    [line] = [
        ln
        for ln in log.splitlines()
        if "level=DEBUG" in ln and "<<< UPDATE" in ln and "marker-42" in ln
    ]
    assert "name=sqlite" in line
    assert "rows=1" in line


def test_a_patch_that_no_longer_matches_stops_the_build(tmp_path: Path) -> None:
    (tmp_path / "internal/backends/sqlite/metadata").mkdir(parents=True)
    (tmp_path / "internal/backends/sqlite/metadata/metadata.go").write_text("package metadata\n")

    with pytest.raises(devdb.DevDbError, match="no longer matches"):
        devdb.apply_patches(tmp_path)
