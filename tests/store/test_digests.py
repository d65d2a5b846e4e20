"""Digests: stale after a write to their topic or once their day has passed, and never
replaced by one built from an older write count."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

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


async def test_a_write_to_the_topic_makes_it_stale(db: Database) -> None:
    first = await digests.read(db, "t", ["d"])
    assert first.writes == 0
    assert first.items("d", Line) is None
    await digests.keep(db, "d", Line, [LINE], writes=first.writes)
    kept = (await digests.read(db, "t", ["d"])).items("d", Line)
    assert kept == [LINE]  # aware datetimes and dates come back as they went in
    await digests.bump(db, "other")
    assert (await digests.read(db, "t", ["d"])).items("d", Line) == [LINE]
    await digests.bump(db, "t")
    after = await digests.read(db, "t", ["d"])
    assert after.writes == 1
    assert after.items("d", Line) is None


async def test_a_dated_digest_is_stale_the_next_day(db: Database) -> None:
    await digests.keep(db, "d", Line, [LINE], writes=0, day=date(2026, 1, 5))
    found = await digests.read(db, "t", ["d"])
    assert found.items("d", Line, day=date(2026, 1, 5)) == [LINE]
    assert found.items("d", Line, day=date(2026, 1, 6)) is None


async def test_an_older_build_never_replaces_a_newer_one(db: Database) -> None:
    await digests.bump(db, "t")
    await digests.keep(db, "d", Line, [LINE], writes=1)
    await digests.keep(db, "d", Line, [], writes=0)  # a slow reader that began earlier
    assert (await digests.read(db, "t", ["d"])).items("d", Line) == [LINE]
