"""DELIVER: due deliveries claimed, sent and recorded batch after batch, the stages
overlapping (see the package's docstring for the guarantees)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from registry.delivery import sender
from registry.services.deps import Deps
from registry.services.outbox.flow import Flow
from registry.services.outbox.options import DEFAULT_OPTIONS, DeliveryOptions
from registry.services.outbox.renewal import renewed
from registry.store import delivery_queue

SCAN_BATCHES = 8  # one scan of the queue feeds this many batches
SCAN_MOST = 4096
"""No more entries than this, unless one batch is larger: what a call leaves unclaimed
when `claim_for` runs out is read again by the next call's scan (a batch of 2,048
scanning 16,384 entries spent more on rescans than on its deliveries)."""


def scan_limit(options: DeliveryOptions) -> int:
    """How many due entries one call's scan reads."""
    return max(options.batch_size, min(options.batch_size * SCAN_BATCHES, SCAN_MOST))


async def deliver_due(
    deps: Deps, worker_id: str, *, options: DeliveryOptions = DEFAULT_OPTIONS
) -> int:
    """Claim, send and record due deliveries batch after batch; returns how many.

    One scan of the queue (`scan_limit`) feeds up to SCAN_BATCHES batches, claimed
    for at most `options.claim_for`. The scan is the costliest read (the embedded
    database sorts the due entries itself), and what it found stays safe to claim
    later: a claim re-checks every entry's generation. The batches flow through
    `options.concurrency` senders (`flow.py`): the next batch is claimed and prepared
    while this one is on the wire, and each is written once its last answer is in.
    """
    started = deps.clock.now()
    seen = await delivery_queue.due(deps.db, started, scan_limit(options))
    if not seen:
        return 0
    async with (
        renewed(deps, worker_id, options.lease, options.renew_every) as claims,
        _client(deps, options) as client,
    ):
        return await Flow(deps, worker_id, options, claims, client).run(seen, started)


@contextlib.asynccontextmanager
async def _client(deps: Deps, options: DeliveryOptions) -> AsyncIterator[httpx.AsyncClient]:
    if deps.webhook_client is not None:
        yield deps.webhook_client
        return
    async with sender.build_client(
        connect_timeout=options.connect_timeout,
        total_timeout=options.total_timeout,
        max_connections=max(100, options.batch_size),
    ) as client:
        yield client
