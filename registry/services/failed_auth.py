"""Failed authentication slows down, and is audited once per window, not per attempt.

A bad API key (on `/graphql`) or a failed console sign-in counts against the client's
address and against the presented key's prefix; past `limit` failures in a window
either one is refused outright (`429`) without looking the key up. Every failure of a
window is counted in one audit entry per action (`count` on the entry), so an anonymous
caller cannot grow the audit log at will. Each process keeps its own counters (checked
without a round trip, forgetting clients idle for a window, at most `max_entries`), and
every failure is also counted in the database (store/auth_failures.py, one atomic
upsert): a process that learns there that the shared count reached the limit refuses
the client too, so attempts spread over processes gain one attempt per process at most.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

from registry.services.deps import Deps
from registry.store import audit_log, auth_failures

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

    def counters(self, client: str, presented: str | None) -> list[tuple[str, str, int]]:
        """What a failure counts against: (kind, value, limit)."""
        found = [("client", client, self.per_client)]
        prefix = _prefix(presented)
        if prefix is not None:
            found.append(("prefix", prefix, self.per_prefix))
        return found

    def block(self, kind: str, value: str, limit: int, now: float | None = None) -> None:
        """Refuse `value` for a window from now: the shared count reached `limit`."""
        at = time.monotonic() if now is None else now
        self.failures.pop((kind, value), None)
        self.failures[(kind, value)] = (at, limit)

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


def _window_start(now: datetime) -> float:
    return math.floor(now.timestamp() / WINDOW_S) * WINDOW_S


def _counter(deps: Deps, kind: str, value: str, window_start: float) -> str:
    """A keyed digest naming the counter: the database never holds an address or part of
    a presented key."""
    key = hmac.new(
        deps.settings.effective_secret_key().encode(), b"auth-failures/v1", hashlib.sha256
    ).digest()
    mac = hmac.new(key, f"{kind}\x00{value}\x00{window_start:.0f}".encode(), hashlib.sha256)
    return mac.hexdigest()[:40]


async def record_failure(
    deps: Deps,
    throttle: FailureThrottle,
    client: str,
    presented: str | None,
    *,
    action: str,
    result: str,
    request_id: str,
) -> None:
    """One failed authentication: counted in this process, in the shared counters (a
    client or prefix over its limit there is refused here from now on) and in this
    window's audit entry for `action`."""
    throttle.failed(client, presented)
    now = deps.clock.now()
    start = _window_start(now)
    expires_at = datetime.fromtimestamp(start, UTC) + timedelta(seconds=2 * WINDOW_S)
    for kind, value, limit in throttle.counters(client, presented):
        counter = _counter(deps, kind, value, start)
        counted = await auth_failures.count(deps.db, counter, expires_at=expires_at, now=now)
        if counted >= limit:
            throttle.block(kind, value, limit)
    await audit_failure(deps, action, result, request_id)


async def audit_failure(deps: Deps, action: str, result: str, request_id: str) -> None:
    """Count the failure in this window's one audit entry for `action`."""
    now = deps.clock.now()
    start = _window_start(now)
    await audit_log.count_failure(
        deps.db,
        window_start=datetime.fromtimestamp(start, UTC),
        at=now,
        action=action,
        result=result,
        request_id=request_id,
    )
