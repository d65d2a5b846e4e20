"""Recording vendors: subprocessors, their locations, DPAs and transfer bases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from registry.domain import fields, labels, scc_modules, versions
from registry.domain import validation as check
from registry.domain.drafts import (
    DpaDraft,
    ProcessingLocationDraft,
    SubprocessorDetails,
    SubprocessorEdit,
    TransferBasisDraft,
)
from registry.domain.errors import NotFound, ValidationError
from registry.domain.models import (
    Dpa,
    ProcessingLocation,
    StatusChange,
    Subprocessor,
    SubprocessorStatus,
    TransferBasis,
)
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.domain.versions import RecordKind, RecordVersion, VersionAction
from registry.services import catalogs, edits, policy, scope_changes
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import dpas, ids, processing_locations, subprocessors, transfer_bases
from registry.store.database import Conflict


async def create_subprocessor(
    deps: Deps, caller: Caller, details: SubprocessorDetails
) -> Subprocessor:
    """A new vendor starts PROPOSED: only an ADD change, announced in time, activates it."""
    require_role(caller, *STAFF)
    values = fields.checked(VENDOR_FIELDS, details.values, creating=True)
    checked = await catalogs.checked_scope(deps, details.scope)
    now = deps.clock.now()
    sub = Subprocessor(
        id=ids.new_id("Subprocessor"),
        status=SubprocessorStatus.PROPOSED,
        created_at=now,
        status_history=(StatusChange(SubprocessorStatus.PROPOSED, now),),
        scope=checked,
        **values,
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
    deps: Deps, caller: Caller, sub_id: str, edit: SubprocessorEdit
) -> Subprocessor:
    """Scope: see services/scope_changes.py (narrowing at once, widening under notice)."""
    sub = await _writable(deps, caller, sub_id, "id")
    new_scope = await catalogs.checked_scope(deps, edit.scope) if edit.scope is not None else None
    changes = fields.checked(VENDOR_FIELDS, edit.values, creating=False)
    if "data_categories" in changes:
        after = replace(sub, **changes).data_categories
        versions.refuse_new_categories(sub.status, sub.data_categories, after)
    version = _vendor_version(deps, caller, sub, changes, edit.reason)
    if new_scope is not None:
        # Checked (and a narrowing recorded) before the other fields are written.
        sub = await scope_changes.set_directly(deps, caller, sub, new_scope)
    if not changes:
        return sub
    corrected = replace(sub, **changes)
    # Only the edited fields are written, guarded by the values they were edited from:
    # an ADD taking effect meanwhile keeps its status.
    written = await subprocessors.update_details(deps.db, sub, corrected, version)
    if isinstance(written, Conflict):
        raise edits.conflict(sub.id, written)
    return written


def _vendor_version(
    deps: Deps, caller: Caller, sub: Subprocessor, changes: dict[str, object], why: str | None
) -> RecordVersion | None:
    """The version an edit keeps: a vendor customers were told of is corrected with a
    reason; a PROPOSED vendor's draft may be edited without one."""
    before = {name: getattr(sub, name) for name in changes}
    found = versions.field_changes(before, changes)
    if not found:
        return None
    draft_edit = why is None and not versions.in_use(sub.status)
    return RecordVersion(
        record_id=sub.id,
        kind=RecordKind.SUBPROCESSOR,
        action=VersionAction.CORRECTED,
        at=deps.clock.now(),
        reason=None if draft_edit else versions.reason(why),
        changes=found,
        key_id=caller.key_id,
        role=caller.role.value if caller.role else None,
        person=caller.person,
    )


async def add_processing_location(
    deps: Deps, caller: Caller, sub_id: str, draft: ProcessingLocationDraft
) -> Subprocessor:
    sub = await _writable(deps, caller, sub_id, "subprocessorId")
    location = location_from(draft, ids.new_id("ProcessingLocation"), sub.id)
    # A country the vendor in use has nowhere yet widens where customers' data goes: a
    # change under notice, as for a correction (domain/versions.py).
    held = await processing_locations.by_subprocessors(deps.db, [sub.id])
    kept = [loc.country for loc in held.get(sub.id, [])]
    versions.refuse_new_countries(sub.status, kept, location.country)
    await processing_locations.upsert(deps.db, location)
    return sub


