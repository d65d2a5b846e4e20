"""One runner for every write a person or a program asks for, from any channel.

The API's mutations, the console's forms and the notice page's buttons all run their
use case here: the service decides and authorises (policy), the runner records the
attempt in the audit log under one outcome name whatever the channel (`ok`, or the
refusal's error class), retires the cached answers the write made stale (derived from
the writes themselves: store/writes.py), and counts it for `/metrics`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from registry.domain.errors import RegistryError
from registry.services import audit
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import writes

T = TypeVar("T")

OK = "ok"
API, CONSOLE, NOTICE_PAGE = "api", "console", "notices"


def _target_of(result: Any) -> str | None:
    for candidate in (result, *(result if isinstance(result, tuple) else ())):
        value = getattr(candidate, "id", None)
        if isinstance(value, str):
            return value
    return None


async def run(
    deps: Deps,
    caller: Caller,
    action: str,
    call: Callable[[], Awaitable[T]],
    *,
    request_id: str,
    channel: str = API,
    target: str | None = None,
) -> T:
    """Run `call` (which builds the service call, so input refused while it is parsed
    is recorded like a refusal of the service); refusals propagate."""
    try:
        result = await call()
    except RegistryError as error:
        await _record(deps, caller, channel, action, type(error).__name__, request_id, target)
        raise
    await _record(deps, caller, channel, action, OK, request_id, _target_of(result) or target)
    return result


async def _record(
    deps: Deps,
    caller: Caller,
    channel: str,
    action: str,
    outcome: str,
    request_id: str,
    target: str | None,
) -> None:
    # Before anyone is answered: the next read must not be a stale cached answer.
    await writes.retire_written(deps.db)
    await audit.record(
        deps,
        caller,
        action=action if channel == API else f"{channel}.{action}",
        result=outcome,
        request_id=request_id,
        target=target,
    )
    deps.use_cases[(channel, action, outcome)] += 1
