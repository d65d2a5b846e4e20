"""Changing a vendor's scope (DESIGN.md 8).

Narrowing reduces processing, so it applies at once and is recorded as an UPDATE
already in force. Widening exposes new customers, so it is a change under notice
(announceChange(kind: UPDATE, scope:)): only the newly affected customers are told,
and the vendor reaches each of them at its notice's effective date.
"""

from __future__ import annotations

import dataclasses

from registry.domain import in_force
from registry.domain import scope as scopes
from registry.domain.errors import ValidationError
from registry.domain.models import (
    Change,
    ChangeKind,
    ChangeStatus,
    Scope,
    Subprocessor,
    SubprocessorStatus,
)
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import changes, ids, subprocessors


def _under_notice(sub: Subprocessor) -> bool:
    """Customers rely on the scope once the vendor is active or announced to become so."""
    return in_force.under_notice(sub)


async def _no_scope_change_announced(deps: Deps, sub: Subprocessor, field: str) -> None:
    pending = [
        c for c in await changes.announced_scope_changes(deps.db) if c.subprocessor_id == sub.id
    ]
    if pending:
        raise ValidationError(
            field,
            f"a scope change to this subprocessor is announced ({pending[0].id}); cancel it first",
        )


async def set_directly(deps: Deps, caller: Caller, sub: Subprocessor, new: Scope) -> Subprocessor:
    """updateSubprocessor(scope:): any scope before the vendor is announced, only
    narrowing after."""
    if new == sub.scope:
        return sub
    if not _under_notice(sub):
        await subprocessors.set_scope(deps.db, sub.id, new)
        return dataclasses.replace(sub, scope=new)
    if scopes.widens(new, sub.scope):
        how = (
            "announce it with announceChange(kind: UPDATE, scope: ...)"
            if sub.status is SubprocessorStatus.ACTIVE
            # Its ADD was announced to the customers of the narrower scope only.
            else "cancel the announced change, widen the scope, then announce it again "
            "(announceChange)"
        )
        raise ValidationError(
            "scope",
            f"widening the scope of a {sub.status.value} subprocessor exposes new customers: {how}",
        )
    await _no_scope_change_announced(deps, sub, "scope")
    now = deps.clock.now()
    change = Change(
        id=ids.new_id("Change"),
        kind=ChangeKind.UPDATE,
        subprocessor_id=sub.id,
        announced_at=now,
        effective_at=now,
        earliest_allowed=now,
        status=ChangeStatus.EFFECTIVE,
        applied_at=now,
        expanded=True,
        description=(
            f"Scope narrowed from {scopes.describe(sub.scope)} to {scopes.describe(new)}; "
            "in force at once."
        ),
        scope=new,
        scope_before=sub.scope,
    )
    document = changes.to_document(change, idempotency_key=change.id, created_by=caller.key_id)
    document.update({"applied_at": now, "expanded": True, "open_guard": change.id})
    await changes.insert(deps.db, document)
    await subprocessors.set_scope(deps.db, sub.id, new)
    return dataclasses.replace(sub, scope=new)


async def checked_widening(deps: Deps, sub: Subprocessor, new: Scope) -> Scope:
    """announceChange(kind: UPDATE, scope:) only widens, from the scope in force."""
    if sub.status is not SubprocessorStatus.ACTIVE:
        raise ValidationError("scope", "a scope change under notice needs an ACTIVE subprocessor")
    if not scopes.covers(new, sub.scope):
        raise ValidationError(
            "scope",
            f"the announced scope must include the current one ({scopes.describe(sub.scope)}); "
            "narrow with updateSubprocessor(scope:), which applies at once",
        )
    if new == sub.scope:
        raise ValidationError("scope", "the scope is unchanged")
    await _no_scope_change_announced(deps, sub, "scope")
    return new
