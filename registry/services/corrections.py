"""Correcting a vendor's processing locations, DPAs and transfer bases, with history.

Each correction is checked as the record was when it was first recorded (the same
builders as services/vendors.py), refused when it would widen what customers receive
(domain/versions.py), and written compare-and-set on the fields it changes together
with its version (store/versions.py). The legal verdicts read the corrected records;
snapshots taken for notices keep what they said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from registry.domain import versions
from registry.domain.drafts import DpaDraft, ProcessingLocationDraft, TransferBasisDraft
from registry.domain.errors import NotFound, ValidationError
from registry.domain.models import (
    Dpa,
    ProcessingLocation,
    Subprocessor,
    SubprocessorStatus,
    TransferBasis,
)
from registry.domain.versions import RecordKind, RecordVersion, VersionAction
from registry.services import edits, policy, vendors
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import dpas, ids, processing_locations, subprocessors, transfer_bases
from registry.store.database import Conflict

Values = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Corrected:
    """A correction made: the record's id (the audit entry's target), its vendor as it
    now reads, and the version kept."""

    id: str
    subprocessor: Subprocessor
    version: RecordVersion


def _version(
    deps: Deps,
    caller: Caller,
    record_id: str,
    kind: RecordKind,
    action: VersionAction,
    reason: str,
    changes: tuple[versions.FieldChange, ...] = (),
) -> RecordVersion:
    return RecordVersion(
        record_id=record_id,
        kind=kind,
        action=action,
        at=deps.clock.now(),
        reason=reason,
        changes=changes,
        key_id=caller.key_id,
        role=caller.role.value if caller.role else None,
        person=caller.person,
    )


def _changes(before: object, after: object, names: Values) -> tuple[versions.FieldChange, ...]:
    old = {name: getattr(before, name) for name in names}
    new = {name: getattr(after, name) for name in names}
    return versions.field_changes(old, new)


async def _vendor(deps: Deps, sub_id: str) -> Subprocessor:
    sub = await subprocessors.get(deps.db, sub_id)
    if sub is None:  # a part outlived its vendor: nothing anyone can see
        raise NotFound(f"no subprocessor {sub_id!r}")
    return sub


def _unchanged(record_id: str) -> ValidationError:
    return ValidationError("input", f"the correction changes nothing on {record_id}")


# Processing locations.

_LOCATION_FIELDS = ("country", "region", "role", "recipient_in_scope", "note")


async def _location(deps: Deps, caller: Caller, location_id: str) -> ProcessingLocation:
    require_role(caller, *STAFF)
    found = (
        await processing_locations.get(deps.db, location_id)
        if ids.is_id_of("ProcessingLocation", location_id)
        else None
    )
    if found is None:
        raise NotFound(f"no processing location {location_id!r}")
    return found


async def correct_location(
    deps: Deps, caller: Caller, location_id: str, values: Values, reason: str | None
) -> Corrected:
    """A location fixed (a mistyped region, a role, a country recorded wrongly); a
    country the vendor in use has nowhere else is a change to announce instead."""
    loc = await _location(deps, caller, location_id)
    why = versions.reason(reason)
    draft = ProcessingLocationDraft(**{n: getattr(loc, n) for n in _LOCATION_FIELDS})
    after = vendors.location_from(replace(draft, **values), loc.id, loc.subprocessor_id)
    sub = await _vendor(deps, loc.subprocessor_id)
    if after.country != loc.country:
        others = await processing_locations.by_subprocessors(deps.db, [sub.id])
        kept = [o.country for o in others.get(sub.id, []) if o.id != loc.id]
        versions.refuse_new_countries(sub.status, kept, after.country)
    changes = _changes(loc, after, dict.fromkeys(_LOCATION_FIELDS))
    if not changes:
        raise _unchanged(loc.id)
    version = _version(
        deps, caller, loc.id, RecordKind.PROCESSING_LOCATION, VersionAction.CORRECTED, why, changes
    )
    written = await processing_locations.correct(deps.db, loc, after, version)
    if isinstance(written, Conflict):
        raise edits.conflict(loc.id, written)
    return Corrected(version.record_id, sub, version)


async def remove_location(
    deps: Deps, caller: Caller, location_id: str, reason: str | None
) -> Corrected:
    """A location recorded in error; an ACTIVE vendor's last one is a REMOVE change."""
    loc = await _location(deps, caller, location_id)
    why = versions.reason(reason)
    sub = await _vendor(deps, loc.subprocessor_id)
    others = await processing_locations.by_subprocessors(deps.db, [sub.id])
    if sub.status is SubprocessorStatus.ACTIVE and not [
        o for o in others.get(sub.id, []) if o.id != loc.id
    ]:
        raise ValidationError(
            "id",
            f"{loc.country} is the only processing location of {sub.legal_name}, which is "
            "ACTIVE: announce the vendor's removal with announceChange(kind: REMOVE) instead",
        )
    version = _version(
        deps, caller, loc.id, RecordKind.PROCESSING_LOCATION, VersionAction.REMOVED, why
    )
    if not await processing_locations.remove(deps.db, loc, deps.clock.now(), version):
        raise NotFound(f"no processing location {location_id!r}")
    return Corrected(version.record_id, sub, version)


# DPAs.

_DPA_FIELDS = (
    "version",
    "signed_on",
    "effective_on",
    "expires_on",
    "document_url",
    "sha256",
    "scc_modules",
)


