"""The listener that counts finished writes per database (see store/writes.py); apart
from it so that the client's constructor (store/database.py) needs nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo import monitoring

_WRITES = frozenset({"insert", "update", "delete", "findAndModify"})

BOOKKEEPING = frozenset(
    {
        "audit_log",  # written on every request, refusals too; never a cached answer
        "meta",
        "digests",
        "migrations",
        "console_sessions",
        "auth_failures",
        "webhook_delivery_queue",
        "webhook_delivery_attempts",
        "staff_alerts",
        "change_payloads",
        "events",
        "notice_schedule",
        "customer_roster",
        "customer_groups",
        "customer_terms",
        "roster_placements",
    }
)
"""Collections no query answers from: writes to them leave cached answers standing."""

PRIVATE = frozenset(
    {
        "notice_views",  # a customer opening or acknowledging its notice page
        "email_subscribers",  # someone subscribing to the public list's changes
        "objections",
        "api_keys",
        "webhook_subscriptions",
        "webhook_deliveries",
    }
)
"""Collections no anonymous answer reads: writes to them move the registry version but
not the public one (store/meta.py), so the public's entity tags tell nothing of them."""


def _wrote_nothing(reply: Mapping[str, Any]) -> bool:
    """Whether a write's reply says it matched nothing: `n` is 0 (findAndModify:
    `lastErrorObject.n`) and no error leaves doubt. Anything else counts as written."""
    if "writeErrors" in reply or "writeConcernError" in reply:
        return False
    outcome = reply.get("lastErrorObject", reply)
    return isinstance(outcome, Mapping) and outcome.get("n") == 0


@dataclass(slots=True)
class _Database:
    written: int = 0  # writes seen to finish
    retired: int = 0  # writes the version has been bumped for
    written_public: int = 0  # of those, writes to collections anonymous answers read
    retired_public: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class WriteWatch(monitoring.CommandListener):
    """Counts finished writes per database (one watch per client)."""

    def __init__(self) -> None:
        self._databases: dict[str, _Database] = {}
        self._started: dict[tuple[int, object], tuple[str, bool]] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in _WRITES:
            collection = event.command.get(event.command_name)
            if isinstance(collection, str) and collection not in BOOKKEEPING:
                public = collection not in PRIVATE
                self._started[(event.request_id, event.connection_id)] = (
                    event.database_name,
                    public,
                )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        key = (event.request_id, event.connection_id)
        if key in self._started and _wrote_nothing(event.reply):
            # A scheduler's claim that found no work runs every tick: retiring every
            # cached answer for it would leave a polled list uncached under load.
            del self._started[key]
            return
        self._finished(event.request_id, event.connection_id)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        # A failed write may have written part (an ordered bulk write): count it too.
        self._finished(event.request_id, event.connection_id)

    def _finished(self, request_id: int, connection_id: object) -> None:
        found = self._started.pop((request_id, connection_id), None)
        if found is not None:
            name, public = found
            state = self.of(name)
            state.written += 1
            state.written_public += public

    def of(self, name: str) -> _Database:
        found = self._databases.get(name)
        if found is None:
            found = self._databases[name] = _Database()
        return found
