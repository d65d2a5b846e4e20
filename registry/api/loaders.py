"""Per-request DataLoaders: one `$in` query per nesting level, never one per parent.

Each loader reads through a service that asks the access policy (services/policy.py),
so a nested field shows exactly what its top-level query would: an object the caller
may not see loads as None (or is left out of a list).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from strawberry.dataloader import DataLoader

from registry.domain.chain import ChainLink
from registry.domain.models import (
    Change,
    Customer,
    Dpa,
    HostingRegion,
    Notice,
    Objection,
    ProcessingLocation,
    Product,
    Subprocessor,
    TransferBasis,
    TransferImpactAssessment,
)
from registry.services import (
    catalogs,
    chains,
    change_queries,
    customers,
    evidence,
    location_changes,
    tias,
    vendors,
)
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.evidence import NoticeEvidence

K = TypeVar("K")
V = TypeVar("V")


def _grouped(
    fetch: Callable[[Sequence[str]], Awaitable[dict[str, list[V]]]],
) -> DataLoader[str, list[V]]:
    async def load(keys: Sequence[str]) -> list[list[V]]:
        found = await fetch(keys)
        return [found.get(key, []) for key in keys]

    return DataLoader(load)


def _by_id(
    fetch: Callable[[Sequence[str]], Awaitable[list[V | None]]],
) -> DataLoader[str, V | None]:
    async def load(keys: Sequence[str]) -> list[V | None]:
        return await fetch(keys)

    return DataLoader(load)


class Loaders:
    """Built per request for one caller, so nothing cached outlives the caller's view."""

    def __init__(self, deps: Deps, caller: Caller) -> None:
        def bind(
            fn: Callable[[Deps, Caller, Sequence[str]], Awaitable[K]],
        ) -> Callable[[Sequence[str]], Awaitable[K]]:
            return lambda keys: fn(deps, caller, keys)

        self.customer: DataLoader[str, Customer | None] = _by_id(bind(customers.get_customers))
        self.subprocessor: DataLoader[str, Subprocessor | None] = _by_id(
            bind(vendors.get_subprocessors)
        )
        # A vendor's parts only for vendors the caller may see (services/vendors.py).
        # ... in the caller's view now: a customer's from its own dates.
        self.locations: DataLoader[str, list[ProcessingLocation]] = _grouped(
            bind(location_changes.visible)
        )
        self.dpas: DataLoader[str, list[Dpa]] = _grouped(bind(vendors.dpas_of))
        self.chains: DataLoader[str, list[ChainLink]] = _grouped(
            lambda keys: chains.chains_of(deps, caller, keys)
        )
        self.transfer_bases: DataLoader[str, list[TransferBasis]] = _grouped(
            bind(vendors.transfer_bases_of)
        )
        # Assessments as records (staff only), and as the verdicts cite them (anyone who
        # may see the transfers).
        self.assessments: DataLoader[str, list[TransferImpactAssessment]] = _grouped(
            bind(tias.assessments_of)
        )

        async def cited(keys: Sequence[str]) -> dict[str, list[TransferImpactAssessment]]:
            return await tias.for_verdicts(deps, await vendors.visible_ids(deps, caller, keys))

        self.assessments_cited: DataLoader[str, list[TransferImpactAssessment]] = _grouped(cited)
        self.change: DataLoader[str, Change | None] = _by_id(bind(change_queries.get_changes))
        self.changes_by_subprocessor: DataLoader[str, list[Change]] = _grouped(
            bind(change_queries.changes_of_subprocessors)
        )
        self.changes_about: DataLoader[str, list[Change]] = _grouped(
            bind(change_queries.changes_about)
        )
        self.objections_by_change: DataLoader[str, list[Objection]] = _grouped(
            bind(change_queries.objections_of_changes)
        )
        self.product: DataLoader[str, Product | None] = _by_id(bind(catalogs.products_by_code))
        self.hosting_region: DataLoader[str, HostingRegion | None] = _by_id(
            bind(catalogs.hosting_regions_by_code)
        )

        async def evidence_for(keys: Sequence[Notice]) -> list[NoticeEvidence]:
            found = await evidence.for_notices(deps, keys)
            return [found[n.id] for n in keys]

        self.evidence: DataLoader[Notice, NoticeEvidence] = DataLoader(evidence_for)

        def located(
            at: datetime | None, customer_id: str | None
        ) -> DataLoader[str, list[ProcessingLocation]]:
            return _grouped(
                lambda keys: location_changes.visible(deps, caller, keys, at, customer_id)
            )

        self._located = located
        self._located_views: dict[
            tuple[datetime | None, str | None], DataLoader[str, list[ProcessingLocation]]
        ] = {}

    def located(
        self, at: datetime | None, customer_id: str | None
    ) -> DataLoader[str, list[ProcessingLocation]]:
        """The locations as one list's question has them (asOf, a customer), one batch per
        question."""
        key = (at, customer_id)
        if key not in self._located_views:
            self._located_views[key] = self._located(at, customer_id)
        return self._located_views[key]
