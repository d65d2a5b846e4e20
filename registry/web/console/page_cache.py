"""Rendered console pages, kept per session until anything in the registry changes.

Pages read small documents by `_id` (digests, counters; see services/console_*.py), so
building one costs tens of milliseconds; serving the same page again costs a few. Every
write that changes what a page shows bumps the registry version (`services/versions.py`:
mutations, console actions, scheduler transitions), so a page keyed by that version,
the session and the minute is never staler than the minute it names. The key holds the
session (pages carry its anti-forgery token and its role's view).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response

from registry.services import versions

MAX_PAGES = 256
Key = tuple[str, str, int, datetime]
T = TypeVar("T")


@dataclass
class PageCache:
    pages: OrderedDict[Key, Response] = field(default_factory=OrderedDict)

    def get(self, key: Key) -> Response | None:
        found = self.pages.get(key)
        if found is not None:
            self.pages.move_to_end(key)
        return found

    def put(self, key: Key, response: Response) -> None:
        self.pages[key] = response
        while len(self.pages) > MAX_PAGES:
            self.pages.popitem(last=False)


def cache_of(request: Request) -> PageCache:
    state = request.app.state
    found: PageCache | None = getattr(state, "console_pages", None)
    if found is None:
        found = state.console_pages = PageCache()
    return found


async def key_of(request: Request, session_id: str, now: datetime) -> Key:
    version = await versions.current(request.app.state.deps)
    return (session_id, str(request.url), version, now.replace(second=0, microsecond=0))
