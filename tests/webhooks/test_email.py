"""The email channel: notices to customers' notice addresses through a real SMTP server.

The server is aiosmtpd on 127.0.0.1, run in the test's own event loop; time moves
by the FrozenClock, as for webhooks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest

from registry.clock import FrozenClock
from registry.delivery import email as email_channel
from registry.domain.drafts import CustomerDraft, CustomerEdit
from registry.domain.errors import ValidationError
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.domain.models import CustomerTerms, Role
from registry.domain.webhooks import Delivery, DeliveryFailure, DeliveryStatus, FailureKind
from registry.services import customers, webhooks
from registry.services.deps import Deps
from registry.services.outbox.dispatch import dispatch_events
from registry.services.outbox.options import DeliveryOptions
from registry.services.outbox.worker import deliver_due
from registry.store import deliveries, events, ids
from tests.conftest import Api
from tests.event_bodies import event_data
from tests.mail import MailServer
from tests.webhooks.conftest import (
    ADMIN,
    Receiver,
    customer_caller,
    gql,
)

# Generous for a loaded machine: no test here waits for a timeout to expire.
FAST = DeliveryOptions(connect_timeout=2.0, total_timeout=5.0)
SCHEDULE = "0,5s,5m"


@pytest.fixture
async def mail() -> AsyncIterator[MailServer]:
    async with MailServer() as server:
        yield server


def with_smtp(deps: Deps, url: str) -> Deps:
    settings = deps.settings.model_copy(
        update={"smtp_url": url, "webhook_retry_schedule": SCHEDULE}
    )
    return dataclasses.replace(deps, settings=settings)


async def customer_with_contacts(deps: Deps, *addresses: str, zone: str = "UTC") -> str:
    customer = await customers.create_customer(
        deps,
        ADMIN,
        CustomerDraft(
            "Acme",
            CustomerTerms(time_zone=zone),
            notice_emails=addresses or ("dpo@acme.test",),
        ),
    )
    return customer.id


async def emit_notice(deps: Deps, customer_id: str, zone: str = "Europe/Berlin") -> str:
    """A `change.announced` as the change engine renders it, for a customer in `zone`."""
    data = event_data(customer_id, terms=CustomerTerms(time_zone=zone))
    event = Event(
        type=EventType.CHANGE_ANNOUNCED,
        customer_id=customer_id,
        occurred_at=deps.clock.now(),
        dedupe_key=f"test:{ids.new_id('Event')}",
        data=data,
    )
    assert await events.emit(deps.db, event)
    return events.id_of(event)


async def email_deliveries(deps: Deps, event_id: str) -> list[Delivery]:
    cursor = deps.db[deliveries.NAME].find({"event_id": event_id, "channel": "email"})
    found = await deliveries.get_many(deps.db, [doc["_id"] async for doc in cursor])
    return sorted(found.values(), key=lambda d: d.id)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def text_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    assert part.get_content_subtype() == subtype
    content: str = part.get_content()
    return content


async def test_every_event_goes_to_each_notice_address_with_both_parts(
    api: Api, deps: Deps, mail: MailServer, receiver: Receiver
) -> None:
    deps = with_smtp(deps, mail.url)
    customer = await customer_with_contacts(deps, "dpo@acme.test", "legal@acme.test")
    await webhooks.create_subscription(deps, customer_caller(customer), url=receiver.url())
    event_id = await emit_notice(deps, customer)

    await dispatch_events(deps, "w1")
    # A second dispatch of the same event (a crash before marking it) adds nothing.
    await deps.db[events.NAME].update_one({"_id": event_id}, {"$set": {"dispatched_at": None}})
    await dispatch_events(deps, "w1")
    assert await deps.db[deliveries.NAME].count_documents({"event_id": event_id}) == 3
    assert await deliver_due(deps, "w1", options=FAST) == 3

    assert len(receiver.received) == 1  # the webhook channel, unchanged
    assert sorted(rcpt for _, rcpts in mail.envelopes for rcpt in rcpts) == [
        "dpo@acme.test",
        "legal@acme.test",
    ]
    message = mail.messages[0]
    assert message["From"] == "registry@localhost"
    # Kind, vendor and the deadline in the customer's zone (Europe/Berlin).
    assert message["Subject"] == (
        "New subprocessor: Mailgun Technologies, Inc. — object by 6 March 2026"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] is not None
    assert message["List-Unsubscribe"] is None  # customers' notices are not a mailing list
    plain, rich = text_of(message, "plain"), text_of(message, "html")
    for text in (plain, rich):
        assert "Mailgun Technologies, Inc." in text
        assert "Transactional email" in text  # what for
        assert "email address, message content" in text  # which data
        assert "United States (US)" in text  # where, by name
        assert "Standard contractual clauses (2021)" in text  # on which basis
        assert "6 March 2026, 01:00 CET (2026-03-06 00:00 UTC)" in text  # deadline
        assert "6 April 2026, 02:00 CEST (2026-04-06 00:00 UTC)" in text  # effective date
        assert "Adds Mailgun for transactional email" in text
        assert "graphql" not in text.lower()
        assert "mutation" not in text.lower()
        assert "@@notice-link" not in text
    [link] = [line for line in plain.splitlines() if "/notices/" in line]
    assert link.startswith("http://127.0.0.1:8000/notices/ntc_")
    assert rich.count("/notices/") == 1
    [calendar_part] = [
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    calendar = icalendar.Calendar.from_ical(calendar_part.get_content())
    [deadline] = calendar.walk("VEVENT")
    assert deadline.decoded("dtstart") == datetime(2026, 3, 6, tzinfo=UTC)
    assert "Mailgun" in str(deadline.get("summary"))
    assert str(deadline.get("url")) == link
    sent = await email_deliveries(deps, event_id)
    assert [d.status for d in sent] == [DeliveryStatus.DELIVERED] * 2
    assert {d.target for d in sent} == {"dpo@acme.test", "legal@acme.test"}
    assert {message["Message-ID"] for message in mail.messages} == {
        f"<{d.id}@localhost>" for d in sent
    }


async def test_the_delivery_log_shows_the_channel(api: Api, deps: Deps, mail: MailServer) -> None:
    deps = with_smtp(deps, mail.url)
    customer = await customer_with_contacts(deps)
    key = await api.key(Role.CUSTOMER, customer)
    await emit_notice(deps, customer)
    await dispatch_events(deps, "w1")
    await deliver_due(deps, "w1", options=FAST)

    log = await gql(
        deps,
        key,
        "{ webhookDeliveries { edges { node { channel status attempts { outcome } } } } }",
    )
    [node] = [e["node"] for e in log["webhookDeliveries"]["edges"]]
    assert node == {"channel": "email", "status": "DELIVERED", "attempts": [{"outcome": "success"}]}


async def test_a_server_refusing_for_now_is_retried_on_the_schedule_then_failed(
    api: Api, deps: Deps, mail: MailServer
) -> None:
    clock: FrozenClock = api.clock
    deps = with_smtp(deps, mail.url)
    mail.answer = "451 4.7.1 Try again later"
    customer = await customer_with_contacts(deps)
    event_id = await emit_notice(deps, customer)
    await dispatch_events(deps, "w1")

    await deliver_due(deps, "w1", options=FAST)
    assert mail.arrived.is_set()
    [first] = await email_deliveries(deps, event_id)
    assert (first.status, first.attempt_count) == (DeliveryStatus.PENDING, 1)
    assert first.next_attempt_at is not None
    waited = first.next_attempt_at - clock.now()
    assert timedelta(seconds=4) <= waited <= timedelta(seconds=6)  # 5s ± 20% jitter
    assert await deliver_due(deps, "w1", options=FAST) == 0  # not due yet

    clock.advance(timedelta(seconds=7))
    await deliver_due(deps, "w1", options=FAST)
    [second] = await email_deliveries(deps, event_id)
    assert (second.status, second.attempt_count) == (DeliveryStatus.PENDING, 2)
    assert second.next_attempt_at is not None
    waited = second.next_attempt_at - clock.now()
    assert timedelta(minutes=4) <= waited <= timedelta(minutes=6)  # 5m ± 20% jitter

    clock.advance(timedelta(minutes=7))
    await deliver_due(deps, "w1", options=FAST)
    [last] = await email_deliveries(deps, event_id)
    assert (last.status, last.attempt_count, last.next_attempt_at) == (
        DeliveryStatus.FAILED,
        3,
        None,
    )
    assert last.failed_at is not None
    assert [(a.number, a.status_code, a.outcome) for a in last.attempts] == [
        (1, 451, "failure"),
        (2, 451, "failure"),
        (3, 451, "failure"),
    ]
    assert "451" in (last.attempts[0].error or "")
    assert "Try again later" in last.attempts[0].response_excerpt
    assert last.failure == DeliveryFailure(
        FailureKind.RETRIES_EXHAUSTED, "gave up after 3 attempts: SMTP server answered 451"
    )
    assert mail.messages == []


async def test_a_failed_email_is_replayed_to_its_address(
    api: Api, deps: Deps, mail: MailServer
) -> None:
    deps = with_smtp(deps, mail.url)
    mail.answer = "554 5.7.1 Rejected by policy"
    customer = await customer_with_contacts(deps, "replay@acme.test")
    event_id = await emit_notice(deps, customer)
    await dispatch_events(deps, "w1")
    for _ in range(3):
        await deliver_due(deps, "w1", options=FAST)
        api.clock.advance(timedelta(hours=1))
    [failed] = await email_deliveries(deps, event_id)
    assert failed.status is DeliveryStatus.FAILED

    mail.answer = "250 OK"
    replayed = await webhooks.replay_delivery(deps, customer_caller(customer), failed.id)
    assert replayed.status is DeliveryStatus.PENDING
    await deliver_due(deps, "w1", options=FAST)
    [delivered] = await email_deliveries(deps, event_id)
    assert delivered.status is DeliveryStatus.DELIVERED
    assert [to for _, to in mail.envelopes] == [["replay@acme.test"]]


async def test_an_email_to_a_removed_address_is_not_replayed(
    api: Api, deps: Deps, mail: MailServer
) -> None:
    deps = with_smtp(deps, mail.url)
    mail.answer = "554 5.7.1 Rejected by policy"
    customer = await customer_with_contacts(deps, "old@acme.test")
    event_id = await emit_notice(deps, customer)
    await dispatch_events(deps, "w1")
    for _ in range(3):
        await deliver_due(deps, "w1", options=FAST)
        api.clock.advance(timedelta(hours=1))
    [failed] = await email_deliveries(deps, event_id)
    await customers.update_customer(
        deps, ADMIN, customer, CustomerEdit(notice_emails=("new@acme.test",))
    )
    with pytest.raises(ValidationError, match="no longer a notice address"):
        await webhooks.replay_delivery(deps, customer_caller(customer), failed.id)
    [still] = await email_deliveries(deps, event_id)
    assert still.status is DeliveryStatus.FAILED


async def test_a_server_that_is_down_is_retried_and_the_notice_not_lost(
    api: Api, deps: Deps
) -> None:
    clock: FrozenClock = api.clock
    mail = MailServer(port=free_port())
    deps = with_smtp(deps, mail.url)
    customer = await customer_with_contacts(deps)
    event_id = await emit_notice(deps, customer)
    await dispatch_events(deps, "w1")

    await deliver_due(deps, "w1", options=FAST)  # nothing listens on the port
    [waiting] = await email_deliveries(deps, event_id)
    assert (waiting.status, waiting.attempt_count) == (DeliveryStatus.PENDING, 1)
    [attempt] = waiting.attempts
    assert (attempt.status_code, attempt.outcome) == (None, "failure")
    assert "unreachable" in (attempt.error or "")
    assert "dpo@acme.test" not in (attempt.error or "")

    await mail.start()
    try:
        clock.advance(timedelta(seconds=7))
        await deliver_due(deps, "w1", options=FAST)
        await asyncio.wait_for(mail.arrived.wait(), timeout=5)
    finally:
        await mail.stop()
    [sent] = await email_deliveries(deps, event_id)
    assert (sent.status, sent.attempt_count) == (DeliveryStatus.DELIVERED, 2)
    assert [m["To"] for m in mail.messages] == ["dpo@acme.test"]


async def test_without_an_smtp_url_no_email_deliveries_are_made(api: Api, deps: Deps) -> None:
    customer = await customer_with_contacts(deps)
    event_id = await emit_notice(deps, customer)
    await dispatch_events(deps, "w1")
    assert await email_deliveries(deps, event_id) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, False, None, None)),
        ("smtp://mail.example.test", ("mail.example.test", 25, False, None, None)),
        ("smtps://user:p%40ss@mail.example.test", ("mail.example.test", 465, True, "user", "p@ss")),
    ],
    ids=["plain with port", "plain default port", "smtps with credentials"],
)
def test_smtp_urls(url: str, expected: tuple[Any, ...]) -> None:
    assert dataclasses.astuple(email_channel.parse_smtp_url(url)) == expected


def test_a_non_smtp_url_is_refused() -> None:
    with pytest.raises(ValueError, match="smtp://"):
        email_channel.parse_smtp_url("http://mail.example.test")


def test_an_event_without_a_change_still_renders() -> None:
    body = (
        '{"type":"subscription.disabled","timestamp":"2026-01-05T09:00:00Z",'
        '"data":{"subscription":{"id":"whs_1","reason":"410 Gone"}}}'
    )
    message = email_channel.render_message(
        body, sender="registry@example.test", to="dpo@acme.test", message_id="dlv_1"
    )
    assert message["Subject"] == "Webhook endpoint disabled"
    assert message["Message-ID"] == "<dlv_1@example.test>"
    assert "410 Gone" in text_of(message, "plain")
    assert "graphql" not in text_of(message, "plain").lower()


@pytest.mark.parametrize(
    ("legal_name", "part"),
    [
        pytest.param("Evil Corp\r\nBcc: all@acme.test", "subject", id="CRLF in the subject"),
        pytest.param("Evil Corp\nInc.", "subject", id="LF in the subject"),
    ],
)
def test_a_message_that_cannot_be_built_names_the_part(legal_name: str, part: str) -> None:
    body = (
        '{"type":"change.cancelled","timestamp":"2026-01-05T09:00:00Z","data":{"change":'
        '{"kind":"ADD","subprocessor":{"legalName":' + json.dumps(legal_name) + "}}}}"
    )
    with pytest.raises(email_channel.Unrenderable) as refused:
        email_channel.render_message(
            body, sender="registry@example.test", to="dpo@acme.test", message_id="dlv_1"
        )
    assert refused.value.cause.startswith(f"the {part} could not be rendered: ")


def test_a_body_that_is_not_json_cannot_be_built() -> None:
    with pytest.raises(email_channel.Unrenderable, match=r"^the message content could not be"):
        email_channel.render_message(
            "{not json", sender="registry@example.test", to="dpo@acme.test", message_id="dlv_1"
        )
