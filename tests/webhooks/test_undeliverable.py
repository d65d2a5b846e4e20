"""No notice fails silently: a message that cannot be rendered, or that the mail server
refuses for good, is FAILED at once with its cause; the proof of notice, `/metrics` and
the console's overview say so, and staff are mailed (REGISTRY_STAFF_EMAIL). A server
refusing for now is retried, and the notice delivered later.

Everything runs against a real SMTP server on loopback (tests/mail.py) and the real
scheduler jobs; time moves by the FrozenClock, never by sleeping.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import ChangeAnnouncement, CustomerDraft
from registry.domain.models import ChangeKind, Role
from registry.domain.webhooks import Delivery, DeliveryStatus, FailureKind
from registry.scheduler.jobs import JOBS
from registry.scheduler.loop import Scheduler
from registry.services import changes, customers, webhooks
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.outbox import staff_alerts as alert_job
from registry.services.outbox.batch import Batch
from registry.store import deliveries, delivery_queue, staff_alerts
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api
from tests.mail import MailServer
from tests.web.console_support import browser_like, sign_in
from tests.web.test_metrics import parse, value
from tests.webhooks.conftest import Receiver, customer_caller, emit_event, new_customer

ADMIN = Caller(Role.ADMIN)
STAFF = "privacy-team@registry.test"
EVIL_NAME = "Evil Corp\r\nBcc: all@acme.test"


class Crash(BaseException):
    """The process dies here: no handler catches it, its leases stay held."""


@pytest.fixture(scope="module")
async def mail() -> AsyncIterator[MailServer]:
    async with MailServer() as server:
        yield server


@pytest.fixture
async def api(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document], mail: MailServer
) -> AsyncIterator[Api]:
    """A registry of the test's own: its announcements reach its own customers only."""
    name = f"t_undeliverable_{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        mongo_uri,
        name,
        smtp_url=mail.url,
        staff_email=STAFF,
        webhook_retry_schedule="0,5s,5m",
        public_url="https://registry.example",
    )
    async with running_api(settings, FrozenClock(START)) as made:
        yield made
    await mongo_client.drop_database(name)


@pytest.fixture(autouse=True)
def fresh_mailbox(mail: MailServer) -> None:
    mail.messages.clear()
    mail.envelopes.clear()
    mail.refuse.clear()
    mail.answer = "250 OK"


async def run(api: Api) -> None:
    await Scheduler(api.deps, JOBS, worker_id="w1").run_until_idle()


async def customer(api: Api, name: str, *addresses: str) -> str:
    made = await customers.create_customer(
        api.deps, ADMIN, CustomerDraft(name, notice_emails=addresses)
    )
    return made.id


async def announce(api: Api, legal_name: str = "Postmark") -> str:
    """An ADD of a new vendor, noticed to every customer of the test;
    `legal_name` is written to the store directly, past the checks, as a vendor
    recorded before them may hold it."""
    created = await api.gql(
        'mutation { createSubprocessor(input: {legalName: "Placeholder", purpose: "E-mail"}) '
        "{ ... on SubprocessorCreated { subprocessor { id } } } }",
        key=await api.key(Role.ADMIN, name="vendors"),
    )
    vendor_id = created["createSubprocessor"]["subprocessor"]["id"]
    await api.deps.db["subprocessors"].update_one(
        {"_id": vendor_id}, {"$set": {"legal_name": legal_name}}
    )
    change = await changes.announce_change(
        api.deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, vendor_id)
    )
    return change.id


async def deliveries_of(api: Api, change_id: str) -> dict[str, Delivery]:
    """The change's e-mail deliveries, by address."""
    event_ids = [doc["_id"] async for doc in api.deps.db["events"].find({"change_id": change_id})]
    cursor = api.deps.db[deliveries.NAME].find({"event_id": {"$in": event_ids}})
    found = await deliveries.get_many(api.deps.db, [doc["_id"] async for doc in cursor])
    return {d.target or "": d for d in found.values() if d.channel == "email"}


def staff_mail(mail: MailServer) -> list[EmailMessage]:
    return [m for m in mail.messages if m["To"] == STAFF]


