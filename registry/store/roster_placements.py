"""Customers whose roster place is to follow their group: one small document each.

Written before the customer's write that changes its group (the intent), deleted once
the roster holds the customer where its stored group says; so the scheduler finds the
few due placements without reading the customers. A placement whose customer turns out
already placed (a crash before the write) is simply deleted.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from registry.store import leases
from registry.store.database import Database, Document

NAME = "roster_placements"


async def ensure_indexes(db: Database) -> None:
    """Only `_id` lookups (and the scan of the few due)."""


async def mark(db: Database, customer_id: str, at: datetime) -> str:
    """Note (again) that the customer's place is to follow its group; each mark is new,
    so a placement that began before it cannot count as done for it. The customer's
    write that follows carries the mark, so a placement knows whether it has landed."""
    mark = uuid.uuid4().hex
    await db[NAME].update_one(
        {"_id": customer_id}, {"$set": {"marked_at": at, "mark": mark}}, upsert=True
    )
    return mark


async def withdraw(db: Database, customer_id: str, mark: str, landed: str | None) -> None:
    """The write `mark` announced was refused: the placement is due for the write that
    did land (`landed`, its mark), unless marked again since."""
    await db[NAME].update_one({"_id": customer_id, "mark": mark}, {"$set": {"mark": landed}})


async def claim(
    db: Database, *, owner: str, now: datetime, lease: timedelta, only: str | None = None
) -> Document | None:
    due: Document = {} if only is None else {"_id": only}
    return await leases.claim(db, NAME, due, owner=owner, now=now, lease=lease, sort="marked_at")


async def done(db: Database, placement: Document, *, owner: str) -> bool:
    """Delete the placement unless it was marked again meanwhile (then release it)."""
    result = await db[NAME].delete_one(
        {"_id": placement["_id"], "lease_owner": owner, "mark": placement["mark"]}
    )
    if result.deleted_count == 1:
        return True
    await leases.release(db, NAME, placement["_id"], owner=owner)
    return False


async def release(db: Database, placement: Document, *, owner: str) -> None:
    """Give the placement up undone: the write it announces has not landed yet."""
    await leases.release(db, NAME, placement["_id"], owner=owner)
