"""A notice e-mail as received (a real SMTP server) names the company and how to reach
it: From with its name, Reply-To its privacy contact, a subject prefix and a footer;
the webhook body of the same event carries the `operator` object."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from registry.store import events
from tests.web.notice_world import World, notice_world

IDENTITY = {
    "legalName": "Acme Cloud GmbH",
    "tradingName": "Acme Cloud",
    "address": "Hauptstrasse 1\n10115 Berlin\nGermany",
    "privacyEmail": "privacy@acme-cloud.example",
    "privacyUrl": "https://acme-cloud.example/privacy",
    "dpaTitle": "Data Processing Addendum",
    "dpaUrl": "https://acme-cloud.example/dpa",
}
UPDATE = """
mutation($input: UpdateOperatorInput!) {
  updateOperator(input: $input) { __typename }
}"""


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str) -> AsyncIterator[World]:
    async with notice_world(mongo_uri, db_name) as made:
        yield made


async def test_a_notice_names_the_company_and_how_to_reach_it(world: World) -> None:
    answer = await world.api.gql(UPDATE, {"input": IDENTITY}, world.admin)
    assert answer["updateOperator"]["__typename"] == "OperatorUpdated"
    told = await world.announce("privacy@acme.test")
    message = told.message_to("privacy@acme.test")

    assert message["From"] == "Acme Cloud <notices@registry.test>"
    assert message["Reply-To"] == "privacy@acme-cloud.example"
    assert message["Subject"].startswith("[Acme Cloud] New subprocessor: Postmark")
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    text = plain.get_content().replace("\r\n", "\n")
    footer = text.split("\n-- \n", 1)[1]
    assert "replies are not read" not in text
    assert footer.splitlines()[:5] == [
        "Sent by Acme Cloud GmbH, Hauptstrasse 1, 10115 Berlin, Germany.",
        "You receive this because this address receives subprocessor notices for your "
        "organisation.",
        "Objections and privacy questions: privacy@acme-cloud.example (or reply to this message).",
        "Privacy contact page: https://acme-cloud.example/privacy",
        "Data Processing Addendum: https://acme-cloud.example/dpa",
    ]
    assert "Sent by Acme Cloud GmbH" in html.get_content()

    # The webhook body of the same kind of event carries the same identity.
    stored = await world.api.deps.db[events.NAME].find_one(
        {"change_id": told.change_id, "type": "change.announced"}
    )
    assert stored is not None
    assert stored["data"]["operator"]["name"] == "Acme Cloud"
    assert stored["data"]["operator"]["privacyEmail"] == "privacy@acme-cloud.example"


async def test_without_a_recorded_name_the_sender_is_the_bare_address(world: World) -> None:
    answer = await world.api.gql(
        UPDATE,
        {"input": {"legalName": None, "tradingName": None, "privacyEmail": None}},
        world.admin,
    )
    assert answer["updateOperator"]["__typename"] == "OperatorUpdated"
    message = (await world.announce("privacy@bolt.test")).message_to("privacy@bolt.test")
    assert message["From"] == "notices@registry.test"
    assert message["Reply-To"] is None
    assert not message["Subject"].startswith("[")
