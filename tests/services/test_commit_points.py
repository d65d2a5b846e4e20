"""Transitions commit once (DESIGN.md section 10): a crash at any step of any
transition ends, once the scheduler has re-driven the work, in the state of a run
without the crash; a cancel racing the change taking effect applies one outcome whole.

A crash is an exception no handler catches (a `BaseException`, as a kill is to the
code): it leaves the lease held and the rest of the steps undone. The restart is a
new scheduler, after the lease has run out.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import (
    ChangeAnnouncement,
    CustomerDraft,
    ObjectionFiling,
    ProcessingLocationDraft,
)
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.errors import ValidationError
from registry.domain.models import (
    ChangeKind,
    ChangeStatus,
    CustomerTerms,
    LocationRole,
    ObjectionResolution,
    ObjectionStatus,
    Role,
)
from registry.scheduler.jobs import JOBS
from registry.scheduler.loop import Scheduler
from registry.services import (
    change_effects,
    change_jobs,
    customers,
    objection_effects,
    settling,
    vendors,
    webhooks,
)
from registry.services import changes as change_service
from registry.services.caller import Caller
from registry.services.outbox.dispatch import dispatch_events
from registry.services.outbox.worker import deliver_due
from registry.store import changes, ids, objections
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

ADMIN = Caller(Role.ADMIN)
# The change engine's jobs; events are checked in the outbox, not delivered.
ENGINE = [job for job in JOBS if job not in (dispatch_events, deliver_due)]


class Crash(BaseException):
    """The process dies here."""


@pytest.fixture(scope="module")
async def api(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_commit_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as made:
        terms = [
            CustomerTerms(notice_period="P1D"),
            CustomerTerms(notice_period="P2D", objection_window="P1D"),
        ]
        for number, held in enumerate(terms):
            customer = await customers.create_customer(
                made.deps, ADMIN, CustomerDraft(name=f"Customer {number}", terms=held)
            )
            # Reachable, so every transition has events to emit.
            await webhooks.create_subscription(
                made.deps, ADMIN, url="http://127.0.0.1:9/hook", customer_id=customer.id
            )
        yield made
    await mongo_client.drop_database(name)


async def restart(api: Api) -> None:
    """A new process: the crashed one's leases run out, its work is picked up."""
    api.clock.advance(settling.LEASE + timedelta(seconds=1))
    await Scheduler(
        api.deps, ENGINE, worker_id=f"restarted-{uuid.uuid4().hex[:6]}"
    ).run_until_idle()


async def drain(api: Api) -> None:
    await Scheduler(api.deps, ENGINE, worker_id="w").run_until_idle()


async def vendor(api: Api, name: str) -> str:
    made = await vendors.create_subprocessor(api.deps, ADMIN, Details.named(name, "Email delivery"))
    return made.id


async def announced(api: Api, *, kind: ChangeKind = ChangeKind.ADD) -> str:
    """A change whose notices are all written (its own vendors, so trials do not meet)."""
    if kind is ChangeKind.REPLACE:
        old = await vendor(api, "Old vendor")
        add = await change_service.announce_change(
            api.deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, old)
        )
        await drain(api)
        api.clock.set(add.effective_at + timedelta(seconds=1))
        await drain(api)
        change = await change_service.announce_change(
            api.deps,
            ADMIN,
            ChangeAnnouncement(ChangeKind.REPLACE, await vendor(api, "New vendor"), old),
        )
    else:
        change = await change_service.announce_change(
            api.deps, ADMIN, ChangeAnnouncement(kind, await vendor(api, "Vendor"))
        )
    await drain(api)
    return change.id


async def state(api: Api, change_id: str) -> dict[str, Any]:
    """What a person or a receiver could observe of one change, ids left out."""
    db = api.deps.db
    change = await db["changes"].find_one({"_id": change_id})
    assert change is not None
    vendor_ids = [change["subprocessor_id"], change.get("replaces_id")]
    seen_vendors = []
    for vendor_id in filter(None, vendor_ids):
        doc = await db["subprocessors"].find_one({"_id": vendor_id})
        assert doc is not None
        seen_vendors.append(
            (
                doc["status"],
                [h["status"] for h in doc["status_history"]],
                doc.get("active_from") is not None,
                doc.get("active_until") is not None,
            )
        )
    # Where the vendor processes data (a change of locations records them on its date).
    located = sorted(
        [
            (d["country"], d["role"], d.get("removed_at") is not None)
            async for d in db["processing_locations"].find(
                {"subprocessor_id": change["subprocessor_id"]}
            )
        ]
    )
    names = {d["_id"]: d["name"] async for d in db["customers"].find({})}
    notices = sorted(
        [
            (names[d["customer_id"]], d["status"])
            async for d in db["notices"].find(ids.notices_of_change(change_id))
        ]
    )
    outbox = sorted(
        [
            (d["type"], names.get(d["customer_id"], d["customer_id"]))
            async for d in db["events"].find({"change_id": change_id})
        ]
    )
    filed = sorted(
        [
            (names[d["customer_id"]], d["status"], d.get("resolution"), d.get("settled"))
            async for d in db["objections"].find({"change_id": change_id})
        ]
    )
    return {
        "status": change["status"],
        "settled": change.get("settled"),
        "expanded": change.get("expanded"),
        "lease": change.get("lease_owner"),
        "vendors": seen_vendors,
        "locations": located,
        "notices": notices,
        "events": outbox,
        "objections": filed,
    }


