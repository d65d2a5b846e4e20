"""Two workers over one queue: everything delivered, nothing claimed twice within a lease."""

from __future__ import annotations

import asyncio
import collections
import dataclasses

import pytest

from registry.services import webhooks
from registry.services.deps import Deps
from registry.services.outbox.dispatch import dispatch_events
from registry.services.outbox.options import DeliveryOptions
from registry.services.outbox.worker import deliver_due, scan_limit
from registry.store import deliveries, delivery_queue
from tests.conftest import Api
from tests.webhooks.conftest import (
    Receiver,
    customer_caller,
    emit_announcements,
    new_customer,
    signed_by,
)

COUNT = 300
OPTIONS = DeliveryOptions(batch_size=24, connect_timeout=1.0, total_timeout=2.0)


async def test_two_workers_deliver_each_message_once(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer = await new_customer(deps)
    sub, secret = await webhooks.create_subscription(
        deps, customer_caller(customer), url=receiver.url()
    )
    await emit_announcements(deps, customer, COUNT)
    options = dataclasses.replace(OPTIONS, dispatch_batch=COUNT)
    assert await dispatch_events(deps, "dispatcher", options=options) == COUNT

    done: collections.Counter[str] = collections.Counter()

    async def work(worker_id: str) -> None:
        for _ in range(COUNT):
            delivered = await deliver_due(deps, worker_id, options=OPTIONS)
            done[worker_id] += delivered
            if not delivered and not await deps.db[deliveries.NAME].count_documents(
                {"status": "PENDING"}
            ):
                return
            await asyncio.sleep(0)  # let the other worker in; no waiting on time

    await asyncio.gather(work("w1"), work("w2"))

    sent = collections.Counter(receiver.ids())
    assert len(sent) == COUNT
    assert set(sent.values()) == {1}
    assert done["w1"] > 0
    assert done["w2"] > 0
    assert done["w1"] + done["w2"] == COUNT
    states = [d async for d in deps.db[deliveries.NAME].find({"subscription_id": sub.id})]
    assert {d["status"] for d in states} == {"DELIVERED"}
    logged = collections.Counter(
        [a["delivery_id"] async for a in deps.db[deliveries.ATTEMPTS].find({})]
    )
    assert set(logged.values()) == {1}
    assert set(logged) == {d["_id"] for d in states}
    # Nothing left queued or leased: every claim was completed by its holder.
    assert await deps.db[delivery_queue.NAME].count_documents({}) == 0
    assert await deps.db[delivery_queue.LEASES].count_documents({}) == 0
    assert signed_by(secret, receiver.received[0])


@pytest.mark.parametrize(
    ("batch_size", "scanned"),
    [(1, 8), (128, 1024), (512, 4096), (2048, 4096), (8192, 8192)],
)
def test_a_scan_reads_a_few_batches_but_never_far_more_than_a_call_can_claim(
    batch_size: int, scanned: int
) -> None:
    assert scan_limit(DeliveryOptions(batch_size=batch_size)) == scanned
