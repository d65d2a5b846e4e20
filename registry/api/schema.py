"""The schema: queries, mutations and the limits every request is held to."""

from __future__ import annotations

import strawberry

from registry.api.document_cache import DocumentCache, DocumentTables
from registry.api.mutations.catalogs import CatalogMutations
from registry.api.mutations.chains import ChainMutations
from registry.api.mutations.changes import ChangeMutations
from registry.api.mutations.corrections import CorrectionMutations
from registry.api.mutations.customers import CustomerMutations
from registry.api.mutations.dora import DoraMutations
from registry.api.mutations.operator import OperatorMutations, OperatorQueries
from registry.api.mutations.registry import RegistryMutations
from registry.api.mutations.tias import TiaMutations
from registry.api.mutations.webhooks import WebhookMutations
from registry.api.queries import RegistryQueries
from registry.api.queries_legal import LegalQueries
from registry.api.queries_webhooks import WebhookQueries
from registry.api.types.diff import DiffQueries
from registry.api.types.scalars import SCALAR_OVERRIDES


@strawberry.type(
    description="Reading the registry. Send `Authorization: Bearer <API key>`; without a "
    "key only the public subprocessor list and transfer assessment can be read."
)
class Query(RegistryQueries, WebhookQueries, LegalQueries, DiffQueries, OperatorQueries):
    pass


@strawberry.type(
    description="Changing the registry; each mutation says which roles may call it. Expected "
    "failures are members of the payload union (tell them apart by __typename); every "
    "call is written to the audit log."
)
class Mutation(
    RegistryMutations,
    CorrectionMutations,
    ChangeMutations,
    CustomerMutations,
    WebhookMutations,
    CatalogMutations,
    TiaMutations,
    OperatorMutations,
    ChainMutations,
    DoraMutations,
):
    pass


def build_schema() -> strawberry.Schema:
    documents = DocumentTables()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=[
            # Limits are checked before execution (api/limits.py), so this cache hits.
            lambda: DocumentCache(documents),
        ],
    )
