"""Settling a record: applying what follows from the state its last transition
recorded (DESIGN.md section 10), for changes (change_effects.py) and objections
(objection_effects.py) alike.

A transition is one guarded write that also marks the record unsettled. Settling
claims the record's lease, runs its state's steps (each can run again with the same
outcome) and marks it settled, guarded by that state: a transition meanwhile leaves
it due, and the scheduler's job picks up whatever a crash left undone.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from registry.services.deps import Deps
from registry.store.database import Database

logger = logging.getLogger("registry.settling")

LEASE = timedelta(seconds=60)

R = TypeVar("R")
Step = Callable[[Deps, Any], Awaitable[None]]


class SettlingStore(Protocol):
    """What a store module offers for its records to be settled."""

    async def claim_settling(
        self, db: Database, *, owner: str, now: datetime, lease: timedelta, only: str | None
    ) -> Any: ...

    async def finish_settling(self, db: Database, record: Any, *, owner: str) -> bool: ...


async def settle(
    deps: Deps,
    owner: str,
    store: SettlingStore,
    steps: Mapping[Any, tuple[Step, ...]],
    only: str | None = None,
) -> Any:
    """Settle one unsettled record (that one, with `only`); None when none is due or its
    lease is held (its holder, or a later run, settles it)."""
    record = await store.claim_settling(
        deps.db, owner=owner, now=deps.clock.now(), lease=LEASE, only=only
    )
    if record is None:
        return None
    for step in steps[record.status]:
        await step(deps, record)
    await store.finish_settling(deps.db, record, owner=owner)
    return record


async def settle_now(
    deps: Deps, record_id: str, settle_one: Callable[[Deps, str, str], Awaitable[object]]
) -> None:
    """Settle a record just committed; a failure is logged and left to the scheduler,
    as the transition itself is recorded."""
    try:
        await settle_one(deps, f"request-{uuid.uuid4().hex[:12]}", record_id)
    except Exception:
        logger.exception("%s: effects left to the scheduler", record_id)
