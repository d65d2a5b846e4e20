"""Per-process caches that a caller cannot grow: keyed by a digest, bounded in bytes.

A cache keyed by the caller's own text (a query, a request body) keeps that text for as
long as the entry lives, so a few large distinct requests pin megabytes each. Here the
key is a fixed-size digest of the text, and every entry is charged for its value's
size: past the budget the least recently used entries go.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")

DIGEST_BYTES = 20
ENTRY_OVERHEAD = 160
"""What an entry costs beside its value: the digest, the table slot, the size."""


def digest(*parts: str | bytes | None) -> bytes:
    """A fixed-size key for `parts` (None and "" are told apart)."""
    hashed = hashlib.blake2b(digest_size=DIGEST_BYTES)
    for part in parts:
        if part is None:
            hashed.update(b"\x01")
            continue
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hashed.update(b"\x00" + len(data).to_bytes(8, "big"))
        hashed.update(data)
    return hashed.digest()


class DigestCache(Generic[Value]):
    """A least-recently-used table from digests to values, at most `max_bytes` in all
    (`size` tells a value's size; values larger than a quarter of the budget are not kept)."""

    def __init__(self, max_bytes: int, size: Callable[[Value], int]) -> None:
        self.max_bytes = max_bytes
        self._size = size
        self._entries: OrderedDict[bytes, tuple[Value, int]] = OrderedDict()
        self.held_bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: bytes) -> bool:
        return key in self._entries

    def get(self, key: bytes) -> Value | None:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key: bytes, value: Value) -> None:
        cost = self._size(value) + ENTRY_OVERHEAD
        if cost > self.max_bytes // 4:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.held_bytes -= previous[1]
        self._entries[key] = (value, cost)
        self.held_bytes += cost
        while self.held_bytes > self.max_bytes:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.held_bytes -= dropped

    def clear(self) -> None:
        self._entries.clear()
        self.held_bytes = 0


def fixed(cost: int) -> Callable[[object], int]:
    """A size function for values of about the same small size."""
    return lambda value: cost
