"""PyMongo async repositories: one module per collection, indexes beside queries."""

from __future__ import annotations

from types import ModuleType

from registry.store import (
    api_keys,
    audit_log,
    changes,
    console_sessions,
    customer_groups,
    customer_roster,
    customer_terms,
    customers,
    deliveries,
    delivery_queue,
    dpas,
    email_subscribers,
    events,
    hosting_regions,
    meta,
    notice_schedule,
    notice_views,
    notices,
    objections,
    processing_locations,
    products,
    subprocessors,
    transfer_bases,
    webhook_subscriptions,
)

COLLECTIONS: tuple[ModuleType, ...] = (
    api_keys,
    audit_log,
    console_sessions,
    customers,
    customer_terms,
    customer_groups,
    customer_roster,
    products,
    hosting_regions,
    subprocessors,
    processing_locations,
    dpas,
    transfer_bases,
    changes,
    notices,
    notice_schedule,
    notice_views,
    objections,
    events,
    meta,
    webhook_subscriptions,
    deliveries,
    delivery_queue,
    email_subscribers,
)
