"""One delivery call's batches as a stream: claimed and prepared a batch ahead, sent by
a fixed number of senders, and written batch by batch once every message of a batch
has its outcome.

Sending batch after batch as wholes (every message of one batch, then the next) left
the requests in flight dwindling at the end of each batch while its slowest answers
came in, and cost a task and a semaphore per message. Here each of `concurrency`
senders takes the next claimed message as soon as it is free, whichever batch it
belongs to, and a batch is written as soon as its last answer is in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

import httpx

from registry.domain.webhooks import Delivery
from registry.services.deps import Deps
from registry.services.outbox.batch import Batch
from registry.services.outbox.claims import claim_from
from registry.services.outbox.options import DeliveryOptions
from registry.services.outbox.renewal import Claims
from registry.store import delivery_queue
from registry.store.deliveries import Outcome

logger = logging.getLogger("registry.webhooks")


class _Claimed:
    """One claimed batch on its way: the outcomes in, and how many are still out."""

    def __init__(self, batch: Batch, claimed: Sequence[Delivery]) -> None:
        self.batch = batch
        self.claimed = claimed
        self.outcomes: list[Outcome | None] = [None] * len(claimed)
        self.out = len(claimed)


def slots_of(claimed: Sequence[Delivery]) -> list[tuple[str, int]]:
    """The lease slots a claim of these deliveries holds."""
    return [(d.id, d.lease_seq + 1) for d in claimed]


_Message = tuple[_Claimed, int, Delivery]


class Flow:
    """Claim, send and write the batches of one call; `run` returns how many were sent.

    Claiming stops once `options.claim_for` has passed (the first batch is always
    claimed) or a write failed. Whatever was claimed is sent and what was sent is
    written, unless the call is cancelled: then the answers already in are written
    and the rest of the claims run out, as a crash's do.
    """

    def __init__(
        self,
        deps: Deps,
        worker_id: str,
        options: DeliveryOptions,
        claims: Claims,
        client: httpx.AsyncClient,
    ) -> None:
        self.deps = deps
        self.worker_id = worker_id
        self.options = options
        self.claims = claims
        self.client = client
        # At most a batch waits for a free sender, so the claimer stays one batch ahead.
        self.queued: asyncio.Queue[_Message | None] = asyncio.Queue(maxsize=options.batch_size)
        self.answered: asyncio.Queue[_Claimed | None] = asyncio.Queue()
        self.open: list[_Claimed] = []
        self.sent = 0
        self.failure: Exception | None = None

    async def run(self, seen: Sequence[delivery_queue.Entry], started: datetime) -> int:
        claimer = asyncio.create_task(self._claim(seen, started))
        senders = [asyncio.create_task(self._send()) for _ in range(self.options.concurrency)]
        recorder = asyncio.create_task(self._record())
        claim_failure: Exception | None = None
        try:
            try:
                await claimer
            except Exception as exc:  # no more batches; what was claimed is still sent
                claim_failure = exc
            for _ in senders:
                await self.queued.put(None)  # each sender ends after what is queued
            await asyncio.gather(*senders)
        except asyncio.CancelledError:
            for task in (claimer, *senders):
                task.cancel()
            await asyncio.gather(claimer, *senders, return_exceptions=True)
            for batch in list(self.open):
                self._answered(batch)  # the answers already in are written
            raise
        finally:
            self.answered.put_nowait(None)
            await recorder
        if claim_failure is not None:
            raise claim_failure
        if self.failure is not None:
            raise self.failure
        return self.sent

    async def _claim(self, seen: Sequence[delivery_queue.Entry], started: datetime) -> None:
        first = True
        while seen and self.failure is None:
            if not first and self.deps.clock.now() - started >= self.options.claim_for:
                return
            first = False
            claimed, seen = await claim_from(self.deps, self.worker_id, self.options, seen)
            if not claimed:
                continue
            self.claims.hold(slots_of(claimed))
            batch = _Claimed(await Batch.prepare(self.deps, claimed, self.options), claimed)
            self.open.append(batch)
            for index, delivery in enumerate(claimed):
                await self.queued.put((batch, index, delivery))

    async def _send(self) -> None:
        while (message := await self.queued.get()) is not None:
            batch, index, delivery = message
            try:
                batch.outcomes[index] = await batch.batch.attempt(self.client, delivery)
            except Exception:  # one delivery's trouble must not take the others down
                logger.exception(
                    "delivery %s failed; it is retried when its lease ends", delivery.id
                )
            batch.out -= 1
            if batch.out == 0:
                self._answered(batch)

    def _answered(self, batch: _Claimed) -> None:
        self.open.remove(batch)
        self.sent += len(batch.claimed)
        self.answered.put_nowait(batch)

    async def _record(self) -> None:
        """Write each answered batch, one write at a time; then its claims need no
        renewal (one whose attempt failed unrecorded runs out, and is tried again)."""
        while (batch := await self.answered.get()) is not None:
            try:
                await batch.batch.record([o for o in batch.outcomes if o is not None])
            except Exception as exc:  # the database away: stop claiming, raise at the end
                self.failure = self.failure or exc
            finally:
                self.claims.drop(slots_of(batch.claimed))
