"""The onward transfers of a transfer assessment: each vendor's chain judged hop by hop
(domain/onward.py), for the links that reach the customer asked about."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime

from registry.domain import chain as chains
from registry.domain import scope as scopes
from registry.domain.models import DataOrigin, Subprocessor, TransferMechanism
from registry.domain.onward import Route, evaluate_chain
from registry.domain.transfers import TransferEvaluation
from registry.services.deps import Deps
from registry.store import chain_links
from registry.store.subprocessors import Audience


async def routes(
    deps: Deps,
    subs: Sequence[Subprocessor],
    first_hops: Mapping[str, Mapping[str, TransferEvaluation]],
    *,
    origin: DataOrigin,
    on: date,
    at: datetime,
    withdrawn: Collection[TransferMechanism] = (),
    audience: Audience | None = None,
) -> list[tuple[Subprocessor, Route]]:
    """Every location of the chains of `subs` in force at `at`, judged from `origin` on
    `on`; `first_hops` are our own transfers to each vendor by vendor and country. With an
    `audience` (a customer's products and region) only the links whose scope reaches it."""
    found = await chain_links.of_vendors(deps.db, [s.id for s in subs], at)
    result: list[tuple[Subprocessor, Route]] = []
    for sub in subs:
        links = [x for _, x in chains.ordered(found.get(sub.id, []), sub.id)]
        if audience is not None:
            by_id = {x.id: x for x in links}
            links = [
                x
                for x in links
                if scopes.affects(
                    chains.effective_scope(x, by_id, sub.scope),
                    audience.products,
                    audience.hosting_region,
                )
            ]
        if not links:
            continue
        for route in evaluate_chain(
            origin, on, sub.legal_name, first_hops.get(sub.id, {}), links, withdrawn=withdrawn
        ):
            result.append((sub, route))
    return result
