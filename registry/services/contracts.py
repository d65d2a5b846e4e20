"""When a customer's contract ends, as its upheld objections set it (DESIGN.md 11).

The customer's timeline ends on that date: its list, feeds and calendar follow it
(domain/timeline.py says what ending means)."""

from __future__ import annotations

from datetime import datetime

from registry.domain import timeline
from registry.services.deps import Deps
from registry.store import objections


async def ends_at(deps: Deps, customer_id: str) -> datetime | None:
    return timeline.contract_end(await objections.terminations(deps.db, customer_id))
