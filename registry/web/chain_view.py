"""Each vendor's chain as the public page shows it: collapsed under the vendor, every
sub-processor with who it serves, where, and the onward transfer's verdict there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from registry.domain.chain import ChainLink
from registry.domain.labels import country_name
from registry.domain.models import DataOrigin, Subprocessor, TransferStatus
from registry.domain.onward import Route
from registry.domain.transfers import TransferEvaluation
from registry.services import onward_transfers
from registry.services.deps import Deps
from registry.web.pages import MECHANISM_LABELS, STATUS_LABELS


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    route: Route

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.route.status]

    @property
    def mechanism(self) -> str | None:
        m = self.route.mechanism
        return MECHANISM_LABELS.get(m, m.value) if m is not None else None


@dataclass(frozen=True, slots=True)
class Entry:
    link: ChainLink
    depth: int
    serves: str  # the parent's name
    places: list[Place]


async def chains_of(
    deps: Deps,
    subs: Sequence[Subprocessor],
    first_hops: dict[str, dict[str, TransferEvaluation]],
    at: datetime,
) -> tuple[dict[str, list[Entry]], dict[TransferStatus, int]]:
    """The chains of the vendors shown, by vendor, and the counts of their onward
    transfers by status (the public page adds them, as transferAssessment does)."""
    routes = await onward_transfers.routes(
        deps, subs, first_hops, origin=DataOrigin.EEA, on=at.date(), at=at
    )
    names = {s.id: s.legal_name for s in subs}
    links = {r.link.id: r.link for _, r in routes}
    found: dict[str, list[Entry]] = {}
    counts = dict.fromkeys(TransferStatus, 0)
    for sub, route in routes:  # a link's locations come one after the other
        counts[route.status] += 1
        entries = found.setdefault(sub.id, [])
        if not entries or entries[-1].link.id != route.link.id:
            parent = links.get(route.link.parent_id)
            serves = parent.legal_name if parent else names[sub.id]
            entries.append(Entry(route.link, route.depth, serves, []))
        entries[-1].places.append(Place(route.country, country_name(route.country), route))
    return found, counts
