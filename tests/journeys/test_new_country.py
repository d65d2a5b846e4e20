"""Journey: Mailgun, a vendor in use in Germany, opens a data centre in the United States.

A new country widens where customers' data goes, so it is not recorded with
addProcessingLocation (refused, pointing to the announcement) but announced as an
UPDATE carrying the locations: each customer is told by e-mail and webhook within its
own window, with its own objection deadline, in plain words; the snapshot judges the new
route. Each customer's list shows the United States from its own date (one excluded by
an upheld objection never does), the company's and the public list once it serves anyone
(domain/timeline.py), and the vendor's record holds it once the change is applied.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ObjectionFiling
from registry.domain.drafts import ProcessingLocationDraft as Where
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import ChangeKind, CustomerTerms, ObjectionResolution, Role
from registry.services import changes as change_service
from registry.services import customers, vendors
from registry.services.caller import Caller
from registry.store import changes as stored_changes
from registry.store import notices
from tests.conftest import Api
from tests.journeys.people import Person, bodies_to, by_id, drain, page_text, webhook_bodies
from tests.mail import MailServer

ADMIN = Caller(Role.ADMIN)
SAID = "Mailgun adds processing in the United States (storage, support access)."
ADD = """mutation($s: ID!) { addProcessingLocation(subprocessorId: $s, input: {country: "US"}) {
  __typename ... on ValidationError { field message } } }"""
ANNOUNCE = """mutation($input: AnnounceChangeInput!) { announceChange(input: $input) {
  __typename
  ... on ChangeAnnounced { change { id description effectiveAt } }
  ... on ValidationError { field message } } }"""
WHERE = """query($asOf: DateTime) { subprocessors(asOf: $asOf) { edges { node {
  legalName locations { country } } } } }"""


async def countries(api: Api, key: str | None, at: Any = None) -> list[str]:
    data = await api.gql(WHERE, {"asOf": at.isoformat() if at else None}, key)
    (mailgun,) = [e["node"] for e in data["subprocessors"]["edges"]]
    return sorted({loc["country"] for loc in mailgun["locations"]})


async def public_page_names_the_us(api: Api) -> bool:
    answer = await api.http.get("/subprocessors")
    assert answer.status_code == 200
    return "United States" in page_text(by_id(answer.text, "subprocessors"))


async def customer(api: Api, name: str, terms: CustomerTerms) -> Person:
    address = f"dpo@{name.lower()}.test"
    made = await customers.create_customer(
        api.deps, ADMIN, CustomerDraft(name, terms=terms, notice_emails=(address,))
    )
    return Person(name, address, made.id, await api.key(Role.CUSTOMER, made.id, name=name))


async def test_a_new_country_reaches_each_customer_on_its_own_date(
    api: Api, mail: MailServer
) -> None:
    deps = api.deps
    short = await customer(api, "Short", CustomerTerms(notice_period="P30D"))
    long = await customer(api, "Long", CustomerTerms(notice_period="P60D", objection_window="P21D"))
    excluded = await customer(api, "Excluded", CustomerTerms(notice_period="P30D"))
    mailgun = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    await vendors.add_processing_location(deps, ADMIN, mailgun.id, Where("DE"))
    added = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, mailgun.id)
    )
    api.clock.set(added.effective_at + timedelta(minutes=1))
    await drain(api)
    staff = await api.key(Role.PROCUREMENT, name="procurement lead")

    # Recording the new country directly is refused, pointing to the announcement.
    refused = (await api.gql(ADD, {"s": mailgun.id}, staff))["addProcessingLocation"]
    assert refused["__typename"] == "ValidationError"
    assert "announceChange(input: {kind: UPDATE, subprocessorId, locations:" in refused["message"]

    asked = {
        "kind": "UPDATE",
        "subprocessorId": mailgun.id,
        "description": "Mailgun opens a data centre in Virginia.",
        "locations": [
            {"country": "US", "role": "STORAGE", "region": "us-east-1"},
            {"country": "US", "role": "SUPPORT_ACCESS"},
        ],
    }
    answer = (await api.gql(ANNOUNCE, {"input": asked}, staff))["announceChange"]
    assert answer["__typename"] == "ChangeAnnounced", answer
    change_id = answer["change"]["id"]
    assert answer["change"]["description"] == f"{SAID} Mailgun opens a data centre in Virginia."
    await drain(api)

    # Everyone is told in plain words, within its own window, with its own deadline.
    for person in (short, long, excluded):
        assert SAID in bodies_to(mail, person.address)[-1]
        assert "United States (US)" in bodies_to(mail, person.address)[-1]
    told = await webhook_bodies(api, change_id, "change.announced")
    assert set(told) == {short.customer_id, long.customer_id, excluded.customer_id}
    kept = await stored_changes.snapshot(deps.db, change_id)
    assert kept is not None
    routes = dict(
        zip(
            [x["country"] for x in kept["locations"]],
            [v["status"] for v in kept["transfers"]["EEA"]],
            strict=True,
        )
    )
    assert routes == {"DE": "NOT_REQUIRED", "US": "MISSING"}  # the new route, judged
    own = {
        p.name: await notices.for_customer(deps.db, change_id, p.customer_id)
        for p in (short, long, excluded)
    }
    assert own["Short"] is not None
    assert own["Long"] is not None
    assert own["Long"].objection_deadline != own["Short"].objection_deadline

    # The excluded customer objects and is excluded from the change.
    filing = ObjectionFiling(change_id, "not outside the EU", customer_id=excluded.customer_id)
    objection = await change_service.file_objection(deps, ADMIN, filing)
    await change_service.resolve_objection(
        deps, ADMIN, objection.id, ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER
    )
    await drain(api)

    # Before its date nobody has the United States; each asks of its own date ahead.
    assert await countries(api, short.key) == ["DE"]
    assert await countries(api, None) == ["DE"]
    assert not await public_page_names_the_us(api)
    for person in (short, long):
        mine = own[person.name]
        assert mine is not None
        assert await countries(api, person.key, mine.effective_at - timedelta(seconds=1)) == ["DE"]
        assert await countries(api, person.key, mine.effective_at) == ["DE", "US"]
    assert await countries(api, excluded.key, own["Short"].effective_at) == ["DE"]

    # On the date: recorded on the vendor, public, and in each customer's list.
    api.clock.set(own["Long"].effective_at + timedelta(minutes=1))
    await drain(api)
    located = (await vendors.locations_of(deps, ADMIN, [mailgun.id]))[mailgun.id]
    assert sorted(loc.country for loc in located) == ["DE", "US", "US"]
    assert await countries(api, None) == ["DE", "US"]
    assert await public_page_names_the_us(api)
    assert await countries(api, short.key) == ["DE", "US"]
    assert await countries(api, long.key) == ["DE", "US"]
    assert await countries(api, excluded.key) == ["DE"]
    # ... and the past stays as it was.
    before = own["Short"].effective_at - timedelta(days=1)
    assert await countries(api, short.key, before) == ["DE"]
    assert await countries(api, None, before) == ["DE"]
    effective = await webhook_bodies(api, change_id, "change.effective")
    assert set(effective) == {short.customer_id, long.customer_id}
