"""The console's customer list: by name, a page at a time, from one digest.

Sorting 10,000 customers by name reads every customer on the embedded database (it
uses only the `_id` index): a second or more. The console keeps their (name, id) pairs
sorted in one digest (store/digests.py), read by `_id`, and reads the shown page's
customers by `_id`. The first reader after a customer was written (the store counts
those writes) rebuilds it; each process keeps the decoded index while it is current.
The order is the API's `customers` order: name, then id.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass

from registry.domain.models import Customer
from registry.services import customers as customer_service
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import customers, digests

INDEX = "console:customers_by_name"
Key = tuple[str, str]  # (name, id)


@dataclass(frozen=True, slots=True)
class CustomerPage:
    items: list[Customer]
    total: int
    start: int  # how many come before this page
    next_after: Key | None  # the cursor of the next page, if any
    previous_after: Key | None  # the cursor of the previous page (None: the first page)

    @property
    def has_previous(self) -> bool:
        return self.start > 0


def _decode(text: str) -> tuple[Key, ...]:
    return tuple((name, id_) for name, id_ in json.loads(text))


async def _index(deps: Deps) -> tuple[tuple[Key, ...], bool]:
    """The index, and whether it was rebuilt."""
    found, at = await digests.load(deps.db, digests.CUSTOMERS, INDEX, _decode)
    if found is not None:
        return found, False
    keys = tuple(sorted(await customers.names(deps.db)))
    await digests.keep(deps.db, INDEX, json.dumps(keys), keys, at)
    return keys, True


async def refresh_index(deps: Deps, caller: Caller) -> int:
    """Rebuild the index if stale: 1 if it was, else 0."""
    require_role(caller, *STAFF)
    return int((await _index(deps))[1])


async def customers_by_name(
    deps: Deps, caller: Caller, *, after: Key | None, limit: int
) -> CustomerPage:
    """The `limit` customers after the cursor, in name order."""
    require_role(caller, *STAFF)
    keys, _ = await _index(deps)
    start = 0 if after is None else bisect.bisect_right(keys, after)
    shown = keys[start : start + limit]
    found = await customer_service.get_customers(deps, caller, [id_ for _, id_ in shown])
    before = max(0, start - limit)
    return CustomerPage(
        items=[c for c in found if c is not None],
        total=len(keys),
        start=start,
        next_after=shown[-1] if start + limit < len(keys) and shown else None,
        previous_after=keys[before - 1] if before > 0 else None,
    )


async def names_of(deps: Deps, caller: Caller, customer_ids: Iterable[str]) -> dict[str, str]:
    """Customers' names by id: from the index while it is current (no customer read),
    else by `_id`; a stale index is left to its next reader or the scheduler."""
    require_role(caller, *STAFF)
    wanted = set(customer_ids)
    if not wanted:
        return {}
    keys, _ = await digests.load(deps.db, digests.CUSTOMERS, INDEX, _decode)
    if keys is not None:
        return {id_: name for name, id_ in keys if id_ in wanted}
    found = await customer_service.get_customers(deps, caller, sorted(wanted))
    return {c.id: c.name for c in found if c is not None}
