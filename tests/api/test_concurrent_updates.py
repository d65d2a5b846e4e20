"""An edit and a transition at the same time: neither is lost."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import (
    ChangeAnnouncement,
    CustomerDraft,
    CustomerEdit,
    SubprocessorDetails,
    SubprocessorEdit,
)
from registry.domain.errors import EditConflict
from registry.domain.models import ChangeKind, Role, Subprocessor, SubprocessorStatus
from registry.services import changes, customers, vendors
from registry.services.caller import Caller
from registry.store import customer_roster, ids, roster_placements, subprocessors
from registry.store import customers as stored_customers
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
    sub = await vendors.create_subprocessor(
        deps, STAFF, SubprocessorDetails.named("Mailer", "mail")
    )
    # No customers: nothing binds the date, so the ADD is due at once.
    await changes.announce_change(deps, STAFF, ChangeAnnouncement(ChangeKind.ADD, sub.id))

    read, go = asyncio.Event(), asyncio.Event()
    writable = vendors._writable

    async def paused(*args: object) -> Subprocessor:
        found = await writable(*args)  # type: ignore[arg-type]
        read.set()
        await go.wait()  # the edit was decided on this (PROPOSED) state
        return found

    monkeypatch.setattr(vendors, "_writable", paused)

    async def edit() -> Subprocessor:
        return await vendors.update_subprocessor(
            deps, STAFF, sub.id, SubprocessorEdit({"legal_name": "Mailer GmbH"})
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
    sub = await vendors.create_subprocessor(
        deps, STAFF, SubprocessorDetails.named("Mailer", "mail")
    )
    read, go = asyncio.Event(), asyncio.Event()
    writable = vendors._writable

    async def paused_once(*args: object) -> Subprocessor:
        found = await writable(*args)  # type: ignore[arg-type]
        if not read.is_set():
            read.set()
            await go.wait()
        return found

    monkeypatch.setattr(vendors, "_writable", paused_once)

    async def slow() -> None:
        with pytest.raises(EditConflict, match="changed by someone else") as refused:
            await vendors.update_subprocessor(
                deps, STAFF, sub.id, SubprocessorEdit({"purpose": "stale"})
            )
        assert refused.value.record_id == sub.id
        assert refused.value.fields == ("purpose",)

    async def quick() -> None:
        await read.wait()
        await vendors.update_subprocessor(
            deps, STAFF, sub.id, SubprocessorEdit({"purpose": "fresh"})
        )
        go.set()

    await asyncio.gather(slow(), quick())
    stored = await subprocessors.get(deps.db, sub.id)
    assert stored is not None
    assert stored.purpose == "fresh"


ADMIN = Caller(Role.ADMIN)
PERIODS = ["P1M", "P2M", "P3M", "P4M", "P5M", "P6M"]


@pytest.mark.parametrize("trial", range(6))
async def test_concurrent_customer_edits_lose_nothing_and_keep_the_roster_whole(
    fresh: Api, trial: int
) -> None:
    """Six staff change the notice period (and so the customer's group) and two the name,
    all at once: each edit is written whole or refused whole, and the customer is in the
    roster once, in the group its stored terms give."""
    deps = fresh.deps
    customer = await customers.create_customer(deps, ADMIN, CustomerDraft(name="Acme"))
    edits = [CustomerEdit(notice_period=p) for p in PERIODS]
    edits += [CustomerEdit(name=f"Acme {n}") for n in range(2)]

    async def edit(change: CustomerEdit) -> CustomerEdit | EditConflict:
        try:
            await customers.update_customer(deps, ADMIN, customer.id, change)
        except EditConflict as refused:
            return refused
        return change

    outcomes = await asyncio.gather(*(edit(e) for e in edits))
    await fresh.scheduler.run_until_idle()  # whatever a lost lease left, the job places
    for refused in (o for o in outcomes if isinstance(o, EditConflict)):
        assert refused.record_id == customer.id
        assert set(refused.fields) <= {"name", "terms"}
    written = [o for o in outcomes if isinstance(o, CustomerEdit)]
    stored = await stored_customers.get(deps.db, customer.id)
    assert stored is not None
    periods = [o.notice_period for o in written if o.notice_period]
    names = [o.name for o in written if o.name]
    assert periods, outcomes  # someone always wins
    assert stored.terms.notice_period in periods
    assert stored.name in (names or ["Acme"])
    placed = [
        chunk.group
        async for chunk in customer_roster.chunks_after(
            deps.db,
            [c async for c in _all_chunk_ids(fresh)],
            None,
        )
        for member in chunk.ids
        if member == customer.id
    ]
    assert placed == [stored_customers.group_key(stored)]


async def _all_chunk_ids(api: Api) -> AsyncIterator[str]:
    async for doc in api.deps.db[customer_roster.NAME].find({}, {"_id": 1}):
        yield doc["_id"]


@pytest.mark.parametrize("trial", range(4))
async def test_concurrent_edits_of_different_vendor_fields_are_all_kept(
    fresh: Api, trial: int
) -> None:
    deps = fresh.deps
    sub = await vendors.create_subprocessor(
        deps, STAFF, SubprocessorDetails.named("Mailer", "mail")
    )
    await asyncio.gather(
        vendors.update_subprocessor(deps, STAFF, sub.id, SubprocessorEdit({"purpose": "E-mail"})),
        vendors.update_subprocessor(
            deps, STAFF, sub.id, SubprocessorEdit({"website": "https://mailer.example"})
        ),
        vendors.update_subprocessor(
            deps, STAFF, sub.id, SubprocessorEdit({"legal_name": "Mailer AB"})
        ),
    )
    stored = await subprocessors.get(deps.db, sub.id)
    assert stored is not None
    assert (stored.purpose, stored.website, stored.legal_name) == (
        "E-mail",
        "https://mailer.example",
        "Mailer AB",
    )


async def test_announce_racing_a_vendor_edit_keeps_both(fresh: Api) -> None:
    """The announcement's plan and the edit touch different fields: neither is lost."""
    deps = fresh.deps
    for trial in range(6):
        sub = await vendors.create_subprocessor(
            deps, STAFF, SubprocessorDetails.named(f"Mailer {trial}", "mail")
        )
        change, edited = await asyncio.gather(
            changes.announce_change(deps, STAFF, ChangeAnnouncement(ChangeKind.ADD, sub.id)),
            vendors.update_subprocessor(
                deps, STAFF, sub.id, SubprocessorEdit({"purpose": "E-mail"})
            ),
        )
        stored = await subprocessors.get(deps.db, sub.id)
        assert stored is not None
        assert stored.purpose == "E-mail"
        assert stored.active_from == change.effective_at
        assert edited.purpose == "E-mail"


async def test_a_customer_a_crash_left_unplaced_is_placed_by_the_scheduler(
    fresh: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write is the commit point; the roster follows, re-driven after a crash."""
    deps = fresh.deps

    async def crash(*args: object) -> None:
        raise RuntimeError("process died")  # logged: placing is left to the scheduler

    monkeypatch.setattr(customer_roster, "join", crash)
    customer = await customers.create_customer(deps, ADMIN, CustomerDraft(name="Initech"))
    edited = await customers.update_customer(
        deps, ADMIN, customer.id, CustomerEdit(notice_period="P1M")
    )
    monkeypatch.undo()
    assert not await _placed(fresh, customer.id)
    fresh.clock.advance(customers.ROSTER_LEASE + timedelta(seconds=1))
    await fresh.scheduler.run_until_idle()
    assert await _placed(fresh, customer.id) == [stored_customers.group_key(edited)]


async def _placed(api: Api, customer_id: str) -> list[str]:
    return [
        doc["group"] async for doc in api.deps.db[customer_roster.NAME].find({"ids": customer_id})
    ]


async def test_a_placement_claimed_before_its_customer_is_written_waits_for_it(
    fresh: Api,
) -> None:
    """Another process's scheduler may claim a new customer's placement between its
    mark and its insert: the placement is kept for the insert, not spent."""
    deps = fresh.deps
    draft = CustomerDraft(name="Early")
    customer = dataclasses.replace(
        await customers.create_customer(deps, ADMIN, draft), id=ids.new_id("Customer")
    )
    mark = await roster_placements.mark(deps.db, customer.id, deps.clock.now())
    assert not await customers.place_in_roster(deps, "other-process", customer.id)
    await stored_customers.insert(deps.db, customer, mark)
    assert await customers.place_in_roster(deps, "creator", customer.id)
    assert await _placed(fresh, customer.id) == [stored_customers.group_key(customer)]
