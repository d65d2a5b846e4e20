"""Recording who did what: one entry per mutation and per refused attempt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from registry.domain.models import Role
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import require_role
from registry.store import audit_log
from registry.store.database import Document


async def record(
    deps: Deps,
    caller: Caller,
    *,
    action: str,
    result: str,
    request_id: str,
    target: str | None = None,
) -> None:
    """Append an entry. Only ids, names and outcomes: never inputs, which may hold secrets.
    A person signed in with the company's provider is named (name and e-mail)."""
    await audit_log.append(
        deps.db,
        at=deps.clock.now(),
        key_id=caller.key_id,
        role=caller.role.value if caller.role else None,
        customer_id=caller.customer_id,
        action=action,
        target=target,
        result=result,
        request_id=request_id,
        person=caller.person,
    )


async def page_entries(
    deps: Deps, caller: Caller, *, after: tuple[Any, ...] | None, limit: int
) -> tuple[list[Document], int]:
    require_role(caller, Role.ADMIN)
    return await audit_log.page(deps.db, after=after, limit=limit)


def all_entries(deps: Deps, caller: Caller) -> AsyncIterator[Document]:
    """The whole trail, oldest first, for export (ADMIN only: refused here, before
    anything streams)."""
    require_role(caller, Role.ADMIN)
    return audit_log.stream(deps.db)
