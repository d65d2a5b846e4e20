"""Acknowledging a notice through the API, and the instant of a customer's latest one.

A CUSTOMER key's integration acknowledges its own notices as a person does on the
notice page: the same record (store/notice_views.py), where the first acknowledgement
stands, so calling again changes nothing and answers as the first call did. Another
customer's notice answers exactly like a missing one (services/policy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from registry.domain import validation as check
from registry.domain.errors import NotFound, ValidationError
from registry.domain.models import Notice, Role
from registry.services import policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import ids, notice_views, notices

NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class Acknowledged:
    notice: Notice
    # False when the notice had already been acknowledged (that acknowledgement stands).
    now: bool


async def acknowledge_notice(deps: Deps, caller: Caller, notice_id: str, name: str) -> Acknowledged:
    """Record that the caller's customer acknowledged its notice; `name` is the person
    (or system) acknowledging, as the notice page records the name typed there."""
    policy.require_role(caller, Role.CUSTOMER)
    found = await notices.get(deps.db, notice_id) if ids.is_id_of("Notice", notice_id) else None
    if found is None or not policy.may_see_record(caller, found.customer_id):
        raise NotFound(f"no notice {notice_id!r}")
    who = check.text(name, "name", max_length=NAME_MAX)
    first = await notice_views.acknowledge(
        deps.db, found.id, deps.clock.now(), name=who, email=None
    )
    return Acknowledged(found, first)


async def last_acknowledged(deps: Deps, caller: Caller, customer_id: str | None) -> datetime:
    """When the customer (a CUSTOMER key's own, or the one staff name) last acknowledged
    a notice: where its "since you last acknowledged" diff starts."""
    customer = policy.customer_view(caller, customer_id)
    if customer is None:
        raise ValidationError("customerId", "name the customer whose acknowledgements count")
    if not policy.may_see_customer(caller, customer):
        raise NotFound(f"no customer {customer!r}")
    held = await notices.all_of_customer(deps.db, customer)
    views = await notice_views.get_many(deps.db, [n.id for n in held])
    found = [v.acknowledged_at for v in views.values() if v.acknowledged_at is not None]
    if not found:
        raise ValidationError(
            "sinceLastAcknowledged",
            "no notice of this customer has been acknowledged yet: give `from` instead",
        )
    return max(found)
