"""An edit and a transition at the same time: neither is lost."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import ChangeAnnouncement, SubprocessorDetails, SubprocessorEdit
from registry.domain.errors import ValidationError
from registry.domain.models import ChangeKind, Role, Subprocessor, SubprocessorStatus
from registry.services import changes, registry
from registry.services.caller import Caller
from registry.store import subprocessors
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

STAFF = Caller(Role.PROCUREMENT)


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_concurrent_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def test_an_edit_during_an_add_taking_effect_keeps_both(
    fresh: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = fresh.deps
    sub = await registry.create_subprocessor(deps, STAFF, SubprocessorDetails("Mailer", "mail"))
    # No customers: nothing binds the date, so the ADD is due at once.
    await changes.announce_change(deps, STAFF, ChangeAnnouncement(ChangeKind.ADD, sub.id))

    read, go = asyncio.Event(), asyncio.Event()
    writable = registry._writable

    async def paused(*args: object) -> Subprocessor:
        found = await writable(*args)  # type: ignore[arg-type]
        read.set()
        await go.wait()  # the edit was decided on this (PROPOSED) state
        return found

    monkeypatch.setattr(registry, "_writable", paused)

    async def edit() -> Subprocessor:
        return await registry.update_subprocessor(
            deps, STAFF, sub.id, SubprocessorEdit(legal_name="Mailer GmbH")
        )

    async def take_effect() -> None:
        await read.wait()
        await fresh.scheduler.run_until_idle()
        go.set()

    edited, _ = await asyncio.gather(edit(), take_effect())

    stored = await subprocessors.get(deps.db, sub.id)
    assert stored is not None
    assert stored.status is SubprocessorStatus.ACTIVE
    assert [c.status for c in stored.status_history] == [
        SubprocessorStatus.PROPOSED,
        SubprocessorStatus.ACTIVE,
    ]
    assert stored.legal_name == "Mailer GmbH"
    assert edited == stored


async def test_two_edits_of_the_same_field_refuse_the_stale_one(
    fresh: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = fresh.deps
    sub = await registry.create_subprocessor(deps, STAFF, SubprocessorDetails("Mailer", "mail"))
    read, go = asyncio.Event(), asyncio.Event()
    writable = registry._writable

    async def paused_once(*args: object) -> Subprocessor:
        found = await writable(*args)  # type: ignore[arg-type]
        if not read.is_set():
            read.set()
            await go.wait()
        return found

    monkeypatch.setattr(registry, "_writable", paused_once)

    async def slow() -> None:
        with pytest.raises(ValidationError, match="edited meanwhile"):
            await registry.update_subprocessor(
                deps, STAFF, sub.id, SubprocessorEdit(purpose="stale")
            )

    async def quick() -> None:
        await read.wait()
        await registry.update_subprocessor(deps, STAFF, sub.id, SubprocessorEdit(purpose="fresh"))
        go.set()

    await asyncio.gather(slow(), quick())
    stored = await subprocessors.get(deps.db, sub.id)
    assert stored is not None
    assert stored.purpose == "fresh"
