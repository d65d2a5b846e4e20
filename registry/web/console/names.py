"""Names for ids on console pages: one batched read per kind of object."""

from __future__ import annotations

from collections.abc import Iterable

from registry.services.deps import Deps
from registry.store import changes, customers, subprocessors
from registry.web.public import describe_change


async def vendor_names(deps: Deps, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    found = await subprocessors.get_many(deps.db, wanted) if wanted else []
    return {s.id: s.legal_name for s in found if s is not None}


async def customer_names(deps: Deps, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    found = await customers.get_many(deps.db, wanted) if wanted else []
    return {c.id: c.name for c in found if c is not None}


async def describe_changes(deps: Deps, ids: Iterable[str]) -> dict[str, str]:
    """`Add Postmark`, `Replace Mailgun with Postmark`, by change id."""
    wanted = sorted(set(ids))
    found = [c for c in await changes.get_many(deps.db, wanted) if c is not None]
    names = await vendor_names(
        deps, [i for c in found for i in (c.subprocessor_id, c.replaces_id) if i]
    )
    return {c.id: describe_change(c, names) for c in found}
