"""The schema: queries, mutations and the limits every request is held to."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from registry.api.mutations.changes import ChangeMutations
from registry.api.mutations.customers import CustomerMutations
from registry.api.mutations.registry import RegistryMutations
from registry.api.mutations.webhooks import WebhookMutations
from registry.api.queries import RegistryQueries
from registry.api.queries_webhooks import WebhookQueries


@strawberry.type
class Query(RegistryQueries, WebhookQueries):
    pass


@strawberry.type
class Mutation(RegistryMutations, ChangeMutations, CustomerMutations, WebhookMutations):
    pass


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            # Limits are checked before execution (api/limits.py), so these caches hit.
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
    )
