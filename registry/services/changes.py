"""Announcing, cancelling and objecting to changes (DESIGN.md 3.1-3.4).

The mutation only decides and records the change; the per-customer notices are
written by the expansion job (services/change_jobs.py), so announcing to 100,000
customers takes as long as announcing to ten.
"""

from __future__ import annotations

from datetime import datetime

from registry.domain import notice as rules
from registry.domain import scope as scopes
from registry.domain import validation as check
from registry.domain.drafts import ChangeAnnouncement, ObjectionFiling
from registry.domain.errors import (
    NotFound,
    NoticeWindowViolation,
    ObjectionDeadlinePassed,
    ValidationError,
)
from registry.domain.models import (
    Change,
    ChangeKind,
    ChangeStatus,
    Notice,
    Objection,
    ObjectionResolution,
    ObjectionStatus,
    ProcessingLocation,
    Scope,
    SubprocessorStatus,
)
from registry.domain.objection_rights import Standing, objection_right, resolution_problems
from registry.services import (
    audience,
    catalogs,
    change_effects,
    location_changes,
    objection_effects,
    policy,
    scope_changes,
)
from registry.services.caller import Caller
from registry.services.change_jobs import plan_notice
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import (
    changes,
    customer_groups,
    customer_roster,
    customers,
    ids,
    notice_schedule,
    notices,
    objections,
    subprocessors,
)
from registry.store.changes import DuplicateChange
from registry.store.objections import DuplicateObjection

VIOLATION_CUSTOMERS_SHOWN = 100


async def _subprocessor(deps: Deps, sub_id: str | None, field: str) -> SubprocessorStatus:
    found = (
        await subprocessors.get(deps.db, sub_id)
        if sub_id and ids.is_id_of("Subprocessor", sub_id)
        else None
    )
    if found is None:
        raise NotFound(f"no subprocessor {sub_id!r} ({field})")
    return found.status


async def _check_kind(
    deps: Deps, kind: ChangeKind, sub_id: str, replaces_id: str | None, emergency: bool
) -> None:
    """The state machine: what each kind of change may apply to."""
    status = await _subprocessor(deps, sub_id, "subprocessorId")
    if kind in (ChangeKind.ADD, ChangeKind.REPLACE) and status is not SubprocessorStatus.PROPOSED:
        raise ValidationError("subprocessorId", f"{kind.value} needs a PROPOSED subprocessor")
    if kind in (ChangeKind.REMOVE, ChangeKind.UPDATE) and status is not SubprocessorStatus.ACTIVE:
        raise ValidationError("subprocessorId", f"{kind.value} needs an ACTIVE subprocessor")
    if kind is ChangeKind.REPLACE:
        if not replaces_id:
            raise ValidationError("replacesId", "REPLACE needs replacesId")
        replaced = await _subprocessor(deps, replaces_id, "replacesId")
        if replaced is not SubprocessorStatus.ACTIVE:
            raise ValidationError("replacesId", "only an ACTIVE subprocessor can be replaced")
        if replaces_id == sub_id:
            raise ValidationError("replacesId", "a subprocessor cannot replace itself")
    elif replaces_id is not None:
        raise ValidationError("replacesId", "replacesId only applies to REPLACE")
    if emergency and kind is not ChangeKind.REPLACE:
        raise ValidationError("emergency", "only a REPLACE can be an emergency")


def check_requested_date(effective_at: datetime | None) -> None:
    if effective_at is not None and effective_at.tzinfo is None:
        raise ValidationError("effectiveAt", "effectiveAt needs a time zone offset")


def proposed_change(
    announcement: ChangeAnnouncement,
    now: datetime,
    *,
    scope: Scope | None = None,
    scope_before: Scope | None = None,
) -> Change:
    """The change as if announced now: what its audience and notice dates are decided on."""
    return Change(
        id="",
        kind=announcement.kind,
        subprocessor_id=announcement.subprocessor_id,
        replaces_id=announcement.replaces_id,
        announced_at=now,
        effective_at=now,
        earliest_allowed=now,
        status=ChangeStatus.ANNOUNCED,
        scope=scope,
        scope_before=scope_before,
    )


