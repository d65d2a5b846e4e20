"""What every use case needs, built once per process in the lifespan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import httpx

from registry.clock import Clock
from registry.delivery.ssrf import Resolver, default_resolver
from registry.settings import Settings
from registry.store.database import Database


@dataclass(frozen=True, slots=True)
class Deps:
    db: Database
    clock: Clock
    settings: Settings
    # Outgoing webhooks: one pooled client per process, and the DNS resolver the SSRF
    # guard checks (tests pass a stub).
    webhook_client: httpx.AsyncClient | None = None
    resolver: Resolver = default_resolver
    # Use cases run by this process, by (channel, action, outcome): services/runner.py.
    use_cases: Counter[tuple[str, str, str]] = field(default_factory=Counter)
