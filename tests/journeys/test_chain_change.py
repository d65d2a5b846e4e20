"""Journey: Postmark, our e-mail provider and a vendor in use, adds AWS to its chain.

The chain change is announced as an UPDATE of Postmark through the change engine: the
customer is told by e-mail, webhook and notice page within its 30-day window, the notice
says where in the chain the change is, and the new sub-processor joins the chain (and
the customer's transfer view, hop by hop) on the change's date. A removal cancelled
before its date leaves the chain as it was; a vendor not in use cannot announce one.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ProcessingLocationDraft
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import ChangeKind, CustomerTerms, Role
from registry.services import changes as change_service
from registry.services import customers, vendors
from registry.services.caller import Caller
from registry.store import changes as stored_changes
from tests.conftest import Api
from tests.journeys.people import (
    bodies_to,
    drain,
    link_in,
    page_text,
    subjects,
    webhook_bodies,
)
from tests.mail import MailServer

ADMIN = Caller(Role.ADMIN)
ADDRESS = "dpo@short.test"
SAID = (
    "Postmark, our e-mail provider, adds Amazon Web Services, Inc. in the United States: "
    "Hosts Postmark's mail servers"
)
ANNOUNCE = """
mutation($input: ChainChangeInput!) { announceChainChange(input: $input) {
  __typename
  ... on ChangeAnnounced { change { id kind description effectiveAt } }
  ... on ValidationError { field message }
} }"""
CHAIN = "query($id: ID!) { subprocessor(id: $id) { chain { id legalName depth } } }"
CANCEL = """mutation($id: ID!) { cancelChange(id: $id, reason: "kept") { __typename } }"""
MAIL_SAMPLE = Path(__file__).resolve().parents[2] / "test-artifacts" / "chain-change-mail.txt"


def aws(vendor: str) -> dict[str, Any]:
    return {
        "subprocessorId": vendor,
        "legalName": "Amazon Web Services, Inc.",
        "address": "410 Terry Avenue North, Seattle, WA 98109-5210, United States",
        "purpose": "Hosts Postmark's mail servers",
        "locations": [{"country": "US", "role": "STORAGE"}],
        "bases": [{"mechanism": "SCC_2021", "sccModule": 3}],
    }


async def test_a_chain_change_is_announced_told_and_takes_effect(
    api: Api, mail: MailServer
) -> None:
    deps = api.deps
    terms = CustomerTerms(notice_period="P30D", objection_window="P14D")
    customer = await customers.create_customer(
        deps, ADMIN, CustomerDraft("Short GmbH", terms=terms, notice_emails=(ADDRESS,))
    )
    postmark = await vendors.create_subprocessor(deps, ADMIN, Details.named("Postmark", "Email"))
    await vendors.add_processing_location(deps, ADMIN, postmark.id, ProcessingLocationDraft("IE"))
    added = await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, postmark.id)
    )
    api.clock.set(added.effective_at + timedelta(minutes=1))
    await drain(api)
    key = await api.key(Role.ADMIN, name="journey")

    given = {"subprocessorId": postmark.id, "action": "ADD", "role": "our e-mail provider"}
    answer = (await api.gql(ANNOUNCE, {"input": {**given, "link": aws(postmark.id)}}, key))[
        "announceChainChange"
    ]
    assert answer["__typename"] == "ChangeAnnounced", answer
    change = answer["change"]
    assert change["kind"] == "UPDATE"
    assert change["description"] == SAID
    await drain(api)

    # Told by e-mail and webhook, within its window, where in the chain it is.
    subject = subjects(mail, ADDRESS)[-1]
    assert subject.startswith("Subprocessor changed: Postmark — object by ")
    text = bodies_to(mail, ADDRESS)[-1]
    assert SAID in text
    assert "  - United States (US): Amazon Web Services, Inc., sub-processor of Postmark" in text
    MAIL_SAMPLE.parent.mkdir(exist_ok=True)
    MAIL_SAMPLE.write_text(f"Subject: {subject}\n\n{text}")
    page = page_text((await api.http.get(link_in(mail, ADDRESS))).text)
    assert SAID in page
    listed = page[page.index("Its sub-processors") :]
    assert listed.startswith(
        "Its sub-processors Amazon Web Services, Inc. , sub-processor of Postmark: "
        "United States (US)."
    )
    told = await webhook_bodies(api, change["id"], "change.announced")
    assert set(told) == {customer.id}
    kept = await stored_changes.snapshot(deps.db, change["id"])
    assert kept is not None  # what every event of the change carries as announced
    assert [x["legalName"] for x in kept["subprocessor"]["chain"]] == ["Amazon Web Services, Inc."]

    # Not yet in the chain; in it from the change's date.
    now = (await api.gql(CHAIN, {"id": postmark.id}, key))["subprocessor"]["chain"]
    assert now == []
    api.clock.set(added.effective_at + timedelta(days=31))
    await drain(api)
    later = (await api.gql(CHAIN, {"id": postmark.id}, key))["subprocessor"]["chain"]
    assert [(x["legalName"], x["depth"]) for x in later] == [("Amazon Web Services, Inc.", 1)]

    # A removal announced and cancelled: AWS stays.
    removal = {"subprocessorId": postmark.id, "action": "REMOVE", "linkId": later[0]["id"]}
    gone = (await api.gql(ANNOUNCE, {"input": removal}, key))["announceChainChange"]
    assert gone["__typename"] == "ChangeAnnounced", gone
    assert gone["change"]["description"] == (
        "Postmark stops using Amazon Web Services, Inc. (the United States)."
    )
    cancelled = await api.gql(CANCEL, {"id": gone["change"]["id"]}, key)
    assert cancelled["cancelChange"]["__typename"] == "ChangeCancelled"
    api.clock.set(api.clock.now() + timedelta(days=60))
    await drain(api)
    kept = (await api.gql(CHAIN, {"id": postmark.id}, key))["subprocessor"]["chain"]
    assert [x["legalName"] for x in kept] == ["Amazon Web Services, Inc."]


async def test_a_chain_change_for_a_vendor_not_in_use_is_refused(api: Api) -> None:
    draft = await vendors.create_subprocessor(api.deps, ADMIN, Details.named("Postmark", "Email"))
    key = await api.key(Role.ADMIN, name="journey")
    given = {"subprocessorId": draft.id, "action": "ADD", "link": aws(draft.id)}
    answer = (await api.gql(ANNOUNCE, {"input": given}, key))["announceChainChange"]
    assert answer["__typename"] == "ValidationError"
    assert answer["field"] == "subprocessorId"
    assert "PROPOSED" in answer["message"]
    chain = (await api.gql(CHAIN, {"id": draft.id}, key))["subprocessor"]["chain"]
    assert chain == []