def body_of_mail(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    text: str = part.get_content()
    return text


async def proof(api: Api, change_id: str, key: str) -> dict[str, dict[str, object]]:
    response = await api.http.get(
        f"/changes/{change_id}/notices.json", headers={"authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
    rows = [json.loads(line) for line in response.text.splitlines()]
    return {str(row["customer_id"]): row for row in rows}


async def test_a_notice_that_cannot_be_rendered_fails_at_once_and_reaches_staff(
    api: Api, mail: MailServer
) -> None:
    names = [f"Render Customer {n}" for n in range(5)]
    ids = [await customer(api, name, f"dpo{n}@render.test") for n, name in enumerate(names)]
    change_id = await announce(api, EVIL_NAME)

    await run(api)

    found = await deliveries_of(api, change_id)
    assert len(found) == 5
    for delivery in found.values():
        # One attempt, given up at once: not left to a lease running out.
        assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.FAILED, 1)
        assert delivery.failure is not None
        assert delivery.failure.kind is FailureKind.UNRENDERABLE
        assert delivery.failure.cause == (
            "the subject could not be rendered: "
            "Header values may not contain linefeed or carriage return characters"
        )
        [attempt] = delivery.attempts
        assert attempt.error == delivery.failure.summary
        assert (attempt.error or "").startswith("not delivered: the subject could not be rendered")
    assert await api.deps.db[delivery_queue.NAME].count_documents({}) == 0

    # Staff are told, in one message naming each customer and the vendor as stored.
    [alert] = staff_mail(mail)
    assert [m for m in mail.messages if m["To"] != STAFF] == []
    assert alert["Subject"] == "5 notices not delivered"
    text = body_of_mail(alert)
    assert "Evil Corp<U+000D><U+000A>Bcc: all@acme.test" in text
    for name, customer_id in zip(names, ids, strict=True):
        assert f"change.announced to {name} by e-mail" in text
        assert f"https://registry.example/console/customers/{customer_id}" in text
    assert text.count("not delivered: the subject could not be rendered") == 5
    assert f"https://registry.example/console/changes/{change_id}" in text
    assert await staff_alerts.count_pending(api.deps.db) == 0

    # Once per failed delivery: nothing more is sent on later ticks.
    api.clock.advance(timedelta(hours=1))
    await run(api)
    assert len(staff_mail(mail)) == 1

    key = await api.key(Role.ADMIN, name="auditor")
    rows = await proof(api, change_id, key)
    for customer_id in ids:
        assert rows[customer_id]["delivered_at"] is None
        assert rows[customer_id]["not_delivered"] == (
            "not delivered: the subject could not be rendered: Header values may not contain "
            "linefeed or carriage return characters (e-mail)"
        )

    scraped = await api.http.get("/metrics", headers={"authorization": f"Bearer {key}"})
    samples = parse(scraped.text)
    failed = value(samples, "registry_deliveries_failed", channel="email", cause="unrenderable")
    assert failed >= 5
    assert value(samples, "registry_staff_alerts_pending") == 0

    async with browser_like(api, base_url="https://registry.example") as client:
        await sign_in(client, key)
        page = await client.get("/console")
    assert page.status_code == 200
    section = page.text.split('id="deliveries"', 1)[1].split("</section>", 1)[0]
    assert "Notices not delivered" in section
    assert f'href="/console/changes/{change_id}"' in section
    assert "Evil Corp" in section
    for name, customer_id in zip(names, ids, strict=True):
        assert f'<a href="/console/customers/{customer_id}">{name}</a>' in section
    assert section.count("not delivered: the subject could not be rendered") == 5


async def test_a_permanent_refusal_fails_at_once_with_the_reply(api: Api, mail: MailServer) -> None:
    mail.refuse["gone@refused.test"] = "550 5.1.1 <gone@refused.test>: mailbox unavailable"
    refused = await customer(api, "Refused Customer", "gone@refused.test")
    change_id = await announce(api)

    await run(api)

    gone = (await deliveries_of(api, change_id))["gone@refused.test"]
    assert (gone.status, gone.attempt_count) == (DeliveryStatus.FAILED, 1)
    assert gone.failure is not None
    assert gone.failure.kind is FailureKind.REFUSED
    reply = "550 5.1.1 <gone@refused.test>: mailbox unavailable"
    assert gone.failure.cause == f"the mail server refused the recipient: {reply}"
    [attempt] = gone.attempts
    assert attempt.status_code == 550
    assert attempt.error == f"not delivered: the mail server refused the recipient: {reply}"

    [alert] = staff_mail(mail)
    assert alert["Subject"] == "1 notice not delivered"
    assert f"the mail server refused the recipient: {reply}" in body_of_mail(alert)
    rows = await proof(api, change_id, await api.key(Role.ADMIN))
    assert str(rows[refused]["not_delivered"]).startswith(
        "not delivered: the mail server refused the recipient: 550"
    )


async def test_a_temporary_refusal_is_retried_and_later_delivered(
    api: Api, mail: MailServer
) -> None:
    mail.refuse["busy@later.test"] = "450 4.2.1 mailbox busy, try again later"
    later = await customer(api, "Later Customer", "busy@later.test")
    change_id = await announce(api)

    await run(api)
    waiting = (await deliveries_of(api, change_id))["busy@later.test"]
    assert (waiting.status, waiting.attempt_count) == (DeliveryStatus.PENDING, 1)
    assert waiting.failure is None
    assert staff_mail(mail) == []

    del mail.refuse["busy@later.test"]
    api.clock.advance(timedelta(seconds=7))  # past the 5 s step, whatever its jitter
    await run(api)
    sent = (await deliveries_of(api, change_id))["busy@later.test"]
    assert (sent.status, sent.attempt_count) == (DeliveryStatus.DELIVERED, 2)
    assert [to for _, to in mail.envelopes].count(["busy@later.test"]) == 1
    assert staff_mail(mail) == []
    rows = await proof(api, change_id, await api.key(Role.ADMIN))
    assert rows[later]["delivered_at"] is not None
    assert rows[later]["not_delivered"] is None


async def test_staff_mail_refused_waits_for_the_lease_then_is_sent(
    api: Api, mail: MailServer
) -> None:
    mail.refuse["gone@wait.test"] = "550 5.1.1 mailbox unavailable"
    mail.refuse[STAFF] = "451 4.3.0 staff mailbox over quota"
    await customer(api, "Waiting Customer", "gone@wait.test")
    await announce(api)

    await run(api)
    assert staff_mail(mail) == []
    assert await staff_alerts.count_pending(api.deps.db) == 1

    del mail.refuse[STAFF]
    await run(api)  # the failed sender keeps its lease: no second try yet
    assert staff_mail(mail) == []
    api.clock.advance(alert_job.SENDER_LEASE + timedelta(seconds=1))
    await run(api)
    [alert] = staff_mail(mail)
    assert "the mail server refused the recipient: 550" in body_of_mail(alert)
    assert await staff_alerts.count_pending(api.deps.db) == 0


async def test_a_failure_recorded_before_a_crash_still_reaches_staff(
    api: Api, mail: MailServer
) -> None:
    """The worker recorded the failure and died before noting the alert: the next claim
    of the queue entry finds the delivery FAILED and notes it then."""
    mail.refuse["gone@crash.test"] = "550 5.1.1 mailbox unavailable"
    await customer(api, "Crash Customer", "gone@crash.test")
    change_id = await announce(api)
    real_add = staff_alerts.add
    calls = 0

    async def crash_once(db: object, alerts: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise Crash("the worker dies here")
        await real_add(db, alerts)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(staff_alerts, "add", crash_once)
        with pytest.raises(Crash):
            await run(api)
        gone = (await deliveries_of(api, change_id))["gone@crash.test"]
        assert gone.status is DeliveryStatus.FAILED
        assert await staff_alerts.count_pending(api.deps.db) == 0
        api.clock.advance(timedelta(minutes=5))  # the dead worker's lease runs out
        await run(api)
    [alert] = staff_mail(mail)
    assert re.search(r"Crash Customer by e-mail", body_of_mail(alert))
    assert await api.deps.db[delivery_queue.NAME].count_documents({}) == 0


async def test_a_webhook_body_that_cannot_be_built_fails_at_once(
    deps: Deps, receiver: Receiver, mail: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong putting one body together is that delivery's failure, recorded
    with its cause, and the rest of the batch is sent."""
    broken = await new_customer(deps, "Broken Customer")
    fine = await new_customer(deps, "Fine Customer")
    for owner in (broken, fine):
        await webhooks.create_subscription(deps, customer_caller(owner), url=receiver.url())
    await emit_event(deps, broken)
    await emit_event(deps, fine)
    real_body_of = Batch.body_of

    def body_of(self: Batch, delivery: Delivery) -> str:
        if delivery.customer_id == broken:
            raise KeyError("change")
        return real_body_of(self, delivery)

    monkeypatch.setattr(Batch, "body_of", body_of)
    await Scheduler(deps, JOBS, worker_id="w1").run_until_idle()

    cursor = deps.db[deliveries.NAME].find({})
    found = await deliveries.get_many(deps.db, [doc["_id"] async for doc in cursor])
    by_customer = {d.customer_id: d for d in found.values()}
    failed = by_customer[broken]
    assert (failed.status, failed.attempt_count) == (DeliveryStatus.FAILED, 1)
    assert failed.failure is not None
    assert failed.failure.kind is FailureKind.UNRENDERABLE
    assert failed.failure.cause == "the message could not be built: KeyError: 'change'"
    assert by_customer[fine].status is DeliveryStatus.DELIVERED
    assert len(receiver.received) == 1
    [alert] = staff_mail(mail)
    assert "Broken Customer by webhook" in body_of_mail(alert)
