"""The watched registry version: current without a round trip per read, never stale for long."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from pymongo import AsyncMongoClient, monitoring

from registry.app import create_app
from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.services.access import create_api_key
from registry.store import meta
from registry.store.database import Database, Document
from registry.store.meta import VersionWatch
from tests.conftest import START, make_settings
from tests.polling import until


class Commands(monitoring.CommandListener):
    """The (command, collection) pairs a client sends while `active` is set."""

    def __init__(self) -> None:
        self.active = False
        self.sent: list[tuple[str, object]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.active:
            self.sent.append((event.command_name, event.command.get(event.command_name)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_a_bump_in_this_process_is_known_at_once(
    mongo_client: AsyncMongoClient[Document], db_name: str
) -> None:
    db = mongo_client[db_name]
    watch = VersionWatch(db, period_s=3600)
    before = await watch.refresh()
    assert watch.current() == before
    bumped = await meta.bump(db)
    assert bumped == before + 1
    assert watch.current() == bumped  # no poll in between


async def test_a_bump_elsewhere_is_known_after_a_poll(
    mongo_client: AsyncMongoClient[Document], db_name: str
) -> None:
    db = mongo_client[db_name]
    watch = VersionWatch(db, period_s=0.05)
    before = await watch.refresh()
    # What another process's bump does to the database; this process is not told.
    await db[meta.NAME].update_one({"_id": "registry"}, {"$inc": {"version": 1}}, upsert=True)
    assert watch.current() == before
    poller = asyncio.create_task(watch.run())
    try:

        async def seen() -> bool:
            return watch.current() == before + 1

        await until(seen)
    finally:
        poller.cancel()


async def test_a_watch_that_has_not_heard_from_the_database_knows_nothing(
    mongo_client: AsyncMongoClient[Document], db_name: str
) -> None:
    db = mongo_client[db_name]
    watch = VersionWatch(db, period_s=3600, stale_after_s=0.05)
    assert watch.current() is None  # never polled
    await watch.refresh()

    async def stale() -> bool:
        return watch.current() is None

    await until(stale)
    await db[meta.NAME].update_one({"_id": "registry"}, {"$inc": {"version": 5}})
    assert await watch.read() == await meta.version(db)  # a round trip, not the old value


async def test_a_reset_database_is_believed(
    mongo_client: AsyncMongoClient[Document], db_name: str
) -> None:
    db = mongo_client[db_name]
    await meta.bump(db)
    watch = VersionWatch(db, period_s=3600)
    assert await watch.refresh() >= 1
    await db[meta.NAME].delete_many({})
    assert await watch.refresh() == 0


@pytest.mark.parametrize("role", [None, Role.ADMIN, Role.PROCUREMENT])
async def test_a_cache_hit_sends_no_command_to_the_database(
    mongo_uri: str, db_name: str, role: Role | None
) -> None:
    """Anonymous or keyed: a repeated read and a revalidated export need no round trip."""
    counter = Commands()
    monitoring.register(counter)  # applies to the app's client, created below
    app = create_app(
        make_settings(mongo_uri, db_name), clock=FrozenClock(START), run_scheduler=False
    )
    query = {"query": "{ subprocessors { totalCount edges { node { legalName } } } }"}
    async with app.router.lifespan_context(app):
        watch: VersionWatch = app.state.version_watch

        async def polled() -> bool:
            return watch.current() is not None

        await until(polled)
        watch.stale_after_s = 3600  # a slow poll on a busy machine must not matter here
        headers = {}
        if role is not None:
            _, key = await create_api_key(app.state.deps, name="hits", role=role, customer_id=None)
            headers["authorization"] = f"Bearer {key}"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://registry.test", headers=headers
        ) as http:
            assert (await http.post("/graphql", json=query)).headers.get("x-cache") is None
            export = await http.get("/subprocessors.json")
            assert export.status_code == 200
            counter.active = True
            for _ in range(10):
                assert (await http.post("/graphql", json=query)).headers["x-cache"] == "hit"
                revalidated = await http.get(
                    "/subprocessors.json", headers={"if-none-match": export.headers["etag"]}
                )
                assert revalidated.status_code == 304
            counter.active = False
    # Only the background poll of the version may have talked to the database.
    assert [c for c in counter.sent if c != ("find", meta.NAME)] == []


async def test_reads_of_a_stale_watch_share_one_poll(
    mongo_client: AsyncMongoClient[Document], db_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = mongo_client[db_name]
    watch = VersionWatch(db, period_s=3600)
    polls = 0
    read_versions = meta.versions

    async def counted(database: Database) -> tuple[int, int]:
        nonlocal polls
        polls += 1
        return await read_versions(database)

    monkeypatch.setattr(meta, "versions", counted)
    assert watch.current() is None
    found = await asyncio.gather(*(watch.read() for _ in range(20)))
    assert polls == 1
    assert set(found) == {(await read_versions(db))[0]}
    assert watch.current() == found[0]
