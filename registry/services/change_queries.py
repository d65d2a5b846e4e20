"""Reading changes, notices and objections, each limited by the access policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from registry.domain import timeline
from registry.domain.errors import PermissionDenied, ValidationError
from registry.domain.models import (
    Change,
    ChangeStatus,
    Notice,
    Objection,
    Subprocessor,
)
from registry.domain.objection_rights import ObjectionRight, objection_right
from registry.services import policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.evidence import NoticeEvidence
from registry.services.policy import STAFF, require_role
from registry.store import changes, ids, notices, objections, subprocessors

_NEEDS_KEY = "to read changes and notices"


async def page_changes(
    deps: Deps,
    caller: Caller,
    *,
    statuses: tuple[ChangeStatus, ...],
    after: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Change], int]:
    policy.require_key(caller, _NEEDS_KEY)
    return await changes.page(deps.db, statuses=statuses, after=after, limit=limit)


async def get_changes(deps: Deps, caller: Caller, change_ids: Sequence[str]) -> list[Change | None]:
    """Changes by id in key order (for loaders); those the caller may not see are None."""
    if caller.is_anonymous:
        return [None] * len(change_ids)
    found = await changes.get_many(deps.db, change_ids)
    return [c if c is not None and policy.may_see_change(caller, c) else None for c in found]


async def changes_of_subprocessors(
    deps: Deps, caller: Caller, subprocessor_ids: Sequence[str]
) -> dict[str, list[Change]]:
    """Each vendor's changes, oldest first, as far as the caller may see them."""
    if caller.is_anonymous:
        return {}
    found = await changes.by_subprocessors(deps.db, subprocessor_ids)
    return {key: policy.visible_changes(caller, items) for key, items in found.items()}


async def changes_about(
    deps: Deps, caller: Caller, subprocessor_ids: Sequence[str]
) -> dict[str, list[Change]]:
    """Each vendor's changes, oldest first, to derive what the public list shows of a
    vendor the caller already sees (that it is being replaced, until when); the changes
    themselves are read through `get_changes`, under the policy."""
    return await changes.by_subprocessors(deps.db, subprocessor_ids)


async def page_notices(
    deps: Deps,
    caller: Caller,
    *,
    change_id: str | None,
    customer_id: str | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Notice], int]:
    policy.require_key(caller, _NEEDS_KEY)
    who = policy.customer_view(caller, customer_id)
    return await notices.page(
        deps.db, change_id=change_id, customer_id=who, after=after, limit=limit
    )


async def get_notice(deps: Deps, caller: Caller, notice_id: str) -> Notice | None:
    found = await notices.get(deps.db, notice_id) if ids.is_id_of("Notice", notice_id) else None
    return found if found is not None and policy.may_see_record(caller, found.customer_id) else None


async def page_objections(
    deps: Deps,
    caller: Caller,
    *,
    change_id: str | None,
    customer_id: str | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Objection], int]:
    policy.require_key(caller, _NEEDS_KEY)
    who = policy.customer_view(caller, customer_id)
    return await objections.page(
        deps.db, change_id=change_id, customer_id=who, after=after, limit=limit
    )


async def get_objection(deps: Deps, caller: Caller, objection_id: str) -> Objection | None:
    found = (
        await objections.get(deps.db, objection_id)
        if ids.is_id_of("Objection", objection_id)
        else None
    )
    return found if found is not None and policy.may_see_record(caller, found.customer_id) else None


async def objections_of_changes(
    deps: Deps, caller: Caller, change_ids: Sequence[str]
) -> dict[str, list[Objection]]:
    """Each change's objections the caller may see (a customer: its own; staff: all)."""
    scope = policy.record_scope(caller)
    if scope.nobody:
        return {}
    return await objections.by_changes(deps.db, change_ids, scope.only)


