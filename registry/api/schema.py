"""The schema: queries, mutations and the limits every request is held to."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from registry.api.context import Info
from registry.api.types.viewer import Viewer

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000


@strawberry.type
class Query:
    @strawberry.field(description="The caller's role and customer.")
    def viewer(self, info: Info) -> Viewer:
        caller = info.context.caller
        return Viewer(role=caller.role, customer_id=caller.customer_id)


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        extensions=[
            MaxTokensLimiter(max_token_count=MAX_TOKENS),
            ParserCache(maxsize=512),
            QueryDepthLimiter(max_depth=MAX_DEPTH),
            MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            ValidationCache(maxsize=512),
        ],
    )
