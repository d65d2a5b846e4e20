"""Renewing a call's claims: only those that have used part of their lease are written."""

from __future__ import annotations

from datetime import timedelta

from registry.clock import FrozenClock
from registry.services.deps import Deps
from registry.services.outbox.renewal import Claims
from registry.store import delivery_queue
from tests.conftest import Api


async def test_fresh_claims_cost_no_write_and_older_ones_are_pushed_a_lease_ahead(
    api: Api, deps: Deps
) -> None:
    clock: FrozenClock = api.clock
    now = clock.now()
    lease, every = timedelta(seconds=6), timedelta(seconds=2)
    entries = [delivery_queue.Entry(f"dlv_{n}", now, 0, 0) for n in range(3)]
    won = await delivery_queue.take_slots(deps.db, entries, owner="w1", until=now + lease, now=now)
    assert won == {e.id for e in entries}
    claims = Claims(deps, "w1", lease, every)
    claims.hold([(e.id, 1) for e in entries])

    assert await claims.renew() == 0  # just taken: nothing to write
    clock.advance(every / 2 + timedelta(milliseconds=1))
    claims.drop([(entries[0].id, 1)])  # recorded: no longer renewed
    assert await claims.renew() == 2
    slots = deps.db[delivery_queue.LEASES].find({}, {"until": 1})
    untils = {doc["_id"]: doc["until"] async for doc in slots}
    renewed_until = clock.now() + lease
    assert untils == {
        delivery_queue.slot_id(entries[0].id, 1): now + lease,
        delivery_queue.slot_id(entries[1].id, 1): renewed_until,
        delivery_queue.slot_id(entries[2].id, 1): renewed_until,
    }
    assert await claims.renew() == 0  # renewed a moment ago


async def test_a_slot_another_worker_took_over_is_not_renewed(api: Api, deps: Deps) -> None:
    clock: FrozenClock = api.clock
    now = clock.now()
    lease, every = timedelta(seconds=6), timedelta(seconds=2)
    entry = delivery_queue.Entry("dlv_x", now, 0, 0)
    await delivery_queue.take_slots(deps.db, [entry], owner="w2", until=now + lease, now=now)
    claims = Claims(deps, "w1", lease, every)
    claims.hold([(entry.id, 1)])  # w1 believes it holds it
    clock.advance(every)
    assert await claims.renew() == 0
    slot = await deps.db[delivery_queue.LEASES].find_one({})
    assert slot is not None
    assert (slot["owner"], slot["until"]) == ("w2", now + lease)
