"""Every channel asks one rule whether a customer may object now (DESIGN.md 11): the
API's fileObjection, the notice page's form, the console's customer page, the e-mail's
wording and the reminders agree with `objection_right` in each state of a change."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.delivery import email_content, notice_links
from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ObjectionFiling
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.errors import ValidationError
from registry.domain.event_types import EventType
from registry.domain.models import ChangeKind, CustomerTerms, ObjectionResolution, Role
from registry.domain.objection_rights import Standing, objection_right
from registry.scheduler.loop import Scheduler
from registry.services import (
    change_jobs,
    change_queries,
    customers,
    evidence,
    notice_page,
    rendering,
    vendors,
)
from registry.services import changes as change_service
from registry.services.caller import Caller
from registry.store import changes, events, notice_schedule, notices
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api
from tests.services.test_commit_points import ENGINE

ADMIN = Caller(Role.ADMIN)
WINDOW = CustomerTerms(objection_window="P30D")
CONSENTS = CustomerTerms(allows_emergency_replacement=True)
REFUSES = CustomerTerms()
DAY = timedelta(days=1)

LIST = """query { subprocessors { edges { node { legalName } } } }"""
FILE = """mutation($input: FileObjectionInput!) {
  fileObjection(input: $input) { __typename }
}"""


@pytest.fixture
async def api(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_rights_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as made:
        yield made
    await mongo_client.drop_database(name)


async def drain(api: Api) -> None:
    await Scheduler(api.deps, ENGINE, worker_id="w").run_until_idle()


@dataclass(frozen=True)
class World:
    api: Api
    change_id: str
    customer_id: str


Step = Callable[[World], Awaitable[None]]


async def _later(world: World, by: timedelta) -> None:
    world.api.clock.set(world.api.clock.now() + by)
    await drain(world.api)


def later(by: timedelta) -> Step:
    async def step(world: World) -> None:
        await _later(world, by)

    return step


async def cancel(world: World) -> None:
    await change_service.cancel_change(world.api.deps, ADMIN, world.change_id, "vendor withdrew")


async def object_(world: World) -> None:
    filing = ObjectionFiling(world.change_id, "not this vendor", customer_id=world.customer_id)
    await change_service.file_objection(world.api.deps, ADMIN, filing)


def resolve(resolution: ObjectionResolution) -> Step:
    async def step(world: World) -> None:
        await object_(world)
        open_ = await change_service.latest_objection(
            world.api.deps, world.change_id, world.customer_id
        )
        assert open_ is not None
        ends = world.api.clock.now() + 60 * DAY
        await change_service.resolve_objection(
            world.api.deps,
            ADMIN,
            open_.id,
            resolution,
            contract_ends_at=ends
            if resolution is ObjectionResolution.CUSTOMER_TERMINATES
            else None,
        )

    return step


async def nothing(world: World) -> None:
    return None


CASES = [
    ("normal change before its deadline", WINDOW, False, later(DAY), Standing.MAY_OBJECT),
    (
        "normal change after its deadline",
        WINDOW,
        False,
        later(31 * DAY),
        Standing.DEADLINE_PASSED,
    ),
    (
        "emergency with consent: in effect for it, deadline open (after the fact)",
        CONSENTS,
        True,
        later(DAY),
        Standing.MAY_OBJECT,
    ),
    (
        "emergency with consent: after the fact window over",
        CONSENTS,
        True,
        later(31 * DAY),
        Standing.DEADLINE_PASSED,
    ),
    (
        "emergency without consent: in effect for others, its own date later",
        REFUSES,
        True,
        later(DAY),
        Standing.MAY_OBJECT,
    ),
    ("cancelled change", WINDOW, False, cancel, Standing.CANCELLED),
    ("objection open", WINDOW, False, object_, Standing.OBJECTED),
    (
        "objection resolved: contract ends",
        WINDOW,
        False,
        resolve(ObjectionResolution.CUSTOMER_TERMINATES),
        Standing.DECIDED,
    ),
    (
        "objection withdrawn, deadline open",
        WINDOW,
        False,
        resolve(ObjectionResolution.WITHDRAWN),
        Standing.MAY_OBJECT,
    ),
]


async def _world(api: Api, terms: CustomerTerms, emergency: bool) -> World:
    deps = api.deps
    old = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    # Active before any customer exists: no window binds its addition.
    await change_service.announce_change(deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, old.id))
    await drain(api)
    customer = await customers.create_customer(deps, ADMIN, CustomerDraft("Acme", terms=terms))
    new = await vendors.create_subprocessor(deps, ADMIN, Details.named("Brevo", "Email"))
    change = await change_service.announce_change(
        deps,
        ADMIN,
        ChangeAnnouncement(
            ChangeKind.REPLACE,
            new.id,
            old.id,
            emergency=emergency,
            emergency_reason="Mailgun breached" if emergency else None,
        ),
    )
    await drain(api)
    return World(api, change.id, customer.id)


async def _reminded(world: World) -> bool:
    """Whether the reminder job reminds the customer now (one reminder made due now)."""
    deps = world.api.deps
    notice = await notices.for_customer(deps.db, world.change_id, world.customer_id)
    assert notice is not None
    now = deps.clock.now()
    await notice_schedule.add_many(
        deps.db, [notice_schedule.entry(notice_schedule.REMINDER, now, notice)]
    )
    await change_jobs.send_reminders(deps, "reminders")
    found = await deps.db[events.NAME].count_documents(
        {"type": EventType.CHANGE_REMINDER.value, "customer_id": world.customer_id}
    )
    return found > 0


@pytest.mark.parametrize(
    ("terms", "emergency", "step", "standing"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
async def test_every_channel_agrees_with_the_rule(
    api: Api, terms: CustomerTerms, emergency: bool, step: Step, standing: Standing
) -> None:
    world = await _world(api, terms, emergency)
    await step(world)
    deps, now = api.deps, api.clock.now()
    change = await changes.get(deps.db, world.change_id)
    notice = await notices.for_customer(deps.db, world.change_id, world.customer_id)
    assert change is not None
    assert notice is not None
    latest = await change_service.latest_objection(deps, change.id, world.customer_id)
    right = objection_right(now, change, notice, latest)
    assert right.standing is standing
    allowed = right.may_object

    # The notice page offers the form.
    key = notice_links.link_key(deps.settings.effective_secret_key())
    token = notice_links.sign(key, notice.id, now)
    shown = await notice_page.page(deps, token, record_view=False)
    assert shown.may_object is allowed
    assert shown.right.standing is standing

    # The console's customer page says whether the customer may object now.
    proof = await evidence.for_notices(deps, [notice])
    console = await change_queries.objection_rights(deps, ADMIN, [notice], proof)
    assert console[notice.id].may_object is allowed

    # A message written now asks for a decision only when the customer may object.
    event = await rendering.event_for(
        deps, EventType.CHANGE_REMINDER, change, notice, occurred_at=now, dedupe="probe"
    )
    body = {"type": event.type.value, "timestamp": now.isoformat(), "data": event.data}
    content = email_content.compose(body)
    assert ("— object by" in content.subject) is allowed
    assert (content.calendar is not None) is allowed

    # The reminder job reminds only then.
    assert await _reminded(world) is allowed

    # The API files the objection only then (last: it changes the state).
    customer_key = await api.key(Role.CUSTOMER, world.customer_id, name="customer")
    filed = await api.gql(FILE, {"input": {"changeId": change.id, "reason": "again"}}, customer_key)
    assert (filed["fileObjection"]["__typename"] == "ObjectionFiled") is allowed


async def _open_objection(world: World) -> str:
    await object_(world)
    found = await change_service.latest_objection(
        world.api.deps, world.change_id, world.customer_id
    )
    assert found is not None
    return found.id


async def test_outcomes_that_cannot_mean_anything_are_refused(api: Api) -> None:
    world = await _world(api, WINDOW, emergency=False)
    deps = api.deps
    objection_id = await _open_objection(world)
    resolve_ = change_service.resolve_objection
    with pytest.raises(ValidationError) as early:
        await resolve_(
            deps,
            ADMIN,
            objection_id,
            ObjectionResolution.CUSTOMER_TERMINATES,
            contract_ends_at=START - DAY,
        )
    assert early.value.field == "contractEndsAt"
    with pytest.raises(ValidationError) as unexplained:
        await resolve_(deps, ADMIN, objection_id, ObjectionResolution.REJECTED, "  ")
    assert unexplained.value.field == "note"
    rejected = await resolve_(
        deps, ADMIN, objection_id, ObjectionResolution.REJECTED, "The vendor stays in the EEA"
    )
    assert rejected.note == "The vendor stays in the EEA"
    # Resolving twice: the same outcome again is answered as the first; another is refused.
    again = await resolve_(
        deps, ADMIN, objection_id, ObjectionResolution.REJECTED, "The vendor stays in the EEA"
    )
    assert again.resolved_at == rejected.resolved_at
    with pytest.raises(ValidationError, match="already resolved"):
        await resolve_(deps, ADMIN, objection_id, ObjectionResolution.WITHDRAWN)


async def test_no_exclusion_from_a_cancelled_change(api: Api) -> None:
    world = await _world(api, WINDOW, emergency=False)
    objection_id = await _open_objection(world)
    await cancel(world)
    with pytest.raises(ValidationError) as refused:
        await change_service.resolve_objection(
            api.deps, ADMIN, objection_id, ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER
        )
    assert refused.value.field == "resolution"


async def test_an_excluded_customer_keeps_the_old_vendor(api: Api) -> None:
    world = await _world(api, WINDOW, emergency=False)
    objection_id = await _open_objection(world)
    await change_service.resolve_objection(
        api.deps, ADMIN, objection_id, ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER
    )
    change = await changes.get(api.deps.db, world.change_id)
    assert change is not None
    api.clock.set(change.effective_at + DAY)
    await drain(api)
    key = await api.key(Role.CUSTOMER, world.customer_id, name="excluded")
    listed = await api.gql(LIST, {}, key)
    assert {e["node"]["legalName"] for e in listed["subprocessors"]["edges"]} == {"Mailgun"}
    admin = await api.key(Role.ADMIN, name="admin")
    company = await api.gql(LIST, {}, admin)
    # The new vendor serves others; the old one is still used for the excluded customer.
    assert {e["node"]["legalName"] for e in company["subprocessors"]["edges"]} == {
        "Mailgun",
        "Brevo",
    }
    assert await _reminded(world) is False
