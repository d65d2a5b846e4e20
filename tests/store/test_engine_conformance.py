"""Engine conformance: every database guarantee the registry relies on, proven with
genuinely concurrent clients.

Each row of GUARANTEES is one guarantee, named as it reads. A row runs TRIALS times,
each trial on fresh documents, with the commands of several clients released
together by one barrier: separate `AsyncMongoClient` instances (each with connections
of its own), or threads each with a synchronous `MongoClient`. The rows run against
the suite's database (the embedded FerretDB, or MONGODB_URI), so a database that
breaks a guarantee the code relies on fails here by name. docs/engine-guarantees.md
says where the code relies on each row and what makes the embedded database keep it.
"""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from pymongo import (
    ASCENDING,
    AsyncMongoClient,
    DeleteOne,
    IndexModel,
    InsertOne,
    MongoClient,
    ReplaceOne,
    ReturnDocument,
    UpdateOne,
)
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from registry.store import leases
from registry.store.database import (
    DUPLICATE_KEY,
    Database,
    Document,
    connect,
    create_missing_indexes,
)

T = TypeVar("T")
CLIENTS = 8
"""Concurrent clients per trial (distinct AsyncMongoClient instances, or threads)."""
TRIALS = 20
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Engine:
    """Separate clients of one database: each has connections of its own."""

    clients: list[AsyncMongoClient[Document]]
    threaded: list[MongoClient[Document]]
    db_name: str

    def dbs(self) -> list[Database]:
        return [client[self.db_name] for client in self.clients]

    def each(self, name: str) -> list[AsyncCollection[Document]]:
        return [db[name] for db in self.dbs()]


@pytest.fixture(scope="module")
async def engine(mongo_uri: str, db_name: str) -> AsyncIterator[Engine]:
    clients = [connect(mongo_uri) for _ in range(CLIENTS)]
    threaded: list[MongoClient[Document]] = [
        MongoClient(mongo_uri, tz_aware=True) for _ in range(CLIENTS)
    ]
    # Connections are opened before the trials, so commands overlap rather than handshakes.
    await asyncio.gather(*(c.admin.command("ping") for c in clients for _ in range(4)))
    for client in threaded:
        client.admin.command("ping")
    yield Engine(clients, threaded, db_name)
    for async_client in clients:
        await async_client.close()
    for client in threaded:
        client.close()


async def together(commands: Sequence[Awaitable[T]]) -> list[T | BaseException]:
    """Run the commands at once (coroutines not yet started), released together by one
    barrier; each result is what its command returned or raised."""
    barrier = asyncio.Barrier(len(commands))

    async def one(command: Awaitable[T]) -> T:
        await barrier.wait()
        return await command

    return await asyncio.gather(*(one(c) for c in commands), return_exceptions=True)


def raised(results: list[Any]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]


def succeeded(results: list[T | BaseException]) -> list[T]:
    return [r for r in results if not isinstance(r, BaseException)]


def only_duplicates(errors: list[BaseException]) -> bool:
    return all(isinstance(e, DuplicateKeyError) for e in errors)


# --- the guarantees ----------------------------------------------------------------------
# Each takes the clients and a key of its own for the trial.

ROUNDS = 5
"""Increments per client in the counter rows."""


