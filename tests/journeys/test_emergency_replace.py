"""Journey: an emergency replacement of Mailgun by Brevo with mixed consent (DESIGN.md 11).

Three customers: one whose terms allow an emergency replacement (Berlin), two whose
terms do not (Paris, three months' notice; London, thirty days'). The clock moves from
the announcement to each customer's own date. At each step the test reads what every
person sees: the e-mails in an SMTP sink, the notice page as a browser without
JavaScript gets it, the webhook bodies in the outbox, each customer's list through its
own key, and the public list.
"""

from __future__ import annotations

import re

from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ProcessingLocationDraft
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import (
    ChangeKind,
    CustomerTerms,
    ObjectionResolution,
    Role,
    SubprocessorStatus,
)
from registry.services import changes as change_service
from registry.services import customers, vendors
from registry.services.caller import Caller
from registry.store import events, notices, subprocessors
from tests.conftest import Api
from tests.journeys.people import (
    Person,
    by_id,
    drain,
    link_in,
    own_list,
    page_text,
    public_row,
    status_line,
    subjects,
)
from tests.mail import MailServer

ADMIN = Caller(Role.ADMIN)
TITLE = "Subprocessor replaced (emergency): Mailgun by Brevo SAS"
BEING_REPLACED = """query($id: ID!) {
  subprocessor(id: $id) {
    status beingReplaced { lastUsedUntil replacedBy { legalName } change { id } }
  }
}"""
ANNOUNCE = """mutation($input: AnnounceChangeInput!) {
  announceChange(input: $input) { __typename ... on ChangeAnnounced { change { id } } }
}"""


async def test_emergency_replacement_with_mixed_consent(api: Api, mail: MailServer) -> None:
    deps = api.deps
    mailgun = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, mailgun.id)
    )
    await drain(api)  # in force before any customer: no window binds it
    brevo = await vendors.create_subprocessor(deps, ADMIN, Details.named("Brevo SAS", "Email"))
    await vendors.add_processing_location(deps, ADMIN, brevo.id, ProcessingLocationDraft("FR"))

    people = []
    for name, address, terms in [
        (
            "Consenting GmbH",
            "dpo@consenting.test",
            CustomerTerms(allows_emergency_replacement=True, time_zone="Europe/Berlin"),
        ),
        ("Strict SA", "dpo@strict.test", CustomerTerms(time_zone="Europe/Paris")),
        (
            "Careful Ltd",
            "dpo@careful.test",
            CustomerTerms(notice_period="P30D", time_zone="Europe/London"),
        ),
    ]:
        made = await customers.create_customer(
            deps, ADMIN, CustomerDraft(name, terms=terms, notice_emails=(address,))
        )
        people.append(Person(name, address, made.id, await api.key(Role.CUSTOMER, made.id)))
    consenting, strict, careful = people

    admin = await api.key(Role.ADMIN, name="admin")
    announced = await api.gql(
        ANNOUNCE,
        {
            "input": {
                "kind": "REPLACE",
                "subprocessorId": brevo.id,
                "replacesId": mailgun.id,
                "emergency": True,
                "emergencyReason": "Mailgun reported a breach",
            }
        },
        admin,
    )
    change_id = announced["announceChange"]["change"]["id"]
    await drain(api)

    # At the announcement: only the consenting customer is told it is in effect.
    assert sorted(subjects(mail, consenting.address)) == [
        f"Now in effect: {TITLE} — since 7 December 2026",
        f"{TITLE} — object by 6 January 2027",
    ]
    assert subjects(mail, strict.address) == [f"{TITLE} — object by 7 March 2027"]
    assert subjects(mail, careful.address) == [f"{TITLE} — object by 6 January 2027"]
    for message in mail.messages:
        body = message.get_body(("plain",))
        assert body is not None
        assert "France (FR)" in body.get_content()  # where the data goes, in every one
    assert await status_line(api, mail, consenting) == (
        "In effect for you since 7 December 2026, 10:00 CET (2026-12-07 09:00 UTC)"
    )
    assert await status_line(api, mail, strict) == (
        "Takes effect for you on 7 March 2027, 10:00 CET (2027-03-07 09:00 UTC)"
    )
    assert await status_line(api, mail, careful) == (
        "Takes effect for you on 6 January 2027, 09:00 GMT (2027-01-06 09:00 UTC)"
    )
    assert await own_list(api, consenting) == {"Brevo SAS"}
    assert await own_list(api, strict) == {"Mailgun"}
    assert await own_list(api, careful) == {"Mailgun"}
    assert await public_row(api, "Brevo SAS") == "Brevo SAS"
    assert await public_row(api, "Mailgun") == (
        "Mailgun Being replaced still used for some customers until 7 March 2027"
    )
    found = await subprocessors.get(deps.db, mailgun.id)
    assert found is not None
    assert found.status is SubprocessorStatus.ACTIVE
    # The same in GraphQL, for anyone who may read the list (the change itself for keys).
    replaced = {
        "lastUsedUntil": "2027-03-07T09:00:00+00:00",
        "replacedBy": {"legalName": "Brevo SAS"},
        "change": {"id": change_id},
    }
    shown = (await api.gql(BEING_REPLACED, {"id": mailgun.id}, strict.key))["subprocessor"]
    assert shown == {"status": "ACTIVE", "beingReplaced": replaced}
    shown = (await api.gql(BEING_REPLACED, {"id": mailgun.id}, None))["subprocessor"]
    assert shown == {"status": "ACTIVE", "beingReplaced": {**replaced, "change": None}}
    effective = {
        d["customer_id"]
        async for d in deps.db[events.NAME].find(
            {"type": "change.effective", "change_id": change_id}
        )
    }
    assert effective == {consenting.customer_id}  # the webhook bodies say the same

    # Careful's own date: it is told, and its list changes.
    careful_notice = await notices.for_customer(deps.db, change_id, careful.customer_id)
    assert careful_notice is not None
    api.clock.set(careful_notice.effective_at)
    await drain(api)
    assert subjects(mail, careful.address)[-1] == (f"Now in effect: {TITLE} — since 6 January 2027")
    assert await status_line(api, mail, careful) == (
        "In effect for you since 6 January 2027, 09:00 GMT (2027-01-06 09:00 UTC)"
    )
    assert await own_list(api, careful) == {"Brevo SAS"}
    assert await own_list(api, strict) == {"Mailgun"}
    assert await public_row(api, "Mailgun") == (
        "Mailgun Being replaced still used for some customers until 7 March 2027"
    )

    # Strict's own date: the last customer leaves Mailgun, which retires.
    strict_notice = await notices.for_customer(deps.db, change_id, strict.customer_id)
    assert strict_notice is not None
    api.clock.set(strict_notice.effective_at)
    await drain(api)
    assert subjects(mail, strict.address)[-1] == (f"Now in effect: {TITLE} — since 7 March 2027")
    assert await status_line(api, mail, strict) == (
        "In effect for you since 7 March 2027, 10:00 CET (2027-03-07 09:00 UTC)"
    )
    for person in people:
        assert await own_list(api, person) == {"Brevo SAS"}
    assert await public_row(api, "Mailgun") is None
    shown = (await api.gql(BEING_REPLACED, {"id": mailgun.id}, admin))["subprocessor"]
    assert shown == {"status": "RETIRED", "beingReplaced": None}
    found = await subprocessors.get(deps.db, mailgun.id)
    assert found is not None
    assert found.status is SubprocessorStatus.RETIRED


