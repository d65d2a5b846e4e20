"""Per-request DataLoaders: one `$in` query per nesting level, never one per parent."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from registry.domain.models import Customer
from registry.services.access import Caller
from registry.services.deps import Deps
from registry.store import customers


class Loaders:
    def __init__(self, deps: Deps, caller: Caller) -> None:
        db = deps.db

        async def load_customers(keys: Sequence[str]) -> list[Customer | None]:
            return await customers.get_many(db, keys)

        self.customer = DataLoader(load_customers)
