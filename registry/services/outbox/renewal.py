"""Keeping a worker's claims alive while it works on them.

Claims are short (`DeliveryOptions.lease`, seconds) so that a worker that dies
frees its messages within seconds; a live worker renews every slot it holds every
`renew_every`, however long its batches wait on slow receivers. Renewal is only a
liveness hint: a slot renewed too late may already have been written off by
another worker, and then the generation check on completion (store/delivery_queue.py)
refuses the late worker's writes, exactly as for a worker that stalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta

from registry.services.deps import Deps
from registry.store import delivery_queue

logger = logging.getLogger("registry.webhooks")


class Claims:
    """The slots a delivery call holds, renewed in the background while it runs.

    A slot is renewed only once it has used up half a renewal period of its lease, so
    a batch that is sent and recorded within that time (most are) costs no renewal.
    """

    def __init__(self, deps: Deps, owner: str, lease: timedelta, every: timedelta) -> None:
        self.deps = deps
        self.owner = owner
        self.lease = lease
        self.every = every
        self._until: dict[str, datetime] = {}

    def hold(self, slots: Iterable[tuple[str, int]]) -> None:
        # A slot's lease was set when it was taken, a moment ago: from now, at the latest.
        until = self.deps.clock.now() + self.lease
        for delivery_id, seq in slots:
            self._until[delivery_queue.slot_id(delivery_id, seq)] = until

    def drop(self, slots: Iterable[tuple[str, int]]) -> None:
        for delivery_id, seq in slots:
            self._until.pop(delivery_queue.slot_id(delivery_id, seq), None)

    async def renew(self) -> int:
        """Push the end of every slot due for renewal one lease ahead; returns how many."""
        now = self.deps.clock.now()
        due = sorted(
            s for s, until in self._until.items() if until - now < self.lease - self.every / 2
        )
        if not due:
            return 0
        until = now + self.lease
        renewed = await delivery_queue.renew_slots(self.deps.db, due, owner=self.owner, until=until)
        for slot in due:
            if slot in self._until:
                self._until[slot] = until
        return renewed


@contextlib.asynccontextmanager
async def renewed(
    deps: Deps, owner: str, lease: timedelta, every: timedelta
) -> AsyncIterator[Claims]:
    """Claims renewed every `every` until the block ends (then they are left to run out
    if they were not completed, as a crash's are)."""
    claims = Claims(deps, owner, lease, every)

    async def keep() -> None:
        while True:
            await asyncio.sleep(every.total_seconds())
            try:
                await claims.renew()
            except Exception:  # the database away: the next renewal, or the lease, decides
                logger.warning("renewing %s's delivery claims failed", owner, exc_info=True)

    keeper = asyncio.create_task(keep())
    try:
        yield claims
    finally:
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
