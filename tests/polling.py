"""Waiting for a condition another task or process brings about, by polling it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def until(condition: Callable[[], Awaitable[bool]], polls: int = 1500) -> None:
    """Poll a condition until it holds; giving up after `polls` (a guard against
    hanging, not a bound the condition is held to)."""
    for _ in range(polls):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not met in {polls} polls")