async def increments_add_up(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("counters")
    await first.insert_one({"_id": key, "n": 0})

    results = await together(
        [c.update_one({"_id": key}, {"$inc": {"n": 1}}) for c in colls for _ in range(ROUNDS)]
    )

    assert raised(results) == []
    assert await first.find_one({"_id": key}) == {"_id": key, "n": CLIENTS * ROUNDS}


async def threaded_increments_add_up(engine: Engine, key: str) -> None:
    first = engine.threaded[0][engine.db_name]["counters"]
    await asyncio.to_thread(first.insert_one, {"_id": key, "n": 0})
    barrier = threading.Barrier(len(engine.threaded), timeout=60)

    def increment(client: MongoClient[Document]) -> None:
        coll = client[engine.db_name]["counters"]
        for _ in range(ROUNDS):
            barrier.wait()
            coll.update_one({"_id": key}, {"$inc": {"n": 1}})

    def run() -> None:
        with ThreadPoolExecutor(len(engine.threaded)) as pool:
            list(pool.map(increment, engine.threaded))

    await asyncio.to_thread(run)

    assert await engine.each("counters")[0].find_one({"_id": key}) == {
        "_id": key,
        "n": CLIENTS * ROUNDS,
    }


async def guarded_update_has_one_winner(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("changes")
    await first.insert_one({"_id": key, "status": "ANNOUNCED"})

    results = await together(
        [
            c.update_one(
                {"_id": key, "status": "ANNOUNCED"},
                {"$set": {"status": "CANCELLED", "by": i}},
            )
            for i, c in enumerate(colls)
        ]
    )

    done = succeeded(results)
    assert len(done) == CLIENTS
    assert sorted(r.modified_count for r in done) == [0] * (CLIENTS - 1) + [1]
    assert sorted(r.matched_count for r in done) == [0] * (CLIENTS - 1) + [1]
    winner = next(i for i, r in enumerate(results) if getattr(r, "modified_count", 0))
    assert await first.find_one({"_id": key}) == {"_id": key, "status": "CANCELLED", "by": winner}


async def sets_of_different_fields_all_stay(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("fields")
    await first.insert_one({"_id": key})

    results = await together(
        [c.update_one({"_id": key}, {"$set": {f"f{i}": i}}) for i, c in enumerate(colls)]
    )

    assert [r.modified_count for r in succeeded(results)] == [1] * CLIENTS
    assert await first.find_one({"_id": key}) == {
        "_id": key,
        **{f"f{i}": i for i in range(CLIENTS)},
    }


async def one_set_to_the_same_value_modifies_once(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("same_value")
    await first.insert_one({"_id": key, "v": 0})

    results = await together([c.update_one({"_id": key}, {"$set": {"v": 1}}) for c in colls])

    done = succeeded(results)
    assert [r.matched_count for r in done] == [1] * CLIENTS
    assert sorted(r.modified_count for r in done) == [0] * (CLIENTS - 1) + [1]


async def claims_take_each_due_document_once(engine: Engine, key: str) -> None:
    name = f"claims_{key}"
    first = engine.dbs()[0][name]
    due_ids = [f"due{n:02}" for n in range(12)]
    docs: list[Document] = [
        {"_id": d, "due_at": NOW - timedelta(minutes=n), "lease_owner": None, "lease_until": None}
        for n, d in enumerate(due_ids)
    ]
    docs += [
        {"_id": f"later{n}", "due_at": NOW + timedelta(minutes=n + 1), "lease_until": None}
        for n in range(3)
    ]
    docs += [
        {"_id": f"leased{n}", "due_at": NOW, "lease_owner": "x", "lease_until": NOW + timedelta(1)}
        for n in range(2)
    ]
    random.shuffle(docs)
    await first.insert_many(docs)

    async def drain(db: Database, owner: str) -> list[Document]:
        claimed = []
        while doc := await leases.claim(
            db,
            name,
            {"due_at": {"$lte": NOW}},
            owner=owner,
            now=NOW,
            lease=timedelta(minutes=5),
            sort="due_at",
        ):
            claimed.append(doc)
        return claimed

    results = await together([drain(db, f"w{i}") for i, db in enumerate(engine.dbs())])

    assert raised(results) == []
    by_worker = succeeded(results)
    claimed = [doc["_id"] for docs in by_worker for doc in docs]
    assert sorted(claimed) == sorted(due_ids), "each due document claimed exactly once"
    for i, docs_claimed in enumerate(by_worker):
        # A claim takes the earliest claimable document, so each worker's are in due order.
        assert [d["due_at"] for d in docs_claimed] == sorted(d["due_at"] for d in docs_claimed)
        assert {d["lease_owner"] for d in docs_claimed} <= {f"w{i}"}
    stored = {d["_id"]: d async for d in first.find({})}
    for i, docs_claimed in enumerate(by_worker):
        for doc in docs_claimed:
            assert stored[doc["_id"]]["lease_owner"] == f"w{i}"
    assert all(stored[f"later{n}"]["lease_until"] is None for n in range(3))
    assert all(stored[f"leased{n}"]["lease_owner"] == "x" for n in range(2))


async def counter_upserts_hand_out_distinct_values(engine: Engine, key: str) -> None:
    colls = engine.each("versions")
    rounds = 3

    results = await together(
        [
            c.find_one_and_update(
                {"_id": key},
                {"$inc": {"version": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            for c in colls
            for _ in range(rounds)
        ]
    )

    assert raised(results) == []
    seen = sorted(doc["version"] for doc in succeeded(results) if doc is not None)
    assert seen == list(range(1, CLIENTS * rounds + 1))


async def inserts_of_one_id_have_one_winner(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("ids")

    results = await together([c.insert_one({"_id": key, "by": i}) for i, c in enumerate(colls)])

    errors = raised(results)
    assert len(errors) == CLIENTS - 1
    assert only_duplicates(errors), errors
    winner = next(i for i, r in enumerate(results) if not isinstance(r, BaseException))
    assert await first.find_one({"_id": key}) == {"_id": key, "by": winner}


async def inserts_of_one_unique_key_have_one_winner(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("unique_keys")
    await first.create_index("email", unique=True, name="email_unique")

    results = await together(
        [c.insert_one({"_id": f"{key}-{i}", "email": key}) for i, c in enumerate(colls)]
    )

    errors = raised(results)
    assert len(errors) == CLIENTS - 1
    assert only_duplicates(errors), errors
    assert await first.count_documents({"email": key}) == 1


async def first_upserts_make_one_document(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("upserts")

    results = await together(
        [c.update_one({"_id": key}, {"$inc": {"n": 1}}, upsert=True) for c in colls]
    )

    assert raised(results) == []
    done = succeeded(results)
    assert [r.upserted_id for r in done].count(key) == 1
    updated = [r for r in done if r.upserted_id is None]
    assert [(r.matched_count, r.modified_count) for r in updated] == [(1, 1)] * (CLIENTS - 1)
    assert await first.find_one({"_id": key}) == {"_id": key, "n": CLIENTS}


async def bulk_counter_upserts_add_up(engine: Engine, key: str) -> None:
    # As digests.bump counts writes: $inc and $setOnInsert, upserted in a bulk write.
    first, *_ = colls = engine.each("write_counts")
    op = UpdateOne(
        {"_id": key},
        {"$inc": {"count": 1}, "$setOnInsert": {"epoch": key}},
        upsert=True,
    )

    results = await together([c.bulk_write([op], ordered=False) for c in colls])

    assert raised(results) == []
    done = succeeded(results)
    assert sorted(r.upserted_count for r in done) == [0] * (CLIENTS - 1) + [1]
    assert sum(r.matched_count for r in done) == CLIENTS - 1
    assert await first.find_one({"_id": key}) == {"_id": key, "count": CLIENTS, "epoch": key}


async def guarded_replace_keeps_the_newest(engine: Engine, key: str) -> None:
    # As digests.keep stores a rebuilt digest: replace only an older one.
    first, *_ = colls = engine.each("digests")
    await first.insert_one({"_id": key, "writes": 0})
    stamps = random.sample(range(1, CLIENTS + 1), CLIENTS)

    results = await together(
        [
            c.replace_one({"_id": key, "writes": {"$lte": w}}, {"writes": w}, upsert=True)
            for c, w in zip(colls, stamps, strict=True)
        ]
    )

    assert only_duplicates(raised(results)), raised(results)
    assert await first.find_one({"_id": key}) == {"_id": key, "writes": CLIENTS}


async def deletes_count_each_document_once(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("deletes")
    present = CLIENTS // 2
    await first.insert_many([{"_id": f"{key}-{n}", "group": key} for n in range(present)])

    results = await together([c.delete_one({"group": key}) for c in colls])

    counts = [r.deleted_count for r in succeeded(results)]
    assert sorted(counts) == [0] * (CLIENTS - present) + [1] * present
    assert await first.count_documents({"group": key}) == 0


async def find_one_and_delete_returns_each_document_once(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("queue")
    ids = [f"{key}-{n:02}" for n in range(12)]
    await first.insert_many([{"_id": i, "queue": key, "n": n} for n, i in enumerate(ids)])

    async def drain(c: AsyncCollection[Document]) -> list[Document]:
        taken = []
        while doc := await c.find_one_and_delete({"queue": key}, sort=[("n", ASCENDING)]):
            taken.append(doc)
        return taken

    results = await together([drain(c) for c in colls])

    assert raised(results) == []
    by_client = succeeded(results)
    assert sorted(d["_id"] for docs in by_client for d in docs) == ids
    for docs in by_client:
        assert [d["n"] for d in docs] == sorted(d["n"] for d in docs)


async def guarded_delete_and_update_have_one_winner(engine: Engine, key: str) -> None:
    # As the delivery queue ends a claim (delete at the generation seen) while another
    # worker steps past it (increment the generation): one of them, never both.
    first, *_ = colls = engine.each("generations")
    await first.insert_one({"_id": key, "lease_seq": 0})
    half = CLIENTS // 2

    async def delete(c: AsyncCollection[Document]) -> int:
        return (await c.delete_many({"_id": {"$in": [key]}, "lease_seq": 0})).deleted_count

    async def step(c: AsyncCollection[Document]) -> int:
        result = await c.update_one({"_id": key, "lease_seq": 0}, {"$inc": {"lease_seq": 1}})
        return result.modified_count

    results = await together([delete(c) for c in colls[:half]] + [step(c) for c in colls[half:]])

    assert raised(results) == []
    assert sorted(succeeded(results)) == [0] * (CLIENTS - 1) + [1]
    deleted = 1 in results[:half]
    stored = await first.find_one({"_id": key})
    assert stored == (None if deleted else {"_id": key, "lease_seq": 1})


async def bulk_writes_report_what_each_did(engine: Engine, key: str) -> None:
    first, *_ = colls = engine.each("bulk")
    await first.insert_one({"_id": f"{key}-shared", "n": 0})
    await first.insert_many(
        [{"_id": f"{key}-old{i}"} for i in range(CLIENTS)]
        + [{"_id": f"{key}-rep{i}", "v": 0} for i in range(CLIENTS)]
    )

    def ops(i: int) -> list[Any]:
        return [
            InsertOne({"_id": f"{key}-new{i}"}),
            UpdateOne({"_id": f"{key}-shared"}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": f"{key}-up{i}"}, {"$set": {"v": i}}, upsert=True),
            ReplaceOne({"_id": f"{key}-rep{i}"}, {"v": i + 1}),
            UpdateOne({"_id": f"{key}-missing"}, {"$set": {"v": 1}}),
            DeleteOne({"_id": f"{key}-old{i}"}),
        ]

    results = await together([c.bulk_write(ops(i)) for i, c in enumerate(colls)])

    assert raised(results) == []
    for i, r in enumerate(succeeded(results)):
        counts = (r.inserted_count, r.matched_count, r.modified_count, r.upserted_count)
        assert counts == (1, 2, 2, 1)
        assert (r.deleted_count, r.upserted_ids) == (1, {2: f"{key}-up{i}"})
    assert await first.find_one({"_id": f"{key}-shared"}) == {"_id": f"{key}-shared", "n": CLIENTS}
    assert await first.count_documents({"_id": {"$regex": f"^{key}-old"}}) == 0


async def bulk_writes_stop_or_go_on_at_a_duplicate(engine: Engine, key: str) -> None:
    # Each client upserts its own document with one shared unique key, then counts.
    first, *_ = colls = engine.each("bulk_unique")
    await first.create_index("slot", unique=True, name="slot_unique")
    for ordered in (True, False):
        counter = f"{key}-{ordered}-count"
        slot = f"{key}-{ordered}"
        await first.insert_one({"_id": counter, "n": 0})

        def ops(i: int, counter: str = counter, slot: str = slot) -> list[Any]:
            return [
                UpdateOne({"_id": f"{slot}-{i}"}, {"$set": {"slot": slot}}, upsert=True),
                UpdateOne({"_id": counter}, {"$inc": {"n": 1}}),
            ]

        results = await together(
            [c.bulk_write(ops(i), ordered=ordered) for i, c in enumerate(colls)]
        )

        assert [(r.upserted_count, r.matched_count) for r in succeeded(results)] == [(1, 1)]
        losers = raised(results)
        assert len(losers) == CLIENTS - 1
        for error in losers:
            assert isinstance(error, BulkWriteError), error
            details = error.details
            assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(0, DUPLICATE_KEY)]
            ran_after = 0 if ordered else 1
            assert (details["nUpserted"], details["nMatched"], details["nModified"]) == (
                0,
                ran_after,
                ran_after,
            )
        expected = 1 if ordered else CLIENTS
        assert await first.find_one({"_id": counter}) == {"_id": counter, "n": expected}


async def unordered_insert_many_skips_only_duplicates(engine: Engine, key: str) -> None:
    # As insert_skipping_duplicates queues work: overlapping batches from many clients.
    first, *_ = colls = engine.each("batches")
    width = 4
    batches = [[{"_id": f"{key}-{n:02}"} for n in range(i, i + width)] for i in range(CLIENTS)]

    async def insert(c: AsyncCollection[Document], batch: list[Document]) -> tuple[int, list[int]]:
        try:
            result = await c.insert_many(batch, ordered=False)
        except BulkWriteError as error:
            errors = error.details["writeErrors"]
            assert {e["code"] for e in errors} == {DUPLICATE_KEY}
            return error.details["nInserted"], sorted(e["index"] for e in errors)
        return len(result.inserted_ids), []

    results = await together([insert(c, b) for c, b in zip(colls, batches, strict=True)])

    assert raised(results) == []
    done = succeeded(results)
    assert all(inserted + len(skipped) == width for inserted, skipped in done)
    distinct = CLIENTS + width - 1
    assert sum(inserted for inserted, _ in done) == distinct
    inserted_ids = Counter(
        batch[i]["_id"]
        for batch, (_, skipped) in zip(batches, done, strict=True)
        for i in range(width)
        if i not in skipped
    )
    assert set(inserted_ids.values()) == {1}, "each id inserted by exactly one client"
    assert await first.count_documents({"_id": {"$regex": f"^{key}-"}}) == distinct


async def sort_and_limit_pick_the_earliest_due(engine: Engine, key: str) -> None:
    # As delivery_queue.due reads: due entries oldest first, ties by _id, while other
    # clients add entries that are not due yet.
    first, *_ = colls = engine.each(f"due_{key}")
    ages = [random.randrange(10) for _ in range(16)]
    docs = [{"_id": f"e{n:02}", "due_at": NOW - timedelta(minutes=m)} for n, m in enumerate(ages)]
    await first.insert_many(random.sample(docs, len(docs)))
    expected = [d["_id"] for d in sorted(docs, key=lambda d: (d["due_at"], d["_id"]))]
    readers, writers = colls[: CLIENTS // 2], colls[CLIENTS // 2 :]

    async def read(c: AsyncCollection[Document], limit: int) -> list[str]:
        cursor = (
            c.find({"due_at": {"$lte": NOW}})
            .sort([("due_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [doc["_id"] async for doc in cursor]

    async def add(c: AsyncCollection[Document], i: int) -> None:
        await c.insert_one({"_id": f"later{i}", "due_at": NOW + timedelta(minutes=1)})

    limits = [1, 5, 16, 100]
    results = await together(
        [read(c, n) for c, n in zip(readers, limits, strict=True)]
        + [add(c, i) for i, c in enumerate(writers)]
    )

    assert raised(results) == []
    assert results[: len(limits)] == [expected[:n] for n in limits]


async def first_writes_to_a_new_collection_all_land(engine: Engine, key: str) -> None:
    colls = engine.each(f"new_{key}")

    results = await together([c.insert_one({"_id": i}) for i, c in enumerate(colls)])

    assert raised(results) == []
    assert await colls[0].count_documents({}) == CLIENTS


async def indexes_created_at_once_by_many_processes(engine: Engine, key: str) -> None:
    # As every process runs ensure_indexes at start-up, several starting together.
    name = f"indexed_{key}"
    model = IndexModel([("email", ASCENDING)], name="email_unique", unique=True)

    results = await together([create_missing_indexes(db, name, [model]) for db in engine.dbs()])

    assert raised(results) == []
    coll = engine.dbs()[0][name]
    names = [index["name"] async for index in await coll.list_indexes()]
    assert sorted(names) == ["_id_", "email_unique"]
    await coll.insert_one({"email": key})
    with pytest.raises(DuplicateKeyError):
        await coll.insert_one({"email": key})


GUARANTEES = [
    pytest.param(increments_add_up, id="N clients x M $inc of one document add exactly N x M"),
    pytest.param(
        threaded_increments_add_up,
        id="N threads x M $inc of one document add exactly N x M",
    ),
    pytest.param(
        guarded_update_has_one_winner,
        id="a guarded update from an expected state has exactly one winner",
    ),
    pytest.param(
        sets_of_different_fields_all_stay,
        id="concurrent $set of different fields of one document keeps every field",
    ),
    pytest.param(
        one_set_to_the_same_value_modifies_once,
        id="concurrent $set of one value: all matched, one modified",
    ),
    pytest.param(
        claims_take_each_due_document_once,
        id="find_one_and_update claims with sort take each due document once, in order",
    ),
    pytest.param(
        counter_upserts_hand_out_distinct_values,
        id="find_one_and_update $inc upserts hand every caller a distinct value",
    ),
    pytest.param(
        inserts_of_one_id_have_one_winner,
        id="concurrent inserts of one _id: one succeeds, the rest DuplicateKeyError",
    ),
    pytest.param(
        inserts_of_one_unique_key_have_one_winner,
        id="concurrent inserts of one unique key: one succeeds, the rest DuplicateKeyError",
    ),
    pytest.param(
        first_upserts_make_one_document,
        id="concurrent first upserts of one _id: one document, exact count, no error",
    ),
    pytest.param(
        bulk_counter_upserts_add_up,
        id="concurrent bulk_write upserts of one counter: exact count, one insert, no error",
    ),
    pytest.param(
        guarded_replace_keeps_the_newest,
        id="a guarded replace upsert keeps the newest; older writers get DuplicateKeyError",
    ),
    pytest.param(
        deletes_count_each_document_once,
        id="concurrent delete_one: each document deleted and counted once",
    ),
    pytest.param(
        find_one_and_delete_returns_each_document_once,
        id="concurrent find_one_and_delete returns each document once, in sort order",
    ),
    pytest.param(
        guarded_delete_and_update_have_one_winner,
        id="a guarded delete racing a guarded update: exactly one applies",
    ),
    pytest.param(
        bulk_writes_report_what_each_did,
        id="concurrent bulk_writes report inserted, matched, modified, upserted, deleted",
    ),
    pytest.param(
        bulk_writes_stop_or_go_on_at_a_duplicate,
        id="bulk_write at a duplicate key: ordered stops, unordered goes on, counts exact",
    ),
    pytest.param(
        unordered_insert_many_skips_only_duplicates,
        id="overlapping insert_many ordered=False: each id inserted once, duplicates reported",
    ),
    pytest.param(
        sort_and_limit_pick_the_earliest_due,
        id="find with sort and limit returns the earliest due first while others write",
    ),
    pytest.param(
        first_writes_to_a_new_collection_all_land,
        id="first writes to a new collection from many clients all land",
    ),
    pytest.param(
        indexes_created_at_once_by_many_processes,
        id="one unique index created by many clients at once: no error, one index, enforced",
    ),
]


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_the_engine_keeps_the_guarantee_under_concurrent_clients(
    engine: Engine, guarantee: Callable[[Engine, str], Awaitable[None]]
) -> None:
    for trial in range(TRIALS):
        key = f"t{trial}_{uuid.uuid4().hex[:8]}"
        await guarantee(engine, key)
