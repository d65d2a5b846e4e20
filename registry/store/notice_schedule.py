"""Due work attached to single notices: reminders before an objection deadline, and
notices that take effect after their change (emergency replacements a customer did
not agree to).

Kept apart from `notices` so the bulk fan-out writes no extra index entries for
the common case: only reachable customers get reminders, and lagging notices are rare.
Entries are kept after they are done (`due_at` cleared): a customer's past as-of view
still needs to know that a change reached it late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo import ASCENDING, IndexModel

from registry.domain.models import Notice
from registry.store import leases
from registry.store.database import (
    Backlog,
    Database,
    Document,
    backlog,
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


@dataclass(frozen=True, slots=True)
class Entry:
    """One piece of due work on one notice: a reminder, or a lagging notice's date."""

    kind: str  # REMINDER or LAGGING
    at: datetime
    notice_id: str
    change_id: str
    customer_id: str

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.change_id}:{self.customer_id}:{self.at.isoformat()}"


def entry(kind: str, at: datetime, notice: Notice) -> Entry:
    return Entry(kind, at, notice.id, notice.change_id, notice.customer_id)


def _document(e: Entry) -> Document:
    return {
        "_id": e.id,
        "kind": e.kind,
        "at": e.at,
        "due_at": e.at,
        "notice_id": e.notice_id,
        "change_id": e.change_id,
        "customer_id": e.customer_id,
        "lease_owner": None,
        "lease_until": None,
    }


def _entry(doc: Document) -> Entry:
    return Entry(doc["kind"], doc["at"], doc["notice_id"], doc["change_id"], doc["customer_id"])


async def add_many(db: Database, entries: Sequence[Entry]) -> None:
    """Insert, ignoring entries that exist (ids are deterministic)."""
    await insert_skipping_duplicates(db, NAME, [_document(e) for e in entries])


def due(kind: str, now: datetime) -> Document:
    return {"kind": kind, "due_at": {"$lte": now}}


async def claim_due(
    db: Database, kind: str, *, owner: str, now: datetime, lease: timedelta
) -> Entry | None:
    doc = await leases.claim(
        db, NAME, due(kind, now), owner=owner, now=now, lease=lease, sort="due_at"
    )
    return _entry(doc) if doc is not None else None


async def done(db: Database, entry: Entry, *, owner: str) -> bool:
    return await leases.complete(db, NAME, entry.id, owner=owner, update={"$set": {"due_at": None}})


async def lagging_for(db: Database, customer_id: str, as_of: datetime) -> list[Document]:
    """Lagging entries of a customer that take effect for it only after `as_of`."""
    cursor = db[NAME].find({"customer_id": customer_id, "kind": LAGGING, "at": {"$gt": as_of}})
    return [d async for d in cursor]


async def due_backlog(db: Database, kind: str, now: datetime) -> Backlog:
    return await backlog(db, NAME, due(kind, now), "due_at")
