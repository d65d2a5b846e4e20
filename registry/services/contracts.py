"""What a customer's upheld objections settled for its timeline (DESIGN.md 11): when its
contract ends (its list, feeds and calendar end there: domain/timeline.py), and the
vendors it was excluded from (an exclusion holds through later changes of the vendor)."""

from __future__ import annotations

from datetime import datetime

from registry.domain import timeline
from registry.domain.models import Objection
from registry.services.deps import Deps
from registry.store import changes, objections


async def ends_at(deps: Deps, customer_id: str) -> datetime | None:
    return timeline.contract_end(await objections.terminations(deps.db, customer_id))


async def exclusion_from(
    deps: Deps, customer_id: str, vendor_id: str, *, other_than: str
) -> Objection | None:
    """The upheld objection that excluded the customer from a change bringing the vendor
    (other than `other_than`, the change being read), if one did."""
    found = await objections.exclusions(deps.db, customer_id)
    upheld = [o for o in found if o.change_id != other_than]
    brought = await changes.get_many(deps.db, [o.change_id for o in upheld])
    for objection, change in zip(upheld, brought, strict=True):
        if change is not None and change.subprocessor_id == vendor_id:
            return objection
    return None
