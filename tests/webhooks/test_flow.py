"""A delivery call's batches as one stream: a slow receiver holds up only its own message,
and a call cancelled midway writes the answers it already has."""

from __future__ import annotations

import asyncio
import collections
import contextlib

from registry.domain.webhooks import DeliveryStatus
from registry.services import webhooks
from registry.services.deps import Deps
from registry.services.outbox.dispatch import dispatch_events
from registry.services.outbox.options import DeliveryOptions
from registry.services.outbox.worker import deliver_due
from registry.store import deliveries, delivery_queue
from tests.conftest import Api
from tests.polling import until
from tests.webhooks.conftest import Receiver, customer_caller, emit_announcements, new_customer

COUNT = 6
# Batches of two, two senders: the hung message's batch-mate and every later batch must
# get past it. The hang outlasts the test (it is cancelled first).
OPTIONS = DeliveryOptions(batch_size=2, concurrency=2, connect_timeout=1.0, total_timeout=60.0)


async def queue_messages(deps: Deps, receiver: Receiver) -> None:
    customer = await new_customer(deps)
    await webhooks.create_subscription(deps, customer_caller(customer), url=receiver.url())
    await emit_announcements(deps, customer, COUNT)
    assert await dispatch_events(deps, "dispatcher", options=OPTIONS) == COUNT


async def test_a_hung_message_holds_up_neither_its_batch_mate_nor_later_batches(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    await queue_messages(deps, receiver)
    receiver.script = ["hang"]  # the first message arrives; its answer never comes
    call = asyncio.create_task(deliver_due(deps, "w1", options=OPTIONS))
    try:
        # Sent batch by batch, nothing after the first batch would go out before the
        # hung request gave up (60 s).
        await receiver.wait_for_requests(COUNT)
        answered = set(receiver.ids()[1:])
        # Every batch without the hung message is written while it still hangs.
        await until(lambda: _all_delivered(deps, answered - {_batch_mate(receiver)}))
        assert not call.done()
    finally:
        call.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await call
    assert len(set(receiver.ids())) == COUNT


async def test_a_cancelled_call_writes_the_answers_it_has_and_leaves_the_rest_to_run_out(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    await queue_messages(deps, receiver)
    receiver.script = ["hang"]
    call = asyncio.create_task(deliver_due(deps, "w1", options=OPTIONS))
    await receiver.wait_for_requests(COUNT)
    # A sender takes its next message once it has the answer to its last, so the hung
    # one's batch-mate was answered before the third message went out.
    hung, *answered = receiver.ids()
    await until(lambda: _all_delivered(deps, set(answered) - {_batch_mate(receiver)}))
    call.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await call

    records = await deliveries.get_many(deps.db, receiver.ids())
    states = collections.Counter(r.status for r in records.values())
    # The hung one's batch-mate was answered too: written although its batch never ended.
    assert states == {DeliveryStatus.DELIVERED: COUNT - 1, DeliveryStatus.PENDING: 1}
    assert records[hung].status is DeliveryStatus.PENDING
    assert records[hung].attempts == ()
    # Its claim is still taken, to run out as a crash's would; the others' are gone.
    assert await deps.db[delivery_queue.NAME].count_documents({}) == 1
    assert await deps.db[delivery_queue.LEASES].count_documents({}) == 1


def _batch_mate(receiver: Receiver) -> str:
    """The message claimed with the hung one (the two are due first, sent first)."""
    return receiver.ids()[1]


async def _all_delivered(deps: Deps, ids: set[str]) -> bool:
    records = await deliveries.get_many(deps.db, sorted(ids), with_attempts=False)
    return len(records) == len(ids) and all(
        r.status is DeliveryStatus.DELIVERED for r in records.values()
    )
