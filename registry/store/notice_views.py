"""What people did on a notice page: first opened, acknowledged (and by whom).

One document per notice, `_id` = the notice id (so no index beyond `_id`). Each
fact is recorded once: a conditional update keeps the first instant. Fields not
yet recorded may be absent (read them with `.get`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from registry.store import ids
from registry.store.database import Database, Document

NAME = "notice_views"


async def ensure_indexes(db: Database) -> None:
    """Only `_id`: every read and write names the notice."""


def view_id(notice_id: str) -> str:
    return notice_id


async def _ensure(db: Database, notice_id: str) -> None:
    with contextlib.suppress(DuplicateKeyError):
        await db[NAME].update_one(
            {"_id": view_id(notice_id)},
            {
                "$setOnInsert": {
                    "change_id": ids.change_of_notice(notice_id),
                    "customer_id": ids.customer_of_notice(notice_id),
                    "viewed_at": None,
                    "acknowledged_at": None,
                    "acknowledged_by": None,
                }
            },
            upsert=True,
        )


async def record_view(db: Database, notice_id: str, at: datetime) -> bool:
    """The first opening only (True then); later ones change nothing."""
    result = await db[NAME].update_one(
        {"_id": view_id(notice_id), "viewed_at": None}, {"$set": {"viewed_at": at}}
    )
    if result.modified_count == 0 and await get(db, notice_id) is None:
        await _ensure(db, notice_id)
        result = await db[NAME].update_one(
            {"_id": view_id(notice_id), "viewed_at": None}, {"$set": {"viewed_at": at}}
        )
    return result.modified_count == 1


async def acknowledge(
    db: Database, notice_id: str, at: datetime, *, name: str | None, email: str | None
) -> bool:
    """True when this call acknowledged the notice (the first acknowledgement stands);
    `name` and `email` are the person's, as given on the page."""
    await _ensure(db, notice_id)
    result = await db[NAME].update_one(
        {"_id": view_id(notice_id), "acknowledged_at": None},
        {"$set": {"acknowledged_at": at, "acknowledged_by": {"name": name, "email": email}}},
    )
    return result.modified_count == 1


async def get(db: Database, notice_id: str) -> Document | None:
    return await db[NAME].find_one({"_id": view_id(notice_id)})


@dataclass(frozen=True, slots=True)
class NoticeView:
    """What people did on one notice's page (None: not yet)."""

    viewed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by_name: str | None = None
    acknowledged_by_email: str | None = None


def _view(doc: Document) -> NoticeView:
    by = doc.get("acknowledged_by")
    by = by if isinstance(by, dict) else {}
    return NoticeView(
        viewed_at=doc.get("viewed_at"),
        acknowledged_at=doc.get("acknowledged_at"),
        acknowledged_by_name=by.get("name") or None,
        acknowledged_by_email=by.get("email") or None,
    )


async def get_many(db: Database, notice_ids: Sequence[str]) -> dict[str, NoticeView]:
    """The views of these notices, by notice id (a notice never opened is absent)."""
    cursor = db[NAME].find({"_id": {"$in": [view_id(n) for n in notice_ids]}})
    return {doc["_id"]: _view(doc) async for doc in cursor}


async def claim_fresh_link(db: Database, notice_id: str, at: datetime, *, per_day: int) -> bool:
    """Record a request for a fresh link to the notice; True when one may be sent now
    (fewer than `per_day` in the last 24 hours). One conditional write, as for the
    subscription form's limit: `fresh_links_asked` keeps the last `per_day` times."""
    await _ensure(db, notice_id)
    claimed = await db[NAME].update_one(
        {
            "_id": view_id(notice_id),
            "$or": [
                {f"fresh_links_asked.{per_day - 1}": {"$exists": False}},
                {"fresh_links_asked.0": {"$lte": at - timedelta(days=1)}},
            ],
        },
        {"$push": {"fresh_links_asked": {"$each": [at], "$slice": -per_day}}},
    )
    return claimed.modified_count == 1
