"""Recording vendors: subprocessors, their locations, DPAs and transfer bases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from registry.domain import validation as check
from registry.domain.errors import NotFound, ValidationError
from registry.domain.models import (
    DataOrigin,
    Dpa,
    LocationRole,
    ProcessingLocation,
    StatusChange,
    Subprocessor,
    SubprocessorStatus,
    TransferBasis,
    TransferMechanism,
)
from registry.services import catalogs, policy, scope_changes
from registry.services.caller import Caller
from registry.services.catalogs import ScopeCodes
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import dpas, ids, processing_locations, subprocessors, transfer_bases


def _categories(values: Sequence[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if len(values) > 50:
        raise ValidationError("dataCategories", "at most 50 data categories")
    cleaned = [check.text(v, "dataCategories", max_length=100) for v in values]
    return tuple(dict.fromkeys(cleaned))


async def create_subprocessor(
    deps: Deps,
    caller: Caller,
    *,
    legal_name: str,
    purpose: str,
    data_categories: Sequence[str] | None = None,
    website: str | None = None,
    contact_email: str | None = None,
    scope: ScopeCodes | None = None,
) -> Subprocessor:
    """A new vendor starts PROPOSED: only an ADD change, announced in time, activates it."""
    require_role(caller, *STAFF)
    checked = await catalogs.checked_scope(deps, scope or ScopeCodes())
    now = deps.clock.now()
    sub = Subprocessor(
        id=ids.new_id("Subprocessor"),
        legal_name=check.text(legal_name, "legalName", max_length=200),
        purpose=check.text(purpose, "purpose", max_length=1000),
        status=SubprocessorStatus.PROPOSED,
        created_at=now,
        data_categories=_categories(data_categories),
        website=check.url(website, "website"),
        contact_email=check.email(contact_email, "contactEmail"),
        status_history=(StatusChange(SubprocessorStatus.PROPOSED, now),),
        scope=checked,
    )
    await subprocessors.insert(deps.db, sub)
    return sub


async def get_subprocessor(deps: Deps, caller: Caller, sub_id: str) -> Subprocessor:
    """One vendor, if the access policy lets the caller see it."""
    sub = await subprocessors.get(deps.db, sub_id) if ids.is_id_of("Subprocessor", sub_id) else None
    visible = policy.visible_subprocessor(caller, sub, deps.settings.public_read)
    if visible is None:
        raise NotFound(f"no subprocessor {sub_id!r}")
    return visible


async def get_subprocessors(
    deps: Deps, caller: Caller, sub_ids: Sequence[str]
) -> list[Subprocessor | None]:
    """Vendors by id in key order (for loaders); those the caller may not see are None."""
    found = await subprocessors.get_many(deps.db, sub_ids)
    public_read = deps.settings.public_read
    return [policy.visible_subprocessor(caller, s, public_read) for s in found]


async def _writable(deps: Deps, caller: Caller, sub_id: str, field: str) -> Subprocessor:
    require_role(caller, *STAFF)
    sub = await subprocessors.get(deps.db, sub_id) if ids.is_id_of("Subprocessor", sub_id) else None
    if sub is None:
        raise NotFound(f"no subprocessor {sub_id!r}")
    return sub


async def update_subprocessor(
    deps: Deps,
    caller: Caller,
    sub_id: str,
    *,
    legal_name: str | None = None,
    purpose: str | None = None,
    data_categories: Sequence[str] | None = None,
    website: str | None = None,
    contact_email: str | None = None,
    scope: ScopeCodes | None = None,
) -> Subprocessor:
    """Scope: see services/scope_changes.py (narrowing at once, widening under notice)."""
    sub = await _writable(deps, caller, sub_id, "id")
    new_scope = await catalogs.checked_scope(deps, scope) if scope is not None else None
    changes: dict[str, object] = {}
    if legal_name is not None:
        changes["legal_name"] = check.text(legal_name, "legalName", max_length=200)
    if purpose is not None:
        changes["purpose"] = check.text(purpose, "purpose", max_length=1000)
    if data_categories is not None:
        changes["data_categories"] = _categories(data_categories)
    if website is not None:
        changes["website"] = check.url(website, "website")
    if contact_email is not None:
        changes["contact_email"] = check.email(contact_email, "contactEmail")
    if new_scope is not None:
        # Checked (and a narrowing recorded) before the other fields are written.
        sub = await scope_changes.set_directly(deps, caller, sub, new_scope)
    if not changes:
        return sub
    # Only the edited fields are written, guarded by the values they were edited from:
    # an ADD taking effect meanwhile keeps its status.
    written = await subprocessors.update_details(
        deps.db,
        sub,
        replace(sub, **changes),  # type: ignore[arg-type]
    )
    if written is None:
        raise ValidationError("id", "the subprocessor was edited meanwhile: read it and retry")
    return written


async def add_processing_location(
    deps: Deps,
    caller: Caller,
    sub_id: str,
    *,
    country: str,
    region: str | None = None,
    role: LocationRole = LocationRole.PROCESSING,
    recipient_in_scope: bool | None = None,
) -> Subprocessor:
    sub = await _writable(deps, caller, sub_id, "subprocessorId")
    location = ProcessingLocation(
        id=ids.new_id("ProcessingLocation"),
        subprocessor_id=sub.id,
        country=check.country(country),
        region=check.region(region),
        role=role,
        recipient_in_scope=recipient_in_scope,
    )
    await processing_locations.upsert(deps.db, location)
    return sub


async def record_dpa(
    deps: Deps,
    caller: Caller,
    sub_id: str,
    *,
    version: str,
    signed_on: date,
    effective_on: date | None = None,
    expires_on: date | None = None,
    document_url: str | None = None,
    sha256: str | None = None,
    scc_modules: Sequence[int] | None = None,
) -> Subprocessor:
    sub = await _writable(deps, caller, sub_id, "subprocessorId")
    check.date_order(signed_on, expires_on, "expiresOn", "expiresOn is before signedOn")
    check.date_order(effective_on, expires_on, "expiresOn", "expiresOn is before effectiveOn")
    modules = tuple(sorted({check.scc_module(m, "sccModules") or 0 for m in scc_modules or ()}))
    dpa = Dpa(
        id=ids.new_id("Dpa"),
        subprocessor_id=sub.id,
        version=check.text(version, "version", max_length=50),
        signed_on=signed_on,
        effective_on=effective_on,
        expires_on=expires_on,
        document_url=check.url(document_url, "documentUrl"),
        sha256=check.sha256(sha256),
        scc_modules=modules,
    )
    await dpas.upsert(deps.db, dpa)
    return sub


async def record_transfer_basis(
    deps: Deps,
    caller: Caller,
    sub_id: str,
    *,
    mechanism: TransferMechanism,
    destination: str,
    origin: DataOrigin = DataOrigin.EEA,
    valid_from: date | None = None,
    valid_until: date | None = None,
    scc_module: int | None = None,
    reference: str | None = None,
    tia_on: date | None = None,
    tia_url: str | None = None,
) -> Subprocessor:
    sub = await _writable(deps, caller, sub_id, "subprocessorId")
    check.date_order(valid_from, valid_until, "validUntil", "validUntil is before validFrom")
    if scc_module is not None and mechanism not in (
        TransferMechanism.SCC_2021,
        TransferMechanism.UK_ADDENDUM,
    ):
        raise ValidationError("sccModule", "sccModule only applies to SCC_2021 / UK_ADDENDUM")
    basis = TransferBasis(
        id=ids.new_id("TransferBasis"),
        subprocessor_id=sub.id,
        mechanism=mechanism,
        destination=check.country(destination, "destination"),
        origin=origin,
        valid_from=valid_from,
        valid_until=valid_until,
        scc_module=check.scc_module(scc_module),
        reference=check.optional_text(reference, "reference", max_length=500),
        tia_on=tia_on,
        tia_url=check.url(tia_url, "tiaUrl"),
    )
    await transfer_bases.upsert(deps.db, basis)
    return sub


# A vendor's parts, for callers the policy already let see the vendor (loaders, pages).


async def locations_of(
    deps: Deps, caller: Caller, sub_ids: Sequence[str]
) -> dict[str, list[ProcessingLocation]]:
    return await processing_locations.by_subprocessors(deps.db, sub_ids)


async def dpas_of(deps: Deps, caller: Caller, sub_ids: Sequence[str]) -> dict[str, list[Dpa]]:
    return await dpas.by_subprocessors(deps.db, sub_ids)


async def transfer_bases_of(
    deps: Deps, caller: Caller, sub_ids: Sequence[str]
) -> dict[str, list[TransferBasis]]:
    return await transfer_bases.by_subprocessors(deps.db, sub_ids)
