"""Mutations: one module per concept; each resolver is parse → one service → payload.

`attempt` is the one place every mutation passes through: it runs the use case with the
runner every channel uses (services/runner.py: audit, cache retirement, counts) and
turns an expected refusal into its payload member.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from registry.api.context import Info
from registry.api.types.errors import from_domain
from registry.domain.errors import RegistryError
from registry.services import runner

T = TypeVar("T")
P = TypeVar("P")


async def attempt(
    info: Info,
    call: Awaitable[T],
    success: Callable[[T], P],
    *,
    target: str | None = None,
) -> Any:
    """Run a service call through the runner; expected failures become payload members."""
    context = info.context
    try:
        result = await runner.run(
            context.deps,
            context.caller,
            info.field_name,
            lambda: call,
            request_id=context.request_id,
            target=target,
        )
    except RegistryError as error:
        return from_domain(error)
    return success(result)
