"""Vendors' chains in the exports: the open list format's `chain` of each vendor (its
declared fields in snake_case, then where, the hop's bases and scope) and the CSV's
`chain` cell."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from registry.domain import chain as chains
from registry.domain.chain_fields import CHAIN_FIELDS
from registry.domain.fields import Audience, Shown, to_json
from registry.domain.labels import country_name
from registry.services import chains as chain_service
from registry.services.caller import Caller
from registry.services.deps import Deps

EXPORTED = tuple(
    f for f in CHAIN_FIELDS if Shown.EXPORT in f.shown and f.audience is Audience.EVERYONE
)


def link_json(link: chains.ChainLink, depth: int) -> dict[str, Any]:
    return {
        "id": link.id,
        "depth": depth,
        "parent_id": link.parent_id,
        **{f.name: to_json(f, getattr(link, f.name)) for f in EXPORTED},
        "catalog_vendor_id": link.catalog_vendor_id,
        "locations": [
            {
                "country": loc.country,
                "country_name": country_name(loc.country),
                "role": loc.role.value,
            }
            for loc in link.locations
        ],
        "bases": [
            {
                "mechanism": b.mechanism.value,
                "origin": b.origin.value,
                "countries": list(b.countries),
                "scc_module": b.scc_module,
                "valid_from": b.valid_from.isoformat() if b.valid_from else None,
                "valid_until": b.valid_until.isoformat() if b.valid_until else None,
                "reference": b.reference,
            }
            for b in link.bases
        ],
        "products": list(link.scope.products),
        "hosting_regions": list(link.scope.hosting_regions),
    }


async def chains_json(
    deps: Deps, caller: Caller, vendor_ids: Sequence[str], at: datetime | None
) -> dict[str, list[dict[str, Any]]]:
    """Each vendor's chain in force at `at` (default now), depth first."""
    found = await chain_service.chains_of(deps, caller, vendor_ids, at)
    return {
        vendor: [link_json(x, d) for d, x in chains.ordered(links, vendor)]
        for vendor, links in found.items()
    }


def chain_cell(links: list[dict[str, Any]], vendor: str) -> str:
    """As a person reads it: "Twilio Inc. (US) for Zendesk; Amazon Web Services, Inc.
    (US, IE) for Twilio Inc."."""
    names = {x["id"]: x["legal_name"] for x in links}
    return "; ".join(
        f"{x['legal_name']} ({', '.join(dict.fromkeys(loc['country'] for loc in x['locations']))})"
        f" for {names.get(x['parent_id'], vendor)}"
        for x in links
    )
