"""When a vendor is in force, and whether anyone outside staff has been told of it.

One rule each, which the access policy, the corrections, the legal watch and the
store's list clause (store/subprocessors.py `in_force_clause`) all follow, so a vendor
shown by id is never missing from a list or export of the same instant.

A vendor is in force over [start, `active_until`): its start is `active_from`, set when
a change announces it. An ACTIVE vendor stored without one (written before the dates
were kept, or by an import) has been in force since it was recorded (`created_at`).
"""

from __future__ import annotations

from datetime import datetime

from registry.domain.models import Subprocessor, SubprocessorStatus


def start(sub: Subprocessor) -> datetime | None:
    """When the vendor is (or is announced to be) in force; None: not announced."""
    if sub.active_from is not None:
        return sub.active_from
    return sub.created_at if sub.status is SubprocessorStatus.ACTIVE else None


def in_force(sub: Subprocessor, at: datetime) -> bool:
    begins = start(sub)
    return (
        begins is not None and begins <= at and (sub.active_until is None or sub.active_until > at)
    )


def announced(sub: Subprocessor) -> bool:
    """Told to customers and the public: every vendor but a PROPOSED one no change has
    announced yet (an announcement sets `active_from`; cancelling clears it)."""
    return sub.status is not SubprocessorStatus.PROPOSED or sub.active_from is not None


def under_notice(sub: Subprocessor) -> bool:
    """Customers rely on the vendor's facts: it is ACTIVE or announced to become so."""
    return sub.status is SubprocessorStatus.ACTIVE or (
        sub.status is SubprocessorStatus.PROPOSED and sub.active_from is not None
    )
