"""Customers (tenants) and their contract terms."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel

from registry.domain.models import Customer, CustomerTerms, PeriodEnds
from registry.domain.versions import RecordVersion
from registry.store import digests, versions
from registry.store.codec import Codec
from registry.store.database import (
    Conflict,
    Database,
    Document,
    add_missing_key,
    create_missing_indexes,
    set_changed,
)
from registry.store.database import insert_missing as _insert_missing

NAME = "customers"
INDEXES = [
    IndexModel([("name", ASCENDING), ("_id", ASCENDING)], name="name_id"),
    IndexModel([("terms_key", ASCENDING)], name="terms_key"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


TERMS = Codec(CustomerTerms, id_field=None)
terms_to_document = TERMS.to_document
terms_from_document = TERMS.from_document


def terms_key(terms: CustomerTerms) -> str:
    """Customers with equal terms share notice arithmetic; this groups them."""
    parts = [
        terms.notice_period,
        terms.objection_window or "-",
        terms.data_origin.value,
        "E" if terms.allows_emergency_replacement else "-",
        "W" if terms.weekend_rolls_to_monday else "-",
    ]
    # Added later: default values add nothing, so keys stored before them stay valid.
    if terms.time_zone != "UTC" or terms.period_ends is not PeriodEnds.SAME_INSTANT:
        parts += [terms.time_zone, terms.period_ends.value]
    if terms.holiday_calendar is not None:
        parts += [f"H:{terms.holiday_calendar}"]
    if terms.language != "en":  # customers of one group are told in one language
        parts += [f"L:{terms.language}"]
    return "|".join(parts)


def group_key(customer: Customer) -> str:
    """Customers with equal scope and terms are affected, and notified, alike."""
    products = ",".join(sorted(customer.products)) or "*"
    return f"{customer.hosting_region or '*'}|{products}|{terms_key(customer.terms)}"


CODEC = Codec(
    Customer,
    # Stored beside the fields: equal terms (and equal scope and terms) are one index key.
    derived={"terms_key": lambda customer: terms_key(customer.terms), "group": group_key},
)
to_document = CODEC.to_document
from_document = CODEC.from_document


async def insert(db: Database, customer: Customer, mark: str | None = None) -> None:
    """A new customer; `mark`: the roster placement its write lands (roster_placements)."""
    await db[NAME].insert_one({**to_document(customer), ROSTER_MARK: mark})
    await digests.bump(db, digests.CUSTOMERS)


async def upsert(db: Database, customer: Customer) -> bool:
    """Insert or replace; True when something changed."""
    doc = to_document(customer)
    result = await db[NAME].replace_one({"_id": customer.id}, doc, upsert=True)
    await digests.bump(db, digests.CUSTOMERS)
    return bool(result.upserted_id is not None or result.modified_count)


async def insert_missing(db: Database, customer: Customer) -> Customer | None:
    """Create it unless its id exists: None when created, else the stored one (unchanged)."""
    found = await _insert_missing(db, NAME, to_document(customer))
    await digests.bump(db, digests.CUSTOMERS)
    return from_document(found) if found is not None else None


async def add_missing_note(db: Database, customer: Customer) -> bool:
    """Seeds: one stored before notes existed gains the seed's note; a note is never replaced."""
    return await add_missing_key(db, NAME, to_document(customer), "note")


async def get(db: Database, customer_id: str) -> Customer | None:
    doc = await db[NAME].find_one({"_id": customer_id})
    return from_document(doc) if doc else None


async def get_many(db: Database, ids: Sequence[str]) -> list[Customer | None]:
    found = {d["_id"]: from_document(d) async for d in db[NAME].find({"_id": {"$in": list(ids)}})}
    return [found.get(i) for i in ids]


async def page(
    db: Database, *, after: tuple[Any, ...] | None, limit: int, only_id: str | None = None
) -> tuple[list[Customer], int]:
    query: Document = {} if only_id is None else {"_id": only_id}
    total = await db[NAME].count_documents(query)
    if after is not None:
        name, id_ = after
        query = {
            "$and": [
                query,
                {"$or": [{"name": {"$gt": name}}, {"name": name, "_id": {"$gt": id_}}]},
            ]
        }
    cursor = db[NAME].find(query).sort([("name", ASCENDING), ("_id", ASCENDING)]).limit(limit)
    return [from_document(d) async for d in cursor], total


def sort_key(customer: Customer) -> tuple[str, str]:
    return (customer.name, customer.id)


