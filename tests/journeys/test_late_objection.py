"""Journey: an objection that arrives after the deadline (DESIGN.md 3.3 and 11).

Paris SA's DPO opens the notice, types an objection and sends it the morning after the
deadline. The page refuses it, keeps what she typed and says, in Paris time, when it
arrived and when the deadline was; nothing is filed, no receipt is sent, the change
goes ahead for the customer on its date. Her colleague's acknowledgement after the
deadline is recorded and says the deadline had passed. A year and more later the old
link no longer opens the page; asking for a fresh link sends one to the contract's
notice address only.
"""

from __future__ import annotations

from datetime import timedelta

from registry.delivery import notice_links
from registry.domain.drafts import ChangeAnnouncement, CustomerDraft
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import ChangeKind, CustomerTerms, Role
from registry.services import changes as change_service
from registry.services import customers, fresh_links, vendors
from registry.services.caller import Caller
from registry.store import notices
from tests.conftest import Api
from tests.journeys.people import (
    Person,
    by_id,
    drain,
    link_in,
    own_list,
    page_text,
    subjects,
    webhook_bodies,
)
from tests.mail import MailServer
from tests.web.notice_world import guard_of

ADMIN = Caller(Role.ADMIN)
TITLE = "New subprocessor: Postmark"
REASON = "Our customers' contracts forbid new US vendors"


async def test_a_late_objection_is_refused_and_keeps_what_was_typed(
    api: Api, mail: MailServer
) -> None:
    deps = api.deps
    made = await customers.create_customer(
        deps,
        ADMIN,
        CustomerDraft(
            "Paris SA",
            terms=CustomerTerms(
                notice_period="P30D", objection_window="P14D", time_zone="Europe/Paris"
            ),
            notice_emails=("dpo@paris.test",),
        ),
    )
    paris = Person("Paris SA", "dpo@paris.test", made.id, await api.key(Role.CUSTOMER, made.id))
    postmark = await vendors.create_subprocessor(deps, ADMIN, Details.named("Postmark", "Email"))
    change = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, postmark.id)
    )
    await drain(api)
    assert subjects(mail, paris.address) == [f"{TITLE} — object by 21 December 2026"]
    path = link_in(mail, paris.address)
    opened = await api.http.get(path)
    assert "You may object until 21 December 2026, 10:00 CET" in page_text(opened.text)

    # She sends it the morning after the deadline, from the page she opened before.
    notice = await notices.for_customer(deps.db, change.id, paris.customer_id)
    assert notice is not None
    api.clock.set(notice.objection_deadline + timedelta(hours=23))
    late = await api.http.post(
        path,
        data={
            "guard": guard_of(opened.text),
            "action": "object",
            "reason": REASON,
            "name": "Marie Curie",
            "email": "marie@paris.test",
        },
    )
    assert late.status_code == 409
    shown = page_text(late.text)
    assert (
        "Your objection arrived on 22 December 2026, 09:00 CET (2026-12-22 08:00 UTC), after "
        "the deadline to object (21 December 2026, 10:00 CET (2026-12-21 09:00 UTC)): it was "
        "not filed. What you wrote is below, so that you can keep it."
    ) in shown
    kept = by_id(late.text, "not-filed")
    for typed in (REASON, "Marie Curie", "marie@paris.test"):
        assert typed in kept
    assert "File objection" not in shown
    await drain(api)
    assert subjects(mail, "marie@paris.test") == []  # no receipt: nothing was filed
    assert await change_service.latest_objection(deps, change.id, paris.customer_id) is None
    assert await webhook_bodies(api, change.id, "objection.filed") == {}

    # A colleague acknowledges: recorded, and the page says the deadline had passed.
    page = await api.http.get(path)
    done = await api.http.post(
        path, data={"guard": guard_of(page.text), "action": "acknowledge", "name": "Pierre"}
    )
    assert done.status_code == 303
    assert (
        "Acknowledged on 22 December 2026, 09:00 CET (2026-12-22 08:00 UTC) by Pierre. That was "
        "after the deadline to object (21 December 2026, 10:00 CET (2026-12-21 09:00 UTC))"
    ) in by_id((await api.http.get(path)).text, "acknowledged")

    # The change goes ahead for the customer on its date.
    api.clock.set(change.effective_at)
    await drain(api)
    assert subjects(mail, paris.address)[-1] == f"Now in effect: {TITLE} — since 6 January 2027"
    assert await own_list(api, paris) == {"Postmark"}

    # Over a year later the link has expired: a fresh one goes to the notice address.
    api.clock.set(notice.sent_at + notice_links.LINK_LIFETIME + timedelta(days=1))
    expired = await api.http.get(path)
    assert expired.status_code == 404
    sent = await api.http.post(f"{path}/fresh-link", data={"guard": guard_of(expired.text)})
    assert "a fresh link is on its way to the notice addresses" in page_text(sent.text)
    await fresh_links.settled()
    assert subjects(mail, paris.address)[-1] == f"A fresh link to your notice: {TITLE}"
    fresh = link_in(mail, paris.address)
    assert fresh != path
    reopened = await api.http.get(fresh)
    assert reopened.status_code == 200
    assert "In effect for you since 6 January 2027" in by_id(reopened.text, "notice-status")
