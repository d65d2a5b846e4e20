"""Reading changes, notices and objections, each limited to what the caller may see."""

from __future__ import annotations

from typing import Any

from registry.domain.errors import PermissionDenied
from registry.domain.models import Change, ChangeStatus, Notice, Objection, Role
from registry.services.access import Caller, require_role
from registry.services.customers import visible_customer_id
from registry.services.deps import Deps
from registry.store import changes, notices, objections


def _require_key(caller: Caller) -> None:
    if caller.is_anonymous:
        raise PermissionDenied("a key is needed to read changes and notices")


async def page_changes(
    deps: Deps,
    caller: Caller,
    *,
    statuses: tuple[ChangeStatus, ...],
    after: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Change], int]:
    _require_key(caller)
    return await changes.page(deps.db, statuses=statuses, after=after, limit=limit)


async def page_notices(
    deps: Deps,
    caller: Caller,
    *,
    change_id: str | None,
    customer_id: str | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Notice], int]:
    _require_key(caller)
    who = visible_customer_id(caller, customer_id)
    return await notices.page(
        deps.db, change_id=change_id, customer_id=who, after=after, limit=limit
    )


async def page_objections(
    deps: Deps,
    caller: Caller,
    *,
    change_id: str | None,
    customer_id: str | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Objection], int]:
    _require_key(caller)
    who = visible_customer_id(caller, customer_id)
    return await objections.page(
        deps.db, change_id=change_id, customer_id=who, after=after, limit=limit
    )


def objection_scope(caller: Caller) -> str | None:
    """The only customer whose objections a caller may see (None: all, for staff)."""
    if caller.role is Role.CUSTOMER:
        return caller.customer_id
    if caller.is_staff:
        return None
    return "\x00nobody"


async def open_objections(deps: Deps, caller: Caller, *, limit: int) -> tuple[list[Objection], int]:
    """The staff inbox: open objections of every customer, nearest deadline first."""
    require_role(caller, Role.ADMIN, Role.PROCUREMENT)
    return await objections.open_by_deadline(deps.db, limit=limit)
