"""The legal watch's records: the edition of the facts last seen, impact reports, and the
staff events that tell people about them (a small collection, read by `_id` or whole).

- `release`: the reference release the registry last evaluated against, with its files'
  text, so the next release can be compared with it after a deploy;
- `report:<id>`: an impact report (which transfers change, for a release or a what-if);
- `event:<key>`: a staff event (a report to read, an assessment's review falling due),
  its key derived from what it is about, so telling it twice stores it once; `told_at` is
  set when it was mailed to staff.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from registry.store import dates
from registry.store.codec import Codec
from registry.store.database import Database, Document, insert_skipping_duplicates

NAME = "legal_watch"
_RELEASE = "release"
T = TypeVar("T")


async def ensure_indexes(db: Database) -> None:
    """Read by `_id`, or whole (a few documents a week)."""


@dataclass(frozen=True, slots=True)
class SeenRelease:
    release: str
    published_on: date
    files: Mapping[str, str]


async def seen_release(db: Database) -> SeenRelease | None:
    doc = await db[NAME].find_one({"_id": _RELEASE})
    if doc is None:
        return None
    published = dates.load(doc["published_on"])
    if published is None:
        raise ValueError(f"release {doc['release']!r} is stored without its date")
    # Stored as a list: file names hold dots, which document keys may not.
    files = {f["name"]: f["text"] for f in doc["files"]}
    return SeenRelease(doc["release"], published, files)


async def see_release(db: Database, new: SeenRelease, *, replacing: str | None) -> bool:
    """Record `new` as the release last evaluated, if the stored one is still `replacing`
    (None: none yet): True for exactly one of several processes starting at once."""
    body: Document = {
        "release": new.release,
        "published_on": dates.dump(new.published_on),
        "files": [{"name": name, "text": text} for name, text in sorted(new.files.items())],
    }
    if replacing is None:
        skipped = await insert_skipping_duplicates(db, NAME, [{"_id": _RELEASE, **body}])
        return not skipped
    result = await db[NAME].update_one({"_id": _RELEASE, "release": replacing}, {"$set": body})
    return result.modified_count == 1


async def save(db: Database, key: str, codec: Codec[T], value: T, at: datetime) -> bool:
    """Store a record once under `key` (`report:…`, `event:…`): False if it exists."""
    doc = {**codec.to_document(value), "_id": key, "at": at}
    try:
        await db[NAME].insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def load(db: Database, key: str, codec: Codec[T]) -> T | None:
    doc = await db[NAME].find_one({"_id": key})
    return None if doc is None else codec.from_document(doc)


async def latest(db: Database, prefix: str, codec: Codec[T], limit: int) -> list[T]:
    """The newest records whose key starts with `prefix`, newest first."""
    query = {"_id": {"$gte": prefix, "$lt": prefix + "\uffff"}}
    cursor = db[NAME].find(query).sort("at", DESCENDING).limit(limit)
    return [codec.from_document(d) async for d in cursor]


async def untold(db: Database, prefix: str, codec: Codec[T]) -> list[tuple[str, T]]:
    query = {"_id": {"$gte": prefix, "$lt": prefix + "\uffff"}, "told_at": None}
    return [(d["_id"], codec.from_document(d)) async for d in db[NAME].find(query).sort("at")]


async def mark_told(db: Database, keys: Sequence[str], at: datetime) -> None:
    await db[NAME].update_many(
        {"_id": {"$in": list(keys)}, "told_at": None}, {"$set": {"told_at": at}}
    )


def strip(doc: Document) -> dict[str, Any]:
    """A stored record without its bookkeeping keys."""
    return {k: v for k, v in doc.items() if k not in ("_id", "at", "told_at")}
