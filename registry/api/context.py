"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry

from registry.services.caller import Caller
from registry.services.deps import Deps

if TYPE_CHECKING:
    from registry.api.loaders import Loaders


@dataclass(slots=True)
class Context:
    deps: Deps
    caller: Caller
    request_id: str
    loaders: Loaders
    extra: dict[str, Any] = field(default_factory=dict)


Info = strawberry.Info[Context, None]