def location_from(draft: ProcessingLocationDraft, id: str, sub_id: str) -> ProcessingLocation:
    """A location as recorded or corrected, checked."""
    return ProcessingLocation(
        id=id,
        subprocessor_id=sub_id,
        country=check.country(draft.country),
        region=check.region(draft.region),
        role=draft.role,
        recipient_in_scope=draft.recipient_in_scope,
        note=check.note(draft.note),
    )


async def record_dpa(deps: Deps, caller: Caller, sub_id: str, draft: DpaDraft) -> Subprocessor:
    sub = await _writable(deps, caller, sub_id, "subprocessorId")
    await dpas.upsert(deps.db, dpa_from(draft, ids.new_id("Dpa"), sub.id))
    return sub


def dpa_from(draft: DpaDraft, id: str, sub_id: str) -> Dpa:
    """A DPA as recorded or corrected, checked."""
    d = draft
    check.date_order(d.signed_on, d.expires_on, "expiresOn", "expiresOn is before signedOn")
    check.date_order(d.effective_on, d.expires_on, "expiresOn", "expiresOn is before effectiveOn")
    modules = tuple(sorted({check.scc_module(m, "sccModules") or 0 for m in d.scc_modules}))
    return Dpa(
        id=id,
        subprocessor_id=sub_id,
        version=check.text(d.version, "version", max_length=50),
        signed_on=d.signed_on,
        effective_on=d.effective_on,
        expires_on=d.expires_on,
        document_url=check.url(d.document_url, "documentUrl"),
        sha256=check.sha256(d.sha256),
        scc_modules=modules,
    )


async def record_transfer_basis(
    deps: Deps, caller: Caller, sub_id: str, draft: TransferBasisDraft
) -> Subprocessor:
    sub = await _writable(deps, caller, sub_id, "subprocessorId")
    basis = basis_from(draft, ids.new_id("TransferBasis"), sub.id)
    await transfer_bases.upsert(deps.db, basis)
    return sub


def basis_from(draft: TransferBasisDraft, id: str, sub_id: str) -> TransferBasis:
    """A transfer basis as recorded or corrected, checked."""
    d = draft
    check.date_order(d.valid_from, d.valid_until, "validUntil", "validUntil is before validFrom")
    if d.scc_module is not None and not scc_modules.in_modules(d.mechanism):
        raise ValidationError(
            "sccModule",
            f"the {labels.MECHANISMS[d.mechanism]} have no modules: sccModule only applies to "
            "SCC_2021 (a UK Addendum's module is recorded on the 2021 SCC basis it is appended to)",
        )
    return TransferBasis(
        id=id,
        subprocessor_id=sub_id,
        mechanism=d.mechanism,
        destination=check.country(d.destination, "destination"),
        origin=d.origin,
        valid_from=d.valid_from,
        valid_until=d.valid_until,
        scc_module=check.scc_module(d.scc_module),
        reference=check.optional_text(d.reference, "reference", max_length=500),
        tia_on=d.tia_on,
        tia_url=check.url(d.tia_url, "tiaUrl"),
    )


# A vendor's parts, for callers the policy already let see the vendor (loaders, pages).


async def visible_ids(deps: Deps, caller: Caller, sub_ids: Sequence[str]) -> list[str]:
    """The vendors among `sub_ids` the caller may see (staff: all, without a read), so a
    vendor's parts are served only to callers the policy lets see the vendor."""
    if policy.is_staff(caller):
        return list(sub_ids)
    return [s.id for s in await get_subprocessors(deps, caller, sub_ids) if s is not None]


async def locations_of(
    deps: Deps, caller: Caller, sub_ids: Sequence[str]
) -> dict[str, list[ProcessingLocation]]:
    seen = await visible_ids(deps, caller, sub_ids)
    return await processing_locations.by_subprocessors(deps.db, seen) if seen else {}


async def dpas_of(deps: Deps, caller: Caller, sub_ids: Sequence[str]) -> dict[str, list[Dpa]]:
    seen = await visible_ids(deps, caller, sub_ids)
    return await dpas.by_subprocessors(deps.db, seen) if seen else {}


async def transfer_bases_of(
    deps: Deps, caller: Caller, sub_ids: Sequence[str]
) -> dict[str, list[TransferBasis]]:
    seen = await visible_ids(deps, caller, sub_ids)
    return await transfer_bases.by_subprocessors(deps.db, seen) if seen else {}
