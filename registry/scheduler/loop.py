"""Run every job in turn, forever, at the configured interval.

Each job is a coroutine function `(deps, worker_id) -> int` returning how much
work it did; the loop polls again at once while there is work, and otherwise
waits for the interval or a wake-up event (set after writes that create work).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

from registry.services import versions
from registry.services.deps import Deps

logger = logging.getLogger("registry.scheduler")

Job = Callable[[Deps, str], Awaitable[int]]


class Scheduler:
    def __init__(self, deps: Deps, jobs: Sequence[Job], worker_id: str | None = None) -> None:
        self.deps = deps
        self.jobs = tuple(jobs)
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"
        self.wake = asyncio.Event()
        self._stopping = asyncio.Event()

    async def run_once(self) -> int:
        """Run each job once; returns the total work done."""
        done = 0
        for job in self.jobs:
            try:
                done += await job(self.deps, self.worker_id)
                # What it wrote retires the answers cached before (a failed job's
                # writes are counted still, and retired after the next one).
                await versions.retire_written(self.deps)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A failing job must not stop the others; it is retried next tick.
                logger.exception("scheduler job %s failed", getattr(job, "__name__", job))
        return done

    async def run_until_idle(self, max_rounds: int = 1000) -> int:
        """Drain all due work (tests and one-shot runs)."""
        total = 0
        for _ in range(max_rounds):
            done = await self.run_once()
            total += done
            if done == 0:
                return total
        return total

    async def run_forever(self) -> None:
        period = self.deps.settings.scheduler_period.total_seconds()
        while not self._stopping.is_set():
            done = await self.run_once()
            if done:
                continue
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=period)

    def stop(self) -> None:
        self._stopping.set()
        self.wake.set()
