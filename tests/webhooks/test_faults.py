"""Process-level faults: a worker killed mid-send, and the database going away mid-batch."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from registry import devdb
from registry.clock import FrozenClock, SystemClock
from registry.domain.webhooks import DeliveryStatus
from registry.scheduler.loop import Scheduler
from registry.services import webhooks
from registry.services.deps import Deps
from registry.services.outbox.dispatch import dispatch_events
from registry.services.outbox.options import DEFAULT_OPTIONS, DeliveryOptions
from registry.services.outbox.worker import deliver_due
from registry.store import deliveries, delivery_queue
from tests.conftest import Api, make_settings, running_api
from tests.webhooks.conftest import Receiver, customer_caller, emit_event, new_customer, signed_by

FAST = DeliveryOptions(connect_timeout=0.5, total_timeout=1.0)


async def test_a_worker_killed_after_sending_is_resent_with_the_same_id(
    api: Api, deps: Deps, receiver: Receiver, mongo_uri: str, db_name: str
) -> None:
    customer = await new_customer(deps)
    sub, secret = await webhooks.create_subscription(
        deps, customer_caller(customer), url=receiver.url(host="127.0.0.1")
    )
    receiver.script = ["hang"]  # the message arrives; the answer never comes
    event_id = await emit_event(deps, customer)
    env = {
        **os.environ,
        "MONGODB_URI": mongo_uri,
        "REGISTRY_DB_NAME": db_name,
        "REGISTRY_SECRET_KEY": "test-secret-key",
        "REGISTRY_WEBHOOK_ALLOW_CIDRS": "127.0.0.1/32",
        "REGISTRY_SCHEDULER_INTERVAL": "50ms",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "registry",
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await receiver.wait_for_requests(1)
    finally:
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    assert worker.returncode == -signal.SIGKILL
    [sent] = receiver.received
    pending = await deliveries.get(deps.db, sent.headers["webhook-id"])
    assert pending is not None
    assert (pending.event_id, pending.status, pending.attempts) == (
        event_id,
        DeliveryStatus.PENDING,
        (),
    )

    assert await deliver_due(deps, "w2", options=FAST) == 0  # the dead worker's lease holds
    api.clock.set(SystemClock().now() + DEFAULT_OPTIONS.lease + timedelta(seconds=1))
    assert await deliver_due(deps, "w2", options=FAST) == 1

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == pending.id
    assert signed_by(secret, second)
    done = await deliveries.get(deps.db, pending.id)
    assert done is not None
    assert done.status is DeliveryStatus.DELIVERED
    assert [(a.number, a.outcome) for a in done.attempts] == [(1, "failure"), (2, "success")]
    assert done.attempts[0].error == deliveries.LOST_LEASE
    assert sub.id == done.subscription_id


async def test_the_worker_resumes_after_the_database_restarts_mid_batch(
    tmp_path: Path, receiver: Receiver
) -> None:
    port, data = devdb.free_port(), tmp_path / "db"
    clock = FrozenClock(SystemClock().now())
    settings = make_settings(f"mongodb://127.0.0.1:{port}/", "restart", connect_timeout_s=1.0)
    options = dataclasses.replace(FAST, batch_size=10, concurrency=10)
    database = contextlib.ExitStack()
    database.enter_context(devdb.running(data, port))
    try:
        async with running_api(settings, clock) as api:
            deps = api.deps
            customer = await new_customer(deps)
            await webhooks.create_subscription(
                deps, customer_caller(customer), url=receiver.url(host="127.0.0.1")
            )
            for _ in range(30):
                await emit_event(deps, customer)
            scheduler = Scheduler(
                deps, [dispatch_events, functools.partial(deliver_due, options=options)], "w1"
            )
            # The first batch is answered; the second is on the wire when the
            # database goes away.
            receiver.script = ["200"] * 10 + ["hang"]
            run = asyncio.create_task(scheduler.run_once())
            await receiver.wait_for_requests(20)
            # The pipeline writes a batch's results while the next is on the wire:
            # wait until the first batch is recorded, then take the database away.
            await _until_delivered(deps, 10)
            database.close()
            # Events were dispatched; the delivery job failed: logged, not raised.
            assert await run == 30
            database.enter_context(devdb.running(data, port))
            delivered = await deps.db[deliveries.NAME].count_documents({"status": "DELIVERED"})
            assert delivered >= 10  # the first batch was recorded before the outage

            # Once the lost batch's leases run out, everything goes out.
            clock.advance(options.lease + timedelta(seconds=1))
            await scheduler.run_until_idle()

            queued = [d["_id"] async for d in deps.db[deliveries.NAME].find({})]
            assert len(queued) == 30
            assert set(receiver.ids()) == set(queued)
            found = await deliveries.get_many(deps.db, queued)
            assert {d.status for d in found.values()} == {DeliveryStatus.DELIVERED}
            assert await deps.db[delivery_queue.NAME].count_documents({}) == 0
    finally:
        database.close()


async def _until_delivered(deps: Deps, count: int) -> None:
    """Poll until `count` deliveries are recorded as delivered (10 s at most)."""
    async with asyncio.timeout(10):
        while True:
            if await deps.db[deliveries.NAME].count_documents({"status": "DELIVERED"}) >= count:
                return
            await asyncio.sleep(0.02)
