"""Journey: an objection upheld by excluding the customer, then a later widening of the
same vendor's scope (DESIGN.md 8 and 11).

Zendesk is added for the CRM product. Two CRM customers are told; one (Excluded AG,
which also uses the HR suite) objects on its notice page and staff uphold it by
excluding it. Months later Zendesk's scope widens to the HR suite: the HR-only customer
is newly affected and told, the excluded customer is told again (the widening touches
its HR data, a new change for it) while its exclusion holds, and the CRM-only customer,
whose data the widening does not touch, hears nothing.
"""

from __future__ import annotations

import re

from registry.domain.drafts import ChangeAnnouncement, CustomerDraft
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import ChangeKind, CustomerTerms, ObjectionResolution, Role, Scope
from registry.services import catalogs, customers, vendors
from registry.services import changes as change_service
from registry.services.caller import Caller
from registry.store import notices
from tests.conftest import Api
from tests.journeys.people import (
    Person,
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
ADDED = "New subprocessor: Zendesk"
WIDENED = "Subprocessor changed: Zendesk"


async def test_an_exclusion_holds_through_a_later_widening(api: Api, mail: MailServer) -> None:
    deps = api.deps
    await catalogs.create_product(deps, ADMIN, code="crm", name="CRM")
    await catalogs.create_product(deps, ADMIN, code="hr", name="HR suite")
    people = []
    for name, address, products, zone in [
        ("Excluded AG", "dpo@excluded.test", ("crm", "hr"), "Europe/Berlin"),
        ("Keeps Ltd", "dpo@keeps.test", ("crm",), "Europe/London"),
        ("Hr Oy", "dpo@hr.test", ("hr",), "Europe/Helsinki"),
    ]:
        made = await customers.create_customer(
            deps,
            ADMIN,
            CustomerDraft(
                name,
                terms=CustomerTerms(notice_period="P30D", time_zone=zone),
                notice_emails=(address,),
                products=products,
            ),
        )
        people.append(Person(name, address, made.id, await api.key(Role.CUSTOMER, made.id)))
    excluded, keeps, hr = people
    crm_only = Details({"legal_name": "Zendesk", "purpose": "Support"}, Scope(products=("crm",)))
    zendesk = await vendors.create_subprocessor(deps, ADMIN, crm_only)
    added = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, zendesk.id)
    )
    await drain(api)

    # Announcement: the two CRM customers are told, the HR-only one is not.
    assert subjects(mail, excluded.address) == [f"{ADDED} — object by 6 January 2027"]
    assert subjects(mail, keeps.address) == [f"{ADDED} — object by 6 January 2027"]
    assert subjects(mail, hr.address) == []
    assert set(await webhook_bodies(api, added.id, "change.announced")) == {
        excluded.customer_id,
        keeps.customer_id,
    }

    # Excluded AG objects on its notice page; staff uphold it by excluding it.
    path = link_in(mail, excluded.address)
    page = await api.http.get(path)
    guard = re.search(r'name="guard" value="([^"]+)"', page.text)
    assert guard is not None
    filed = await api.http.post(
        path,
        data={
            "guard": guard.group(1),
            "action": "object",
            "reason": "Our works council has not approved Zendesk",
            "name": "Erika Muster",
            "email": "erika@excluded.test",
        },
    )
    assert filed.status_code == 303
    await drain(api)
    assert subjects(mail, "erika@excluded.test") == [f"Objection received: {ADDED}"]
    objection = await change_service.latest_objection(deps, added.id, excluded.customer_id)
    assert objection is not None
    await change_service.resolve_objection(
        deps,
        ADMIN,
        objection.id,
        ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER,
        "Zendesk will not receive your data",
    )
    await drain(api)
    assert subjects(mail, "erika@excluded.test")[-1] == f"Objection resolved: {ADDED}"
    assert await status_line(api, mail, excluded) == "Cancelled: nothing changes for you"
    page = await api.http.get(path)
    assert "Our note to you: Zendesk will not receive your data" in page_text(page.text)

    # The ADD's date: Keeps Ltd has Zendesk, Excluded AG never does; the public sees it.
    api.clock.set(added.effective_at)
    await drain(api)
    assert subjects(mail, keeps.address)[-1] == f"Now in effect: {ADDED} — since 6 January 2027"
    assert not any(s.startswith("Now in effect") for s in subjects(mail, excluded.address))
    assert await own_list(api, keeps) == {"Zendesk"}
    assert await own_list(api, excluded) == set()
    assert await own_list(api, hr) == set()
    assert await public_row(api, "Zendesk") == "Zendesk"

    # Later, Zendesk's scope widens to the HR suite.
    api.clock.set(added.effective_at.replace(month=2))
    widened = await change_service.announce_change(
        deps,
        ADMIN,
        ChangeAnnouncement(ChangeKind.UPDATE, zendesk.id, scope=Scope(products=("crm", "hr"))),
    )
    await drain(api)
    told = await webhook_bodies(api, widened.id, "change.announced")
    assert set(told) == {hr.customer_id, excluded.customer_id}  # not Keeps Ltd
    assert subjects(mail, hr.address) == [f"{WIDENED} — object by 8 March 2027"]
    assert subjects(mail, excluded.address)[-1] == f"{WIDENED} — object by 8 March 2027"
    assert len(subjects(mail, keeps.address)) == 2  # the ADD's two messages only
    assert await status_line(api, mail, hr) == (
        "Takes effect for you on 8 March 2027, 11:00 EET (2027-03-08 09:00 UTC)"
    )
    assert await status_line(api, mail, excluded) == (
        "Your exclusion from this vendor, upheld on 7 December 2026, 10:00 CET "
        "(2026-12-07 09:00 UTC), holds: this change does not bring it to you"
    )

    # The widening's date: the HR-only customer has Zendesk; the exclusion holds.
    notice = await notices.for_customer(deps.db, widened.id, hr.customer_id)
    assert notice is not None
    api.clock.set(notice.effective_at)
    await drain(api)
    assert subjects(mail, hr.address)[-1] == f"Now in effect: {WIDENED} — since 8 March 2027"
    assert await own_list(api, hr) == {"Zendesk"}
    assert await own_list(api, keeps) == {"Zendesk"}
    assert await own_list(api, excluded) == set()
    assert await public_row(api, "Zendesk") == "Zendesk"
