"""Request limits checked once per distinct query text, before execution.

strawberry's limiter extensions build new validation rule classes for every
request, which defeats its validation cache; here the rules are built once and
the verdict for each query text is cached, so a repeated query pays nothing.
"""

from __future__ import annotations

import functools

from graphql import GraphQLError, GraphQLSchema, parse, validate
from graphql.error import GraphQLSyntaxError
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000


class QueryLimits:
    def __init__(self, schema: GraphQLSchema, *, cache_size: int = 1024) -> None:
        self.schema = schema
        self.rules = [
            *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
            *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
        ]
        self.check = functools.lru_cache(maxsize=cache_size)(self._check)

    def _check(self, query: str) -> tuple[GraphQLError, ...]:
        """The limit errors of a query (empty when within limits)."""
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLSyntaxError as error:
            return (error,)
        return tuple(validate(self.schema, document, self.rules))