# --- the transitions, each run from a prepared change ---------------------------------


async def prepare_cancel(api: Api) -> str:
    return await announced(api)


async def cancel(api: Api, change_id: str) -> None:
    await change_service.cancel_change(api.deps, ADMIN, change_id, "vendor withdrew")


async def prepare_effective(api: Api) -> str:
    change_id = await announced(api, kind=ChangeKind.REPLACE)
    found = await changes.get(api.deps.db, change_id)
    assert found is not None
    api.clock.set(found.effective_at + timedelta(seconds=1))
    return change_id


async def take_effect(api: Api, change_id: str) -> None:
    assert await change_jobs.apply_effective_changes(api.deps, "w") == 1


async def prepare_locations(api: Api) -> str:
    """An ACTIVE vendor in Germany and France announced to add the United States and
    end France, its date come."""
    vendor_id = await vendor(api, "Relocating vendor")
    for country in ("DE", "FR"):
        await vendors.add_processing_location(
            api.deps, ADMIN, vendor_id, ProcessingLocationDraft(country)
        )
    add = await change_service.announce_change(
        api.deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, vendor_id)
    )
    await drain(api)
    api.clock.set(add.effective_at + timedelta(seconds=1))
    await drain(api)
    france = await api.deps.db["processing_locations"].find_one(
        {"subprocessor_id": vendor_id, "country": "FR"}
    )
    assert france is not None
    change = await change_service.announce_change(
        api.deps,
        ADMIN,
        ChangeAnnouncement(
            ChangeKind.UPDATE,
            vendor_id,
            locations=(ProcessingLocationDraft("US", role=LocationRole.STORAGE),),
            ended_location_ids=(france["_id"],),
        ),
    )
    await drain(api)
    api.clock.set(change.effective_at + timedelta(seconds=1))
    return change.id


async def prepare_announce(api: Api) -> str:
    return await vendor(api, "Announced vendor")


async def announce(api: Api, vendor_id: str) -> None:
    await change_service.announce_change(
        api.deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, vendor_id, idempotency_key=vendor_id)
    )


async def first_customer(api: Api) -> str:
    found = await api.deps.db["customers"].find_one({"name": "Customer 0"})
    assert found is not None
    return str(found["_id"])


async def file(api: Api, change_id: str) -> None:
    filing = ObjectionFiling(change_id, "not this vendor", customer_id=await first_customer(api))
    await change_service.file_objection(api.deps, ADMIN, filing)


async def prepare_resolve(api: Api) -> str:
    change_id = await announced(api)
    await file(api, change_id)
    return change_id


async def resolve(api: Api, change_id: str) -> None:
    found = await api.deps.db["objections"].find_one({"change_id": change_id})
    assert found is not None
    resolution = ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER
    await change_service.resolve_objection(api.deps, ADMIN, found["_id"], resolution)


Prepare = Callable[[Api], Awaitable[str]]
Act = Callable[[Api, str], Awaitable[None]]

TRANSITIONS: dict[str, tuple[Prepare, Act, ModuleType, ChangeStatus | ObjectionStatus]] = {
    "announce": (prepare_announce, announce, change_effects, ChangeStatus.ANNOUNCED),
    "cancel": (prepare_cancel, cancel, change_effects, ChangeStatus.CANCELLED),
    "take effect": (prepare_effective, take_effect, change_effects, ChangeStatus.EFFECTIVE),
    "locations take effect": (
        prepare_locations,
        take_effect,
        change_effects,
        ChangeStatus.EFFECTIVE,
    ),
    "file objection": (announced, file, objection_effects, ObjectionStatus.OPEN),
    "resolve objection": (prepare_resolve, resolve, objection_effects, ObjectionStatus.RESOLVED),
}


def crash_points() -> list[tuple[str, str]]:
    """Every place a transition can stop: before the lease is taken, before each of its
    steps, and before the settled mark."""
    points = []
    for name, (_, _, module, status) in TRANSITIONS.items():
        steps = [step.__name__ for step in module.STEPS[status]]
        points += [(name, where) for where in ["claim", *steps, "finish"]]
    return points


