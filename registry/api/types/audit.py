from __future__ import annotations

from datetime import datetime

import strawberry

from registry.store.database import Document


@strawberry.type(description="Who did what, when, with which outcome.")
class AuditEntry:
    id: strawberry.ID
    at: datetime
    key_id: str | None
    role: str | None
    customer_id: str | None
    action: str
    target: str | None
    result: str
    request_id: str

    @classmethod
    def from_document(cls, d: Document) -> AuditEntry:
        return cls(
            id=strawberry.ID(d["_id"]),
            at=d["at"],
            key_id=d.get("key_id"),
            role=d.get("role"),
            customer_id=d.get("customer_id"),
            action=d["action"],
            target=d.get("target"),
            result=d["result"],
            request_id=d["request_id"],
        )
