"""Per-request DataLoaders: one `$in` query per nesting level, never one per parent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from registry.domain.models import (
    Change,
    Customer,
    Dpa,
    HostingRegion,
    Objection,
    ProcessingLocation,
    Product,
    Subprocessor,
    TransferBasis,
)
from registry.services.access import Caller
from registry.services.change_queries import objection_scope
from registry.services.deps import Deps
from registry.store import (
    changes,
    customers,
    dpas,
    hosting_regions,
    objections,
    processing_locations,
    products,
    subprocessors,
    transfer_bases,
)
from registry.store.database import Database

V = TypeVar("V")


def _grouped(
    db: Database, fetch: Callable[[Database, Sequence[str]], Awaitable[dict[str, list[V]]]]
) -> DataLoader[str, list[V]]:
    async def load(keys: Sequence[str]) -> list[list[V]]:
        found = await fetch(db, keys)
        return [found.get(key, []) for key in keys]

    return DataLoader(load)


def _by_id(
    db: Database, fetch: Callable[[Database, Sequence[str]], Awaitable[list[V | None]]]
) -> DataLoader[str, V | None]:
    async def load(keys: Sequence[str]) -> list[V | None]:
        return await fetch(db, keys)

    return DataLoader(load)


class Loaders:
    """Built per request, so nothing cached outlives the caller's view."""

    def __init__(self, deps: Deps, caller: Caller) -> None:
        db = deps.db
        self.customer: DataLoader[str, Customer | None] = _by_id(db, customers.get_many)
        self.subprocessor: DataLoader[str, Subprocessor | None] = _by_id(db, subprocessors.get_many)
        self.locations: DataLoader[str, list[ProcessingLocation]] = _grouped(
            db, processing_locations.by_subprocessors
        )
        self.dpas: DataLoader[str, list[Dpa]] = _grouped(db, dpas.by_subprocessors)
        self.transfer_bases: DataLoader[str, list[TransferBasis]] = _grouped(
            db, transfer_bases.by_subprocessors
        )
        self.change: DataLoader[str, Change | None] = _by_id(db, changes.get_many)
        self.changes_by_subprocessor: DataLoader[str, list[Change]] = _grouped(
            db, changes.by_subprocessors
        )
        self.product: DataLoader[str, Product | None] = _by_id(db, products.get_many)
        self.hosting_region: DataLoader[str, HostingRegion | None] = _by_id(
            db, hosting_regions.get_many
        )
        scope = objection_scope(caller)

        async def objections_for(db: Database, keys: Sequence[str]) -> dict[str, list[Objection]]:
            return await objections.by_changes(db, keys, scope)

        self.objections_by_change: DataLoader[str, list[Objection]] = _grouped(db, objections_for)