async def test_the_objector_gets_each_receipt_at_the_address_typed(
    api: Api, mail: MailServer
) -> None:
    deps = api.deps
    mailgun = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, mailgun.id)
    )
    await drain(api)
    customer = await customers.create_customer(
        deps,
        ADMIN,
        CustomerDraft(
            "Consenting GmbH",
            terms=CustomerTerms(allows_emergency_replacement=True, time_zone="Europe/Berlin"),
            notice_emails=("dpo@consenting.test",),
        ),
    )
    brevo = await vendors.create_subprocessor(deps, ADMIN, Details.named("Brevo SAS", "Email"))
    await change_service.announce_change(
        deps,
        ADMIN,
        ChangeAnnouncement(
            ChangeKind.REPLACE, brevo.id, mailgun.id, emergency=True, emergency_reason="breach"
        ),
    )
    await drain(api)
    path = link_in(mail, "dpo@consenting.test")
    page = await api.http.get(path)
    guard = re.search(r'name="guard" value="([^"]+)"', page.text)
    assert guard is not None
    # In effect for it already: it may still object, after the fact.
    assert "This change already applies to you; you may still object until" in page_text(page.text)
    filed = await api.http.post(
        path,
        data={
            "guard": guard.group(1),
            "action": "object",
            "reason": "We did not agree to Brevo",
            "name": "Jane Roe",
            "email": "jane@consenting.test",
        },
    )
    assert filed.status_code in (200, 303)
    await drain(api)
    assert subjects(mail, "jane@consenting.test") == [f"Objection received: {TITLE}"]
    page = await api.http.get(path)
    assert "Objection filed on" in by_id(page.text, "objection-status")
    assert "Acknowledge" not in page_text(page.text)  # an objection, not an acknowledgement

    objection = await change_service.latest_objection(
        deps, (await notices.all_of_customer(deps.db, customer.id))[0].change_id, customer.id
    )
    assert objection is not None
    await change_service.resolve_objection(
        deps,
        ADMIN,
        objection.id,
        ObjectionResolution.REJECTED,
        "Mailgun's breach left no time; Brevo keeps data in France",
    )
    await drain(api)
    assert subjects(mail, "jane@consenting.test")[-1] == f"Objection resolved: {TITLE}"
    resolved = [m for m in mail.messages if "jane@consenting.test" in str(m["to"])][-1]
    body = resolved.get_body(("plain",))
    assert body is not None
    assert "not upheld" in body.get_content()
    assert "Our note to you:" in body.get_content()
    page = await api.http.get(path)
    assert "Our note to you: Mailgun's breach left no time" in page_text(page.text)
