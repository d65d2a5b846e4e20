"""Finished answers to the exact requests polling clients repeat, for the current version.

A client polling "what is the current list?" sends the same bytes every time. Once one
such request has been answered (from the response cache or by running it), the answer's
complete header blocks and body are kept here under the raw request and the caller's
visibility, so the next identical request is answered before any parsing, limits,
cache keys or entity tags: a `304` or a `200` with bytes prepared in advance.

An entry is only good for the registry version and the quarter hour it was made in;
the table holds one such generation at a time, so a write (or the next quarter hour)
drops every entry at once and no answer of another version can be served.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.http.bounded import DigestCache, digest

Headers = list[tuple[bytes, bytes]]

MAX_REQUEST_BYTES = 16_384
"""Longer requests are answered the ordinary way: the key would cost as much as it saves."""
LOOKED_UP = "registry.hot_answer_looked_up"
"""Set in the request's scope once the hot answers were asked and had none for it (by the
front door), so the endpoint does not ask again."""
MAX_BYTES = 8_000_000
"""What the table may hold: the bodies and header blocks, keyed by a digest of the request."""


@dataclass(frozen=True, slots=True)
class HotAnswer:
    etag: bytes
    operation: str | None
    """The operation name the request metrics count it under."""
    not_modified: Headers
    """The header block of a `304` (the request id is added per request)."""
    ok: Headers | None
    """The header block of a `200` with `body`; None when answers are not cached."""
    body: bytes


def _size(answer: HotAnswer) -> int:
    headers = sum(len(n) + len(v) + 32 for n, v in (*answer.not_modified, *(answer.ok or ())))
    return len(answer.body) + len(answer.etag) + len(answer.operation or "") + headers


class HotAnswers:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._generation: tuple[int, str] | None = None
        self._entries: DigestCache[HotAnswer] = DigestCache(max_bytes, _size)

    @property
    def held_bytes(self) -> int:
        return self._entries.held_bytes

    def get(self, request: bytes, visibility: str, version: int, period: str) -> HotAnswer | None:
        if self._generation != (version, period) or len(request) > MAX_REQUEST_BYTES:
            return None
        return self._entries.get(digest(request, visibility))

    def put(
        self, request: bytes, visibility: str, version: int, period: str, answer: HotAnswer
    ) -> None:
        """Keep `answer`; one made for another version or period starts a new generation."""
        if len(request) > MAX_REQUEST_BYTES:
            return
        if self._generation != (version, period):
            self._generation = (version, period)
            self._entries.clear()
        self._entries.put(digest(request, visibility), answer)
