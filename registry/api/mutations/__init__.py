"""Mutations: one module per concept; each resolver is parse → one service → payload.

`attempt` is the one place every mutation passes through, so it also writes the
audit trail: who (key and role), what (the mutation and its object), the outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from registry.api.context import Info
from registry.api.types.errors import from_domain
from registry.domain.errors import RegistryError
from registry.services import audit, versions

T = TypeVar("T")
P = TypeVar("P")


def _target_of(result: Any) -> str | None:
    for candidate in (result, *(result if isinstance(result, tuple) else ())):
        value = getattr(candidate, "id", None)
        if isinstance(value, str):
            return value
    return None


async def attempt(
    info: Info,
    call: Awaitable[T],
    success: Callable[[T], P],
    *,
    target: str | None = None,
) -> Any:
    """Run a service call; expected failures become payload members, nothing else is caught."""
    context = info.context
    try:
        result = await call
    except RegistryError as error:
        payload: Any = from_domain(error)
        outcome = type(payload).__name__
        object_id = target
    else:
        # Any successful mutation may change what queries answer: retire cached answers.
        await versions.retire_cached_answers(context.deps)
        payload = success(result)
        outcome = type(payload).__name__
        object_id = _target_of(result) or target
    await audit.record(
        context.deps,
        context.caller,
        action=info.field_name,
        result=outcome,
        request_id=context.request_id,
        target=object_id,
    )
    return payload
