"""Bad input against a customer's timeline (issue list of DESIGN.md 11): each is refused
with a typed error and changes nothing: not the objection, the notices, the events, nor
any list. (A contract end before the notice: tests/services/test_contract_end.py.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ObjectionFiling
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.errors import ValidationError
from registry.domain.models import (
    ChangeKind,
    ChangeStatus,
    CustomerTerms,
    ObjectionResolution,
    Role,
    Scope,
)
from registry.scheduler.loop import Scheduler
from registry.services import catalogs, customers, vendors
from registry.services import changes as change_service
from registry.services.caller import Caller
from registry.store import changes, events, notices, objections
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api
from tests.services.test_commit_points import ENGINE

ADMIN = Caller(Role.ADMIN)
DAY = timedelta(days=1)
LIST = """query { subprocessors { edges { node { legalName } } } }"""


@pytest.fixture
async def api(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_badtl_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as made:
        yield made
    await mongo_client.drop_database(name)


async def drain(api: Api) -> None:
    await Scheduler(api.deps, ENGINE, worker_id="w").run_until_idle()


async def state(api: Api, change_id: str) -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    db = api.deps.db
    change = await changes.get(db, change_id)
    assert change is not None
    held = [n async for n in notices.stream_for_change(db, change_id)]
    filed = (await objections.by_changes(db, [change_id], None))[change_id]
    return {
        "change": (change.status, change.effective_at),
        "notices": sorted((n.customer_id, n.status, n.effective_at) for n in held),
        "objections": [(o.id, o.status, o.resolution, o.note, o.contract_ends_at) for o in filed],
        "events": await db[events.NAME].count_documents({}),
    }


async def listed(api: Api, key: str) -> set[str]:
    data = await api.gql(LIST, {}, key)
    return {e["node"]["legalName"] for e in data["subprocessors"]["edges"]}


async def replacement(
    api: Api, *terms: CustomerTerms, emergency: bool = False
) -> tuple[str, list[str]]:
    """Mailgun in force, customers with these terms, then Mailgun replaced by Brevo."""
    deps = api.deps
    old = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    await change_service.announce_change(deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, old.id))
    await drain(api)
    made = [
        (await customers.create_customer(deps, ADMIN, CustomerDraft(f"C{i}", terms=t))).id
        for i, t in enumerate(terms)
    ]
    new = await vendors.create_subprocessor(deps, ADMIN, Details.named("Brevo", "Email"))
    change = await change_service.announce_change(
        deps,
        ADMIN,
        ChangeAnnouncement(
            ChangeKind.REPLACE,
            new.id,
            old.id,
            emergency=emergency,
            emergency_reason="breach" if emergency else None,
        ),
    )
    await drain(api)
    return change.id, made


async def objected(api: Api, change_id: str, customer_id: str) -> str:
    filing = ObjectionFiling(change_id, "not Brevo", customer_id=customer_id)
    return (await change_service.file_objection(api.deps, ADMIN, filing)).id


async def test_resolving_an_objection_twice_differently_is_refused(api: Api) -> None:
    change_id, (customer,) = await replacement(api, CustomerTerms())
    objection_id = await objected(api, change_id, customer)
    resolve = change_service.resolve_objection
    await resolve(api.deps, ADMIN, objection_id, ObjectionResolution.REJECTED, "Brevo is in the EU")
    await drain(api)
    before = await state(api, change_id)
    for outcome, note in [
        (ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER, None),  # another outcome
        (ObjectionResolution.REJECTED, "A different reason"),  # the same, another note
    ]:
        with pytest.raises(ValidationError, match="already resolved") as refused:
            await resolve(api.deps, ADMIN, objection_id, outcome, note)
        assert refused.value.field == "id"
        await drain(api)
        assert await state(api, change_id) == before
    # The same request again (a retry) is answered as the first was, writing nothing.
    again = await resolve(
        api.deps, ADMIN, objection_id, ObjectionResolution.REJECTED, "Brevo is in the EU"
    )
    assert again.note == "Brevo is in the EU"
    await drain(api)
    assert await state(api, change_id) == before


async def test_an_exclusion_from_a_cancelled_change_is_refused(api: Api) -> None:
    change_id, (customer,) = await replacement(api, CustomerTerms())
    objection_id = await objected(api, change_id, customer)
    await change_service.cancel_change(api.deps, ADMIN, change_id, "Brevo withdrew")
    await drain(api)
    before = await state(api, change_id)
    with pytest.raises(ValidationError, match="nothing to exclude") as refused:
        await change_service.resolve_objection(
            api.deps, ADMIN, objection_id, ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER
        )
    assert refused.value.field == "resolution"
    await drain(api)
    assert await state(api, change_id) == before


async def test_an_emergency_in_force_for_some_customers_cannot_be_cancelled(api: Api) -> None:
    """Refused rather than undone: customers whose terms allowed it already had their
    data moved and were told so; a cancellation would tell the others nothing changes
    while the first ones stay moved. Restoring Mailgun is a new change under notice."""
    change_id, (consents, waits) = await replacement(
        api,
        CustomerTerms(allows_emergency_replacement=True),
        CustomerTerms(notice_period="P30D"),
        emergency=True,
    )
    keys = [await api.key(Role.CUSTOMER, c, name=c) for c in (consents, waits)]
    lists = [await listed(api, k) for k in keys]
    assert lists == [{"Brevo"}, {"Mailgun"}]  # in force for one customer only
    before = await state(api, change_id)
    assert before["change"][0] is ChangeStatus.EFFECTIVE
    with pytest.raises(ValidationError, match="EFFECTIVE, not ANNOUNCED") as refused:
        await change_service.cancel_change(api.deps, ADMIN, change_id, "we changed our minds")
    assert refused.value.field == "id"
    await drain(api)
    assert await state(api, change_id) == before
    assert [await listed(api, k) for k in keys] == lists


async def test_an_exclusion_for_a_customer_the_change_does_not_affect_is_refused(
    api: Api,
) -> None:
    """An exclusion is an objection's outcome; a customer outside the change's scope has
    no notice and cannot object, so there is nothing to exclude it from."""
    deps = api.deps
    await catalogs.create_product(deps, ADMIN, code="crm", name="CRM")
    await catalogs.create_product(deps, ADMIN, code="hr", name="HR suite")
    inside = await customers.create_customer(deps, ADMIN, CustomerDraft("In", products=("crm",)))
    outside = await customers.create_customer(deps, ADMIN, CustomerDraft("Out", products=("hr",)))
    crm_only = Details({"legal_name": "Zendesk", "purpose": "Support"}, Scope(products=("crm",)))
    zendesk = await vendors.create_subprocessor(deps, ADMIN, crm_only)
    change = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, zendesk.id)
    )
    await drain(api)
    before = await state(api, change.id)
    assert [n[0] for n in before["notices"]] == [inside.id]
    with pytest.raises(ValidationError, match="does not affect") as refused:
        await objected(api, change.id, outside.id)
    assert refused.value.field == "changeId"
    await drain(api)
    assert await state(api, change.id) == before
    api.clock.set(change.effective_at + DAY)
    await drain(api)
    assert await listed(api, await api.key(Role.CUSTOMER, outside.id, name="out")) == set()
