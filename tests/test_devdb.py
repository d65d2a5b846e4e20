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


def test_a_patch_that_no_longer_matches_stops_the_build(tmp_path: Path) -> None:
    (tmp_path / "internal/backends/sqlite/metadata").mkdir(parents=True)
    (tmp_path / "internal/backends/sqlite/metadata/metadata.go").write_text("package metadata\n")

    with pytest.raises(devdb.DevDbError, match="no longer matches"):
        devdb.apply_patches(tmp_path)
