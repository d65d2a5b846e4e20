"""The registry version: every write bumps it, so cached answers (responses, pages) retire.

Per request, read it from the process's `VersionWatch` (`watch`), never `current`: the
watch knows a bump made in this process at once and one made elsewhere within about a
second (`STALE_AFTER_S`), without a round trip per read.
"""

from __future__ import annotations

from registry.services.deps import Deps
from registry.store import meta, writes
from registry.store.meta import STALE_AFTER_S, VersionWatch

__all__ = ["STALE_AFTER_S", "VersionWatch", "current", "retire_written", "unretired", "watch"]


async def current(deps: Deps) -> int:
    return await meta.version(deps.db)


async def retire_written(deps: Deps) -> bool:
    """Retire the answers cached before the writes this process made (store/writes.py);
    called where work ends: the HTTP boundary, each scheduler job, a command."""
    return await writes.retire_written(deps.db)


def unretired(deps: Deps) -> bool:
    """Whether `retire_written` has anything to do: a cheap check for every request."""
    return writes.unretired(deps.db)


def watch(deps: Deps) -> VersionWatch:
    """The process's watch of the version; run it with `watch.run()`."""
    return VersionWatch(deps.db)
