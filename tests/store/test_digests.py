"""Digests: stale after a write to their topic or once their day has passed, and never
replaced by one built from an older write count."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.store import digests
from registry.store.database import Database, Document


@dataclass(frozen=True, slots=True)
class Line:
    id: str
    at: datetime
    on: date


LINE = Line("a", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), date(2026, 1, 5))


@pytest.fixture
async def db(mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Database]:
    name = f"t_digests_{uuid.uuid4().hex[:8]}"
    yield mongo_client[name]
    await mongo_client.drop_database(name)


def decode(text: str) -> tuple[Line, ...]:
    return digests.decoder(Line)(text)


async def keep(
    db: Database, name: str, items: tuple[Line, ...], at: digests.Stamp, **kw: Any
) -> None:
    await digests.keep(db, name, digests.encode(Line, items), items, at, **kw)


async def test_a_write_to_the_topic_makes_it_stale(db: Database) -> None:
    found, at = await digests.load(db, "t", "d", decode)
    assert found is None
    assert at.writes == 0
    await digests.bump(db, "t")
    found, at = await digests.load(db, "t", "d", decode)
    await keep(db, "d", (LINE,), at)
    digests.forget()  # as another process: read from the database
    kept, _ = await digests.load(db, "t", "d", decode)
    assert kept == (LINE,)  # aware datetimes and dates come back as they went in
    await digests.bump(db, "other")
    assert (await digests.load(db, "t", "d", decode))[0] == (LINE,)
    await digests.bump(db, "t")
    stale, after = await digests.load(db, "t", "d", decode)
    assert stale is None
    assert after.writes == 2


async def test_a_dated_digest_is_stale_the_next_day(db: Database) -> None:
    await digests.bump(db, "t")
    _, at = await digests.load(db, "t", "d", decode)
    await keep(db, "d", (LINE,), at, day=date(2026, 1, 5))
    for memo in (True, False):
        if not memo:
            digests.forget()
        assert (await digests.load(db, "t", "d", decode, day=date(2026, 1, 5)))[0] == (LINE,)
        assert (await digests.load(db, "t", "d", decode, day=date(2026, 1, 6)))[0] is None


async def test_an_older_build_never_replaces_a_newer_one(db: Database) -> None:
    await digests.bump(db, "t")
    _, older = await digests.load(db, "t", "d", decode)
    await digests.bump(db, "t")
    _, newer = await digests.load(db, "t", "d", decode)
    await keep(db, "d", (LINE,), newer)
    await keep(db, "d", (), older)  # a slow reader that began earlier
    digests.forget()
    assert (await digests.load(db, "t", "d", decode))[0] == (LINE,)


async def test_a_database_made_again_is_not_served_from_memory(
    mongo_client: AsyncMongoClient[Document],
) -> None:
    name = f"t_digests_{uuid.uuid4().hex[:8]}"
    for items in [(LINE,), ()]:
        db = mongo_client[name]
        await digests.bump(db, "t")  # the same count each time; a new epoch
        found, at = await digests.load(db, "t", "d", decode)
        assert found is None
        await keep(db, "d", items, at)
        assert (await digests.load(db, "t", "d", decode))[0] == items
        await mongo_client.drop_database(name)
