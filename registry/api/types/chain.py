"""A vendor's chain of sub-processors in the API: its declared fields (domain/chain_fields.py)
and where each link processes data, the basis of the hop to it, and its scope."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from registry.api.context import Info
from registry.api.types import (
    declared,
    scalars,  # noqa: F401 - registers the enums
)
from registry.api.types.scope import Scope
from registry.domain import chain, models
from registry.domain.chain_fields import CHAIN_FIELDS
from registry.domain.labels import country_name


@strawberry.type(description="Where a sub-processor in a chain handles the data.")
class ChainLocation:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    country_name: str = strawberry.field(description="The country's name in English.")
    role: models.LocationRole = strawberry.field(description="What it does with data there.")
    recipient_in_scope: bool | None = strawberry.field(
        description="Whether it falls in a partial adequacy decision's scope there; null: "
        "not recorded."
    )


@strawberry.type(
    description="The parent's basis for handing the data on to this sub-processor (the "
    "onward transfer), e.g. the 2021 SCCs module 3 or the sub-processor's DPF certification."
)
class HopBasis:
    mechanism: models.TransferMechanism = strawberry.field(description="The mechanism.")
    origin: models.DataOrigin = strawberry.field(description="Data of which origin it covers.")
    countries: list[str] = strawberry.field(
        description="The link's countries it covers; empty: all of them."
    )
    scc_module: int | None = strawberry.field(description="The SCC module (1-4), if any.")
    valid_from: date | None = strawberry.field(description="First day in force.")
    valid_until: date | None = strawberry.field(description="Last day in force, inclusive.")
    reference: str | None = strawberry.field(description="Where it is written down.")


@strawberry.type(
    description="A sub-processor of a vendor, or of one of its sub-processors (EDPB Opinion "
    "22/2024: every sub-processor down the chain, identified)."
)
@declared.outputs(CHAIN_FIELDS)
class ChainLink:
    entity: strawberry.Private[chain.ChainLink]
    id: strawberry.ID = strawberry.field(description="The link's id (cl_…).")
    depth: int = strawberry.field(
        description="1 for the vendor's own sub-processors, 2 for theirs, and so on."
    )
    parent_id: strawberry.ID = strawberry.field(
        description="Whom it serves: the vendor's id, or the id of another link of its chain."
    )
    catalog_vendor_id: strawberry.ID | None = strawberry.field(
        description="The subprocessor it is, when it is also in our own catalog."
    )
    locations: list[ChainLocation] = strawberry.field(description="Where it handles the data.")
    bases: list[HopBasis] = strawberry.field(description="The bases of the hop to it.")
    scope: Scope = strawberry.field(
        description="The products and regions it serves when narrower than its parent's; "
        "empty lists: those of its parent."
    )
    active_from: datetime | None = strawberry.field(description="In the chain since (UTC).")
    active_until: datetime | None = strawberry.field(
        description="Leaves (or left) the chain at (UTC); null while it stays."
    )

    @classmethod
    def from_domain(cls, link: chain.ChainLink, depth: int) -> ChainLink:
        return cls(
            entity=link,
            id=strawberry.ID(link.id),
            depth=depth,
            parent_id=strawberry.ID(link.parent_id),
            catalog_vendor_id=(
                strawberry.ID(link.catalog_vendor_id) if link.catalog_vendor_id else None
            ),
            locations=[
                ChainLocation(
                    country=loc.country,
                    country_name=country_name(loc.country),
                    role=loc.role,
                    recipient_in_scope=loc.recipient_in_scope,
                )
                for loc in link.locations
            ],
            bases=[
                HopBasis(
                    mechanism=b.mechanism,
                    origin=b.origin,
                    countries=list(b.countries),
                    scc_module=b.scc_module,
                    valid_from=b.valid_from,
                    valid_until=b.valid_until,
                    reference=b.reference,
                )
                for b in link.bases
            ],
            scope=Scope.from_domain(link.scope),
            active_from=link.active_from,
            active_until=link.active_until,
        )


async def chain_of(info: Info, vendor_id: str) -> list[ChainLink]:
    """The vendor's chain in force now, depth first."""
    links = await info.context.loaders.chains.load(vendor_id)
    return [ChainLink.from_domain(x, d) for d, x in chain.ordered(links, vendor_id)]
