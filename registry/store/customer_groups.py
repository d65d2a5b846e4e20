"""The distinct (scope, terms) combinations customers hold, with their roster chunks.

A change reads these few documents to learn which groups it affects and which
terms bind its window, instead of reading customers (the mutation stays as fast at
100,000 customers as at ten); the expansion then reads the affected groups' roster
chunks by `_id`, an index every MongoDB-compatible server uses (FerretDB v1 uses no
other). Entries are only added: a group nobody is in any more can only make a
window more conservative, never shorter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry.domain.models import Customer, CustomerTerms
from registry.store.codec import Codec
from registry.store.customers import group_key, terms_key
from registry.store.database import Database

NAME = "customer_groups"


@dataclass(frozen=True, slots=True)
class CustomerGroup:
    key: str
    terms_key: str
    terms: CustomerTerms
    # The embedded database may store an empty list or null set on insert as no key.
    products: tuple[str, ...] = ()
    hosting_region: str | None = None
    chunks: tuple[str, ...] = ()


CODEC = Codec(CustomerGroup, id_field="key")


async def ensure_indexes(db: Database) -> None:
    """Read whole (one document per group): nothing to index."""


async def remember(db: Database, customer: Customer) -> str:
    group = CustomerGroup(
        key=group_key(customer),
        products=tuple(sorted(customer.products)),
        hosting_region=customer.hosting_region,
        terms_key=terms_key(customer.terms),
        terms=customer.terms,
    )
    fields = CODEC.to_document(group)
    await db[NAME].update_one({"_id": fields.pop("_id")}, {"$setOnInsert": fields}, upsert=True)
    return group.key


async def all_groups(db: Database) -> list[CustomerGroup]:
    return [CODEC.from_document(d) async for d in db[NAME].find({})]


async def get(db: Database, key: str) -> CustomerGroup | None:
    doc = await db[NAME].find_one({"_id": key})
    return CODEC.from_document(doc) if doc else None


async def add_chunks(db: Database, key: str, chunk_ids: Sequence[str]) -> None:
    """Listed before the chunks are written: a crash leaves an empty name, never a lost
    chunk."""
    result = await db[NAME].update_one(
        {"_id": key}, {"$addToSet": {"chunks": {"$each": list(chunk_ids)}}}
    )
    if result.matched_count != 1:
        raise LookupError(f"customer group {key!r} is not remembered")
