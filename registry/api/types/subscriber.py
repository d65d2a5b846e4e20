"""Public e-mail subscribers (ADMIN only: their addresses are personal data)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from registry.domain.subscribers import Subscriber


@strawberry.type(
    description="A person subscribed by e-mail to the public list's announcements. The "
    "address is personal data: ADMIN only."
)
class EmailSubscriber:
    id: strawberry.ID = strawberry.field(
        description="Global id, derived from the normalised address."
    )
    address: str = strawberry.field(description="The e-mail address, lower-cased.")
    status: str = strawberry.field(
        description="PENDING (opt-in e-mail sent, not yet confirmed), CONFIRMED (receives "
        "announcements) or UNSUBSCRIBED."
    )
    created_at: datetime = strawberry.field(
        description="When the address first asked (DateTime, UTC)."
    )
    confirmed_at: datetime | None = strawberry.field(
        description="When the opt-in was confirmed (DateTime, UTC); null while PENDING."
    )
    unsubscribed_at: datetime | None = strawberry.field(
        description="When it unsubscribed (DateTime, UTC); null while subscribed."
    )

    @classmethod
    def from_domain(cls, s: Subscriber) -> EmailSubscriber:
        return cls(
            id=strawberry.ID(s.id),
            address=s.address,
            status=s.status,
            created_at=s.created_at,
            confirmed_at=s.confirmed_at,
            unsubscribed_at=s.unsubscribed_at,
        )


def subscriber_key(s: Subscriber) -> tuple[str]:
    return (s.id,)
