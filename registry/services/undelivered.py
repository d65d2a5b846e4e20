"""Notices not delivered: failed deliveries told in the registry's words (which vendor,
which customer, which channel, why), for the console's overview and staff's alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from registry.domain.models import Role
from registry.domain.webhooks import Delivery, DeliveryFailure, DeliveryStatus, FailureKind
from registry.services import change_queries, console_customers, subscribers, webhooks
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import require_role
from registry.store import events
from registry.store.staff_alerts import StaffAlert

PUBLIC_READERS = "public e-mail subscribers"


@dataclass(frozen=True, slots=True)
class UndeliveredNotice:
    delivery_id: str
    event_type: str
    channel: str
    customer_id: str
    customer: str  # its name, or PUBLIC_READERS
    failure: DeliveryFailure
    failed_at: datetime | None
    change_id: str | None = None
    vendor: str | None = None  # the legal name of the vendor the change names

    @property
    def public(self) -> bool:
        return self.customer_id == subscribers.PUBLIC


async def recent(deps: Deps, caller: Caller, limit: int) -> tuple[list[UndeliveredNotice], int]:
    """The newest failed deliveries, described, and how many failed in all (ADMIN:
    others are refused with PermissionDenied)."""
    failed, total = await webhooks.list_deliveries(
        deps,
        caller,
        subscription_id=None,
        statuses=[DeliveryStatus.FAILED],
        after=None,
        limit=limit,
    )
    return await describe(deps, caller, [_failed(d) for d in failed]), total


def _failed(d: Delivery) -> StaffAlert:
    failure = d.failure or DeliveryFailure(FailureKind.RETRIES_EXHAUSTED, "its last attempt failed")
    return StaffAlert(
        d.id,
        d.event_id,
        d.event_type,
        d.customer_id,
        d.channel,
        failure,
        d.failed_at or d.created_at,
    )


async def describe(
    deps: Deps, caller: Caller, failed: Sequence[StaffAlert]
) -> list[UndeliveredNotice]:
    """Name the vendor (through the event's change) and the customer of each (staff)."""
    require_role(caller, Role.ADMIN)
    change_of = await events.changes_of(deps.db, sorted({f.event_id for f in failed}))
    found = await change_queries.get_changes(deps, caller, sorted(set(change_of.values())))
    changes = {c.id: c for c in found if c is not None}
    vendors = await change_queries.vendor_names(deps, changes.values())
    customer_ids = {f.customer_id for f in failed} - {subscribers.PUBLIC}
    names = await console_customers.names_of(deps, caller, customer_ids)
    described = []
    for f in failed:
        change = changes.get(change_of.get(f.event_id, ""))
        vendor = vendors.get(change.subprocessor_id) if change is not None else None
        described.append(
            UndeliveredNotice(
                delivery_id=f.delivery_id,
                event_type=f.event_type,
                channel=f.channel,
                customer_id=f.customer_id,
                customer=PUBLIC_READERS
                if f.customer_id == subscribers.PUBLIC
                else names.get(f.customer_id, f.customer_id),
                failure=f.failure,
                failed_at=f.failed_at,
                change_id=change.id if change is not None else None,
                vendor=vendor,
            )
        )
    return described