async def run_transition(
    api: Api, name: str, monkeypatch: pytest.MonkeyPatch | None, where: str | None
) -> str:
    """Prepare a change, run the transition (crashing at `where`), restart; the change."""
    prepare, act, module, status = TRANSITIONS[name]
    subject = await prepare(api)
    if monkeypatch is not None and where is not None:
        crash_at(monkeypatch, module, status, where)
        with pytest.raises(Crash):
            await act(api, subject)
        monkeypatch.undo()
        await restart(api)
    else:
        await act(api, subject)
        await drain(api)
    if name == "announce":
        change = await changes.by_idempotency_key(api.deps.db, subject)
        assert change is not None
        return change.id
    return subject


def crash_at(
    monkeypatch: pytest.MonkeyPatch,
    module: ModuleType,
    status: ChangeStatus | ObjectionStatus,
    where: str,
) -> None:
    store = changes if module is change_effects else objections

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise Crash(where)

    if where == "claim":
        monkeypatch.setattr(store, "claim_settling", crash)
    elif where == "finish":
        monkeypatch.setattr(store, "finish_settling", crash)
    else:
        steps = tuple(crash if step.__name__ == where else step for step in module.STEPS[status])
        monkeypatch.setitem(module.STEPS, status, steps)


@pytest.mark.parametrize(("transition", "where"), crash_points(), ids=lambda v: str(v))
async def test_a_crash_at_any_step_ends_as_if_there_had_been_none(
    api: Api, monkeypatch: pytest.MonkeyPatch, transition: str, where: str
) -> None:
    expected = await state(api, await run_transition(api, transition, None, None))
    crashed = await state(api, await run_transition(api, transition, monkeypatch, where))
    assert crashed == expected
    assert crashed["settled"] is True
    assert crashed["lease"] is None


async def test_every_transition_leaves_effects_that_a_rerun_does_not_change(api: Api) -> None:
    """The steps are idempotent: settling a settled change again changes nothing."""
    change_id = await run_transition(api, "take effect", None, None)
    before = await state(api, change_id)
    found = await changes.get(api.deps.db, change_id)
    assert found is not None
    for step in change_effects.STEPS[ChangeStatus.EFFECTIVE]:
        await step(api.deps, found)
    assert await state(api, change_id) == before


@pytest.mark.parametrize("trial", range(8))
async def test_a_cancel_racing_the_change_taking_effect_applies_one_outcome_whole(
    api: Api, trial: int
) -> None:
    change_id = await prepare_effective(api)

    async def cancelled() -> bool:
        try:
            await cancel(api, change_id)
        except ValidationError:
            return False
        return True

    async def applied() -> bool:
        return await change_jobs.apply_effective_changes(api.deps, f"w{trial}") == 1

    won_cancel, won_effect = await asyncio.gather(cancelled(), applied())
    await drain(api)
    seen = await state(api, change_id)
    assert won_cancel != won_effect, seen
    if won_cancel:
        assert seen["status"] == "CANCELLED"
        assert seen["vendors"] == [("PROPOSED", ["PROPOSED"], False, False), seen["vendors"][1]]
        assert seen["vendors"][1][0] == "ACTIVE"
        assert {status for _, status in seen["notices"]} == {"CANCELLED"}
        assert "change.effective" not in {kind for kind, _ in seen["events"]}
    else:
        assert seen["status"] == "EFFECTIVE"
        assert seen["vendors"][0][:2] == ("ACTIVE", ["PROPOSED", "ACTIVE"])
        assert seen["vendors"][1][:2] == ("RETIRED", ["PROPOSED", "ACTIVE", "RETIRED"])
        assert "CANCELLED" not in {status for _, status in seen["notices"]}
        assert "change.cancelled" not in {kind for kind, _ in seen["events"]}
    assert seen["settled"] is True


async def test_a_retried_cancel_finishes_what_a_crashed_one_began(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller whose cancel died after its commit may retry: the same cancel is
    answered as done and its effects follow."""
    change_id = await prepare_cancel(api)
    crash_at(monkeypatch, change_effects, ChangeStatus.CANCELLED, "cancel_notices")
    with pytest.raises(Crash):
        await cancel(api, change_id)
    monkeypatch.undo()
    api.clock.advance(settling.LEASE + timedelta(seconds=1))
    await cancel(api, change_id)  # no ValidationError: it is the same cancel
    seen = await state(api, change_id)
    assert seen["settled"] is True
    assert {status for _, status in seen["notices"]} == {"CANCELLED"}
    with pytest.raises(ValidationError):
        await change_service.cancel_change(api.deps, ADMIN, change_id, "another reason")


async def test_a_change_of_locations_records_them_on_the_vendor_on_its_date(api: Api) -> None:
    change_id = await prepare_locations(api)
    assert (await state(api, change_id))["locations"] == [
        ("DE", "PROCESSING", False),
        ("FR", "PROCESSING", False),
    ]
    await take_effect(api, change_id)
    await drain(api)
    assert (await state(api, change_id))["locations"] == [
        ("DE", "PROCESSING", False),
        ("FR", "PROCESSING", True),
        ("US", "STORAGE", False),
    ]