async def announce_change(deps: Deps, caller: Caller, announcement: ChangeAnnouncement) -> Change:
    """Only the customers the change affects are told, and only their windows bind it."""
    require_role(caller, *STAFF)
    kind, subprocessor_id, replaces_id = (
        announcement.kind,
        announcement.subprocessor_id,
        announcement.replaces_id,
    )
    effective_at, description, scope = (
        announcement.effective_at,
        announcement.description,
        announcement.scope,
    )
    emergency, emergency_reason = announcement.emergency, announcement.emergency_reason
    idempotency_key = announcement.idempotency_key
    # Stored exactly as looked up, so a retry with the same key (spaces and all) finds it.
    key = (
        check.text(idempotency_key, "idempotencyKey", max_length=200)
        if idempotency_key is not None
        else None
    )
    if key is not None:
        existing = await changes.by_idempotency_key(deps.db, key)
        if existing is not None:
            await change_effects.settle_now(deps, existing)  # a no-op unless a crash left it
            return existing
    check_requested_date(effective_at)
    try:
        rules.validate_emergency(emergency, emergency_reason)
    except rules.EmergencyReasonRequired as exc:
        raise ValidationError("emergencyReason", str(exc)) from None
    if scope is not None and kind is not ChangeKind.UPDATE:
        raise ValidationError("scope", "a scope is announced with kind UPDATE")
    relocated = announcement.locations is not None or bool(announcement.ended_location_ids)
    if relocated and kind is not ChangeKind.UPDATE:
        raise ValidationError("locations", "locations are announced with kind UPDATE")
    if relocated and scope is not None:
        raise ValidationError("locations", "announce a scope and locations as separate changes")
    described = bool(description and description.strip())
    if kind is ChangeKind.UPDATE and scope is None and not relocated and not described:
        raise ValidationError("description", "an UPDATE must describe what changes")
    await _check_kind(deps, kind, subprocessor_id, replaces_id, emergency)
    added: tuple[ProcessingLocation, ...] = ()
    ended: tuple[ProcessingLocation, ...] = ()
    if relocated:
        vendor = await subprocessors.get(deps.db, subprocessor_id)
        if vendor is None:  # removed since _check_kind found it
            raise NotFound(f"no subprocessor {subprocessor_id!r}")
        added, ended = await location_changes.checked(
            deps, vendor, announcement.locations or (), announcement.ended_location_ids
        )
        said = location_changes.describe(vendor, added, ended)
        description = f"{said} {description.strip()}" if description else said
    wider, before = None, None
    if scope is not None:
        vendor = await subprocessors.get(deps.db, subprocessor_id)
        if vendor is None:  # removed since _check_kind found it
            raise NotFound(f"no subprocessor {subprocessor_id!r}")
        before = vendor.scope
        wider = await scope_changes.checked_widening(
            deps, vendor, await catalogs.checked_scope(deps, scope)
        )
        if not (description and description.strip()):
            description = (
                f"Scope widened from {scopes.describe(before)} to {scopes.describe(wider)}."
            )

    now = deps.clock.now()
    draft = proposed_change(announcement, now, scope=wider, scope_before=before)
    groups = audience.affected(
        await audience.audience_of(deps, draft), await customer_groups.all_groups(deps.db)
    )
    # The console's preview decides with the same rule (services/change_preview.py).
    by_terms = {g.terms_key: g.terms for g in groups}
    decision = rules.decide_effective_at(now, effective_at, by_terms.values(), emergency=emergency)
    try:
        chosen = decision.checked()
    except rules.NoticeWindowTooShort as exc:
        offending = set(exc.offending_terms)
        chunks = [c for g in groups if g.terms in offending for c in g.chunks]
        shown = await customer_roster.first_ids(deps.db, chunks, VIOLATION_CUSTOMERS_SHOWN)
        raise NoticeWindowViolation(exc.earliest_allowed, shown) from None
    except rules.EffectiveAtBeforeNotice as exc:
        raise ValidationError("effectiveAt", str(exc)) from None
    earliest = decision.earliest_allowed

    change = Change(
        id=ids.new_id("Change"),
        kind=kind,
        subprocessor_id=subprocessor_id,
        replaces_id=replaces_id,
        description=check.optional_text(
            description, "description", max_length=2000, multiline=True
        ),
        emergency=emergency,
        emergency_reason=check.optional_text(emergency_reason, "emergencyReason", multiline=True),
        announced_at=now,
        effective_at=chosen,
        earliest_allowed=earliest,
        status=ChangeStatus.ANNOUNCED,
        scope=wider,
        scope_before=before,
        locations_added=added,
        locations_ended=ended,
    )
    document = changes.to_document(
        change, idempotency_key=key or change.id, created_by=caller.key_id
    )
    try:
        await changes.insert(deps.db, document)
    except DuplicateChange as exc:
        if exc.field == "idempotency_key" and key:
            found = await changes.by_idempotency_key(deps.db, key)
            if found is not None:
                await change_effects.settle_now(deps, found)
                return found
        raise ValidationError(
            "scope" if wider is not None else "subprocessorId",
            "a change to this subprocessor is already announced",
        ) from None
    # The insert is the commit point; the plan and the snapshot follow from it.
    await change_effects.settle_now(deps, change)
    return change


