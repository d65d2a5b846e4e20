"""A cache of whole GraphQL responses for repeated read queries.

Keyed by the query, its variables, the caller's visibility (services/policy.py),
the registry version and the UTC date (transfer evaluations depend on the day).
Every mutation and every scheduler transition bumps the version, so a write is
never followed by a stale answer; callers with different visibility never share.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson
from graphql import FieldNode, OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLError

from registry.services import policy
from registry.services.caller import Caller

# (query, variables as sorted JSON, operation, visibility, registry version, UTC day)
CacheKey = tuple[str, bytes, str | None, str, int, str]

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
# Answers that depend on nothing stored: no version lookup needed.
STATIC_ROOTS = frozenset({"__typename", "viewer"})


class ResponseCache:
    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._roots: dict[str, frozenset[str] | None] = {}

    def roots(self, query: str, operation_name: str | None) -> frozenset[str] | None:
        """The root fields of a read-only operation, or None when it must not be cached."""
        key = f"{operation_name}\x00{query}"
        if key not in self._roots:
            if len(self._roots) > 4 * self.max_entries:
                self._roots.clear()
            self._roots[key] = _read_roots(query, operation_name)
        return self._roots[key]

    @staticmethod
    def key(
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        caller: Caller,
        version: int,
        day: str,
    ) -> CacheKey:
        encoded = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
        return (query, encoded, operation_name, policy.visibility(caller), version, day)

    def get(self, key: CacheKey) -> bytes | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: CacheKey, body: bytes) -> None:
        self._entries[key] = body
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


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
    if len(document.definitions) != 1:
        return None  # fragments: keep it simple, do not cache
    roots = set()
    for selection in operations[0].selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            return None
        roots.add(selection.name.value)
    return frozenset(roots) if roots <= CACHEABLE_ROOTS else None
