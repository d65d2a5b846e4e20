"""Journey: an ADD cancelled after its notices went out (DESIGN.md 3 and 11).

Two customers are told of Postmark; one acknowledges on its notice page. Staff cancel
with a reason: every customer told is told it is cancelled, pages say nothing changes
and offer no form, the public page's history shows the cancellation with its reason,
and on the date that was announced nothing happens to anyone's list.
"""

from __future__ import annotations

import re

from registry.domain.drafts import ChangeAnnouncement, CustomerDraft
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
REASON = "Postmark's DPA could not be agreed"


async def test_a_change_cancelled_after_its_notices_went_out(api: Api, mail: MailServer) -> None:
    deps = api.deps
    people = []
    for name, address, zone in [
        ("Acme GmbH", "dpo@acme.test", "Europe/Berlin"),
        ("Bolt Ltd", "dpo@bolt.test", "Europe/London"),
    ]:
        made = await customers.create_customer(
            deps,
            ADMIN,
            CustomerDraft(
                name,
                terms=CustomerTerms(notice_period="P30D", time_zone=zone),
                notice_emails=(address,),
            ),
        )
        people.append(Person(name, address, made.id, await api.key(Role.CUSTOMER, made.id)))
    acme, bolt = people
    postmark = await vendors.create_subprocessor(deps, ADMIN, Details.named("Postmark", "Email"))
    change = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, postmark.id)
    )
    await drain(api)
    for person in people:
        assert subjects(mail, person.address) == [f"{TITLE} — object by 6 January 2027"]

    # Acme acknowledges on its page.
    path = link_in(mail, acme.address)
    guard = re.search(r'name="guard" value="([^"]+)"', (await api.http.get(path)).text)
    assert guard is not None
    done = await api.http.post(
        path, data={"guard": guard.group(1), "action": "acknowledge", "name": "Ana Ruiz"}
    )
    assert done.status_code == 303

    # Two days later staff cancel it.
    api.clock.set(change.announced_at.replace(day=9))
    await change_service.cancel_change(deps, ADMIN, change.id, REASON)
    await drain(api)
    for person in people:
        assert subjects(mail, person.address)[-1] == f"Cancelled: {TITLE}"
        told = bodies_to(mail, person.address)[-1]
        assert "This subprocessor change has been cancelled: nothing changes" in told
        assert " ".join(f"Why it is cancelled: {REASON}".split()) in " ".join(told.split())
        assert "Takes effect" not in told  # it takes effect for nobody
        assert "Open your notice:" in told  # nothing to acknowledge or object to
        assert await status_line(api, mail, person) == "Cancelled: nothing changes for you"
        assert await own_list(api, person) == set()
    acme_page = page_text((await api.http.get(path)).text)
    assert "This change was cancelled for you: there is nothing to object to." in acme_page
    assert f"Why it is cancelled {REASON}" in acme_page
    assert "Acknowledged on 7 December 2026, 10:00 CET (2026-12-07 09:00 UTC) by Ana Ruiz" in (
        acme_page
    )
    assert "File objection" not in acme_page
    assert "Acknowledge the notice" not in page_text(
        (await api.http.get(link_in(mail, bolt.address))).text
    )
    cancelled = await webhook_bodies(api, change.id, "change.cancelled")
    assert set(cancelled) == {acme.customer_id, bolt.customer_id}
    assert cancelled[bolt.customer_id]["data"]["notice"]["status"] == "CANCELLED"
    assert cancelled[bolt.customer_id]["data"]["change"]["cancelReason"] == REASON
    announced = await webhook_bodies(api, change.id, "change.announced")
    assert "cancelReason" not in announced[bolt.customer_id]["data"]["change"]
    history = page_text((await api.http.get("/subprocessors")).text)
    assert f"Cancelled because: {REASON}" in history
    assert await public_row(api, "Postmark") is None

    # The date once announced: nothing happens to anyone.
    sent = len(mail.messages)
    api.clock.set(change.effective_at)
    await drain(api)
    assert len(mail.messages) == sent
    for person in people:
        assert await own_list(api, person) == set()
    assert await public_row(api, "Postmark") is None
