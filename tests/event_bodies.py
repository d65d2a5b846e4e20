"""Realistic event data for delivery tests: what the change engine renders, so every
test event matches the published JSON Schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from registry.domain.event_types import EventType
from registry.domain.models import Change, ChangeKind, ChangeStatus, CustomerTerms, Notice
from registry.services.rendering import ChangeRendering
from registry.store import ids

ANNOUNCED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
EFFECTIVE = datetime(2026, 4, 6, tzinfo=UTC)
DEADLINE = datetime(2026, 3, 6, tzinfo=UTC)

SNAPSHOT: dict[str, Any] = {
    "subprocessor": {
        "id": "sp_000000000000000000000001",
        "legalName": "Mailgun Technologies, Inc.",
        "purpose": "Transactional email",
        "dataCategories": ["email address", "message content"],
        "website": "https://www.mailgun.com",
    },
    "replaces": None,
    "locations": [
        {"country": "US", "countryName": "United States", "region": "us-east", "role": "PROCESSING"}
    ],
    "transfers": {
        origin: [{"status": "VALID", "mechanism": "SCC_2021", "reasons": ["SCCs in force"]}]
        for origin in ("EEA", "UK", "CH")
    },
    "on": "2026-04-06",
}


def change(**fields: Any) -> Change:
    values: dict[str, Any] = {
        "id": ids.new_id("Change"),
        "kind": ChangeKind.ADD,
        "subprocessor_id": SNAPSHOT["subprocessor"]["id"],
        "announced_at": ANNOUNCED,
        "effective_at": EFFECTIVE,
        "status": ChangeStatus.ANNOUNCED,
        "earliest_allowed": EFFECTIVE,
        "description": "Adds Mailgun for transactional email",
    }
    values.update(fields)
    return Change(**values)


def event_data(
    customer_id: str,
    type: str = "change.announced",
    *,
    of: Change | None = None,
    terms: CustomerTerms | None = None,
    at: datetime = ANNOUNCED,
) -> dict[str, Any]:
    """The `data` of one customer's change event, with a notice link placeholder."""
    the_change = of or change()
    notice = Notice(
        id=ids.notice_id(the_change.id, customer_id),
        change_id=the_change.id,
        customer_id=customer_id,
        sent_at=the_change.announced_at,
        earliest_effective_at=the_change.effective_at,
        effective_at=the_change.effective_at,
        objection_deadline=DEADLINE,
    )
    made = ChangeRendering(the_change, SNAPSHOT)
    event = made.event(
        EventType(type), notice, terms or CustomerTerms(), occurred_at=at, dedupe="sample"
    )
    data: dict[str, Any] = event.data
    return data


def with_change(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**data, "change": {**data["change"], **fields}}
