"""The operator's identity: read by every page, message and export; set by an ADMIN.

The stored record wins; until one is recorded the settings (`REGISTRY_OPERATOR_*`)
give the identity, and the first seed file loaded records its `company`. Each edit
keeps a version (who, when, what before and after), like catalog corrections.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from registry.domain import fields, versions
from registry.domain import validation as check
from registry.domain.errors import PermissionDenied, ValidationError
from registry.domain.fields import Kind
from registry.domain.models import Role
from registry.domain.operator import OPERATOR_FIELDS, Operator, with_values
from registry.domain.versions import RecordKind, RecordVersion, VersionAction
from registry.services import edits, policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.settings import Settings
from registry.store import operator as operators
from registry.store.database import Conflict

RECORD_ID = operators.RECORD_ID
SEED_REASON = "recorded from the seed file's company"


def defaults(settings: Settings) -> Operator:
    """The identity the settings give (`REGISTRY_OPERATOR_<FIELD>`), checked."""
    given = {
        f.name: getattr(settings, f"operator_{f.name}")
        for f in OPERATOR_FIELDS
        if getattr(settings, f"operator_{f.name}", None) is not None
    }
    return with_values(Operator(), fields.checked(OPERATOR_FIELDS, given, creating=False))


async def identity(deps: Deps) -> Operator:
    """Who operates this registry: the recorded identity, else the settings'."""
    return await operators.get(deps.db) or defaults(deps.settings)


async def missing(deps: Deps) -> list[str]:
    """The essential fields nobody has recorded (labels), for /ready and the console."""
    return (await identity(deps)).missing()


def _as_kept(operator: Operator) -> dict[str, object]:
    """The fields as a version shows them: a logo by its size, not its bytes."""
    kept: dict[str, object] = {}
    for f in OPERATOR_FIELDS:
        value = getattr(operator, f.name)
        if f.kind is Kind.IMAGE and isinstance(value, str):
            value = f"an image ({len(base64.b64decode(value.partition(',')[2]))} bytes)"
        kept[f.name] = value
    return kept


def _changes(before: Operator, after: Operator) -> tuple[versions.FieldChange, ...]:
    return versions.field_changes(_as_kept(before), _as_kept(after))


def may_edit(caller: Caller) -> bool:
    """Whether the caller may set the identity (what `update` requires)."""
    try:
        policy.require_role(caller, Role.ADMIN)
    except PermissionDenied:
        return False
    return True


async def update(
    deps: Deps, caller: Caller, given: Mapping[str, object], reason: str | None = None
) -> Operator:
    """Set the given fields (ADMIN only); a field given as None is cleared. Every bad
    value is refused with ValidationError and nothing is written."""
    policy.require_role(caller, Role.ADMIN)
    values = fields.checked(OPERATOR_FIELDS, given, creating=False)
    why = check.optional_text(reason, "reason", max_length=versions.REASON_MAX, multiline=True)
    stored = await operators.get(deps.db)
    before = stored or defaults(deps.settings)
    after = with_values(before, values)
    changes = _changes(before, after)
    if not changes and stored is not None:
        return stored
    version = RecordVersion(
        record_id=RECORD_ID,
        kind=RecordKind.OPERATOR,
        action=VersionAction.CORRECTED,
        at=deps.clock.now(),
        reason=why,
        changes=changes,
        key_id=caller.key_id,
        role=caller.role.value if caller.role else None,
        person=caller.person,
    )
    if stored is None:
        if await operators.create(deps.db, after, version):
            return after
        raise edits.conflict(RECORD_ID, Conflict(tuple(values)))
    written = await operators.correct(deps.db, stored, after, version)
    if isinstance(written, Conflict):
        raise edits.conflict(RECORD_ID, written)
    return written


async def history(deps: Deps, caller: Caller) -> list[RecordVersion]:
    """The identity's versions, newest first; key ids only for staff."""
    found = list(reversed(await operators.versions_of(deps.db)))
    if policy.is_staff(caller):
        return found
    return [RecordVersion(v.record_id, v.kind, v.action, v.at, v.reason, v.changes) for v in found]


SEED_KEYS = {"name": "legal_name", **{f.name: f.name for f in OPERATOR_FIELDS}}
"""A seed file's `company` keys that fill the identity (`name` is the legal name)."""


async def seed(deps: Deps, company: Mapping[str, object] | None) -> bool:
    """Record the seed file's company as the identity, on first load only (a recorded
    identity is never rewritten by a seed); the settings fill what the file leaves out.
    True when recorded. A bad value is refused as for an ADMIN's edit."""
    if not company or await operators.get(deps.db) is not None:
        return False
    given = {
        field: company[key]
        for key, field in SEED_KEYS.items()
        if isinstance(company.get(key), str) and company[key]
    }
    if not given:
        return False
    try:
        values = fields.checked(OPERATOR_FIELDS, given, creating=False)
    except ValidationError as error:
        raise ValidationError(f"company.{error.field}", error.message) from None
    base = defaults(deps.settings)
    after = with_values(base, values)
    version = RecordVersion(
        record_id=RECORD_ID,
        kind=RecordKind.OPERATOR,
        action=VersionAction.CORRECTED,
        at=deps.clock.now(),
        reason=SEED_REASON,
        changes=_changes(base, after),
    )
    return await operators.create(deps.db, after, version)
