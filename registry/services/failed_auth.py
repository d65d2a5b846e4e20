"""Failed authentication slows down, and is audited once per window, not per attempt.

A bad API key (on `/graphql`) or a failed console sign-in counts against the client's
address and against the presented key's prefix; past `limit` failures in a window
either one is refused outright (`429`) without looking the key up. Every failure of a
window is counted in one audit entry per action (`count` on the entry), so an anonymous
caller cannot grow the audit log at will. Counters are per process and forget clients
idle for a window; at most `max_entries` are kept.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from datetime import UTC, datetime

from registry.services.deps import Deps
from registry.store import audit_log

WINDOW_S = 300.0
PER_CLIENT = 10
PER_KEY_PREFIX = 20
PREFIX_CHARACTERS = 12
"""More than a key shows of itself (`ApiKey.prefix`, 7): nobody can slow a known key down."""
MAX_ENTRIES = 50_000


class FailureThrottle:
    def __init__(
        self,
        *,
        per_client: int = PER_CLIENT,
        per_prefix: int = PER_KEY_PREFIX,
        window: float = WINDOW_S,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self.per_client = per_client
        self.per_prefix = per_prefix
        self.window = window
        self.max_entries = max_entries
        # (kind, value) -> (window start, failures in it), least recently failed first
        self.failures: OrderedDict[tuple[str, str], tuple[float, int]] = OrderedDict()

    def _count(self, key: tuple[str, str], at: float) -> int:
        found = self.failures.get(key)
        return found[1] if found is not None and found[0] > at - self.window else 0

    def blocked(self, client: str, presented: str | None, now: float | None = None) -> bool:
        """Whether this client, or this key's prefix, has failed too often lately."""
        at = time.monotonic() if now is None else now
        if self._count(("client", client), at) >= self.per_client:
            return True
        prefix = _prefix(presented)
        return prefix is not None and self._count(("prefix", prefix), at) >= self.per_prefix

    def failed(self, client: str, presented: str | None, now: float | None = None) -> None:
        at = time.monotonic() if now is None else now
        keys = [("client", client)]
        prefix = _prefix(presented)
        if prefix is not None:
            keys.append(("prefix", prefix))
        for key in keys:
            found = self.failures.pop(key, None)
            if found is None or found[0] <= at - self.window:
                found = (at, 0)
            self.failures[key] = (found[0], found[1] + 1)
        while self.failures:
            oldest, (start, _) = next(iter(self.failures.items()))
            if len(self.failures) <= self.max_entries and start > at - self.window:
                break
            del self.failures[oldest]


def _prefix(presented: str | None) -> str | None:
    if not presented:
        return None
    token = presented.removeprefix("Bearer ").strip()
    return token[:PREFIX_CHARACTERS] if token else None


async def audit_failure(deps: Deps, action: str, result: str, request_id: str) -> None:
    """Count the failure in this window's one audit entry for `action`."""
    now = deps.clock.now()
    start = math.floor(now.timestamp() / WINDOW_S) * WINDOW_S
    await audit_log.count_failure(
        deps.db,
        window_start=datetime.fromtimestamp(start, UTC),
        at=now,
        action=action,
        result=result,
        request_id=request_id,
    )
