"""A cache of whole GraphQL responses for repeated read queries.

Keyed by a digest of the query, its variables, the caller's visibility
(services/policy.py), the registry version and the UTC quarter hour (dates are computed per day in
customers' time zones). Every mutation and every scheduler transition bumps the
version, so a write is never followed by a stale answer; callers with different
visibility never share.

Nothing here keeps the caller's text: every table is keyed by a digest and bounded in
bytes (`registry.http.bounded`), so distinct large requests cannot pin memory.

After a write every poller misses at once: the first request for a key computes the
answer and the others wait for it (single flight) instead of all executing it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from graphql.error import GraphQLError

from registry.http.bounded import DigestCache, digest, fixed
from registry.services import policy
from registry.services.caller import Caller

CacheKey = bytes
"""A digest of (query and operation, variables as sorted JSON, visibility, registry
version, UTC period)."""

CACHEABLE_ROOTS = frozenset(
    {
        "__typename",
        "viewer",
        "subprocessors",
        "subprocessor",
        "transferAssessment",
        "changes",
        "change",
        "customers",
        "customer",
        "notices",
        "objections",
        "node",
    }
)
# Answers that depend on nothing stored need no version (not `viewer`: it reads the
# caller's customer, which a write may rename).
STATIC_ROOTS = frozenset({"__typename"})


_NOT_CACHEABLE: frozenset[str] = frozenset()


class ResponseCache:
    def __init__(self, max_bytes: int = 32_000_000) -> None:
        self.max_bytes = max_bytes
        self._entries: DigestCache[bytes] = DigestCache(max_bytes, len)
        self._roots: DigestCache[frozenset[str]] = DigestCache(
            max_bytes // 16, lambda roots: 64 * (len(roots) + 1)
        )
        self._flights: dict[CacheKey, asyncio.Future[bytes | None]] = {}
        self.tags: DigestCache[str] = DigestCache(max_bytes // 16, fixed(96))
        """Entity tags by key: a poller's tag is checked on every request."""

    @property
    def held_bytes(self) -> int:
        """What the tables hold, as charged against their budgets."""
        return self._entries.held_bytes + self._roots.held_bytes + self.tags.held_bytes

    def roots(
        self, query: str, operation_name: str | None, query_digest: bytes
    ) -> frozenset[str] | None:
        """The root fields of a read-only operation, or None when it must not be cached
        (`query_digest` is the operation's digest of the query and its name)."""
        found = self._roots.get(query_digest)
        if found is None:
            found = _read_roots(query, operation_name) or _NOT_CACHEABLE
            self._roots.put(query_digest, found)
        return found or None

    @staticmethod
    def key(
        query_digest: bytes, variables: bytes, caller: Caller, version: int, period: str
    ) -> CacheKey:
        """`variables` as `encode_variables` gives them."""
        return digest(query_digest, variables, policy.visibility(caller), str(version), period)

    def remember_tag(self, key: CacheKey, tag: str) -> None:
        self.tags.put(key, tag)

    def get(self, key: CacheKey) -> bytes | None:
        return self._entries.get(key)

    def put(self, key: CacheKey, body: bytes) -> None:
        self._entries.put(key, body)

    async def wait_for(self, key: CacheKey) -> bytes | None:
        """The answer another request is computing for `key`, or None (nobody is, or it
        produced nothing cacheable: the caller then computes its own)."""
        flight = self._flights.get(key)
        if flight is None:
            return None
        # Shielded: a waiter that goes away must not cancel the others' future.
        return await asyncio.shield(flight)

    @contextlib.contextmanager
    def leading(self, key: CacheKey) -> Iterator[Callable[[bytes], None]]:
        """Compute `key` as the one request others wait for; call the yielded function
        with the cacheable answer. Leaving without one (errors, cancellation) releases
        the waiters empty-handed. Call it with no await since the miss was seen."""
        if key in self._flights:
            yield lambda body: None  # someone else leads: compute alone
            return
        flight: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        result: list[bytes] = []
        try:
            yield result.append
        finally:
            del self._flights[key]
            if not flight.done():
                flight.set_result(result[0] if result else None)


def _read_roots(query: str, operation_name: str | None) -> frozenset[str] | None:
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    roots: set[str] = set()
    pending = [operations[0].selection_set]
    seen: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                roots.add(selection.name.value)  # @include/@skip: the key has the variables
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in fragments:
                    return None  # invalid: let execution report it
                if name not in seen:
                    seen.add(name)
                    pending.append(fragments[name].selection_set)
    return frozenset(roots) if roots and roots <= CACHEABLE_ROOTS else None
