"""Decisions made after the answer: a form that must answer the same whatever it finds
(a subscription request, a request for a fresh notice link) queues the work and answers
at once, so its timing tells nothing. Tasks are kept until done (asyncio holds only weak
references), and `settled` waits for them — for tests, and for a clean shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class Background:
    """One kind of background decision and the tasks of it still running."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    async def settled(self) -> None:
        """Until every queued decision has been made (including ones queued meanwhile)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
