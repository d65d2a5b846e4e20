"""PyMongo async repositories: one module per collection, indexes beside queries."""

from __future__ import annotations

from types import ModuleType

from registry.store import (
    api_keys,
    audit_log,
    auth_failures,
    chain_changes,
    chain_links,
    changes,
    console_sessions,
    customer_groups,
    customer_roster,
    customer_terms,
    customers,
    deliveries,
    delivery_queue,
    digests,
    dpas,
    email_subscribers,
    events,
    hosting_regions,
    legal_watch,
    meta,
    migration,
    notice_schedule,
    notice_views,
    notices,
    objections,
    operator,
    processing_locations,
    products,
    register_details,
    roster_placements,
    staff_alerts,
    subprocessors,
    transfer_bases,
    transfer_impact_assessments,
    webhook_subscriptions,
)
from registry.store.database import Database

COLLECTIONS: tuple[ModuleType, ...] = (
    api_keys,
    audit_log,
    auth_failures,
    console_sessions,
    digests,
    customers,
    customer_terms,
    customer_groups,
    customer_roster,
    roster_placements,
    products,
    hosting_regions,
    subprocessors,
    processing_locations,
    chain_links,
    chain_changes,
    dpas,
    transfer_bases,
    transfer_impact_assessments,
    legal_watch,
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
    staff_alerts,
    email_subscribers,
    operator,
    register_details,
)


async def ensure_indexes(db: Database) -> None:
    """Bring the storage layout up to date (store/migration.py: every process runs
    this at start-up, so an older database is moved before any job touches it), then
    create the indexes every collection declares."""
    await migration.migrate(db)
    for module in COLLECTIONS:
        await module.ensure_indexes(db)
