"""Journey: an ordinary REPLACE of Mailgun by Brevo (DESIGN.md 3 and 11).

Two customers, Berlin on 30 days' notice and New York on one month's. The change takes
the later date; until then both keep Mailgun, the public list shows Mailgun and the
announced change; on the date both move to Brevo, are told in their zones, and Mailgun
retires because no customer's timeline uses it any more.
"""

from __future__ import annotations

from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ProcessingLocationDraft
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import ChangeKind, CustomerTerms, Role, SubprocessorStatus
from registry.services import changes as change_service
from registry.services import customers, vendors
from registry.services.caller import Caller
from registry.store import subprocessors
from tests.conftest import Api
from tests.journeys.people import (
    Person,
    bodies_to,
    drain,
    own_list,
    public_row,
    status_line,
    subjects,
    webhook_bodies,
)
from tests.mail import MailServer

ADMIN = Caller(Role.ADMIN)
TITLE = "Subprocessor replaced: Mailgun by Brevo SAS"


async def test_a_replacement_from_announcement_to_its_date(api: Api, mail: MailServer) -> None:
    deps = api.deps
    mailgun = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, mailgun.id)
    )
    await drain(api)  # in force before any customer
    people = []
    for name, address, terms in [
        (
            "Berlin GmbH",
            "dpo@berlin.test",
            CustomerTerms(notice_period="P30D", time_zone="Europe/Berlin"),
        ),
        (
            "Gotham Inc",
            "dpo@gotham.test",
            CustomerTerms(notice_period="P1M", time_zone="America/New_York"),
        ),
    ]:
        made = await customers.create_customer(
            deps, ADMIN, CustomerDraft(name, terms=terms, notice_emails=(address,))
        )
        people.append(Person(name, address, made.id, await api.key(Role.CUSTOMER, made.id)))
    berlin, gotham = people
    brevo = await vendors.create_subprocessor(deps, ADMIN, Details.named("Brevo SAS", "Email"))
    await vendors.add_processing_location(deps, ADMIN, brevo.id, ProcessingLocationDraft("FR"))
    change = await change_service.announce_change(
        deps,
        ADMIN,
        ChangeAnnouncement(ChangeKind.REPLACE, brevo.id, mailgun.id, description="Cheaper"),
    )
    await drain(api)

    # Announcement: both keep Mailgun until the one date, 7 January 2027.
    assert subjects(mail, berlin.address) == [f"{TITLE} — object by 7 January 2027"]
    assert subjects(mail, gotham.address) == [f"{TITLE} — object by 7 January 2027"]
    assert "France (FR)" in bodies_to(mail, gotham.address)[0]
    assert await status_line(api, mail, berlin) == (
        "Takes effect for you on 7 January 2027, 10:00 CET (2027-01-07 09:00 UTC)"
    )
    assert await status_line(api, mail, gotham) == (
        "Takes effect for you on 7 January 2027, 04:00 EST (2027-01-07 09:00 UTC)"
    )
    for person in people:
        assert await own_list(api, person) == {"Mailgun"}
    assert await public_row(api, "Mailgun") == "Mailgun"  # not being replaced yet
    assert await public_row(api, "Brevo SAS") is None
    assert set(await webhook_bodies(api, change.id, "change.announced")) == {
        berlin.customer_id,
        gotham.customer_id,
    }

    # The date: both move to Brevo; Mailgun serves no one and retires.
    api.clock.set(change.effective_at)
    await drain(api)
    for person, when in [(berlin, "10:00 CET"), (gotham, "04:00 EST")]:
        assert (
            subjects(mail, person.address)[-1] == f"Now in effect: {TITLE} — since 7 January 2027"
        )
        assert await status_line(api, mail, person) == (
            f"In effect for you since 7 January 2027, {when} (2027-01-07 09:00 UTC)"
        )
        assert await own_list(api, person) == {"Brevo SAS"}
    effective = await webhook_bodies(api, change.id, "change.effective")
    assert {c: b["data"]["notice"]["status"] for c, b in effective.items()} == {
        berlin.customer_id: "EFFECTIVE",
        gotham.customer_id: "EFFECTIVE",
    }
    assert await public_row(api, "Brevo SAS") == "Brevo SAS"
    assert await public_row(api, "Mailgun") is None
    found = await subprocessors.get(deps.db, mailgun.id)
    assert found is not None
    assert found.status is SubprocessorStatus.RETIRED