async def open_objections(deps: Deps, caller: Caller, *, limit: int) -> tuple[list[Objection], int]:
    """The staff inbox: open objections of every customer, nearest deadline first."""
    require_role(caller, *STAFF)
    return await objections.open_by_deadline(deps.db, limit=limit)


async def customer_notices(
    deps: Deps, caller: Caller, customer_id: str, *, changes_back: int
) -> list[Notice]:
    """A customer's notices of the latest `changes_back` changes, newest first.

    Read by `_id` (a notice's id names its change and customer), so it costs the same
    however many notices other customers hold.
    """
    policy.require_key(caller, _NEEDS_KEY)
    who = policy.customer_view(caller, customer_id)
    if who is None:
        raise ValidationError("customerId", "name the customer whose notices to list")
    latest, _ = await changes.page(deps.db, statuses=(), after=None, limit=changes_back)
    found = await notices.of_customer(deps.db, who, [c.id for c in latest])
    return sorted(found, key=lambda n: (n.sent_at, n.id), reverse=True)


async def upcoming_announcements(
    deps: Deps,
    caller: Caller,
    as_of: datetime,
    *,
    vendor_ids: Sequence[str] | None = None,
    limit: int = 500,
) -> list[Change]:
    """What the public page lists as upcoming on `as_of`, whatever the date: changes
    announced by then, taking effect after it, not cancelled by then."""
    if not policy.may_read_announcements(caller, deps.settings.public_read):
        raise PermissionDenied("the announcements need a key on this server")
    return await changes.upcoming_at(deps.db, as_of, vendor_ids=vendor_ids, limit=limit)


async def recent_announcements(
    deps: Deps, caller: Caller, statuses: Sequence[ChangeStatus], *, limit: int
) -> list[Change]:
    """The latest announced changes, newest first, for the public feeds."""
    if not policy.may_read_announcements(caller, deps.settings.public_read):
        raise PermissionDenied("the announcements need a key on this server")
    found, _ = await changes.page(deps.db, statuses=tuple(statuses), after=None, limit=limit)
    return found


def change_cursor(change: Change) -> tuple[str, str]:
    """The key a change page's cursor carries (the store's sort order)."""
    return changes.sort_key(change)


async def vendor_names(deps: Deps, shown: Iterable[Change]) -> dict[str, str]:
    """The legal names of the vendors these changes name, by id. Only for changes the
    caller was already shown: an announcement names its vendor, even once cancelled."""
    wanted = sorted({i for c in shown for i in (c.subprocessor_id, c.replaces_id) if i})
    found = await subprocessors.get_many(deps.db, wanted)
    return {s.id: s.legal_name for s in found if s is not None}


async def objection_rights(
    deps: Deps, caller: Caller, shown: Sequence[Notice], proof: Mapping[str, NoticeEvidence]
) -> dict[str, ObjectionRight]:
    """Each shown notice's standing now, by the rule every channel asks (notice id → right);
    `proof` (services/evidence.py) holds each notice's latest objection."""
    require_role(caller, *STAFF)
    found = await changes.get_many(deps.db, sorted({n.change_id for n in shown}))
    by_id = {c.id: c for c in found if c is not None}
    now = deps.clock.now()
    return {
        n.id: objection_right(
            now, by_id[n.change_id], n, getattr(proof.get(n.id), "objection", None)
        )
        for n in shown
        if n.change_id in by_id
    }


async def being_replaced(
    deps: Deps, shown: Sequence[Subprocessor], as_of: datetime
) -> dict[str, datetime | None]:
    """The listed vendors that a change in effect by `as_of` takes away from some
    customers while others still use them (public: the list shows them anyway): each
    with the last customer's date, or None while a customer is excluded from the change
    (domain/timeline.being_replaced)."""
    found = await changes.by_subprocessors(deps.db, [s.id for s in shown])
    result: dict[str, datetime | None] = {}
    for sub in shown:
        replaced = timeline.being_replaced(sub, found.get(sub.id, []), as_of)
        if replaced is not None:
            result[sub.id] = replaced.last_used_until
    return result
