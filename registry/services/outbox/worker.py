"""DELIVER: due deliveries claimed, sent and recorded batch after batch, the stages
overlapping (see the package's docstring for the guarantees)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

import httpx

from registry.delivery import sender
from registry.domain.webhooks import Delivery
from registry.services.deps import Deps
from registry.services.outbox.batch import Batch
from registry.services.outbox.claims import claim_from
from registry.services.outbox.options import DEFAULT_OPTIONS, DeliveryOptions
from registry.services.outbox.renewal import Claims, renewed
from registry.store import delivery_queue
from registry.store.deliveries import Outcome

logger = logging.getLogger("registry.webhooks")

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
    later: a claim re-checks every entry's generation.
    """
    started = deps.clock.now()
    seen = await delivery_queue.due(deps.db, started, scan_limit(options))
    if not seen:
        return 0
    # Three stages overlap: the next batch is claimed and prepared (its subscriptions,
    # SSRF verdicts and shared payloads read) and the last one's results are written
    # while this one is on the wire. One claim and one write at a time.
    done = 0
    async with renewed(deps, worker_id, options.lease, options.renew_every) as claims:
        upcoming: (
            asyncio.Task[tuple[Batch | None, list[Delivery], list[delivery_queue.Entry]]] | None
        )
        upcoming = asyncio.create_task(_claim_batch(deps, worker_id, options, seen, claims))
        recording: asyncio.Task[None] | None = None
        try:
            while upcoming is not None:
                batch, claimed, seen = await upcoming
                upcoming = None
                if seen and deps.clock.now() - started < options.claim_for:
                    upcoming = asyncio.create_task(
                        _claim_batch(deps, worker_id, options, seen, claims)
                    )
                if batch is None:
                    continue
                outcomes = await _send(deps, options, batch, claimed)
                if recording is not None:
                    await recording
                recording = asyncio.create_task(_record(batch, outcomes, claimed, claims))
                done += len(claimed)
        finally:
            if upcoming is not None:  # only when failing: its claims run out as a crash's do
                upcoming.cancel()
                await asyncio.gather(upcoming, return_exceptions=True)
            if recording is not None:
                await recording  # what was sent is always written
    return done


async def _claim_batch(
    deps: Deps,
    worker_id: str,
    options: DeliveryOptions,
    seen: Sequence[delivery_queue.Entry],
    claims: Claims,
) -> tuple[Batch | None, list[Delivery], list[delivery_queue.Entry]]:
    """Claim a batch from the scanned entries `seen` and prepare it (None: none claimed);
    its claims are renewed from now until its results are written."""
    claimed, rest = await claim_from(deps, worker_id, options, seen)
    claims.hold(_slots(claimed))
    batch = await Batch.prepare(deps, claimed, options) if claimed else None
    return batch, claimed, rest


async def _record(
    batch: Batch, outcomes: Sequence[Outcome], claimed: Sequence[Delivery], claims: Claims
) -> None:
    """Write a batch's results; then its claims need no renewal (one whose attempt failed
    unrecorded runs out, and the message is tried again)."""
    try:
        await batch.record(outcomes)
    finally:
        claims.drop(_slots(claimed))


def _slots(claimed: Sequence[Delivery]) -> list[tuple[str, int]]:
    return [(d.id, d.lease_seq + 1) for d in claimed]


async def _send(
    deps: Deps, options: DeliveryOptions, batch: Batch, claimed: list[Delivery]
) -> list[Outcome]:
    """Attempt one claimed batch with a bounded number of requests in flight."""
    limit = asyncio.Semaphore(options.concurrency)
    async with _client(deps, options) as client:

        async def attempt(delivery: Delivery) -> Outcome:
            async with limit:
                return await batch.attempt(client, delivery)

        results = await asyncio.gather(*(attempt(d) for d in claimed), return_exceptions=True)
    outcomes: list[Outcome] = []
    for delivery, result in zip(claimed, results, strict=True):
        if isinstance(result, Outcome):
            outcomes.append(result)
        else:
            _log_failure(
                result, "delivery %s failed; it is retried when its lease ends", delivery.id
            )
    return outcomes


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


def _log_failure(outcome: object, message: str, delivery_id: str) -> None:
    """One delivery's database trouble must not take its batch down (at-least-once)."""
    if isinstance(outcome, BaseException):
        if not isinstance(outcome, Exception):
            raise outcome
        logger.error(message, delivery_id, exc_info=outcome)