async def _dpa(deps: Deps, caller: Caller, dpa_id: str) -> Dpa:
    require_role(caller, *STAFF)
    found = await dpas.get(deps.db, dpa_id) if ids.is_id_of("Dpa", dpa_id) else None
    if found is None:
        raise NotFound(f"no DPA {dpa_id!r}")
    return found


def _action(before: date | None, after: date | None) -> VersionAction:
    return VersionAction.ENDED if versions.ending(before, after) else VersionAction.CORRECTED


async def correct_dpa(
    deps: Deps, caller: Caller, dpa_id: str, values: Values, reason: str | None
) -> Corrected:
    """A DPA fixed, or ended (an earlier `expiresOn`): contractual bases fall with it."""
    dpa = await _dpa(deps, caller, dpa_id)
    why = versions.reason(reason)
    draft = DpaDraft(**{n: getattr(dpa, n) for n in _DPA_FIELDS})
    after = vendors.dpa_from(replace(draft, **values), dpa.id, dpa.subprocessor_id)
    changes = _changes(dpa, after, dict.fromkeys(_DPA_FIELDS))
    if not changes:
        raise _unchanged(dpa.id)
    action = _action(dpa.expires_on, after.expires_on)
    version = _version(deps, caller, dpa.id, RecordKind.DPA, action, why, changes)
    written = await dpas.correct(deps.db, dpa, after, version)
    if isinstance(written, Conflict):
        raise edits.conflict(dpa.id, written)
    return Corrected(dpa.id, await _vendor(deps, dpa.subprocessor_id), version)


async def remove_dpa(deps: Deps, caller: Caller, dpa_id: str, reason: str | None) -> Corrected:
    dpa = await _dpa(deps, caller, dpa_id)
    why = versions.reason(reason)
    version = _version(deps, caller, dpa.id, RecordKind.DPA, VersionAction.REMOVED, why)
    if not await dpas.remove(deps.db, dpa, deps.clock.now(), version):
        raise NotFound(f"no DPA {dpa_id!r}")
    return Corrected(dpa.id, await _vendor(deps, dpa.subprocessor_id), version)


# Transfer bases.

_BASIS_FIELDS = (
    "mechanism",
    "destination",
    "origin",
    "valid_from",
    "valid_until",
    "scc_module",
    "reference",
    "tia_on",
    "tia_url",
)


async def _basis(deps: Deps, caller: Caller, basis_id: str) -> TransferBasis:
    require_role(caller, *STAFF)
    found = (
        await transfer_bases.get(deps.db, basis_id)
        if ids.is_id_of("TransferBasis", basis_id)
        else None
    )
    if found is None:
        raise NotFound(f"no transfer basis {basis_id!r}")
    return found


async def correct_transfer_basis(
    deps: Deps, caller: Caller, basis_id: str, values: Values, reason: str | None
) -> Corrected:
    """A basis fixed (a missing SCC module, a wrong origin) or ended (an earlier
    `validUntil`); the verdicts follow the corrected basis at once."""
    basis = await _basis(deps, caller, basis_id)
    why = versions.reason(reason)
    draft = TransferBasisDraft(**{n: getattr(basis, n) for n in _BASIS_FIELDS})
    built = vendors.basis_from(replace(draft, **values), basis.id, basis.subprocessor_id)
    after = replace(built, note=basis.note)
    changes = _changes(basis, after, dict.fromkeys(_BASIS_FIELDS))
    if not changes:
        raise _unchanged(basis.id)
    action = _action(basis.valid_until, after.valid_until)
    version = _version(deps, caller, basis.id, RecordKind.TRANSFER_BASIS, action, why, changes)
    written = await transfer_bases.correct(deps.db, basis, after, version)
    if isinstance(written, Conflict):
        raise edits.conflict(basis.id, written)
    return Corrected(basis.id, await _vendor(deps, basis.subprocessor_id), version)


async def remove_transfer_basis(
    deps: Deps, caller: Caller, basis_id: str, reason: str | None
) -> Corrected:
    basis = await _basis(deps, caller, basis_id)
    why = versions.reason(reason)
    version = _version(
        deps, caller, basis.id, RecordKind.TRANSFER_BASIS, VersionAction.REMOVED, why
    )
    if not await transfer_bases.remove(deps.db, basis, deps.clock.now(), version):
        raise NotFound(f"no transfer basis {basis_id!r}")
    return Corrected(basis.id, await _vendor(deps, basis.subprocessor_id), version)


async def history_of(deps: Deps, sub_id: str) -> list[RecordVersion]:
    """Every version of a vendor and its parts, newest first (for callers the policy
    already let see the vendor)."""
    found = [
        *await subprocessors.versions_of(deps.db, sub_id),
        *await processing_locations.versions_of(deps.db, [sub_id]),
        *await dpas.versions_of(deps.db, [sub_id]),
        *await transfer_bases.versions_of(deps.db, [sub_id]),
    ]
    # Oldest first and stable, then reversed: a record's own versions keep their order
    # when the clock gives two of them the same instant.
    return list(reversed(sorted(found, key=lambda v: v.at)))


async def history(deps: Deps, caller: Caller, sub_id: str) -> list[RecordVersion]:
    """A vendor's history for a caller who may see the vendor; which key made each
    version (the key or the person) is shown to staff only."""
    await vendors.get_subprocessor(deps, caller, sub_id)
    return policy.readable_versions(caller, await history_of(deps, sub_id))
