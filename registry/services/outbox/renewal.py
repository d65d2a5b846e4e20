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
from datetime import timedelta

from registry.services.deps import Deps
from registry.store import delivery_queue

logger = logging.getLogger("registry.webhooks")


class Claims:
    """The slots a delivery call holds, renewed in the background while it runs."""

    def __init__(self, deps: Deps, owner: str, lease: timedelta) -> None:
        self.deps = deps
        self.owner = owner
        self.lease = lease
        self._held: set[str] = set()

    def hold(self, slots: Iterable[tuple[str, int]]) -> None:
        self._held.update(delivery_queue.slot_id(i, seq) for i, seq in slots)

    def drop(self, slots: Iterable[tuple[str, int]]) -> None:
        self._held.difference_update(delivery_queue.slot_id(i, seq) for i, seq in slots)

    async def renew(self) -> int:
        """Push every held slot's end one lease ahead; returns how many were renewed."""
        if not self._held:
            return 0
        until = self.deps.clock.now() + self.lease
        return await delivery_queue.renew_slots(
            self.deps.db, sorted(self._held), owner=self.owner, until=until
        )


@contextlib.asynccontextmanager
async def renewed(
    deps: Deps, owner: str, lease: timedelta, every: timedelta
) -> AsyncIterator[Claims]:
    """Claims renewed every `every` until the block ends (then they are left to run out
    if they were not completed, as a crash's are)."""
    claims = Claims(deps, owner, lease)

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
