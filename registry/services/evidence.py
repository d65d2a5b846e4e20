"""Proof of notice: for each customer's notice, when it reached someone and what they did.

`delivered_at` is the first successful delivery of any of the change's events to the
customer (SMTP accepted, webhook 2xx) and `channels` the channels that succeeded;
`viewed_at` and `acknowledged_at` come from the notice page; the objection's filer
is the person named on the page or the API key used. Read in a few `$in` queries per
batch of notices, so exports stream any number of customers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from registry.domain.event_types import CHANGE_EVENTS
from registry.domain.models import Notice, Objection
from registry.domain.webhooks import DeliveryStatus
from registry.services.deps import Deps
from registry.store import deliveries, events, notice_views, objections


@dataclass(frozen=True, slots=True)
class NoticeEvidence:
    delivered_at: datetime | None = None
    channels: tuple[str, ...] = ()
    viewed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    objection: Objection | None = None

    @property
    def objection_filer(self) -> str | None:
        return filer(self.objection) if self.objection is not None else None


def filer(objection: Objection) -> str | None:
    """ "Ana Ruiz <ana@acme.test>" from the page, "API key key_…" from the API."""
    if objection.filer_name or objection.filer_email:
        name = objection.filer_name or ""
        address = f"<{objection.filer_email}>" if objection.filer_email else ""
        return f"{name} {address}".strip()
    return f"API key {objection.filed_by_key}" if objection.filed_by_key else None


def person(by: object) -> str | None:
    if not isinstance(by, dict):
        return None
    name, address = by.get("name") or "", by.get("email") or ""
    return f"{name} <{address}>".strip() if address else (name or None)


async def for_notices(
    deps: Deps,
    notices: Sequence[Notice],
    latest_objections: dict[tuple[str, str], Objection] | None = None,
) -> dict[str, NoticeEvidence]:
    """Evidence by notice id. `latest_objections` ((change, customer) -> objection)
    spares the objection query when the caller already read a change's objections."""
    if not notices:
        return {}
    customer_ids = sorted({n.customer_id for n in notices})
    change_ids = sorted({n.change_id for n in notices})
    event_of: dict[str, tuple[str, str]] = {}
    cursor = deps.db[events.NAME].find(
        {
            "customer_id": {"$in": customer_ids},
            "change_id": {"$in": change_ids},
            "type": {"$in": [t.value for t in CHANGE_EVENTS]},
        },
        {"customer_id": 1, "change_id": 1},
    )
    async for doc in cursor:
        event_of[doc["_id"]] = (doc["change_id"], doc["customer_id"])
    first: dict[tuple[str, str], datetime] = {}
    channels: dict[tuple[str, str], set[str]] = defaultdict(set)
    if event_of:
        cursor = deps.db[deliveries.NAME].find(
            {
                "customer_id": {"$in": customer_ids},
                "event_id": {"$in": list(event_of)},
                "status": DeliveryStatus.DELIVERED.value,
            },
            {"event_id": 1, "channel": 1, "delivered_at": 1},
        )
        async for doc in cursor:
            key = event_of[doc["event_id"]]
            at = doc.get("delivered_at")
            if at is not None and (key not in first or at < first[key]):
                first[key] = at
            channels[key].add(str(doc.get("channel") or "webhook"))
    if latest_objections is None:
        latest_objections = {}
        grouped = await objections.by_changes(deps.db, change_ids, None)
        for found in grouped.values():
            for objection in found:  # filed_at order: the latest wins
                latest_objections[(objection.change_id, objection.customer_id)] = objection
    views = await notice_views.get_many(deps.db, [n.id for n in notices])
    result = {}
    for n in notices:
        key = (n.change_id, n.customer_id)
        view = views.get(n.id) or {}
        result[n.id] = NoticeEvidence(
            delivered_at=first.get(key),
            channels=tuple(sorted(channels.get(key, ()))),
            viewed_at=view.get("viewed_at"),
            acknowledged_at=view.get("acknowledged_at"),
            acknowledged_by=person(view.get("acknowledged_by")),
            objection=latest_objections.get(key),
        )
    return result
