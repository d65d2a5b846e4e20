"""An objection upheld by ending the customer's contract ends its timeline on that date
(DESIGN.md 11): its list through its key, its calendar and its feed stop there, and its
notice page says so in its own zone; a date before the notice is refused."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.delivery import notice_links
from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ObjectionFiling
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.errors import ValidationError
from registry.domain.models import (
    ChangeKind,
    CustomerTerms,
    ObjectionResolution,
    Role,
    SubprocessorStatus,
)
from registry.scheduler.loop import Scheduler
from registry.services import change_queries, customers, vendors
from registry.services import changes as change_service
from registry.services.caller import Caller
from registry.store import events, notices, objections, subprocessors
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api
from tests.mail import MailServer
from tests.services.test_commit_points import ENGINE

ADMIN = Caller(Role.ADMIN)
DAY = timedelta(days=1)
ENDS = datetime(2026, 1, 14, 23, 0, tzinfo=UTC)  # midnight in Berlin, before the change
LIST = """query($asOf: DateTime) {
  subprocessors(asOf: $asOf) { edges { node { legalName } } }
}"""


@pytest.fixture
async def api(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    """A registry that e-mails customers (an SMTP sink), so they get outbox events."""
    name = f"t_contract_{uuid.uuid4().hex[:8]}"
    mail = MailServer()
    await mail.start()
    settings = make_settings(mongo_uri, name, smtp_url=mail.url)
    try:
        async with running_api(settings, FrozenClock(START)) as made:
            yield made
    finally:
        await mail.stop()
    await mongo_client.drop_database(name)


async def drain(api: Api) -> None:
    await Scheduler(api.deps, ENGINE, worker_id="w").run_until_idle()


async def listed(api: Api, key: str, as_of: datetime | None = None) -> set[str]:
    data = await api.gql(LIST, {"asOf": as_of.isoformat() if as_of else None}, key)
    return {e["node"]["legalName"] for e in data["subprocessors"]["edges"]}


async def replacement_objected(api: Api) -> tuple[str, str, str]:
    """Mailgun replaced by Brevo, announced to Acme (Berlin), which objects: the change,
    the customer and its open objection."""
    deps = api.deps
    old = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    await change_service.announce_change(deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, old.id))
    await drain(api)
    customer = await customers.create_customer(
        deps,
        ADMIN,
        CustomerDraft(
            "Acme",
            terms=CustomerTerms(time_zone="Europe/Berlin"),
            notice_emails=("dpo@acme.test",),
        ),
    )
    new = await vendors.create_subprocessor(deps, ADMIN, Details.named("Brevo", "Email"))
    change = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.REPLACE, new.id, old.id)
    )
    await drain(api)
    filed = await change_service.file_objection(
        deps, ADMIN, ObjectionFiling(change.id, "not Brevo", customer_id=customer.id)
    )
    return change.id, customer.id, filed.id


async def test_the_customers_timeline_ends_on_its_contracts_end(api: Api) -> None:
    change_id, customer_id, objection_id = await replacement_objected(api)
    await change_service.resolve_objection(
        api.deps,
        ADMIN,
        objection_id,
        ObjectionResolution.CUSTOMER_TERMINATES,
        contract_ends_at=ENDS,
    )
    await drain(api)
    key = await api.key(Role.CUSTOMER, customer_id, name="acme")
    assert await listed(api, key) == {"Mailgun"}
    assert await listed(api, key, ENDS - timedelta(seconds=1)) == {"Mailgun"}
    assert await listed(api, key, ENDS) == set()
    notice = await notices.for_customer(api.deps.db, change_id, customer_id)
    assert notice is not None
    assert notice.effective_at > ENDS
    assert await listed(api, key, notice.effective_at + DAY) == set()

    # The notice page says the change never reaches it, in its zone.
    token = notice_links.sign(
        notice_links.link_key(api.deps.settings.effective_secret_key()), notice.id, START
    )
    page = await api.http.get(f"/notices/{token}")
    status = re.search(r'id="notice-status">([^<]+)<', page.text)
    assert status is not None
    assert status.group(1) == (
        "Does not take effect for you: your contract ends on 15 January 2026, 00:00 CET "
        "(2026-01-14 23:00 UTC)"
    )

    # After the change's own date, the page still says it never reached the customer,
    # and it is not told the change is in effect (it was told of the outcome).
    api.clock.set(notice.effective_at + DAY)
    await drain(api)
    told = {d["type"] async for d in api.deps.db[events.NAME].find({"change_id": change_id})}
    assert "objection.resolved" in told
    assert "change.effective" not in told
    page = await api.http.get(f"/notices/{token}")
    assert "Does not take effect for you: your contract ends on 15 January 2026" in page.text
    assert "In effect for you" not in page.text

    # Its calendar has the end and no date after it; its feed stops at the end.
    api.clock.set(ENDS + DAY)
    await drain(api)
    assert await listed(api, key) == set()
    auth = {"authorization": f"Bearer {key}"}
    calendar = (await api.http.get("/changes.ics", headers=auth)).text
    assert "SUMMARY:Your contract ends" in calendar
    assert "DTSTART:20260114T230000Z" in calendar
    summaries = [line for line in calendar.splitlines() if line.startswith("SUMMARY:")]
    assert [s for s in summaries if "Brevo" in s] == []  # its dates come after the end
    assert "SUMMARY:Effective: Add Mailgun" in summaries  # before the end: still its history

    # The company's list and another customer's are not affected.
    admin = await api.key(Role.ADMIN, name="admin")
    assert await listed(api, admin) == {"Mailgun"}


async def test_a_contract_end_before_the_notice_is_refused_and_changes_nothing(
    api: Api,
) -> None:
    _, customer_id, objection_id = await replacement_objected(api)
    with pytest.raises(ValidationError) as refused:
        await change_service.resolve_objection(
            api.deps,
            ADMIN,
            objection_id,
            ObjectionResolution.CUSTOMER_TERMINATES,
            contract_ends_at=START - DAY,
        )
    assert refused.value.field == "contractEndsAt"
    assert "cannot end before the notice" in refused.value.message
    found = await objections.get(api.deps.db, objection_id)
    assert found is not None
    assert found.resolution is None
    key = await api.key(Role.CUSTOMER, customer_id, name="acme")
    assert await listed(api, key, START + 400 * DAY) == {"Brevo"}


async def test_a_vendor_being_replaced_is_used_until_the_last_contract_using_it_ends(
    api: Api,
) -> None:
    """An emergency replacement in force for a consenting customer; a strict customer gets
    it on its own later date, but its contract ends first: the old vendor is "still used
    until" that end, leaves the public list then, and retires as of it."""
    deps = api.deps
    mailgun = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, mailgun.id)
    )
    await drain(api)
    made = {
        name: await customers.create_customer(
            deps,
            ADMIN,
            CustomerDraft(name, terms=CustomerTerms(allows_emergency_replacement=consents)),
        )
        for name, consents in (("Consenting", True), ("Strict", False))
    }
    strict = made["Strict"]
    brevo = await vendors.create_subprocessor(deps, ADMIN, Details.named("Brevo", "Email"))
    change = await change_service.announce_change(
        deps,
        ADMIN,
        ChangeAnnouncement(
            ChangeKind.REPLACE, brevo.id, mailgun.id, emergency=True, emergency_reason="breach"
        ),
    )
    await drain(api)
    own = await notices.for_customer(deps.db, change.id, strict.id)
    assert own is not None
    assert await still_used_until(api, mailgun.id) == own.effective_at

    ends = START + 30 * DAY
    objection = await change_service.file_objection(
        deps, ADMIN, ObjectionFiling(change.id, "not Brevo", customer_id=strict.id)
    )
    await change_service.resolve_objection(
        deps, ADMIN, objection.id, ObjectionResolution.CUSTOMER_TERMINATES, contract_ends_at=ends
    )
    await drain(api)
    assert await still_used_until(api, mailgun.id) == ends
    public = await api.key(Role.ADMIN, name="public view")
    assert "Mailgun" in await listed(api, public, ends - DAY)
    assert "Mailgun" not in await listed(api, public, ends + DAY)

    api.clock.set(own.effective_at + DAY)  # the strict customer's own date: it applies
    await drain(api)
    retired = await subprocessors.get(deps.db, mailgun.id)
    assert retired is not None
    assert retired.status is SubprocessorStatus.RETIRED
    assert retired.active_until == ends


async def still_used_until(api: Api, vendor_id: str) -> datetime | None:
    vendor = await subprocessors.get(api.deps.db, vendor_id)
    assert vendor is not None
    found = await change_queries.being_replaced(api.deps, [vendor], api.clock.now())
    assert vendor_id in found, "not shown as being replaced"
    return found[vendor_id]
