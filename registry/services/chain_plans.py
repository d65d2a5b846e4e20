"""What a cancelled chain change undoes (services/chain_changes.py plans it when the
change is announced): a step of the change engine (services/change_effects.py)."""

from __future__ import annotations

from registry.domain.models import Change
from registry.services.deps import Deps
from registry.store import chain_changes, chain_links


async def withdraw(deps: Deps, change: Change) -> None:
    """A cancelled chain change: the sub-processor coming in never comes, those going stay
    (idempotent: a settled change's effects may run again)."""
    found = await chain_changes.get(deps.db, change.id)
    if found is None:
        return
    if found.added is not None:
        added = await chain_links.get(deps.db, found.added)
        if added is not None:
            ended = change.cancelled_at or change.announced_at
            await chain_links.set_active(deps.db, added, active_from=None, active_until=ended)
    for link_id in found.removed:
        kept = await chain_links.get(deps.db, link_id)
        if kept is not None:
            await chain_links.set_active(
                deps.db, kept, active_from=kept.active_from, active_until=None
            )
