"""Journey: an ordinary ADD of Postmark told to three customers on different terms
(DESIGN.md 3 and 11).

Short GmbH (Berlin: 30 days' notice, 14 days to object), Month Ltd (London: one
month's notice) and Quarter SA (New York: three months' notice). The change takes the
longest notice's date, 7 March 2027; each customer objects until its own deadline and
reads every date in its own zone. The clock moves past Short GmbH's deadline and to the
date. At each step: the e-mails, the notice page's status line and form, the outbox's
webhook bodies, each customer's list through its key, and the public list.
"""

from __future__ import annotations

from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ProcessingLocationDraft
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import ChangeKind, CustomerTerms, Role
from registry.services import changes as change_service
from registry.services import customers, vendors
from registry.services.caller import Caller
from tests.conftest import Api
from tests.journeys.people import (
    Person,
    bodies_to,
    drain,
    link_in,
    own_list,
    page_text,
    public_row,
    status_line,
    subjects,
    webhook_bodies,
)
from tests.mail import MailServer

ADMIN = Caller(Role.ADMIN)
TITLE = "New subprocessor: Postmark"
TERMS = [
    (
        "Short GmbH",
        "dpo@short.test",
        CustomerTerms(notice_period="P30D", objection_window="P14D", time_zone="Europe/Berlin"),
    ),
    ("Month Ltd", "dpo@month.test", CustomerTerms(notice_period="P1M", time_zone="Europe/London")),
    (
        "Quarter SA",
        "dpo@quarter.test",
        CustomerTerms(notice_period="P3M", time_zone="America/New_York"),
    ),
]


async def test_an_add_told_to_three_customers_on_their_own_terms(
    api: Api, mail: MailServer
) -> None:
    deps = api.deps
    people = []
    for name, address, terms in TERMS:
        made = await customers.create_customer(
            deps, ADMIN, CustomerDraft(name, terms=terms, notice_emails=(address,))
        )
        people.append(Person(name, address, made.id, await api.key(Role.CUSTOMER, made.id)))
    short, month, quarter = people
    postmark = await vendors.create_subprocessor(deps, ADMIN, Details.named("Postmark", "Email"))
    await vendors.add_processing_location(deps, ADMIN, postmark.id, ProcessingLocationDraft("IE"))
    change = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, postmark.id)
    )
    await drain(api)

    # Announcement: one date (the longest notice's), three deadlines, three zones.
    assert subjects(mail, short.address) == [f"{TITLE} — object by 21 December 2026"]
    assert subjects(mail, month.address) == [f"{TITLE} — object by 7 March 2027"]
    assert subjects(mail, quarter.address) == [f"{TITLE} — object by 7 March 2027"]
    text = bodies_to(mail, short.address)[0]
    assert "Ireland (IE): processing; no transfer basis needed" in text
    assert "Objection deadline:   21 December 2026, 10:00 CET (2026-12-21 09:00 UTC)" in text
    assert await status_line(api, mail, short) == (
        "Takes effect for you on 7 March 2027, 10:00 CET (2027-03-07 09:00 UTC)"
    )
    assert await status_line(api, mail, month) == (
        "Takes effect for you on 7 March 2027, 09:00 GMT (2027-03-07 09:00 UTC)"
    )
    assert await status_line(api, mail, quarter) == (
        "Takes effect for you on 7 March 2027, 04:00 EST (2027-03-07 09:00 UTC)"
    )
    told = await webhook_bodies(api, change.id, "change.announced")
    deadlines = {c: body["data"]["notice"]["objectionDeadline"] for c, body in told.items()}
    assert deadlines == {
        short.customer_id: "2026-12-21T09:00:00+00:00",
        month.customer_id: "2027-03-07T09:00:00+00:00",
        quarter.customer_id: "2027-03-07T09:00:00+00:00",
    }
    for person, (_, _, terms) in zip(people, TERMS, strict=True):
        assert await own_list(api, person) == set()
        assert told[person.customer_id]["data"]["customer"]["timeZone"] == terms.time_zone
    assert await public_row(api, "Postmark") is None  # announced, not yet in the list

    # Past Short GmbH's deadline: its form is closed; the others may still object.
    api.clock.set(change.announced_at.replace(day=22))
    await drain(api)
    short_page = page_text((await api.http.get(link_in(mail, short.address))).text)
    assert (
        "The deadline to object was 21 December 2026, 10:00 CET (2026-12-21 09:00 UTC). "
        "Objections are closed." in short_page
    )
    assert "File objection" not in short_page
    month_page = page_text((await api.http.get(link_in(mail, month.address))).text)
    assert "You may object until 7 March 2027, 09:00 GMT (2027-03-07 09:00 UTC)." in month_page

    # The date: in force for all three, each told in its own zone.
    api.clock.set(change.effective_at)
    await drain(api)
    for person, when in [
        (short, "10:00 CET"),
        (month, "09:00 GMT"),
        (quarter, "04:00 EST"),
    ]:
        assert subjects(mail, person.address)[-1] == f"Now in effect: {TITLE} — since 7 March 2027"
        assert await status_line(api, mail, person) == (
            f"In effect for you since 7 March 2027, {when} (2027-03-07 09:00 UTC)"
        )
        assert await own_list(api, person) == {"Postmark"}
    effective = await webhook_bodies(api, change.id, "change.effective")
    assert set(effective) == {p.customer_id for p in people}
    assert await public_row(api, "Postmark") == "Postmark"
