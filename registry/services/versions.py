"""The registry version: every write bumps it, so cached answers (responses, pages) retire."""

from __future__ import annotations

from registry.services.deps import Deps
from registry.store import meta


async def current(deps: Deps) -> int:
    return await meta.version(deps.db)


async def retire_cached_answers(deps: Deps) -> int:
    """After a write that may change what queries answer."""
    return await meta.bump(deps.db)
