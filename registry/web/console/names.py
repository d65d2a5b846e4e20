"""Names for ids on console pages: one batched read per kind of object."""

from __future__ import annotations

from collections.abc import Iterable

from registry.services import change_queries, console_customers, vendors
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.web.pages import describe_change


async def vendor_names(deps: Deps, caller: Caller, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids) - {""})
    found = await vendors.get_subprocessors(deps, caller, wanted) if wanted else []
    return {s.id: s.legal_name for s in found if s is not None}


async def customer_names(deps: Deps, caller: Caller, ids: Iterable[str]) -> dict[str, str]:
    return await console_customers.names_of(deps, caller, ids)


async def describe_changes(deps: Deps, caller: Caller, ids: Iterable[str]) -> dict[str, str]:
    """`Add Postmark`, `Replace Mailgun with Postmark`, by change id."""
    wanted = sorted(set(ids))
    found = [c for c in await change_queries.get_changes(deps, caller, wanted) if c is not None]
    names = await vendor_names(
        deps, caller, [i for c in found for i in (c.subprocessor_id, c.replaces_id) if i]
    )
    return {c.id: describe_change(c, names) for c in found}
