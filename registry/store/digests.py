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
made meanwhile leaves it stale again rather than hiding. A counter carries a random
epoch from its first write, so a database dropped and made again never matches a stamp
of the old one.

A digest is the same for as long as its stamp is: each process keeps the last one it
decoded per digest, and then reads only the topic's counter (one small `_id` read).
"""

from __future__ import annotations

import contextlib
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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
MEMO_SIZE = 2048  # decoded digests kept per process (a vendor's facts are one each)
T = TypeVar("T")

VENDORS = "vendors"  # subprocessors, processing locations, transfer bases, DPAs
CUSTOMERS = "customers"  # customers' names (what the console's customer list sorts by)


def vendor_topic(sub_id: str) -> str:
    """One vendor's facts: what its own page shows."""
    return f"vendor:{sub_id}"


async def ensure_indexes(db: Database) -> None:
    """Only `_id` lookups."""


async def vendor_written(db: Database, sub_id: str) -> None:
    await bump(db, VENDORS, vendor_topic(sub_id))


def _counter(topic: str) -> str:
    return f"writes:{topic}"


async def bump(db: Database, *topics: str) -> None:
    """Count a write to each topic's collections (call it after the write)."""
    await db[NAME].bulk_write(
        [
            UpdateOne(
                {"_id": _counter(t)},
                {"$inc": {"count": 1}, "$setOnInsert": {"epoch": uuid.uuid4().hex}},
                upsert=True,
            )
            for t in topics
        ],
        ordered=False,
    )


@dataclass(frozen=True, slots=True)
class Stamp:
    """What a digest was built from: its topic's write count (and the counter's epoch)."""

    epoch: str | None
    writes: int


async def stamp(db: Database, topic: str) -> Stamp:
    doc = await db[NAME].find_one({"_id": _counter(topic)})
    return Stamp(doc.get("epoch"), int(doc["count"])) if doc else Stamp(None, 0)


_memo: OrderedDict[tuple[int, str, str], tuple[Stamp, str | None, Any]] = OrderedDict()


def forget() -> None:
    """Drop what this process remembers (it then reads as a fresh process would)."""
    _memo.clear()


def _memo_key(db: Database, name: str) -> tuple[int, str, str]:
    return (id(db.client), db.name, name)


def _remember(db: Database, name: str, at: Stamp, day: str | None, value: Any) -> None:
    if at.epoch is None:  # no write yet: nothing would tell a new database from an old one
        return
    key = _memo_key(db, name)
    _memo[key] = (at, day, value)
    _memo.move_to_end(key)
    while len(_memo) > MEMO_SIZE:
        _memo.popitem(last=False)


async def load(
    db: Database, topic: str, name: str, decode: Callable[[str], T], *, day: date | None = None
) -> tuple[T | None, Stamp]:
    """The digest decoded, or None when it is missing or stale; and the topic's stamp,
    to `keep` a rebuilt one with."""
    at = await stamp(db, topic)
    on = day.isoformat() if day else None
    kept = _memo.get(_memo_key(db, name))
    if kept is not None and kept[0] == at and kept[1] == on:
        found: T = kept[2]
        return found, at
    doc = await db[NAME].find_one({"_id": name})
    if doc is None or Stamp(doc.get("epoch"), doc.get("writes", -1)) != at or doc.get("day") != on:
        return None, at
    value = decode(str(doc["items"]))
    _remember(db, name, at, on, value)
    return value, at


async def keep(
    db: Database, name: str, text: str, value: Any, at: Stamp, *, day: date | None = None
) -> None:
    """Store a rebuilt digest (`text`, which decodes to `value`), stamped with the stamp
    read before rebuilding; one built from a later count is never replaced by an older
    one."""
    on = day.isoformat() if day else None
    body: dict[str, Any] = {"items": text, "epoch": at.epoch, "writes": at.writes, "day": on}
    with contextlib.suppress(DuplicateKeyError):  # a newer one is there: keep it
        await db[NAME].replace_one({"_id": name, "writes": {"$lte": at.writes}}, body, upsert=True)
    _remember(db, name, at, on, value)


_CODECS: dict[type[Any], Codec[Any]] = {}


def _codec(kind: type[T]) -> Codec[T]:
    found = _CODECS.get(kind)
    if found is None:
        found = _CODECS[kind] = Codec(kind, id_field=None)
    return found


def encode(kind: type[T], items: Sequence[T]) -> str:
    """Dataclasses of `kind` as a digest's text (extended JSON: datetimes stay aware)."""
    codec = _codec(kind)
    return str(json_util.dumps([codec.to_document(i) for i in items], json_options=_JSON))


def decoder(kind: type[T]) -> Callable[[str], tuple[T, ...]]:
    codec = _codec(kind)

    def decode(text: str) -> tuple[T, ...]:
        raw: list[Document] = json_util.loads(text, json_options=_JSON)
        return tuple(codec.from_document(d) for d in raw)

    return decode


async def cached(
    db: Database,
    topic: str,
    name: str,
    kind: type[T],
    build: Callable[[], Awaitable[Sequence[T]]],
    *,
    day: date | None = None,
) -> tuple[tuple[T, ...], bool]:
    """The digest's items, rebuilt with `build` (and kept) when missing or stale; and
    whether it was rebuilt."""
    found, at = await load(db, topic, name, decoder(kind), day=day)
    if found is not None:
        return found, False
    items = tuple(await build())
    await keep(db, name, encode(kind, items), items, at, day=day)
    return items, True
