"""Any object by its global id, as the access policy lets the caller see it.

The id's prefix names the type; each type's own reader asks services/policy.py, so
another tenant's object answers exactly like a missing one (None).
"""

from __future__ import annotations

from registry.domain.errors import NotFound, PermissionDenied
from registry.domain.models import Change, Customer, Notice, Objection, Subprocessor
from registry.domain.webhooks import Delivery, Subscription
from registry.services import change_queries, changes, customers, vendors, webhooks
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import ids

Found = Subprocessor | Customer | Change | Notice | Objection | Subscription | Delivery


async def find(deps: Deps, caller: Caller, id_: str) -> Found | None:
    kind = ids.kind_of(id_)
    try:
        if kind == "Subprocessor":
            return await vendors.get_subprocessor(deps, caller, id_)
        if kind == "Customer":
            return await customers.get_customer(deps, caller, id_)
        if kind == "Change":
            return await changes.get_change(deps, caller, id_)
    except (NotFound, PermissionDenied):
        return None
    if kind == "Notice":
        return await change_queries.get_notice(deps, caller, id_)
    if kind == "Objection":
        return await change_queries.get_objection(deps, caller, id_)
    if kind == "WebhookSubscription":
        return await webhooks.get_subscription(deps, caller, id_)
    if kind == "WebhookDelivery":
        return await webhooks.get_delivery(deps, caller, id_)
    return None
