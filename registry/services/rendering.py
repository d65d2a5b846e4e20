"""Rendering outbox events: the webhook `data` for one customer's view of a change.

A change's payload is rendered once per data origin (`ChangeRendering`), and each
customer's event adds only its own notice, time zone and link.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from registry.delivery import notice_links
from registry.domain import timeline
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.domain.models import (
    Change,
    CustomerTerms,
    DataOrigin,
    Notice,
    NoticeStatus,
    Objection,
)
from registry.domain.objection_rights import ObjectionRight, objection_right
from registry.domain.operator import as_sent
from registry.services import operator, snapshots
from registry.services.deps import Deps
from registry.store import (
    customer_groups,
    customer_roster,
    customers,
    events,
    notices,
    objections,
    webhook_subscriptions,
)
from registry.store.database import Document

iso = snapshots.iso


def notice_data(notice: Notice, right: ObjectionRight | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": notice.id,
        "customerId": notice.customer_id,
        "sentAt": iso(notice.sent_at),
        "objectionDeadline": iso(notice.objection_deadline),
        "effectiveAt": iso(notice.effective_at),
        "status": notice.status.value,
    }
    if right is not None:
        # The rule's answer when the event happened, so messages ask only when it allows.
        data["mayObject"] = right.may_object
    return data


def objection_data(objection: Objection) -> dict[str, Any]:
    return {
        "id": objection.id,
        "reason": objection.reason,
        "status": objection.status.value,
        "resolution": objection.resolution.value if objection.resolution else None,
        "note": objection.note,
        "filedAt": iso(objection.filed_at),
        "contractEndsAt": iso(objection.contract_ends_at) if objection.contract_ends_at else None,
    }


@dataclasses.dataclass(slots=True)
class ChangeRendering:
    """One change's events for many customers: the change payload once per origin."""

    change: Change
    snapshot: Document
    # Who gives the notice (domain/operator.py `as_sent`), as known when rendered.
    operator: Document | None = None
    _payloads: dict[DataOrigin, Document] = dataclasses.field(default_factory=dict)

    def payload(self, origin: DataOrigin) -> Document:
        found = self._payloads.get(origin)
        if found is None:
            found = self._payloads[origin] = snapshots.change_payload(
                self.change, self.snapshot, origin
            )
        return found

    def event(
        self,
        type: EventType,
        notice: Notice,
        terms: CustomerTerms,
        *,
        occurred_at: datetime,
        dedupe: str,
        objection: Objection | None = None,
        latest_objection: Objection | None = None,
    ) -> Event:
        """`latest_objection`: the customer's latest objection, when the event is not
        about one (`objection`); either decides whether the customer may object."""
        standing = objection or latest_objection
        data: dict[str, Any] = {
            "change": self.payload(terms.data_origin),
            "customer": {
                "id": notice.customer_id,
                "timeZone": terms.time_zone,
                "language": terms.language,
                "dataOrigin": terms.data_origin.value,
            },
            "notice": notice_data(
                notice, objection_right(occurred_at, self.change, notice, standing)
            ),
            "links": {"notice": notice_links.placeholder(notice.id, occurred_at)},
        }
        if self.operator is not None:
            data["operator"] = self.operator
        if objection is not None:
            data["objection"] = objection_data(objection)
        return Event(
            type=type,
            customer_id=notice.customer_id,
            occurred_at=occurred_at,
            dedupe_key=f"{type.value}:{dedupe}",
            data=data,
            change_id=self.change.id,
        )


async def rendering(deps: Deps, change: Change, stored: Document | None = None) -> ChangeRendering:
    return ChangeRendering(
        change,
        await snapshots.of_change(deps, change, stored),
        operator=as_sent(await operator.identity(deps)),
    )


async def terms_of(deps: Deps, customer_id: str) -> CustomerTerms:
    found = await customers.get(deps.db, customer_id)
    return found.terms if found is not None else CustomerTerms()


async def event_for(
    deps: Deps,
    type: EventType,
    change: Change,
    notice: Notice,
    *,
    occurred_at: datetime,
    dedupe: str,
    objection: Objection | None = None,
) -> Event:
    """One customer's event (reminders, objections): reads its terms and the snapshot."""
    made = await rendering(deps, change)
    terms = await terms_of(deps, notice.customer_id)
    latest = None
    if objection is None:
        filed = await objections.by_changes(deps.db, [change.id], notice.customer_id)
        found = filed.get(change.id) or []
        latest = found[-1] if found else None
    return made.event(
        type,
        notice,
        terms,
        occurred_at=occurred_at,
        dedupe=dedupe,
        objection=objection,
        latest_objection=latest,
    )


async def reachable_customer_ids(deps: Deps, among: Sequence[str] | None = None) -> set[str]:
    """Customers somebody delivers to: an active webhook subscription, or notice
    e-mail addresses while the email channel is configured. Only they get outbox events.
    `among` narrows the question to those customers.

    Notices themselves are written for every customer; events exist to be
    delivered, so a change reaching 100,000 customers writes no events for the
    ones nobody delivers to.
    """
    found = await webhook_subscriptions.customers_subscribed(deps.db, among)
    if deps.settings.smtp_url:
        found |= await customers.ids_with_notice_emails(deps.db, among)
    return found


async def _terms_of_reachable(deps: Deps, reachable: set[str]) -> dict[str, CustomerTerms]:
    """Each reachable customer's terms, from the roster (one read per 1,000 customers)."""
    found: dict[str, CustomerTerms] = {}
    for group in await customer_groups.all_groups(deps.db):
        async for chunk in customer_roster.chunks_after(deps.db, group.chunks, None):
            for customer_id in chunk.ids:
                if customer_id in reachable:
                    found[customer_id] = group.terms
    return found


async def emit_for_reachable(
    deps: Deps, change: Change, type: EventType, *, only: NoticeStatus | None = None
) -> int:
    """One event per reachable customer holding a notice of the change (in state `only`:
    a change in effect tells only those whose own date has come)."""
    reachable = await reachable_customer_ids(deps)
    if not reachable:
        return 0
    now = deps.clock.now()
    made = await rendering(deps, change)
    terms = await _terms_of_reachable(deps, reachable)
    latest: dict[str, Objection] = {}
    for filed in (await objections.by_changes(deps.db, [change.id], None)).values():
        for objection in filed:  # filed_at order: the latest wins
            latest[objection.customer_id] = objection
    ends = await objections.contract_ends(deps.db) if type is EventType.CHANGE_EFFECTIVE else {}
    batch = []
    for notice in await notices.of_customers(deps.db, change.id, sorted(reachable)):
        if only is not None and notice.status is not only:
            continue
        if not timeline.reaches_customer(notice, ends.get(notice.customer_id)):
            continue  # its contract ended first: nothing takes effect for it
        held = terms.get(notice.customer_id) or await terms_of(deps, notice.customer_id)
        batch.append(
            made.event(
                type,
                notice,
                held,
                occurred_at=now,
                dedupe=notice.id,
                latest_objection=latest.get(notice.customer_id),
            )
        )
    return await events.emit_many(deps.db, batch)
