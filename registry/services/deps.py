"""What every use case needs, built once per process in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from registry.clock import Clock
from registry.settings import Settings
from registry.store.database import Database


@dataclass(frozen=True, slots=True)
class Deps:
    db: Database
    clock: Clock
    settings: Settings