async def get_change(deps: Deps, caller: Caller, change_id: str) -> Change:
    found = (
        await changes.get(deps.db, change_id)
        if ids.is_id_of("Change", change_id) and not caller.is_anonymous
        else None
    )
    if found is None or not policy.may_see_change(caller, found):
        raise NotFound(f"no change {change_id!r}")
    return found


async def cancel_change(deps: Deps, caller: Caller, change_id: str, reason: str) -> Change:
    require_role(caller, *STAFF)
    why = check.text(reason, "reason", max_length=2000, multiline=True)
    existing = await get_change(deps, caller, change_id)
    # The guarded write is the commit point: a cancel and the change taking effect
    # cannot both win. Notices, plan and events follow from the recorded state.
    cancelled = await changes.cancel(deps.db, existing.id, deps.clock.now(), why)
    if cancelled is None:
        current = await changes.get(deps.db, existing.id)
        if current is None or not _same_cancel(current, why):
            status = (current or existing).status.value
            raise ValidationError("id", f"the change is {status}, not ANNOUNCED")
        cancelled = current  # the same cancel, retried: answered as the first was
    await change_effects.settle_now(deps, cancelled)
    return cancelled


def _same_cancel(change: Change, reason: str) -> bool:
    return change.status is ChangeStatus.CANCELLED and change.cancel_reason == reason


async def notice_for(deps: Deps, change: Change, customer_id: str) -> Notice:
    """The customer's notice, written now if the expansion has not reached it yet."""
    found = await notices.for_customer(deps.db, change.id, customer_id)
    if found is not None:
        return found
    customer = (
        await customers.get(deps.db, customer_id) if ids.is_id_of("Customer", customer_id) else None
    )
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}")
    if not audience.is_affected(await audience.audience_of(deps, change), customer):
        raise ValidationError("changeId", "the change does not affect this customer's scope")
    plan = plan_notice(change, customer.terms)
    notice = plan.for_customer(customer_id)
    await notices.insert_if_missing(deps.db, notice)
    await notice_schedule.add_many(deps.db, plan.schedule(notice, reachable=False))
    found = await notices.for_customer(deps.db, change.id, customer_id)
    if found is None:
        raise RuntimeError(f"the notice of {change.id} for {customer_id} vanished after writing")
    return found


