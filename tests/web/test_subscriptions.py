"""Public e-mail subscription through a real SMTP server: double opt-in, no enumeration,
rate limits, one-click unsubscribe (RFC 8058), and erasure by an admin. Each test uses
addresses (and client addresses) of its own."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest

from registry.domain.models import Role
from registry.services import subscribers
from registry.store import deliveries, email_subscribers
from tests.conftest import Api
from tests.web.notice_world import ANNOUNCE, SUB, World, notice_world

SUBSCRIBERS = """
query { emailSubscribers(first: 50) { totalCount edges { node { id address status } } } }"""
DELETE = """
mutation($id: ID!) { deleteEmailSubscriber(id: $id) { __typename } }"""
LINK = re.compile(r"https?://\S+/subscriptions/\S+")


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str) -> AsyncIterator[World]:
    async with notice_world(mongo_uri, db_name) as made:
        yield made


def messages_to(world: World, address: str) -> list[EmailMessage]:
    return [m for m in world.mail.messages if m["To"] == address]


def link_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found is not None
    return found.group(0)


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def subscribe(api: Api, address: str, client: str = "198.51.100.7") -> tuple[int, str]:
    async with api.client_from(client) as http:
        response = await http.post("/subscriptions", data={"email": address})
    return response.status_code, response.text


async def announce_vendor(world: World, name: str) -> None:
    data = await world.api.gql(
        SUB, {"input": {"legalName": name, "purpose": "Analytics"}}, world.admin
    )
    sub = data["createSubprocessor"]["subprocessor"]["id"]
    await world.api.gql(ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": sub}}, world.admin)
    await world.api.scheduler.run_until_idle()


async def confirmed(world: World, address: str) -> str:
    """A subscriber who confirmed (written as the confirmation link does); its id."""
    db, now = world.api.deps.db, world.api.clock.now()
    subscriber, _ = await email_subscribers.request(db, address, now, per_day=3)
    assert await email_subscribers.confirm(db, subscriber.id, now)
    return subscriber.id


async def test_a_malformed_address_is_refused_with_a_clear_message(world: World) -> None:
    await subscribers.settled()  # another test's queued requests are written first
    stored = world.api.deps.db[email_subscribers.NAME]
    before = await stored.count_documents({})
    status, page = await subscribe(world.api, "not an address", client="198.51.100.6")
    assert status == 400
    assert "does not look like an e-mail address" in page
    assert await stored.count_documents({}) == before


async def test_double_opt_in_then_announcements_then_one_click_unsubscribe(world: World) -> None:
    status, page = await subscribe(world.api, "Ana@Example.test")
    assert status == 200
    assert "Check your inbox" in page
    await world.mail.wait_until(lambda: bool(messages_to(world, "ana@example.test")))
    [confirmation] = messages_to(world, "ana@example.test")
    assert confirmation["Auto-Submitted"] == "auto-generated"
    assert confirmation["Subject"] == "Confirm your subscription to subprocessor changes"

    # Unconfirmed: an announcement sends it nothing.
    await announce_vendor(world, "Mixpanel")
    assert len(messages_to(world, "ana@example.test")) == 1

    link = link_in(confirmation)
    shown = await world.api.http.get(local(link))
    assert shown.status_code == 200
    assert "Confirm subscription" in shown.text  # a button: link scanners confirm nothing
    assert (await world.api.http.post(local(link))).status_code == 200

    await announce_vendor(world, "Plausible Analytics")  # delivered before this returns
    [announcement] = messages_to(world, "ana@example.test")[1:]
    assert announcement["Subject"].startswith("New subprocessor: Plausible Analytics — from ")
    assert "object by" not in announcement["Subject"]
    assert announcement["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = announcement["List-Unsubscribe"].strip("<>")
    text = announcement.get_body(preferencelist=("plain",))
    assert text is not None
    assert "/subprocessors" in text.get_content()
    assert unsubscribe in text.get_content()
    assert not any(p.get_content_type() == "text/calendar" for p in announcement.iter_attachments())

    page = await world.api.http.get(local(unsubscribe))
    assert page.status_code == 200
    assert "Unsubscribe" in page.text
    one_click = await world.api.http.post(
        local(unsubscribe),
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    sub = await email_subscribers.get(
        world.api.deps.db, email_subscribers.subscriber_id("ana@example.test")
    )
    assert sub is not None
    assert sub.status == "UNSUBSCRIBED"

    await announce_vendor(world, "Fathom Analytics")
    assert len(messages_to(world, "ana@example.test")) == 2  # nothing after unsubscribing
    assert any("Fathom" in str(m["Subject"]) for m in messages_to(world, "privacy@acme.test"))

    # Asking again after unsubscribing: pending a new confirmation.
    assert (await subscribe(world.api, "ana@example.test"))[0] == 200
    await subscribers.settled()
    sub = await email_subscribers.get(
        world.api.deps.db, email_subscribers.subscriber_id("ana@example.test")
    )
    assert sub is not None
    assert sub.status == "PENDING"


async def test_the_answer_is_the_same_for_known_and_new_addresses(world: World) -> None:
    await confirmed(world, "known@example.test")
    _, known = await subscribe(world.api, "known@example.test", client="198.51.100.8")
    _, new = await subscribe(world.api, "bo@example.test", client="198.51.100.8")
    assert known == new


async def test_confirmations_per_address_are_limited(world: World) -> None:
    address = "cy@example.test"
    answers = {await subscribe(world.api, address, client=f"203.0.113.{n}") for n in range(5)}
    assert len(answers) == 1  # still "check your inbox"
    await world.mail.wait_until(lambda: len(messages_to(world, address)) >= 3)
    await subscribe(world.api, "ed@example.test", client="203.0.113.99")
    await world.mail.wait_until(lambda: bool(messages_to(world, "ed@example.test")))
    assert len(messages_to(world, address)) == 3
    doc = await world.api.deps.db[email_subscribers.NAME].find_one(
        {"_id": email_subscribers.subscriber_id(address)}
    )
    assert doc is not None
    assert len(doc["asked"]) == 3  # the fourth and fifth sent nothing


async def test_requests_per_client_address_are_limited(world: World) -> None:
    statuses = [
        (await subscribe(world.api, f"d{n}@example.test", client="192.0.2.1"))[0] for n in range(12)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


async def test_a_bad_confirmation_or_unsubscribe_link_is_a_404(world: World) -> None:
    for path in (
        "/subscriptions/confirm?token=esub_x.1.y",
        "/subscriptions/unsubscribe?token=nonsense",
    ):
        assert (await world.api.http.get(path)).status_code == 404
        assert (await world.api.http.post(path)).status_code == 404


async def test_admins_list_and_erase_subscribers(world: World) -> None:
    sub_id = await confirmed(world, "erased@example.test")
    await announce_vendor(world, "Matomo")  # delivered to the subscriber
    kept = world.api.deps.db[deliveries.NAME].find({"target": "erased@example.test"})
    assert [d async for d in kept]
    data = await world.api.gql(SUBSCRIBERS, key=world.admin)
    listed = {e["node"]["address"]: e["node"] for e in data["emailSubscribers"]["edges"]}
    assert listed["erased@example.test"] == {
        "id": sub_id,
        "address": "erased@example.test",
        "status": "CONFIRMED",
    }
    customer_key = await world.api.key(Role.CUSTOMER, world.customers["Acme GmbH"])
    refused = (await world.api.post(SUBSCRIBERS, key=customer_key)).json()
    assert refused["data"] is None
    data = await world.api.gql(DELETE, {"id": sub_id}, world.admin)
    assert data["deleteEmailSubscriber"]["__typename"] == "EmailSubscriberDeleted"
    assert await email_subscribers.get(world.api.deps.db, sub_id) is None
    kept = world.api.deps.db[deliveries.NAME].find({"target": "erased@example.test"})
    assert [d async for d in kept] == []


@pytest.mark.parametrize(
    "address",
    [
        "bomb@v.test(1)",
        "x<bomb@v.test>",
        "bomb@v.test;x",
        "bomb@v.test,root,postmaster",
        '"bomb"@v.test',
        "bomb@[127.0.0.1]",
        "Bomb <bomb@v.test>",
        "bomb@v.test\r\nBcc: root@v.test",
        "b" * 310 + "@v.test",
    ],
)
async def test_an_address_that_is_not_one_mailbox_is_refused(world: World, address: str) -> None:
    await subscribers.settled()  # another test's queued requests are written first
    stored = world.api.deps.db[email_subscribers.NAME]
    before = await stored.count_documents({})
    status, _ = await subscribe(world.api, address, client=f"198.51.100.{40 + len(address) % 50}")
    assert status == 400
    await subscribers.settled()
    assert await stored.count_documents({}) == before


async def test_the_limit_is_keyed_on_the_canonical_mailbox(world: World) -> None:
    spellings = ["Fi@V.test", "fi@v.TEST", " fi@v.test", "FI@v.test", "fi@V.Test"]
    for n, spelling in enumerate(spellings):
        assert (await subscribe(world.api, spelling, client=f"203.0.114.{n}"))[0] == 200
    await subscribers.settled()
    sent = [m for m in world.mail.messages if str(m["To"]).lower() == "fi@v.test"]
    assert len(sent) == subscribers.CONFIRMATIONS_PER_DAY
    envelopes = [rcpts for _, rcpts in world.mail.envelopes if "fi@v.test" in rcpts]
    assert envelopes == [["fi@v.test"]] * subscribers.CONFIRMATIONS_PER_DAY


async def test_an_international_domain_is_mailed_in_its_ascii_form(world: World) -> None:
    assert (await subscribe(world.api, "gu@bücher.test", client="203.0.114.50"))[0] == 200
    await subscribers.settled()
    assert [r for _, r in world.mail.envelopes if r == ["gu@xn--bcher-kva.test"]] == [
        ["gu@xn--bcher-kva.test"]
    ]


async def test_concurrent_requests_for_a_new_address_send_at_most_the_limit(world: World) -> None:
    address = "race@v.test"
    db, now = world.api.deps.db, world.api.clock.now()
    claims = await asyncio.gather(
        *(
            email_subscribers.request(db, address, now, per_day=subscribers.CONFIRMATIONS_PER_DAY)
            for _ in range(10)
        )
    )
    assert sum(1 for _, send in claims if send) == subscribers.CONFIRMATIONS_PER_DAY


async def test_every_address_does_the_same_work_before_the_answer(world: World) -> None:
    """The answer comes before anything is looked up: for a new, a confirmed and a limited
    address alike, the request only parses the address and queues the decision."""
    await confirmed(world, "same-known@v.test")
    for _ in range(subscribers.CONFIRMATIONS_PER_DAY):
        await subscribe(world.api, "same-limited@v.test", client="203.0.114.60")
    await subscribers.settled()
    for address in ("same-new@v.test", "same-known@v.test", "same-limited@v.test"):
        task = await subscribers.request(world.api.deps, address)
        assert not task.done()  # nothing was awaited: no lookup happened before the answer
        await task
    assert (await subscribe(world.api, "same-new@v.test", client="203.0.114.61"))[0] == 200
    assert (await subscribe(world.api, "same-known@v.test", client="203.0.114.61"))[0] == 200
    await subscribers.settled()


async def test_a_confirmation_link_replayed_after_unsubscribing_is_not_valid(world: World) -> None:
    address = "replay@v.test"
    assert (await subscribe(world.api, address, client="203.0.114.70"))[0] == 200
    await subscribers.settled()
    [confirmation] = messages_to(world, address)
    link = local(link_in(confirmation))
    assert (await world.api.http.post(link)).status_code == 200
    db = world.api.deps.db
    sub_id = email_subscribers.subscriber_id(address)
    assert await email_subscribers.unsubscribe(db, sub_id, world.api.clock.now())
    replayed = await world.api.http.post(link)
    assert replayed.status_code == 404
    assert "Subscribed" not in replayed.text
    sub = await email_subscribers.get(db, sub_id)
    assert sub is not None
    assert sub.status == "UNSUBSCRIBED"


@pytest.mark.parametrize(
    "path",
    [
        "/subscriptions/confirm?token=esub_" + "a" * 32 + ".1%C2%B2.AAAAAAAAAAAAAAAAAAAAAAAA",
        "/subscriptions/unsubscribe?token=esub_" + "a" * 32 + ".%D9%A0.AAAAAAAAAAAAAAAAAAAAAAAA",
        "/subscriptions/unsubscribe?token=esub_" + "a" * 32 + ".0.AAAAAAAAAAAAAAAAAAAAAAA%C3%A9",
        "/notices/ntc_" + "a" * 48 + ".1%C2%B2.AAAAAAAAAAAAAAAAAAAAAAAA",
        "/notices/ntc_" + "a" * 48 + ".1.AAAAAAAAAAAAAAAAAAAAAAA%C2%B2",
    ],
    ids=["confirm", "unsubscribe", "unsubscribe mac", "notice issued", "notice mac"],
)
async def test_a_token_with_non_ascii_characters_is_a_404(world: World, path: str) -> None:
    assert (await world.api.http.get(path)).status_code == 404
    assert (await world.api.http.post(path)).status_code in (403, 404)
