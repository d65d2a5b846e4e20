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
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ProcessingLocationDraft
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import (
    ChangeKind,
    CustomerTerms,
    ObjectionResolution,
    Role,
    SubprocessorStatus,
)
from registry.scheduler.jobs import JOBS
from registry.scheduler.loop import Scheduler
from registry.services import changes as change_service
from registry.services import customers, vendors
from registry.services.caller import Caller
from registry.store import events, notices, subprocessors
from registry.store.database import Document
from tests.conftest import Api, make_settings, running_api
from tests.mail import MailServer

ADMIN = Caller(Role.ADMIN)
TITLE = "Subprocessor replaced (emergency): Mailgun by Brevo SAS"
ANNOUNCED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LIST = """query($asOf: DateTime) {
  subprocessors(asOf: $asOf) { edges { node { legalName } } }
}"""
ANNOUNCE = """mutation($input: AnnounceChangeInput!) {
  announceChange(input: $input) { __typename ... on ChangeAnnounced { change { id } } }
}"""


@pytest.fixture
async def mail() -> AsyncIterator[MailServer]:
    server = MailServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def api(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document], mail: MailServer
) -> AsyncIterator[Api]:
    name = f"t_journey_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name, smtp_url=mail.url, public_url="http://registry.test")
    async with running_api(settings, FrozenClock(ANNOUNCED)) as made:
        yield made
    await mongo_client.drop_database(name)


class _Text(HTMLParser):
    """The page's text as a reader sees it, and the text of one element by id."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted, self.depth = wanted, 0
        self.found: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.wanted:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        if self.depth:
            self.found.append(data)


def by_id(html: str, element_id: str) -> str:
    parser = _Text(element_id)
    parser.feed(html)
    return " ".join(" ".join(parser.found).split())


def page_text(html: str) -> str:
    parser = _Text("")
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@dataclass
class Person:
    name: str
    address: str
    customer_id: str
    key: str


async def drain(api: Api) -> None:
    await Scheduler(api.deps, JOBS, worker_id="journey").run_until_idle()


def subjects(mail: MailServer, address: str) -> list[str]:
    return [str(m["subject"]).strip() for m in mail.messages if address in str(m["to"])]


def link_in(mail: MailServer, address: str) -> str:
    for message in reversed(mail.messages):
        if address in str(message["to"]):
            body = message.get_body(("plain",))
            assert body is not None
            found = re.search(r"https?://\S+/notices/\S+", body.get_content())
            if found:
                return urlparse(found.group(0)).path
    raise AssertionError(f"no notice link sent to {address}")


async def status_line(api: Api, mail: MailServer, person: Person) -> str:
    """The notice page's status line, as a browser without JavaScript shows it."""
    answer = await api.http.get(link_in(mail, person.address))
    assert answer.status_code == 200
    return by_id(answer.text, "notice-status")


async def own_list(api: Api, person: Person) -> set[str]:
    data = await api.gql(LIST, {}, person.key)
    return {e["node"]["legalName"] for e in data["subprocessors"]["edges"]}


async def public_row(api: Api, vendor: str) -> str | None:
    answer = await api.http.get("/subprocessors")
    assert answer.status_code == 200
    text = by_id(answer.text, "subprocessors")  # the list, not the change history
    if vendor not in text:
        return None
    found = re.search(
        rf"{vendor}(?: Being replaced still used for some customers[^.]*?\d{{4}})?", text
    )
    assert found is not None
    return found.group(0)


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
