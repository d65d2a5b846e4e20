"""A person on staff, as the company's identity provider named them at sign-in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from registry.domain.person import Person


@strawberry.type(
    description="A member of staff who signed in with the company's identity provider, as it "
    "named them then."
)
class StaffMember:
    name: str = strawberry.field(
        description="Their name: the ID token's name claim (or their e-mail when it had none)."
    )
    email: str | None = strawberry.field(
        description="Their e-mail address from the ID token; null when it gave none."
    )
    subject: str = strawberry.field(
        description="The identity provider's stable id of the person (the ID token's sub)."
    )

    @classmethod
    def from_domain(cls, person: Person | None) -> StaffMember | None:
        if person is None:
            return None
        return cls(name=person.name, email=person.email, subject=person.subject)

    @classmethod
    def from_document(cls, found: Mapping[str, Any] | None) -> StaffMember | None:
        """From an audit entry's `person` (services hand the API documents there)."""
        if not found:
            return None
        return cls(name=found["name"], email=found.get("email"), subject=found["subject"])
