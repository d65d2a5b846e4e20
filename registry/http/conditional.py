"""HTTP conditional requests for read routes: `ETag`, `If-None-Match`, `304`, `Cache-Control`.

A read's answer is a function of the registry version (bumped by every write; for
anonymous callers the public version, bumped by writes they can see), the caller's
visibility, the request itself and the period of the day (dates are computed
in customers' time zones), so an entity tag built from those changes whenever the
answer may, without computing the answer: a poller whose copy is current gets `304 Not
Modified` for the price of authentication. Anonymous answers may sit in a shared cache
for `public_max_age` seconds; anything a key unlocked is `private` and revalidated.

`conditional(endpoint)` wraps a starlette endpoint; the GraphQL endpoint uses the
pieces directly. The version comes from the process's `VersionWatch`, never a round
trip per request.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from registry.domain import languages
from registry.http.callers import request_caller
from registry.services import policy, versions
from registry.services.access import InvalidApiKey
from registry.services.caller import Caller
from registry.services.deps import Deps

Endpoint = Callable[[Request], Awaitable[Response]]

PERIOD_MINUTES = 15
"""Answers may change when a day ends in some customer's time zone; every zone's
midnight falls on a quarter hour of UTC, so tags also change every quarter hour."""

_ENTITY_TAG = re.compile(r'\s*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*')


def period(now: datetime) -> str:
    """The UTC quarter hour `now` falls in, e.g. `2026-03-01T13:45`.

    Asked on every cached read: the last quarter hour is remembered with its bounds."""
    start, end, text = _last_period
    if start <= now < end:
        return text
    utc = now.astimezone(UTC)
    start = utc.replace(minute=utc.minute - utc.minute % PERIOD_MINUTES, second=0, microsecond=0)
    text = f"{start.date().isoformat()}T{start.hour:02d}:{start.minute:02d}"
    _remember_period(start, start + timedelta(minutes=PERIOD_MINUTES), text)
    return text


def _remember_period(start: datetime, end: datetime, text: str) -> None:
    global _last_period
    _last_period = (start, end, text)


_EPOCH = datetime.min.replace(tzinfo=UTC)
_last_period: tuple[datetime, datetime, str] = (_EPOCH, _EPOCH, "")


def entity_tag(
    version: int,
    caller: Caller,
    when: str,
    *request_parts: str | bytes,
    weak: bool = False,
    key: bytes = b"",
) -> str:
    """A quoted entity tag for one request's answer at `version` as `caller` sees it.

    An opaque keyed digest (`tag_key`): the registry version moves with every write,
    including a customer first opening its notice page, so it is never shown in clear.
    Weak (`W/`) for answers that are equivalent but not byte-identical (a feed stamped
    with the time it was generated)."""
    digest = hashlib.blake2b(digest_size=16, key=key[:64])
    digest.update(f"{version}\x00{policy.visibility(caller)}\x00{when}".encode())
    for part in request_parts:
        digest.update(b"\x00")
        digest.update(part.encode() if isinstance(part, str) else part)
    tag = f'"{digest.hexdigest()}"'
    return "W/" + tag if weak else tag


@functools.lru_cache(maxsize=4)
def tag_key(secret_key: str) -> bytes:
    """The key entity tags are made with, derived from the server key for this use only
    (every process of a deployment makes the same tags)."""
    return hmac.new(secret_key.encode("utf-8"), b"entity-tags/v1", hashlib.sha256).digest()


def offered_tags(header: str | None) -> frozenset[str]:
    """The opaque tags of an `If-None-Match` header (RFC 9110 13.1.2), weak or strong.

    Empty when the header is absent, malformed or `*`: the request is then answered in
    full, which is always correct (`*` would ask "anything at all?", which a read route
    cannot tell before it has run)."""
    if not header or len(header) > 4096:
        return frozenset()
    tags = set()
    for item in header.split(","):
        if not item.strip():
            continue  # empty list elements are allowed
        found = _ENTITY_TAG.fullmatch(item)
        if found is None:
            return frozenset()
        tags.add(found.group(1))
    return frozenset(tags)


def matches(header: str | None, etag: str) -> bool:
    """Weak comparison, as `If-None-Match` asks: `W/"x"` and `"x"` are the same tag."""
    if not header:
        return False
    return etag.removeprefix("W/")[1:-1] in offered_tags(header)


def cache_headers(caller: Caller, etag: str, public_max_age: int) -> dict[str, str]:
    """Shared caches may keep anonymous answers briefly; keyed answers are private."""
    policy = f"public, max-age={public_max_age}" if caller.is_anonymous else "private, no-cache"
    return {"etag": etag, "cache-control": policy, "vary": "authorization"}


def not_modified(headers: dict[str, str]) -> Response:
    """`304 Not Modified`: the validator and caching headers, no body."""
    return Response(status_code=304, headers=headers)


async def registry_version(request: Request) -> int:
    """The registry version as this process knows it (at most about a second old)."""
    watch: versions.VersionWatch = request.app.state.version_watch
    return await watch.read()


async def tag_version(request: Request, caller: Caller, version: int | None = None) -> int:
    """The version an answer's entity tag is made from: the public version for anonymous
    callers (it moves only with writes anonymous answers can show, store/meta.py), so
    their tags never change with a customer's private write; `version` (or the registry
    version) for callers with a key."""
    if caller.is_anonymous:
        watch: versions.VersionWatch = request.app.state.version_watch
        return await watch.read_public()
    return version if version is not None else await registry_version(request)


def conditional(endpoint: Endpoint) -> Endpoint:
    """Give a read route `ETag`, `Cache-Control` and `304` answers; the route is unchanged.

    The tag is computed before the route runs, from the version known then, so an
    answer can only be newer than its tag (the next request gets a new one), never older.
    A presented key the route will refuse is left to the route. The route finds the
    caller in the request (`web/callers.request_caller`) rather than authenticating again."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        deps: Deps = request.app.state.deps
        try:
            caller = await request_caller(request)
        except InvalidApiKey:
            return await endpoint(request)
        etag = entity_tag(
            await tag_version(request, caller),
            caller,
            period(deps.clock.now()),
            request.url.path,
            request.url.query,
            # Feeds are written in the reader's language (Accept-Language, bounded work).
            languages.negotiate(None, request.headers.get("accept-language")),
            weak=True,
            key=tag_key(deps.settings.effective_secret_key()),
        )
        headers = cache_headers(caller, etag, deps.settings.public_max_age)
        headers["vary"] = "authorization, accept-language"
        if matches(request.headers.get("if-none-match"), etag):
            return not_modified(headers)
        response = await endpoint(request)
        if response.status_code == 200:
            response.headers.update(headers)
        return response

    return wrapper
