"""Who is calling: a role, and for CUSTOMER keys the one customer it is bound to; for
staff signed in with the company's OpenID provider, the person (recorded on what they do).

What a caller may see is decided in services/policy.py, never from these fields
directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.domain.models import Role
from registry.domain.person import Person


@dataclass(frozen=True, slots=True)
class Caller:
    role: Role | None
    customer_id: str | None = None
    key_id: str | None = None
    person: Person | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.role is None


ANONYMOUS = Caller(role=None)
