"""Onward transfers: data of one origin going down a vendor's chain, judged hop by hop.

Each hop is a transfer of the origin's data to the next company's country, judged by the
engine of `transfers.py` with the bases recorded for that hop: ours to the vendor (the
vendor's own bases), then the parent's to each sub-processor (the link's `HopBasis`es:
the 2021 SCCs module 3, a BCR-P, the sub-processor's DPF certification). Readings:

- The law of the origin governs every hop (Art. 44 GDPR: onward transfers keep the
  protection of Chapter V), so a hop inside the origin's home area needs no basis even
  when the parent sits outside it.
- A hop to a company with several locations is as strong as its weakest location: the
  data may be at any of them on the way down.
- A route's status is its weakest hop's (INVALID, then MISSING, EXPIRING, VALID,
  NOT_REQUIRED); the first such hop from the top decides, and every reason names its hop.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from registry.domain.chain import ChainLink, HopBasis, path
from registry.domain.models import (
    DataOrigin,
    TransferBasis,
    TransferMechanism,
    TransferStatus,
)
from registry.domain.reference import Reference
from registry.domain.transfers import TransferEvaluation, evaluate_transfer

WEAKEST_FIRST = (
    TransferStatus.INVALID,
    TransferStatus.MISSING,
    TransferStatus.EXPIRING,
    TransferStatus.VALID,
    TransferStatus.NOT_REQUIRED,
)


def strength(status: TransferStatus) -> int:
    return WEAKEST_FIRST.index(status)


@dataclass(frozen=True, slots=True)
class Hop:
    """One company handing the data to the next, in one country."""

    name: str  # "Postmark → AWS (US)"
    evaluation: TransferEvaluation


@dataclass(frozen=True, slots=True)
class Route:
    """The way the data takes to one location of one sub-processor."""

    link: ChainLink
    country: str
    hops: tuple[Hop, ...]
    deciding: int  # the index of the weakest hop
    depth: int  # the link's depth below the vendor

    @property
    def status(self) -> TransferStatus:
        return self.hops[self.deciding].evaluation.status

    @property
    def mechanism(self) -> TransferMechanism | None:
        return self.hops[self.deciding].evaluation.mechanism

    @property
    def reasons(self) -> tuple[str, ...]:
        weakest = self.hops[self.deciding]
        head = f"weakest hop: {weakest.name}, {weakest.evaluation.status.value}"
        return (
            head,
            *(f"{hop.name}: {reason}" for hop in self.hops for reason in hop.evaluation.reasons),
        )

    def as_evaluation(self, origin: DataOrigin) -> TransferEvaluation:
        """The route as one verdict: the weakest hop's status and mechanism, every hop's
        reasons (the assessment's items and counts take it as they take a location)."""
        decided = self.hops[self.deciding].evaluation
        return TransferEvaluation(
            origin=origin,
            destination=self.country,
            status=decided.status,
            reasons=self.reasons,
            mechanism=decided.mechanism,
            basis=None,
            exceptional=decided.exceptional,
        )


def weakest(evaluations: Sequence[TransferEvaluation]) -> int:
    """The index of the weakest evaluation, the first of equals."""
    return min(range(len(evaluations)), key=lambda i: strength(evaluations[i].status))


def hop_bases(link: ChainLink, country: str) -> list[TransferBasis]:
    """The link's hop bases covering a country, in the engine's terms."""
    return [
        _as_basis(link, n, b, country)
        for n, b in enumerate(link.bases)
        if not b.countries or country in b.countries
    ]


def _as_basis(link: ChainLink, n: int, hop: HopBasis, country: str) -> TransferBasis:
    return TransferBasis(
        id=f"#{n + 1} of the hop to {link.legal_name}",
        subprocessor_id=link.id,
        mechanism=hop.mechanism,
        destination=country,
        origin=hop.origin,
        valid_from=hop.valid_from,
        valid_until=hop.valid_until,
        scc_module=hop.scc_module,
        reference=hop.reference,
    )


def evaluate_chain(
    origin: DataOrigin,
    on: date,
    vendor_name: str,
    first_hops: Mapping[str, TransferEvaluation],
    links: Sequence[ChainLink],
    *,
    withdrawn: Collection[TransferMechanism] = (),
    reference: Reference | None = None,
) -> list[Route]:
    """Every location of every link of one vendor's chain, judged down its route.
    `first_hops` are the verdicts on the vendor's own locations by country (our transfer
    to it); `links` the chain in force (depth-first order is kept)."""
    by_id = {x.id: x for x in links}

    def judged(link: ChainLink) -> dict[str, TransferEvaluation]:
        return {
            loc.country: evaluate_transfer(
                origin,
                loc.country,
                on,
                hop_bases(link, loc.country),
                withdrawn=withdrawn,
                reference=reference,
                recipient_in_scope=loc.recipient_in_scope,
            )
            for loc in link.locations
        }

    verdicts = {x.id: judged(x) for x in links}
    top: list[Hop] = []
    if first_hops:
        worst = _weakest_of(first_hops)
        top.append(Hop(f"{origin.value} → {vendor_name} ({worst})", first_hops[worst]))
    routes = []
    for link in links:
        hops = list(top)
        steps = path(link, by_id)
        for n, step in enumerate(steps[:-1]):
            above = steps[n - 1] if n else None
            worst = _weakest_of(verdicts[step.id])
            hops.append(Hop(_named(above, vendor_name, step, worst), verdicts[step.id][worst]))
        parent = steps[-2] if len(steps) > 1 else None
        for country, evaluation in verdicts[link.id].items():
            route = [*hops, Hop(_named(parent, vendor_name, link, country), evaluation)]
            deciding = weakest([h.evaluation for h in route])
            routes.append(Route(link, country, tuple(route), deciding, len(steps)))
    return routes


def _weakest_of(by_country: Mapping[str, TransferEvaluation]) -> str:
    countries = list(by_country)
    return countries[weakest([by_country[c] for c in countries])]


def _named(parent: ChainLink | None, vendor_name: str, link: ChainLink, country: str) -> str:
    above = vendor_name if parent is None else parent.legal_name
    return f"{above} → {link.legal_name} ({country})"
