"""The scheduler's job that rebuilds stale console digests before a person asks.

Readers rebuild a stale digest themselves (so a page is never wrong), which makes the
first view after a write to a vendor or customer slow (see bench/console.py). This job
runs every scheduler tick: it reads the digests' stamps (a counter read each while they
are current) and rebuilds the vendor list, today's transfer problems and the customer
index when a write or the date made them stale, so people usually find them current.
"""

from __future__ import annotations

from registry.domain.models import Role
from registry.services import console_customers, console_vendors
from registry.services.caller import Caller
from registry.services.deps import Deps

# The job reads as staff would; it writes only the digests.
_STAFF = Caller(role=Role.ADMIN, key_id="scheduler:console-digests")


async def refresh_console_digests(deps: Deps, worker_id: str) -> int:
    """How many digests were rebuilt (0 when all were current)."""
    rebuilt = 0
    for refresh in (
        console_vendors.refresh_lines,
        console_vendors.refresh_transfer_problems,
        console_customers.refresh_index,
    ):
        rebuilt += await refresh(deps, _STAFF)
    return rebuilt
