"""Request limits checked once per distinct query text, before execution.

strawberry's limiter extensions build new validation rule classes for every
request, which defeats its validation cache; here the rules are built once and
the verdict for each query is cached under the query's digest, so a repeated query
pays nothing and no query text is kept (a syntax error's source would be the whole
text): the cache holds the encoded refusal, or nothing for a query within limits.
"""

from __future__ import annotations

import orjson
from graphql import GraphQLError, GraphQLSchema, parse, validate
from graphql.error import GraphQLSyntaxError
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

from registry.http.bounded import DigestCache

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000
MAX_CACHE_BYTES = 2_000_000
_WITHIN = b""


class QueryLimits:
    def __init__(self, schema: GraphQLSchema, *, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.schema = schema
        self.rules = [
            *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
            *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
        ]
        self.verdicts: DigestCache[bytes] = DigestCache(max_bytes, len)

    def check(self, query: str, query_digest: bytes) -> bytes | None:
        """The JSON body refusing a query over the limits, or None when it is within
        them (`query_digest` is a digest of the query text)."""
        verdict = self.verdicts.get(query_digest)
        if verdict is None:
            verdict = self._check(query)
            self.verdicts.put(query_digest, verdict)
        return verdict or None

    def _check(self, query: str) -> bytes:
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLSyntaxError as error:
            errors: list[GraphQLError] = [error]
        else:
            errors = validate(self.schema, document, self.rules)
        if not errors:
            return _WITHIN
        return orjson.dumps({"errors": [dict(e.formatted) for e in errors]})
