"""Recording and reading vendors' chains of sub-processors (domain/chain.py).

Whoever may see a vendor may see its chain: EDPB Opinion 22/2024 wants the identity of
every sub-processor down the chain given to the controller proactively, so every field
of a link is for everyone. Staff record links; a link is checked against every chain
not ended (cycles run through the catalog vendors the links are).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from registry.domain import fields
from registry.domain import validation as check
from registry.domain.chain import ChainLink, ChainLocation, HopBasis, check_link
from registry.domain.chain_fields import CHAIN_FIELDS
from registry.domain.errors import ChainError, NotFound, ValidationError
from registry.domain.models import (
    DataOrigin,
    LocationRole,
    Scope,
    Subprocessor,
    SubprocessorStatus,
    TransferMechanism,
)
from registry.services import catalogs, policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import chain_links, ids, subprocessors


@dataclass(frozen=True, slots=True)
class LocationDraft:
    country: str
    role: LocationRole = LocationRole.PROCESSING
    recipient_in_scope: bool | None = None


@dataclass(frozen=True, slots=True)
class HopBasisDraft:
    mechanism: TransferMechanism
    origin: DataOrigin = DataOrigin.EEA
    countries: tuple[str, ...] = ()
    scc_module: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class ChainLinkDraft:
    """A sub-processor as given: its declared fields by name, and its structured facts."""

    values: Mapping[str, object]
    parent_id: str
    locations: tuple[LocationDraft, ...] = ()
    bases: tuple[HopBasisDraft, ...] = ()
    catalog_vendor_id: str | None = None
    scope: Scope = field(default_factory=Scope)


def locations_from(
    drafts: Sequence[LocationDraft], where: str = "locations"
) -> tuple[ChainLocation, ...]:
    return tuple(
        ChainLocation(
            check.country(d.country, f"{where}[{n}].country"), d.role, d.recipient_in_scope
        )
        for n, d in enumerate(drafts)
    )


def bases_from(drafts: Sequence[HopBasisDraft], where: str = "bases") -> tuple[HopBasis, ...]:
    found = []
    for n, d in enumerate(drafts):
        check.date_order(
            d.valid_from,
            d.valid_until,
            f"{where}[{n}].validUntil",
            "validUntil must not be before validFrom",
        )
        found.append(
            HopBasis(
                mechanism=d.mechanism,
                origin=d.origin,
                countries=tuple(
                    check.country(c, f"{where}[{n}].countries") for c in dict.fromkeys(d.countries)
                ),
                scc_module=check.scc_module(d.scc_module, f"{where}[{n}].sccModule"),
                valid_from=d.valid_from,
                valid_until=d.valid_until,
                reference=check.optional_text(
                    d.reference, f"{where}[{n}].reference", max_length=500
                ),
            )
        )
    return tuple(found)


async def checked_link(
    deps: Deps, vendor: Subprocessor, draft: ChainLinkDraft, *, link_id: str, at: datetime
) -> ChainLink:
    """A new link of `vendor`'s chain, every rule applied; nothing is written."""
    values = fields.checked(CHAIN_FIELDS, draft.values, creating=True)
    catalog = draft.catalog_vendor_id
    if catalog is not None and (
        not ids.is_id_of("Subprocessor", catalog)
        or await subprocessors.get(deps.db, catalog) is None
    ):
        raise ValidationError("catalogVendorId", f"no subprocessor {catalog!r}")
    link = ChainLink(
        id=link_id,
        vendor_id=vendor.id,
        parent_id=draft.parent_id,
        locations=locations_from(draft.locations),
        created_at=at,
        catalog_vendor_id=catalog,
        bases=bases_from(draft.bases),
        scope=await catalogs.checked_scope(deps, draft.scope),
        active_from=at,
        **values,
    )
    check_link(link, await chain_links.all_open(deps.db), vendor_scope=vendor.scope)
    return link


async def _vendor(deps: Deps, vendor_id: str) -> Subprocessor:
    found = (
        await subprocessors.get(deps.db, vendor_id)
        if ids.is_id_of("Subprocessor", vendor_id)
        else None
    )
    if found is None:
        raise NotFound(f"no subprocessor {vendor_id!r}")
    return found


async def record_link(
    deps: Deps, caller: Caller, vendor_id: str, draft: ChainLinkDraft
) -> ChainLink:
    """Record a sub-processor in a vendor's chain that customers have not been told of yet:
    the chain of a PROPOSED vendor (announced with it). A vendor in use changes its chain
    through an announced change (services/chain_changes.py)."""
    require_role(caller, *STAFF)
    vendor = await _vendor(deps, vendor_id)
    if vendor.status is not SubprocessorStatus.PROPOSED:
        raise ChainError(
            "NOT_PROPOSED",
            "subprocessorId",
            f"{vendor.legal_name} is {vendor.status.value}: its chain changes only by an "
            "announced change",
        )
    link = await checked_link(
        deps, vendor, draft, link_id=ids.new_id("ChainLink"), at=deps.clock.now()
    )
    await chain_links.insert(deps.db, link)
    return link


async def chains_of(
    deps: Deps, caller: Caller, vendor_ids: Sequence[str], at: datetime | None = None
) -> dict[str, list[ChainLink]]:
    """The chains of vendors the caller may see, in force at `at` (default now)."""
    visible = [
        s.id
        for s in await subprocessors.get_many(deps.db, vendor_ids)
        if s is not None and policy.visible_subprocessor(caller, s, deps.settings.public_read)
    ]
    when = at or deps.clock.now()
    found = await chain_links.of_vendors(deps.db, visible, when)
    return {vendor: links for vendor, links in found.items()}


async def drafts_of(deps: Deps, vendor_id: str) -> list[ChainLink]:
    """Every link of a vendor's chain not ended (announced ones included): for staff."""
    return (await chain_links.of_vendors(deps.db, [vendor_id])).get(vendor_id, [])