async def names(db: Database) -> list[tuple[str, str]]:
    """Every customer's (name, id): what a list sorted by name needs."""
    return [(d["name"], d["_id"]) async for d in db[NAME].find({}, {"name": 1})]


async def ids_with_terms(db: Database, keys: Sequence[str], limit: int) -> list[str]:
    cursor = db[NAME].find({"terms_key": {"$in": list(keys)}}, {"_id": 1}).sort("_id").limit(limit)
    return [d["_id"] async for d in cursor]


async def rewrite(db: Database, customer: Customer) -> None:
    """Rewrite the customer's fields and derived keys as the codec writes them now (the
    layout migration; edits go through `update_changed`)."""
    fields = {k: v for k, v in to_document(customer).items() if k != "_id"}
    await db[NAME].update_one({"_id": customer.id}, {"$set": fields})
    await digests.bump(db, digests.CUSTOMERS)


async def update_changed(
    db: Database,
    before: Customer,
    after: Customer,
    version: RecordVersion | None = None,
    mark: str | None = None,
) -> Customer | Conflict:
    """Write the fields that differ from `before`, guarded by their values in `before`
    (and so by its group, whose derived key changes with terms and scope), with the
    edit's version; facts kept beside them (link revocation) stay."""
    old, new = to_document(before), to_document(after)
    also: Document = versions.push(version) if version is not None else {}
    if old["group"] != new["group"]:
        # The roster follows (services/customers.py): the group left is noted in this write.
        also["$addToSet"] = {ROSTER_LEAVE: old["group"]}
        also["$set"] = {**also.get("$set", {}), ROSTER_MARK: mark}
    found = await set_changed(db, NAME, old, new, also or None)
    await digests.bump(db, digests.CUSTOMERS)
    return found if isinstance(found, Conflict) else from_document(found)


async def versions_of(db: Database, customer_id: str) -> list[RecordVersion]:
    doc = await db[NAME].find_one({"_id": customer_id}, {versions.KEY: 1})
    return versions.of(doc) if doc else []


ROSTER_LEAVE = "roster_leave"
"""Every group the customer left (a few): placing leaves each but its current one."""
ROSTER_MARK = "roster_mark"
"""The roster placement the customer's last group-changing write lands."""


async def leaving(
    db: Database, customer_id: str
) -> tuple[Customer, tuple[str, ...], str | None] | None:
    """The customer as stored, the groups whose rosters it is to be out of, and the mark
    of the placement its last group-changing write landed."""
    doc = await db[NAME].find_one({"_id": customer_id})
    if doc is None:
        return None
    return from_document(doc), tuple(doc.get(ROSTER_LEAVE) or ()), doc.get(ROSTER_MARK)


async def using_scope_code(db: Database, field: str, code: str, limit: int) -> list[str]:
    """Names of customers whose scope names a catalog code (`products`, `hosting_region`)."""
    cursor = db[NAME].find({field: code}, {"name": 1}).sort("name", 1).limit(limit)
    return [d["name"] async for d in cursor]


async def without_group(db: Database) -> list[Document]:
    """Customers stored before groups existed (migration)."""
    return [d async for d in db[NAME].find({"group": {"$exists": False}})]


async def notice_links_revoked_at(db: Database, customer_id: str) -> datetime | None:
    """Links to this customer's notices issued at or before this instant are void."""
    doc = await db[NAME].find_one({"_id": customer_id}, {"notice_links_revoked_at": 1})
    return doc.get("notice_links_revoked_at") if doc else None


async def notice_links_revoked_among(
    db: Database, customer_ids: Sequence[str]
) -> dict[str, datetime]:
    """The revocation instant of each of these customers that has one."""
    cursor = db[NAME].find(
        {"_id": {"$in": list(customer_ids)}, "notice_links_revoked_at": {"$type": "date"}},
        {"notice_links_revoked_at": 1},
    )
    return {d["_id"]: d["notice_links_revoked_at"] async for d in cursor}


async def revoke_notice_links(db: Database, customer_id: str, at: datetime) -> bool:
    result = await db[NAME].update_one(
        {"_id": customer_id}, {"$set": {"notice_links_revoked_at": at}}
    )
    return result.matched_count == 1


async def ids_with_notice_emails(db: Database, among: Sequence[str] | None = None) -> set[str]:
    """Customers that gave notice e-mail addresses (narrowed to `among` when given)."""
    query: Document = {"notice_emails": {"$ne": []}}
    if among is not None:
        query["_id"] = {"$in": list(among)}
    found: list[str] = await db[NAME].distinct("_id", query)
    return set(found)
