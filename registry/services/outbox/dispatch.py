"""DISPATCH: one delivery per (undispatched event, subscription or notice address wanting it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from registry.delivery import email
from registry.delivery.bodies import delivery_body
from registry.domain.event_types import EventType
from registry.domain.webhooks import Subscription
from registry.services import subscribers
from registry.services.deps import Deps
from registry.services.outbox.options import DEFAULT_OPTIONS, DeliveryOptions
from registry.store import (
    customers,
    deliveries,
    delivery_queue,
    email_subscribers,
    events,
    objections,
    webhook_subscriptions,
)
from registry.store.database import Document


async def dispatch_events(
    deps: Deps, worker_id: str, *, options: DeliveryOptions = DEFAULT_OPTIONS
) -> int:
    """One delivery per (undispatched event, active subscription wanting it); events done."""
    batch = await events.undispatched_events(deps.db, options.dispatch_batch)
    if not batch:
        return 0
    now = deps.clock.now()
    customer_ids = sorted({event["customer_id"] for event in batch})
    by_customer: dict[str, list[Subscription]] = defaultdict(list)
    for sub in await webhook_subscriptions.active_for_customers(deps.db, customer_ids):
        by_customer[sub.customer_id].append(sub)
    docs: list[Document] = []
    for event in batch:
        wanting = [s for s in by_customer[event["customer_id"]] if s.wants(event["type"])]
        docs.extend(
            deliveries.new_document(
                delivery_id=events.delivery_id(event, sub.id),
                event_id=event["_id"],
                event_type=event["type"],
                subscription_id=sub.id,
                customer_id=sub.customer_id,
                body=delivery_body(event),
                now=now,
            )
            for sub in wanting
        )
    docs.extend(await _email_deliveries(deps, batch, now))
    await deliveries.insert_new(deps.db, docs)
    await delivery_queue.enqueue(deps.db, [delivery_queue.new_entry(d["_id"], now) for d in docs])
    # Only now: a crash before this line re-dispatches the same ids, which add nothing,
    # and a delivery finished meanwhile is dropped from the queue unsent (`claim_due`).
    await events.mark_dispatched(deps.db, [event["_id"] for event in batch], now)
    return len(batch)


async def _email_deliveries(deps: Deps, batch: list[Document], now: datetime) -> list[Document]:
    """The email channel: every event, to each of its customer's notice addresses."""
    if not deps.settings.smtp_url:
        return []
    customer_ids = sorted({event["customer_id"] for event in batch} - {subscribers.PUBLIC})
    found = await customers.get_many(deps.db, customer_ids)
    addresses: dict[str, Sequence[str]] = {c.id: c.notice_emails for c in found if c is not None}
    if any(event["customer_id"] == subscribers.PUBLIC for event in batch):
        confirmed = await email_subscribers.confirmed_addresses(deps.db)
        addresses[subscribers.PUBLIC] = [address for _, address in confirmed]
    filers = await _filers(deps, batch)
    return [
        deliveries.new_document(
            delivery_id=events.delivery_id(event, email.subscription_id(address)),
            event_id=event["_id"],
            event_type=event["type"],
            subscription_id=email.subscription_id(address),
            customer_id=event["customer_id"],
            body=delivery_body(event),
            now=now,
            channel=email.CHANNEL,
            target=address,
        )
        for event in batch
        for address in _recipients(
            addresses.get(event["customer_id"], ()), filers.get(event["_id"])
        )
    ]


_RECEIPTS = (EventType.OBJECTION_FILED.value, EventType.OBJECTION_RESOLVED.value)


def _recipients(notice_addresses: Sequence[str], filer: str | None) -> list[str]:
    """The contract's notice addresses, and the person who objected at the address typed."""
    found = list(dict.fromkeys(notice_addresses))
    if filer and filer.lower() not in {a.lower() for a in found}:
        found.append(filer)
    return found


async def _filers(deps: Deps, batch: list[Document]) -> dict[str, str]:
    """Event id -> the address the objector typed, for the objection's own events (the
    receipt of the filing and of its outcome reaches the person who filed)."""
    found: dict[str, str] = {}
    for event in batch:
        if event["type"] not in _RECEIPTS:
            continue
        objection_id = ((event.get("data") or {}).get("objection") or {}).get("id")
        objection = await objections.get(deps.db, objection_id) if objection_id else None
        if objection is not None and objection.filer_email:
            found[event["_id"]] = objection.filer_email
    return found
