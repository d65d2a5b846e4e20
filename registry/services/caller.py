"""Who is calling: a role, and for CUSTOMER keys the one customer it is bound to.

What a caller may see is decided in services/policy.py, never from these fields
directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.domain.models import Role


@dataclass(frozen=True, slots=True)
class Caller:
    role: Role | None
    customer_id: str | None = None
    key_id: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.role is None


ANONYMOUS = Caller(role=None)
