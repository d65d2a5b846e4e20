"""Journey: history a customer can check. An emergency replacement of Mailgun by Brevo
reaches a consenting customer at once and a strict one on its own date; a correction of
Brevo's location keeps its history entry (who, when, why, before and after); each
customer's diff between two dates follows its own timeline, also "since you last
acknowledged". docs/history-examples.md shows the answers of this journey."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

from registry.domain.drafts import ChangeAnnouncement, CustomerDraft, ProcessingLocationDraft
from registry.domain.drafts import SubprocessorDetails as Details
from registry.domain.models import ChangeKind, CustomerTerms, Role
from registry.services import changes as change_service
from registry.services import customers, vendors
from registry.services.caller import Caller
from tests.conftest import Api
from tests.journeys.people import DAY_ONE, drain

ADMIN = Caller(Role.ADMIN)
REPLACE = """mutation($input: AnnounceChangeInput!) {
  announceChange(input: $input) { __typename ... on ChangeAnnounced { change { id } } } }"""
LOCATION = """query($id: ID!) { subprocessor(id: $id) { locations { id } } }"""
CORRECT = """mutation($id: ID!) { correctProcessingLocation(id: $id, input: {region: "eu-west-3",
  reason: "Brevo's DPA annex names its Paris data centre"}) { __typename } }"""
HISTORY = """query($id: ID!) { subprocessor(id: $id) { legalName history {
  kind action at reason changes { field before after } role } } }"""
DIFF = """query($from: DateTime, $to: DateTime, $since: Boolean! = false) {
  subprocessorDiff(from: $from, to: $to, sinceLastAcknowledged: $since) { from to
    added { subprocessor { legalName } change { kind emergency effectiveAt } }
    removed { subprocessor { legalName } change { kind emergency effectiveAt } }
    changed { subprocessor { legalName }
      corrections { kind reason changes { field before after } } }
  } }"""
NOTICES = """{ notices(first: 5) { edges { node { id } } } }"""
ACKNOWLEDGE = """mutation($id: ID!) { acknowledgeNotice(noticeId: $id, name: "Privacy team") {
  __typename } }"""


def _names(entries: list[dict[str, Any]]) -> list[str]:
    return [e["subprocessor"]["legalName"] for e in entries]


async def test_each_customer_checks_what_changed_for_it(api: Api) -> None:
    deps = api.deps
    mailgun = await vendors.create_subprocessor(deps, ADMIN, Details.named("Mailgun", "Email"))
    await change_service.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, mailgun.id)
    )
    await drain(api)
    brevo = await vendors.create_subprocessor(deps, ADMIN, Details.named("Brevo SAS", "Email"))
    await vendors.add_processing_location(deps, ADMIN, brevo.id, ProcessingLocationDraft("FR"))
    keys = {}
    for name, terms in [
        ("Consenting GmbH", CustomerTerms(allows_emergency_replacement=True)),
        ("Strict SA", CustomerTerms(notice_period="P30D")),
    ]:
        made = await customers.create_customer(deps, ADMIN, CustomerDraft(name, terms=terms))
        keys[name] = await api.key(Role.CUSTOMER, made.id)
    admin = await api.key(Role.ADMIN)
    replacement = {
        "kind": "REPLACE",
        "subprocessorId": brevo.id,
        "replacesId": mailgun.id,
        "emergency": True,
        "emergencyReason": "Mailgun reported a breach",
    }
    assert (await api.gql(REPLACE, {"input": replacement}, admin))["announceChange"][
        "__typename"
    ] == "ChangeAnnounced"
    await drain(api)

    api.clock.advance(timedelta(days=2))
    location = (await api.gql(LOCATION, {"id": brevo.id}, admin))["subprocessor"]["locations"]
    await api.gql(CORRECT, {"id": location[0]["id"]}, admin)
    strict_notice = (await api.gql(NOTICES, key=keys["Strict SA"]))["notices"]["edges"]
    await api.gql(ACKNOWLEDGE, {"id": strict_notice[0]["node"]["id"]}, keys["Strict SA"])
    api.clock.advance(timedelta(days=31))  # past the strict customer's own date
    await drain(api)

    history = (await api.gql(HISTORY, {"id": brevo.id}, keys["Strict SA"]))["subprocessor"]
    span = {
        "from": (DAY_ONE - timedelta(days=1)).isoformat(),
        "to": (DAY_ONE + timedelta(days=1)).isoformat(),
    }
    first_days = {
        name: (await api.gql(DIFF, span, key))["subprocessorDiff"] for name, key in keys.items()
    }
    since = (await api.gql(DIFF, {"since": True}, keys["Strict SA"]))["subprocessorDiff"]

    [entry] = history["history"]
    assert entry["action"] == "CORRECTED"
    assert entry["reason"] == "Brevo's DPA annex names its Paris data centre"
    assert entry["changes"] == [{"field": "region", "before": None, "after": "eu-west-3"}]
    consenting, strict = first_days["Consenting GmbH"], first_days["Strict SA"]
    assert (_names(consenting["added"]), _names(consenting["removed"])) == (
        ["Brevo SAS"],
        ["Mailgun"],
    )
    assert (strict["added"], strict["removed"]) == ([], [])  # its own date is 30 days on
    assert (_names(since["added"]), _names(since["removed"])) == (["Brevo SAS"], ["Mailgun"])
    assert since["from"] == (DAY_ONE + timedelta(days=2)).isoformat()
    # The change that caused each, on the strict customer's own date (30 days after).
    assert {e["change"]["kind"] for e in since["added"] + since["removed"]} == {"REPLACE"}
    if os.environ.get("SHOW_HISTORY_EXAMPLES"):
        print(json.dumps({"history": history, "first_days": first_days, "since": since}, indent=2))