async def file_objection(deps: Deps, caller: Caller, filing: ObjectionFiling) -> Objection:
    """The filer's name and e-mail: the person objecting (the notice page asks)."""
    who = policy.acting_customer(caller, filing.customer_id)
    why = check.text(filing.reason, "reason", max_length=5000, multiline=True)
    name = check.optional_text(filing.filer_name, "name", max_length=200)
    address = check.email(filing.filer_email, "email") if filing.filer_email else None
    change = await get_change(deps, caller, filing.change_id)
    if change.status is ChangeStatus.CANCELLED:
        raise ValidationError("changeId", "the change is CANCELLED: objections are closed")
    notice = await notice_for(deps, change, who)
    now = deps.clock.now()
    # The one rule (domain/objection_rights.py): the customer's own deadline decides,
    # even for a change already in force for others or, after an emergency, for it.
    right = objection_right(now, change, notice, await latest_objection(deps, change.id, who))
    if right.standing is Standing.CANCELLED:
        raise ValidationError("changeId", "the change was cancelled for this customer")
    if right.standing is Standing.DECIDED:
        raise ValidationError("changeId", "your objection to this change was already decided")
    if right.standing is Standing.DEADLINE_PASSED:
        raise ObjectionDeadlinePassed(notice.objection_deadline)
    # MAY_OBJECT, or OBJECTED: the insert refuses a second open one and answers a retry.
    objection = Objection(
        id=ids.new_id("Objection"),
        change_id=change.id,
        customer_id=who,
        reason=why,
        filed_at=now,
        deadline=notice.objection_deadline,
        filer_name=name,
        filer_email=address,
        filed_by_key=caller.key_id,
    )
    try:
        # The insert is the commit point; the event follows from it.
        objection = await objections.insert(deps.db, objection)
    except DuplicateObjection:
        retried = await _open_objection(deps, change.id, who)
        if retried is None or retried.reason != why:
            raise ValidationError("changeId", "an open objection to this change exists") from None
        objection = retried  # the same filing, retried: answered as the first was
    await objection_effects.settle_now(deps, objection)
    return objection


async def latest_objection(deps: Deps, change_id: str, customer_id: str) -> Objection | None:
    """The customer's latest objection to the change, which decides its standing."""
    filed = (await objections.by_changes(deps.db, [change_id], customer_id)).get(change_id, [])
    return filed[-1] if filed else None  # filed_at order


async def _open_objection(deps: Deps, change_id: str, customer_id: str) -> Objection | None:
    filed = (await objections.by_changes(deps.db, [change_id], customer_id)).get(change_id, [])
    return next((o for o in filed if o.status is ObjectionStatus.OPEN), None)


async def resolve_objection(
    deps: Deps,
    caller: Caller,
    objection_id: str,
    resolution: ObjectionResolution,
    note: str | None = None,
    contract_ends_at: datetime | None = None,
) -> Objection:
    """Record the outcome. The note is sent to the customer; an outcome that cannot
    mean anything for it (domain/objection_rights.resolution_problems) is refused."""
    require_role(caller, *STAFF)
    existing = (
        await objections.get(deps.db, objection_id)
        if ids.is_id_of("Objection", objection_id)
        else None
    )
    if existing is None:
        raise NotFound(f"no objection {objection_id!r}")
    if contract_ends_at is not None and contract_ends_at.tzinfo is None:
        raise ValidationError("contractEndsAt", "contractEndsAt needs a time zone offset")
    written = check.optional_text(note, "note", max_length=5000, multiline=True)
    if existing.status is ObjectionStatus.OPEN:
        change = await changes.get(deps.db, existing.change_id)
        notice = await notices.for_customer(deps.db, existing.change_id, existing.customer_id)
        if change is None or notice is None:
            raise NotFound(f"no change {existing.change_id!r} for objection {objection_id!r}")
        problems = resolution_problems(
            resolution, change, notice, note=written, contract_ends_at=contract_ends_at
        )
        if problems:  # the first; the console shows each beside its field
            raise ValidationError(*next(iter(problems.items())))
    now = deps.clock.now()
    resolved = await objections.resolve(
        deps.db,
        existing.id,
        resolution,
        written,
        now,
        caller.key_id,
        contract_ends_at,
        person=caller.person,
    )
    if resolved is None:
        current = await objections.get(deps.db, existing.id)
        if current is None or (current.resolution, current.note, current.contract_ends_at) != (
            resolution,
            written,
            contract_ends_at,
        ):
            raise ValidationError("id", "the objection is already resolved")
        resolved = current  # the same resolution, retried: answered as the first was
    # The guarded OPEN → RESOLVED write is the commit point; its effects follow.
    await objection_effects.settle_now(deps, resolved)
    return resolved
