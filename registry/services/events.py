"""Rendering outbox events: the webhook `data` for one customer's view of a change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from registry.domain.models import Change, Notice, Objection
from registry.services.deps import Deps
from registry.settings import Settings
from registry.store import customers, events, ids, notices, webhook_subscriptions
from registry.store.database import Document


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def change_data(change: Change) -> dict[str, Any]:
    return {
        "id": change.id,
        "kind": change.kind.value,
        "subprocessorId": change.subprocessor_id,
        "replacesId": change.replaces_id,
        "description": change.description,
        "announcedAt": _iso(change.announced_at),
        "effectiveAt": _iso(change.effective_at),
        "status": change.status.value,
        "emergency": change.emergency,
    }


def notice_data(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "customerId": notice.customer_id,
        "sentAt": _iso(notice.sent_at),
        "objectionDeadline": _iso(notice.objection_deadline),
        "effectiveAt": _iso(notice.effective_at),
        "status": notice.status.value,
    }


def links(settings: Settings, change_id: str) -> dict[str, str]:
    return {
        "graphql": f"{settings.public_url}/graphql",
        "query": f'{{ change(id: "{change_id}") {{ status effectiveAt notices {{ edges {{ node '
        "{ objectionDeadline effectiveAt } } } } }",
    }


def event_document(
    settings: Settings,
    type: str,
    change: Change,
    notice: Notice,
    *,
    occurred_at: Any,
    dedupe: str,
    objection: Objection | None = None,
) -> Document:
    data: dict[str, Any] = {
        "change": change_data(change),
        "notice": notice_data(notice),
        "links": links(settings, change.id),
    }
    if objection is not None:
        data["objection"] = {
            "id": objection.id,
            "reason": objection.reason,
            "status": objection.status.value,
            "resolution": objection.resolution.value if objection.resolution else None,
            "note": objection.note,
            "filedAt": _iso(objection.filed_at),
        }
    return events.document(
        type=type,
        customer_id=notice.customer_id,
        occurred_at=occurred_at,
        dedupe_key=f"{type}:{dedupe}",
        data=data,
        change_id=change.id,
    )


async def reachable_customer_ids(deps: Deps, among: Sequence[str] | None = None) -> set[str]:
    """Customers somebody delivers to: an active webhook subscription, or notice
    e-mail addresses while the email channel is configured. Only they get outbox events.
    `among` narrows the question to those customers.

    Notices themselves are written for every customer; events exist to be
    delivered, so a change reaching 100,000 customers writes no events for the
    ones nobody delivers to.
    """
    subscribed: Document = {"active": True}
    emailed: Document = {"notice_emails": {"$ne": []}}
    if among is not None:
        subscribed["customer_id"] = emailed["_id"] = {"$in": list(among)}
    found: list[str] = await deps.db[webhook_subscriptions.NAME].distinct("customer_id", subscribed)
    if deps.settings.smtp_url:
        found += await deps.db[customers.NAME].distinct("_id", emailed)
    return set(found)


async def emit_for_reachable(deps: Deps, change: Change, type: str) -> int:
    """One event per reachable customer holding a notice of the change."""
    reachable = await reachable_customer_ids(deps)
    if not reachable:
        return 0
    now = deps.clock.now()
    batch = []
    wanted = [ids.notice_id(change.id, customer_id) for customer_id in sorted(reachable)]
    cursor = deps.db[notices.NAME].find({"_id": {"$in": wanted}})
    async for doc in cursor:
        notice = notices.from_document(doc)
        batch.append(
            event_document(deps.settings, type, change, notice, occurred_at=now, dedupe=notice.id)
        )
    return await events.emit_many(deps.db, batch)
