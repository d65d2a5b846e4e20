"""Mutations: one module per concept; each resolver is parse → one service → payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from registry.api.types.errors import from_domain
from registry.domain.errors import RegistryError

T = TypeVar("T")
P = TypeVar("P")


async def attempt(call: Awaitable[T], success: Callable[[T], P]) -> Any:
    """Run a service call; expected failures become payload members, nothing else is caught."""
    try:
        result = await call
    except RegistryError as error:
        return from_domain(error)
    return success(result)
