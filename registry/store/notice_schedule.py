"""Due work attached to single notices: reminders before an objection deadline, and
notices that take effect after their change (emergency replacements a customer did
not agree to).

Kept apart from `notices` so the bulk fan-out writes no extra index entries for
the common case: only reachable customers get reminders, and lagging notices are rare.
Entries are kept after they are done (`due_at` cleared): a customer's past as-of view
still needs to know that a change reached it late.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ASCENDING, IndexModel

from registry.store import leases
from registry.store.database import (
    Database,
    Document,
    create_missing_indexes,
    insert_skipping_duplicates,
)

NAME = "notice_schedule"
REMINDER = "reminder"
LAGGING = "lagging"
INDEXES = [
    IndexModel([("due_at", ASCENDING)], name="due_at"),
    IndexModel([("customer_id", ASCENDING), ("kind", ASCENDING)], name="customer_kind"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


def entry(kind: str, at: datetime, notice: Document) -> Document:
    return {
        "_id": f"{kind}:{notice['change_id']}:{notice['customer_id']}:{at.isoformat()}",
        "kind": kind,
        "at": at,
        "due_at": at,
        "notice_id": notice["_id"],
        "change_id": notice["change_id"],
        "customer_id": notice["customer_id"],
        "lease_owner": None,
        "lease_until": None,
    }


async def add_many(db: Database, entries: list[Document]) -> None:
    """Insert, ignoring entries that exist (ids are deterministic)."""
    await insert_skipping_duplicates(db, NAME, entries)


async def claim_due(
    db: Database, kind: str, *, owner: str, now: datetime, lease: timedelta
) -> Document | None:
    return await leases.claim(
        db,
        NAME,
        {"kind": kind, "due_at": {"$lte": now}},
        owner=owner,
        now=now,
        lease=lease,
        sort="due_at",
    )


async def done(db: Database, entry_id: str, *, owner: str) -> bool:
    return await leases.complete(db, NAME, entry_id, owner=owner, update={"$set": {"due_at": None}})


async def lagging_for(db: Database, customer_id: str, as_of: datetime) -> list[Document]:
    """Lagging entries of a customer that take effect for it only after `as_of`."""
    cursor = db[NAME].find({"customer_id": customer_id, "kind": LAGGING, "at": {"$gt": as_of}})
    return [d async for d in cursor]
