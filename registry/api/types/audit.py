from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry

from registry.api.types.staff import StaffMember


@strawberry.type(description="Who did what, when, with which outcome.")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="The entry's id.")
    at: datetime = strawberry.field(description="When it happened (DateTime, UTC).")
    key_id: str | None = strawberry.field(
        description="The API key used; null for people signed in with the identity provider, "
        "anonymous callers or the command line."
    )
    person: StaffMember | None = strawberry.field(
        description="The person signed in with the company's identity provider who did it (or "
        "who was refused); null for API keys, the scheduler and anonymous callers."
    )
    role: str | None = strawberry.field(
        description="The caller's role (ADMIN, PROCUREMENT or CUSTOMER); null for anonymous "
        "callers."
    )
    customer_id: str | None = strawberry.field(
        description="The customer a CUSTOMER key is bound to."
    )
    action: str = strawberry.field(
        description="The operation, e.g. the mutation's field name (announceChange)."
    )
    target: str | None = strawberry.field(
        description="The global id of the object acted on, when there is one."
    )
    result: str = strawberry.field(
        description="The outcome: the payload type returned (e.g. ChangeAnnounced, "
        "PermissionDenied)."
    )
    request_id: str = strawberry.field(
        description="The request id, to find the request in the log."
    )
    count: int = strawberry.field(
        description="How many attempts the entry stands for: 1, or for anonymous failures "
        "(bad API keys, failed sign-ins) every one of its five-minute window (`at` is the "
        "first one's time, `requestId` its request)."
    )

    @classmethod
    def from_document(cls, d: Mapping[str, Any]) -> AuditEntry:
        return cls(
            id=strawberry.ID(d["_id"]),
            at=d["at"],
            key_id=d.get("key_id"),
            person=StaffMember.from_document(d.get("person")),
            role=d.get("role"),
            customer_id=d.get("customer_id"),
            action=d["action"],
            target=d.get("target"),
            result=d["result"],
            request_id=d["request_id"],
            count=int(d.get("count") or 1),
        )
