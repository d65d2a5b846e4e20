"""Moving a layout-1 database to layout 2: everything kept once, on any interruption."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.domain.models import Objection, ObjectionResolution, ObjectionStatus
from registry.services.deps import Deps
from registry.services.outbox.dispatch import dispatch_events
from registry.store import (
    deliveries,
    delivery_queue,
    ensure_indexes,
    events,
    ids,
    migration,
    notices,
    objections,
)
from registry.store.database import Database, Document, connect
from registry.store.sharding import violations
from tests.conftest import START, make_settings
from tests.store import old_layout
from tests.store.old_layout import OldDatabase


@pytest.fixture
async def db(mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Database]:
    name = f"t_migration_{uuid.uuid4().hex[:8]}"
    yield mongo_client[name]
    await mongo_client.drop_database(name)


async def _all(db: Database, name: str) -> list[Document]:
    return [doc async for doc in db[name].find({}).sort("_id", 1)]


async def _indexes(db: Database) -> dict[str, list[Document]]:
    return {
        name: [index async for index in await db[name].list_indexes()]
        for name in await db.list_collection_names()
    }


async def assert_kept_once(db: Database, old: OldDatabase) -> None:
    """Layout 2, with every notice, event, delivery, attempt and objection exactly once."""
    assert await migration.layout(db) == migration.LAYOUT
    stored = await _all(db, events.NAME)
    assert len(stored) == len(old.events)
    for event in stored:
        before = old.events[event["dedupe_key"]]
        assert event["_id"] == ids.event_id(event["dedupe_key"])
        assert event["former_id"] == before["_id"]
        assert {k: v for k, v in event.items() if k not in ("_id", "former_id")} == {
            k: v for k, v in before.items() if k != "_id"
        }
    event_ids = {event["former_id"]: event["_id"] for event in stored}
    delivered = await _all(db, deliveries.NAME)
    assert {d["_id"] for d in delivered} == old.delivery_ids
    assert len(delivered) == len(old.delivery_ids)
    for delivery in delivered:
        assert delivery["event_id"] in event_ids.values()
        former = next(k for k, v in event_ids.items() if v == delivery["event_id"])
        assert delivery["_id"] == ids.delivery_id(former, delivery["subscription_id"], None)
    assert {a["_id"] for a in await _all(db, deliveries.ATTEMPTS)} == old.attempt_ids
    assert {q["_id"] for q in await _all(db, delivery_queue.NAME)} == old.queued
    assert [n["_id"] for n in await _all(db, notices.NAME)] == sorted(old.notice_ids)
    kept = await _all(db, objections.NAME)
    assert {o["_id"] for o in kept} == {old.open_objection, old.resolved_objection}
    assert all("open_guard" not in o for o in kept)
    assert violations(await _indexes(db)) == []
    assert "migration_event_id" not in {i["name"] for i in (await _indexes(db))[deliveries.NAME]}


async def test_an_old_database_is_moved_keeping_everything_once(db: Database) -> None:
    old = await old_layout.write(db, START)
    assert await migration.layout(db) == 1
    assert len(violations(await _indexes(db))) == 2  # the two old unique indexes

    report = await migration.migrate(db, clock=FrozenClock(START))

    assert report.ran
    assert report.events_moved == len(old.events)
    assert report.deliveries_relinked == len(old.delivery_ids)
    assert report.objections_cleaned == 2
    assert sorted(report.indexes_dropped) == [
        "events.dedupe_key_unique",
        "objections.open_guard_unique",
    ]
    await assert_kept_once(db, old)
    assert not (await migration.migrate(db)).ran  # once is enough
    await ensure_indexes(db)  # start-up after the move changes nothing either
    await assert_kept_once(db, old)


async def test_the_moved_database_keeps_its_rules(db: Database) -> None:
    old = await old_layout.write(db, START)
    await migration.migrate(db)
    clock = FrozenClock(START + timedelta(minutes=1))
    deps = Deps(db=db, clock=clock, settings=make_settings("mongodb://unused", db.name))

    # Re-emitting an old fact is still a no-op.
    again = dict(old.events[old.partly_dispatched])
    del again["_id"]
    assert not await events.emit(db, Event(**_event_args(again)))

    # The partly dispatched event gets its missing delivery; the one made before the
    # migration is not made twice (its id comes from the event's former id).
    await dispatch_events(deps, "worker-1")
    partly = await db[events.NAME].find_one({"dedupe_key": old.partly_dispatched})
    assert partly is not None
    assert partly["dispatched_at"] is not None
    made = {
        d["subscription_id"]: d["_id"]
        async for d in db[deliveries.NAME].find({"event_id": partly["_id"]})
    }
    assert set(made) == set(old.subscription_ids)
    assert made[old.subscription_ids[0]] in old.delivery_ids  # made before, not again
    assert made[old.subscription_ids[1]] not in old.delivery_ids  # the missing one

    # One open objection per customer and change, counting the old ones.
    open_pair = (old.change_id, old.customer_ids[0])
    with pytest.raises(objections.DuplicateObjection):
        await objections.insert(db, _objection(*open_pair))
    resolved = await objections.resolve(
        db, old.open_objection, ObjectionResolution.WITHDRAWN, None, START, None
    )
    assert resolved is not None
    assert resolved.status is ObjectionStatus.RESOLVED
    filed = await objections.insert(db, _objection(*open_pair))
    assert filed.id == ids.objection_id(*open_pair, 1)  # the customer's second one
    with pytest.raises(objections.DuplicateObjection):
        await objections.insert(db, _objection(*open_pair))


def _event_args(doc: Document) -> dict[str, Any]:
    keys = ("customer_id", "occurred_at", "dedupe_key", "data", "change_id")
    return {"type": EventType(doc["type"]), **{key: doc[key] for key in keys}}


def _objection(change_id: str, customer_id: str) -> Objection:
    return Objection(
        id="unused",
        change_id=change_id,
        customer_id=customer_id,
        reason="again",
        filed_at=START,
        deadline=START + timedelta(days=20),
    )


class Crash(Exception):
    """A process dying at a chosen point of the move."""


@pytest.mark.parametrize("step", ["move_copies", "relink_deliveries", "delete_moved"])
@pytest.mark.parametrize("in_batch", [1, 2])
async def test_a_move_interrupted_anywhere_is_finished_by_the_next_run(
    db: Database, monkeypatch: pytest.MonkeyPatch, step: str, in_batch: int
) -> None:
    old = await old_layout.write(db, START)
    real: Callable[..., Awaitable[Any]] = getattr(migration, step)
    calls = 0

    async def dies_after(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        result = await real(*args)
        if calls == in_batch:
            raise Crash(step)
        return result

    monkeypatch.setattr(migration, step, dies_after)
    monkeypatch.setattr(migration, "BATCH", 4)  # two batches of the six events
    with pytest.raises(Crash):
        await migration.migrate(db, clock=FrozenClock(START))
    assert await migration.layout(db) == 1
    monkeypatch.setattr(migration, step, real)

    report = await migration.migrate(db, clock=FrozenClock(START))

    assert report.ran
    await assert_kept_once(db, old)


async def test_two_processes_starting_at_once(db: Database, mongo_uri: str) -> None:
    old = await old_layout.write(db, START)
    clients = [connect(mongo_uri) for _ in range(2)]
    try:
        reports = await asyncio.gather(
            *(migration.migrate(client[db.name], wait=_poll) for client in clients)
        )
    finally:
        for client in clients:
            await client.close()
    assert sorted(r.ran for r in reports) == [False, True]  # one moved, one waited
    assert sum(r.events_moved for r in reports) == len(old.events)
    await assert_kept_once(db, old)


async def _poll() -> None:
    await asyncio.sleep(0.02)


async def test_the_steps_are_safe_side_by_side_even_without_the_lease(
    db: Database, mongo_uri: str
) -> None:
    old = await old_layout.write(db, START)
    clients = [connect(mongo_uri) for _ in range(3)]
    try:
        reports = await asyncio.gather(
            *(migration.run_steps(client[db.name], batch=2) for client in clients)
        )
    finally:
        for client in clients:
            await client.close()
    assert sum(r.events_moved for r in reports) >= len(old.events)
    await migration.migrate(db)  # records the layout; nothing left to move
    await assert_kept_once(db, old)


async def test_a_live_lease_is_waited_for_and_a_lapsed_one_taken_over(db: Database) -> None:
    old = await old_layout.write(db, START)
    clock = FrozenClock(START)
    await db[migration.NAME].insert_one(
        {"_id": "layout.lease", "owner": "died-mid-move", "until": START + migration.LEASE}
    )
    waiting, go_on = asyncio.Event(), asyncio.Event()

    async def wait() -> None:
        waiting.set()
        await go_on.wait()

    task = asyncio.create_task(migration.migrate(db, clock=clock, wait=wait))
    async with asyncio.timeout(10):
        await waiting.wait()
    assert await migration.layout(db) == 1  # it waits for the holder ...
    assert await db[events.NAME].count_documents({"former_id": {"$exists": True}}) == 0
    clock.advance(migration.LEASE + timedelta(seconds=1))  # ... until its lease lapses
    go_on.set()
    async with asyncio.timeout(30):
        report = await task
    assert report.ran
    await assert_kept_once(db, old)
    assert await db[migration.NAME].find_one({"_id": "layout.lease"}) is None


async def test_two_migrate_commands_started_together_move_the_layout_once(
    db: Database, mongo_uri: str
) -> None:
    """What each command says and leaves behind. Whether their steps overlap is up to
    the machine (either may finish before the other starts); the race itself is
    test_two_processes_starting_at_once (two clients run together in this process)."""
    old = await old_layout.write(db, START)
    env = {**os.environ, "MONGODB_URI": mongo_uri, "REGISTRY_DB_NAME": db.name}
    env.pop("REGISTRY_ENVIRONMENT", None)
    runs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "registry",
            "migrate",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    async with asyncio.timeout(120):
        outputs = [await run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    said = sorted(out.decode().strip() for out, _ in outputs)
    assert said == [
        "storage layout 2 already in place: nothing to do",
        f"storage layout 2: {len(old.events)} events moved to derived ids, "
        f"{len(old.delivery_ids)} deliveries relinked, 2 objections cleaned, unique indexes "
        "dropped: events.dedupe_key_unique, objections.open_guard_unique",
    ]
    await assert_kept_once(db, old)
