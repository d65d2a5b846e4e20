"""Dispatch and delivery against a real receiver on 127.0.0.1, time moved by the clock."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook

from registry.clock import FrozenClock
from registry.delivery.sender import build_client
from registry.domain.models import Role
from registry.domain.webhooks import Attempt, Delivery, DeliveryStatus, Subscription
from registry.services import webhooks
from registry.services.deps import Deps
from registry.services.outbox.batch import Batch
from registry.services.outbox.claims import claim_due
from registry.services.outbox.dispatch import dispatch_events
from registry.services.outbox.options import DeliveryOptions
from registry.services.outbox.worker import deliver_due
from registry.store import deliveries, delivery_queue, events, webhook_subscriptions
from tests.conftest import Api, make_settings
from tests.webhooks.conftest import (
    HOOK_HOST,
    Receiver,
    StubDns,
    customer_caller,
    emit_event,
    gql,
    new_customer,
    signed_by,
)

# Loopback answers in milliseconds; the margin is for a loaded CI machine.
FAST = DeliveryOptions(connect_timeout=1.0, total_timeout=2.0)


async def subscribe(
    deps: Deps,
    receiver: Receiver,
    customer: str | None = None,
    path: str = "/hook",
    **options: Any,
) -> tuple[str, Subscription, str]:
    customer = customer or await new_customer(deps)
    sub, secret = await webhooks.create_subscription(
        deps, customer_caller(customer), url=receiver.url(path), **options
    )
    return customer, sub, secret


async def delivery_of(deps: Deps, event_id: str, subscription_id: str) -> Delivery:
    doc = await deps.db[deliveries.NAME].find_one(
        {"event_id": event_id, "subscription_id": subscription_id}
    )
    assert doc is not None
    found = await deliveries.get(deps.db, doc["_id"])
    assert found is not None
    return found


async def refreshed(deps: Deps, delivery: Delivery) -> Delivery:
    found = await deliveries.get(deps.db, delivery.id)
    assert found is not None
    return found


def clock(api: Api) -> FrozenClock:
    return api.clock


@pytest.mark.parametrize(
    ("lease_s", "renew_s", "valid"),
    [
        pytest.param(6.0, 2.0, True, id="production: three renewals per lease"),
        pytest.param(5.9, 2.0, False, id="under three renewals"),
        pytest.param(0.3, 0.1, True, id="short"),
    ],
)
def test_the_lease_must_last_three_renewals(lease_s: float, renew_s: float, valid: bool) -> None:
    def make() -> DeliveryOptions:
        return DeliveryOptions(
            lease=timedelta(seconds=lease_s), renew_every=timedelta(seconds=renew_s)
        )

    if valid:
        assert make().lease == timedelta(seconds=lease_s)
    else:
        with pytest.raises(ValueError, match="three renewal periods"):
            make()


async def test_a_claim_is_renewed_while_its_batch_outlasts_the_lease(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    clock = api.clock
    customer, sub, _ = await subscribe(deps, receiver)
    event_id = await emit_event(deps, customer)
    assert await dispatch_events(deps, "w1") == 1
    short = dataclasses.replace(
        FAST,
        total_timeout=1.5,
        lease=timedelta(seconds=0.3),
        renew_every=timedelta(seconds=0.1),
    )
    receiver.script = ["hang"]  # on the wire for the whole timeout
    first = asyncio.create_task(deliver_due(deps, "w1", options=short))
    await receiver.wait_for_requests(1)
    step, moved = timedelta(seconds=0.05), timedelta(0)
    while not first.done():
        # The clock moves half a renewal period per renewal period: without
        # renewals, w1's lease would run out after six turns.
        clock.advance(step)
        moved += step
        await asyncio.sleep(0.1)
        assert await deliver_due(deps, "w2", options=short) == 0  # still w1's
    assert await first == 1
    assert moved > short.lease
    assert len(receiver.received) == 1
    delivery = await delivery_of(deps, event_id, sub.id)
    assert [(a.number, a.error) for a in delivery.attempts] == [
        (1, "timed out: no complete response within 1.5 s")
    ]
    assert await deps.db[delivery_queue.LEASES].count_documents({}) == 0


async def test_an_unrenewed_claim_runs_out_after_the_lease(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    clock = api.clock
    customer, _, _ = await subscribe(deps, receiver)
    await emit_event(deps, customer)
    assert await dispatch_events(deps, "w1") == 1
    [claimed] = await claim_due(deps, "w1", FAST)  # and never worked on: no renewal
    slot = delivery_queue.slot_id(claimed.id, claimed.lease_seq + 1)
    lease = await deps.db[delivery_queue.LEASES].find_one({"_id": slot})
    assert lease is not None
    assert lease["until"] - lease["taken_at"] == FAST.lease == timedelta(seconds=6)
    clock.advance(FAST.lease)
    assert await deliver_due(deps, "w2", options=FAST) == 0  # not yet past its end
    clock.advance(timedelta(milliseconds=1))
    assert await deliver_due(deps, "w2", options=FAST) == 1
    assert receiver.ids() == [claimed.id]


async def test_a_delivery_is_signed_the_standard_webhooks_way(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, sub, secret = await subscribe(deps, receiver)
    event_id = await emit_event(deps, customer, effectiveAt="2026-04-06T00:00:00Z")

    assert await dispatch_events(deps, "w1") == 1
    assert await deliver_due(deps, "w1", options=FAST) == 1

    [received] = receiver.received
    payload = Webhook(secret).verify(received.body, received.headers)
    delivery = await delivery_of(deps, event_id, sub.id)
    assert received.headers["webhook-id"] == delivery.id
    assert received.headers["host"] == f"{HOOK_HOST}:{receiver.port}"
    assert payload["type"] == "change.announced"
    assert payload["timestamp"] == deps.clock.now().isoformat().replace("+00:00", "Z")
    assert payload["data"]["change"]["effectiveAt"] == "2026-04-06T00:00:00Z"
    assert payload["data"]["notice"]["customerId"] == customer
    assert payload["data"]["customer"] == {
        "id": customer,
        "timeZone": "UTC",
        "dataOrigin": "EEA",
        "language": "en",
    }
    assert payload["data"]["change"]["subprocessor"]["legalName"] == "Mailgun Technologies, Inc."
    link = payload["data"]["links"]["notice"]
    assert link.startswith("http://127.0.0.1:8000/notices/ntc_"), link
    assert delivery.status is DeliveryStatus.DELIVERED
    [attempt] = delivery.attempts
    assert (attempt.number, attempt.status_code, attempt.outcome) == (1, 200, "success")
    assert attempt.response_excerpt == "answer 200"
    assert attempt.latency_ms is not None
    assert attempt.latency_ms > 0
    assert await delivery_queue.get(deps.db, delivery.id) is None  # finished: off the queue
    event = await deps.db[events.NAME].find_one({"_id": event_id})
    assert event is not None
    assert event["dispatched_at"] is not None


async def test_dispatch_matches_customer_and_event_types_and_is_idempotent(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, everything, _ = await subscribe(deps, receiver)
    _, cancellations, _ = await subscribe(
        deps, receiver, customer, event_types=["change.cancelled"]
    )
    other, others, _ = await subscribe(deps, receiver)
    announced = await emit_event(deps, customer, "change.announced")
    cancelled = await emit_event(deps, customer, "change.cancelled")

    assert await dispatch_events(deps, "w1") == 2
    # A crash before dispatched_at was written: the same events come round again.
    await deps.db[events.NAME].update_many({}, {"$set": {"dispatched_at": None}})
    assert await dispatch_events(deps, "w2") == 2
    assert await dispatch_events(deps, "w2") == 0

    made = {(d["event_id"], d["subscription_id"]) async for d in deps.db[deliveries.NAME].find({})}
    assert made == {
        (announced, everything.id),
        (cancelled, everything.id),
        (cancelled, cancellations.id),
    }
    assert others.customer_id == other


async def test_500_then_timeout_then_refused_then_200_follows_the_schedule(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, sub, secret = await subscribe(deps, receiver)
    event_id = await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    receiver.script = ["500", "hang"]
    expected_gaps = [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30)]

    await deliver_due(deps, "w1", options=FAST)  # 1: HTTP 500
    first = await delivery_of(deps, event_id, sub.id)
    for number, gap in enumerate(expected_gaps, start=1):
        delivery = await refreshed(deps, first)
        assert delivery.status is DeliveryStatus.PENDING
        assert delivery.attempt_count == number
        assert delivery.next_attempt_at is not None
        waited = delivery.next_attempt_at - delivery.attempts[-1].at
        assert gap * 0.8 <= waited <= gap * 1.2, (number, waited)
        # Not due a moment before its time...
        clock(api).set(delivery.next_attempt_at - timedelta(milliseconds=1))
        assert await deliver_due(deps, "w1", options=FAST) == 0
        clock(api).set(delivery.next_attempt_at)
        if number == 2:
            await receiver.stop()  # 3: connection refused
        if number == 3:
            await receiver.start()  # 4: HTTP 200, same port
        assert await deliver_due(deps, "w1", options=FAST) == 1

    done = await refreshed(deps, first)
    assert done.status is DeliveryStatus.DELIVERED
    assert [a.status_code for a in done.attempts] == [500, None, None, 200]
    assert [a.outcome for a in done.attempts] == ["failure", "failure", "failure", "success"]
    assert "500" in (done.attempts[0].error or "")
    assert "timed out" in (done.attempts[1].error or "")
    assert "Connect" in (done.attempts[2].error or "")
    assert len(receiver.received) == 3  # the refused attempt never arrived
    assert set(receiver.ids()) == {done.id}
    assert len({r.headers["webhook-timestamp"] for r in receiver.received}) == 3
    assert all(signed_by(secret, r) for r in receiver.received)
    healthy = await webhook_subscriptions.get(deps.db, sub.id)
    assert healthy is not None
    assert (healthy.failing_since, healthy.last_success_at) == (None, done.attempts[-1].at)


async def test_a_delivery_id_naming_another_delivery_is_refused(deps: Deps) -> None:
    def record(event_id: str, subscription_id: str) -> dict[str, Any]:
        return deliveries.new_document(
            delivery_id="dlv_" + "a" * 24,
            event_id=event_id,
            event_type="change.announced",
            subscription_id=subscription_id,
            customer_id="cus_" + "1" * 24,
            body="{}",
            now=deps.clock.now(),
        )

    assert await deliveries.insert_new(deps.db, [record("evt_1", "whs_1")]) == 1
    assert await deliveries.insert_new(deps.db, [record("evt_1", "whs_1")]) == 0  # the same one

    with pytest.raises(deliveries.DeliveryIdCollision):
        await deliveries.insert_new(deps.db, [record("evt_2", "whs_1")])


async def test_a_repeated_dispatch_does_not_send_a_finished_delivery_again(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, sub, _ = await subscribe(deps, receiver)
    event_id = await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    assert await deliver_due(deps, "w1", options=FAST) == 1
    # A crash before dispatched_at was written, noticed only after the delivery went out.
    await deps.db[events.NAME].update_many({}, {"$set": {"dispatched_at": None}})

    assert await dispatch_events(deps, "w2") == 1
    assert await deliver_due(deps, "w2", options=FAST) == 0

    assert len(receiver.received) == 1
    assert await deps.db[deliveries.NAME].count_documents({}) == 1
    assert await deps.db[delivery_queue.NAME].count_documents({}) == 0
    delivery = await delivery_of(deps, event_id, sub.id)
    assert (delivery.status, len(delivery.attempts)) == (DeliveryStatus.DELIVERED, 1)


async def test_a_worker_that_crashed_after_sending_is_fenced_and_the_message_resent(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, sub, secret = await subscribe(deps, receiver)
    event_id = await emit_event(deps, customer)
    await dispatch_events(deps, "w1")

    [claimed] = await claim_due(deps, "crashed", FAST)
    batch = await Batch.prepare(deps, [claimed], FAST)
    async with build_client() as client:
        result = await batch.send(client, claimed, sub, deps.clock.now())
    assert result.outcome == "success"  # sent, and then the worker died

    assert await deliver_due(deps, "w2", options=FAST) == 0  # its lease still holds
    clock(api).advance(FAST.lease + timedelta(seconds=1))
    assert await deliver_due(deps, "w2", options=FAST) == 1

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == claimed.id
    assert signed_by(secret, first)
    assert signed_by(secret, second)
    delivery = await delivery_of(deps, event_id, sub.id)
    assert delivery.status is DeliveryStatus.DELIVERED
    assert [(a.number, a.outcome) for a in delivery.attempts] == [(1, "failure"), (2, "success")]
    assert "lease expired" in (delivery.attempts[0].error or "")
    late = Attempt(1, deps.clock.now(), 200, 1.0, "", None, "success")
    assert not await deliveries.record(
        deps.db, deliveries.Outcome(claimed, late, DeliveryStatus.DELIVERED, None)
    )
    after = await refreshed(deps, delivery)
    assert after.attempts == (*delivery.attempts, late)  # it happened, so it is logged
    assert dataclasses.replace(after, attempts=delivery.attempts) == delivery  # nothing else


async def test_a_claim_skips_held_entries_fills_its_batch_past_them_and_revives_dead_ones(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, _, _ = await subscribe(deps, receiver)
    for _ in range(5):
        await emit_event(deps, customer)
    await dispatch_events(deps, "w1")

    first = await claim_due(deps, "w1", dataclasses.replace(FAST, batch_size=2))
    second = await claim_due(deps, "w2", dataclasses.replace(FAST, batch_size=5))
    assert len(first) == 2
    assert len(second) == 3  # the batch went on past w1's two
    assert not {d.id for d in first} & {d.id for d in second}
    assert await claim_due(deps, "w3", dataclasses.replace(FAST, batch_size=5)) == []
    leases = deps.db[delivery_queue.LEASES]
    assert await leases.count_documents({}) == 5  # the refused slots wrote nothing

    clock(api).advance(FAST.lease + timedelta(seconds=1))  # both workers died
    revived = await claim_due(deps, "w3", dataclasses.replace(FAST, batch_size=5))
    assert sorted(d.id for d in revived) == sorted(d.id for d in [*first, *second])
    assert {d.attempt_count for d in revived} == {2}  # the lost attempt is counted
    assert {doc["owner"] async for doc in leases.find({})} == {"w3"}
    assert await leases.count_documents({}) == 5
    for delivery in revived:
        assert [a.error for a in (await refreshed(deps, delivery)).attempts] == [
            deliveries.LOST_LEASE
        ]


async def test_410_disables_the_subscription_and_tells_the_customer(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, gone, _ = await subscribe(deps, receiver, path="/gone")
    _, remaining, secret = await subscribe(deps, receiver, customer)
    receiver.routes["/gone"] = "410"
    await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    await deliver_due(deps, "w1", options=FAST)

    assert await dispatch_events(deps, "w1") == 1  # the subscription.disabled event
    assert await deliver_due(deps, "w1", options=FAST) == 1

    by_path = [(r.path, json.loads(r.body)["type"]) for r in receiver.received]
    assert sorted(by_path) == [
        ("/gone", "change.announced"),
        ("/hook", "change.announced"),
        ("/hook", "subscription.disabled"),
    ]
    notice = receiver.received[-1]
    assert signed_by(secret, notice)
    told = json.loads(notice.body)["data"]["subscription"]
    assert (told["id"], told["reason"]) == (gone.id, "the endpoint answered 410 Gone")
    found = await webhook_subscriptions.get(deps.db, gone.id)
    assert found is not None
    assert (found.active, found.disabled_reason) == (False, "the endpoint answered 410 Gone")
    [dead] = [d async for d in deps.db[deliveries.NAME].find({"subscription_id": gone.id})]
    assert dead["status"] == "FAILED"
    flag = await webhooks.reachability(deps, customer_caller(customer), None)
    assert (flag.reachable, flag.disabled_subscription_ids) == (False, (gone.id,))
    assert flag.unreachable_since == found.disabled_at
    assert remaining.active

    enabled = await webhooks.enable_subscription(deps, customer_caller(customer), gone.id)
    assert (enabled.active, enabled.disabled_at) == (True, None)
    flag = await webhooks.reachability(deps, customer_caller(customer), None)
    assert flag.reachable


async def test_retry_after_is_honoured_and_redirects_are_not_followed(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, sub, _ = await subscribe(deps, receiver)
    slow = await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    receiver.script = ["429 120"]
    await deliver_due(deps, "w1", options=FAST)
    moved = await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    receiver.script = ["302"]
    await deliver_due(deps, "w1", options=FAST)

    throttled = await delivery_of(deps, slow, sub.id)
    assert throttled.next_attempt_at is not None
    assert throttled.next_attempt_at - deps.clock.now() >= timedelta(seconds=120)
    assert throttled.attempts[0].status_code == 429
    redirected = await delivery_of(deps, moved, sub.id)
    assert redirected.attempts[0].outcome == "redirect"
    assert "redirects are not followed" in (redirected.attempts[0].error or "")
    assert redirected.status is DeliveryStatus.PENDING
    assert [r.path for r in receiver.received] == ["/hook", "/hook"]


async def test_after_the_last_attempt_failed_and_replayable(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    short = dataclasses.replace(
        deps, settings=make_settings("unused", "unused", webhook_retry_schedule="0,5s")
    )
    customer, sub, secret = await subscribe(short, receiver)
    event_id = await emit_event(short, customer)
    await dispatch_events(short, "w1")
    receiver.default = "500"
    await deliver_due(short, "w1", options=FAST)
    clock(api).advance(timedelta(seconds=7))
    await deliver_due(short, "w1", options=FAST)

    failed = await delivery_of(short, event_id, sub.id)
    assert failed.status is DeliveryStatus.FAILED
    assert (failed.attempt_count, failed.next_attempt_at) == (2, None)
    assert failed.failed_at is not None
    clock(api).advance(timedelta(days=2))
    assert await deliver_due(short, "w1", options=FAST) == 0  # dead, not dropped

    receiver.default = "200"
    key = await api.key(Role.CUSTOMER, customer)
    replay = """mutation($id: ID!) { replayDelivery(id: $id) {
      __typename ... on DeliveryReplayed { delivery { id status attemptCount } } } }"""
    replayed = (await gql(short, key, replay, {"id": failed.id}))["replayDelivery"]
    assert replayed == {
        "__typename": "DeliveryReplayed",
        "delivery": {"id": failed.id, "status": "PENDING", "attemptCount": 0},
    }
    assert await deliver_due(short, "w1", options=FAST) == 1

    done = await refreshed(short, failed)
    assert done.status is DeliveryStatus.DELIVERED
    assert [a.status_code for a in done.attempts] == [500, 500, 200], done.attempts
    assert set(receiver.ids()) == {failed.id}
    assert signed_by(secret, receiver.received[-1])


async def test_a_subscription_failing_for_five_days_is_disabled(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, sub, _ = await subscribe(deps, receiver)
    receiver.default = "500"
    await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    await deliver_due(deps, "w1", options=FAST)
    failing = await webhook_subscriptions.get(deps.db, sub.id)
    assert failing is not None
    assert failing.failing_since == deps.clock.now()

    clock(api).advance(timedelta(days=4, hours=23))
    await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    while await deliver_due(deps, "w1", options=FAST):
        pass
    still = await webhook_subscriptions.get(deps.db, sub.id)
    assert still is not None
    assert still.active

    clock(api).advance(timedelta(hours=1))
    await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    while await deliver_due(deps, "w1", options=FAST):
        pass

    disabled = await webhook_subscriptions.get(deps.db, sub.id)
    assert disabled is not None
    assert disabled.active is False
    assert disabled.disabled_reason is not None
    assert disabled.disabled_reason.startswith("no successful delivery since")
    told = await deps.db[events.NAME].find_one({"type": "subscription.disabled"})
    assert told is not None
    assert told["customer_id"] == customer


@pytest.mark.parametrize(
    ("claim_for", "per_call"),
    [
        pytest.param(timedelta(seconds=5), [30, 0], id="one scan feeds every batch"),
        pytest.param(timedelta(0), [10, 10, 10, 0], id="out of time after the first batch"),
    ],
)
async def test_a_call_claims_batches_only_for_its_time(
    deps: Deps, receiver: Receiver, claim_for: timedelta, per_call: list[int]
) -> None:
    customer, _, _ = await subscribe(deps, receiver)
    for _ in range(30):
        await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    options = dataclasses.replace(FAST, batch_size=10, concurrency=10, claim_for=claim_for)

    done = [await deliver_due(deps, "w1", options=options) for _ in per_call]

    assert done == per_call
    assert len(set(receiver.ids())) == len(receiver.received) == 30


async def test_the_guard_runs_again_before_each_attempt(
    api: Api, deps: Deps, receiver: Receiver, dns: StubDns
) -> None:
    customer, sub, _ = await subscribe(deps, receiver)
    event_id = await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    dns.answers[HOOK_HOST] = ["10.0.0.5"]  # DNS now points inside our network

    await deliver_due(deps, "w1", options=FAST)

    delivery = await delivery_of(deps, event_id, sub.id)
    assert receiver.received == []
    assert delivery.status is DeliveryStatus.PENDING
    assert "not sent" in (delivery.attempts[0].error or "")
    assert "private" in (delivery.attempts[0].error or "")


async def test_deliveries_of_a_deleted_subscription_fail_unsent(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, sub, _ = await subscribe(deps, receiver)
    event_id = await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    await webhooks.delete_subscription(deps, customer_caller(customer), sub.id)

    await deliver_due(deps, "w1", options=FAST)

    delivery = await delivery_of(deps, event_id, sub.id)
    assert receiver.received == []
    assert delivery.status is DeliveryStatus.FAILED
    assert "deleted" in (delivery.attempts[0].error or "")


LOG = """
query($s: ID, $status: [DeliveryStatus!], $first: Int, $after: String) {
  webhookDeliveries(subscriptionId: $s, status: $status, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id subscriptionId eventType status attemptCount nextAttemptAt deliveredAt
      attempts { number at statusCode latencyMs responseExcerpt error outcome }
    } }
  }
}
"""


async def test_the_delivery_log_is_queryable_by_subscription_and_status(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, sub, _ = await subscribe(deps, receiver)
    key = await api.key(Role.CUSTOMER, customer)
    for _ in range(3):
        await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    receiver.script = ["503 60"]
    await deliver_due(deps, "w1", options=FAST)

    everything = (await gql(deps, key, LOG, {"s": sub.id}))["webhookDeliveries"]
    delivered = (await gql(deps, key, LOG, {"status": ["DELIVERED"], "first": 1}))[
        "webhookDeliveries"
    ]
    rest = (
        await gql(
            deps,
            key,
            LOG,
            {"status": ["DELIVERED"], "after": delivered["pageInfo"]["endCursor"]},
        )
    )["webhookDeliveries"]
    pending = (await gql(deps, key, LOG, {"status": ["PENDING", "FAILED"]}))["webhookDeliveries"]

    assert everything["totalCount"] == 3
    ids_newest_first = [e["node"]["id"] for e in everything["edges"]]
    assert ids_newest_first == sorted(ids_newest_first, reverse=True)
    assert (delivered["totalCount"], delivered["pageInfo"]["hasNextPage"]) == (2, True)
    assert rest["pageInfo"]["hasNextPage"] is False
    assert {e["node"]["id"] for e in delivered["edges"] + rest["edges"]} == {
        e["node"]["id"] for e in everything["edges"] if e["node"]["status"] == "DELIVERED"
    }
    [waiting] = [e["node"] for e in pending["edges"]]
    assert (waiting["status"], waiting["attemptCount"]) == ("PENDING", 1)
    [attempt] = waiting["attempts"]
    assert (attempt["statusCode"], attempt["outcome"]) == (503, "retry")
    assert attempt["responseExcerpt"] == "answer 503"
    assert attempt["latencyMs"] > 0
    ok = delivered["edges"][0]["node"]
    assert ok["deliveredAt"] is not None
    assert ok["attempts"][0]["statusCode"] == 200


async def test_after_rotation_both_secrets_sign_for_a_day(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer, sub, old_secret = await subscribe(deps, receiver)
    _, new_secret = await webhooks.rotate_secret(deps, customer_caller(customer), sub.id)
    await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    await deliver_due(deps, "w1", options=FAST)
    clock(api).advance(webhooks.ROTATION_OVERLAP)
    await emit_event(deps, customer)
    await dispatch_events(deps, "w1")
    await deliver_due(deps, "w1", options=FAST)

    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(during.body, during.headers)
    Webhook(new_secret).verify(during.body, during.headers)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert signed_by(new_secret, after)
    assert not signed_by(old_secret, after)
