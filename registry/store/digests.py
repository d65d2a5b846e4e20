"""Digests: small documents a page reads whole instead of scanning the collections they
summarise, each stamped with what it was built from.

The embedded database (FerretDB v1) uses only the `_id` index and decodes every field of
every document it reads; its cost is per field, not per byte: a digest of 500 vendors
as subdocuments takes ~35 ms to read, the same text in one string ~1 ms. So a digest's
items are kept as one JSON text (BSON's extended JSON, so datetimes come back aware).

A digest derives from a *topic* (e.g. `vendors`: subprocessors, their locations,
transfer bases and DPAs). Every store write to those collections calls `bump(topic)`
after writing, so a digest whose stamp is not the topic's current write count is stale;
one that depends on the date is also stale once its day has passed. A reader that finds
it stale rebuilds it and keeps it with the count it read *before* rebuilding, so a write
made meanwhile leaves it stale again rather than hiding.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any, TypeVar

from bson import json_util
from bson.json_util import JSONOptions
from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from registry.store.codec import Codec
from registry.store.database import Database, Document

NAME = "digests"
_JSON = JSONOptions(tz_aware=True, tzinfo=UTC)
T = TypeVar("T")


_CODECS: dict[type[Any], Codec[Any]] = {}


def _codec(kind: type[T]) -> Codec[T]:
    found = _CODECS.get(kind)
    if found is None:
        found = _CODECS[kind] = Codec(kind, id_field=None)
    return found


async def ensure_indexes(db: Database) -> None:
    """Only `_id` lookups."""


VENDORS = "vendors"  # subprocessors, processing locations, transfer bases, DPAs


def vendor_topic(sub_id: str) -> str:
    """One vendor's facts: what its own page shows."""
    return f"vendor:{sub_id}"


CUSTOMERS = "customers"  # customers' names (what the console's customer list sorts by)


async def vendor_written(db: Database, sub_id: str) -> None:
    await bump(db, VENDORS, vendor_topic(sub_id))


def _counter(topic: str) -> str:
    return f"writes:{topic}"


async def bump(db: Database, *topics: str) -> None:
    """Count a write to each topic's collections (call it after the write)."""
    await db[NAME].bulk_write(
        [UpdateOne({"_id": _counter(t)}, {"$inc": {"count": 1}}, upsert=True) for t in topics],
        ordered=False,
    )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A topic's write count and its digests as read in one round trip."""

    writes: int
    found: dict[str, Document] = field(default_factory=dict)

    def text(self, name: str, day: date | None = None) -> str | None:
        """The digest as kept, or None when it is missing or stale."""
        doc = self.found.get(name)
        if doc is None or doc.get("writes") != self.writes:
            return None
        if day is not None and doc.get("day") != day.isoformat():
            return None
        return str(doc["items"])

    def items(self, name: str, kind: type[T], day: date | None = None) -> list[T] | None:
        """The digest's items (dataclasses of `kind`), or None when missing or stale."""
        text = self.text(name, day)
        if text is None:
            return None
        raw: list[Document] = json_util.loads(text, json_options=_JSON)
        codec = _codec(kind)
        return [codec.from_document(d) for d in raw]


async def read(db: Database, topic: str, names: Sequence[str]) -> Snapshot:
    wanted = [_counter(topic), *names]
    docs = {d["_id"]: d async for d in db[NAME].find({"_id": {"$in": wanted}})}
    counter = docs.pop(_counter(topic), None)
    return Snapshot(int(counter["count"]) if counter else 0, docs)


async def keep(
    db: Database,
    name: str,
    kind: type[T],
    items: Sequence[T],
    *,
    writes: int,
    day: date | None = None,
) -> None:
    """Store a rebuilt digest, stamped with the write count read before rebuilding;
    one built from a later count is never replaced by an older one."""
    codec = _codec(kind)
    text = json_util.dumps([codec.to_document(i) for i in items], json_options=_JSON)
    await keep_text(db, name, text, writes=writes, day=day)


async def keep_text(
    db: Database, name: str, text: str, *, writes: int, day: date | None = None
) -> None:
    """`keep` for a digest its reader encodes itself (large ones, decoded faster)."""
    body: dict[str, Any] = {"items": text, "writes": writes, "day": day and day.isoformat()}
    with contextlib.suppress(DuplicateKeyError):  # a newer one is there: keep it
        await db[NAME].replace_one({"_id": name, "writes": {"$lte": writes}}, body, upsert=True)
