"""Root query fields: each parses arguments, calls one service, maps the result."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from registry.api.context import Info
from registry.api.node import resolve_node
from registry.api.pagination import Connection, connection, decode_cursor, page_size
from registry.api.types.assessment import TransferAssessment
from registry.api.types.audit import AuditEntry
from registry.api.types.change import Change, Notice, Objection
from registry.api.types.customer import Customer
from registry.api.types.node import Node
from registry.api.types.subprocessor import Subprocessor
from registry.api.types.viewer import Viewer
from registry.domain import models
from registry.domain.errors import NotFound
from registry.services import audit, change_queries, changes, customers, listing, registry
from registry.store.changes import sort_key as change_key
from registry.store.customers import sort_key as customer_key
from registry.store.subprocessors import sort_key as subprocessor_key


@strawberry.input
class SubprocessorFilter:
    status: list[models.SubprocessorStatus] | None = None
    country: list[str] | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 codes: vendors with a location there."
    )
    purpose: str | None = None
    search: str | None = strawberry.field(default=None, description="Text in name or purpose.")


@strawberry.type
class RegistryQueries:
    @strawberry.field(description="The caller's role and customer.")
    def viewer(self, info: Info) -> Viewer:
        caller = info.context.caller
        return Viewer(role=caller.role, customer_id=caller.customer_id)

    @strawberry.field(
        description="Subprocessors in force at `asOf` (default now), or those with a given status."
    )
    async def subprocessors(
        self,
        info: Info,
        as_of: datetime | None = None,
        customer_id: strawberry.ID | None = None,
        filter: SubprocessorFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Subprocessor]:
        flt = filter or SubprocessorFilter()
        query = listing.SubprocessorQuery(
            as_of=as_of,
            customer_id=customer_id,
            statuses=tuple(flt.status or ()),
            countries=tuple(flt.country or ()),
            purpose=flt.purpose,
            search=flt.search,
        )
        limit = page_size(first)
        items, total = await listing.page_subprocessors(
            info.context.deps,
            info.context.caller,
            query,
            after=decode_cursor(after, 2),
            limit=limit + 1,
        )
        return connection(items, total, limit, subprocessor_key, Subprocessor.from_domain)

    @strawberry.field
    async def subprocessor(self, info: Info, id: strawberry.ID) -> Subprocessor | None:
        try:
            found = await registry.get_subprocessor(info.context.deps, info.context.caller, id)
        except NotFound:
            return None
        return Subprocessor.from_domain(found)

    @strawberry.field(description="Every processing location's transfer evaluated on a date.")
    async def transfer_assessment(
        self,
        info: Info,
        as_of: date | None = None,
        origin: models.DataOrigin = models.DataOrigin.EEA,
        withdrawn: list[models.TransferMechanism] | None = None,
    ) -> TransferAssessment:
        result = await listing.assess_transfers(
            info.context.deps,
            info.context.caller,
            as_of=as_of,
            origin=origin,
            withdrawn=withdrawn or (),
        )
        return TransferAssessment.from_domain(result)

    @strawberry.field
    async def customers(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Customer]:
        limit = page_size(first)
        items, total = await customers.list_customers(
            info.context.deps,
            info.context.caller,
            after=decode_cursor(after, 2),
            limit=limit + 1,
        )
        return connection(items, total, limit, customer_key, Customer.from_domain)

    @strawberry.field
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        try:
            found = await customers.get_customer(info.context.deps, info.context.caller, id)
        except NotFound:
            return None
        return Customer.from_domain(found)

    @strawberry.field(description="Announced changes, newest first.")
    async def changes(
        self,
        info: Info,
        status: list[models.ChangeStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Change]:
        limit = page_size(first)
        items, total = await change_queries.page_changes(
            info.context.deps,
            info.context.caller,
            statuses=tuple(status or ()),
            after=decode_cursor(after, 2),
            limit=limit + 1,
        )
        return connection(items, total, limit, change_key, Change.from_domain)

    @strawberry.field
    async def change(self, info: Info, id: strawberry.ID) -> Change | None:
        try:
            found = await changes.get_change(info.context.deps, info.context.caller, id)
        except NotFound:
            return None
        return Change.from_domain(found)

    @strawberry.field(description="Per-customer notices; a customer key sees only its own.")
    async def notices(
        self,
        info: Info,
        customer_id: strawberry.ID | None = None,
        change_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Notice]:
        limit = page_size(first)
        items, total = await change_queries.page_notices(
            info.context.deps,
            info.context.caller,
            change_id=change_id,
            customer_id=customer_id,
            after=decode_cursor(after, 1),
            limit=limit + 1,
        )
        return connection(items, total, limit, lambda n: (n.id,), Notice.from_domain)

    @strawberry.field(description="Objections; a customer key sees only its own.")
    async def objections(
        self,
        info: Info,
        change_id: strawberry.ID | None = None,
        customer_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Objection]:
        limit = page_size(first)
        items, total = await change_queries.page_objections(
            info.context.deps,
            info.context.caller,
            change_id=change_id,
            customer_id=customer_id,
            after=decode_cursor(after, 1),
            limit=limit + 1,
        )
        return connection(items, total, limit, lambda o: (o.id,), Objection.from_domain)

    @strawberry.field(description="Any object by its global id; another tenant's objects are null.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="The audit trail, newest first (ADMIN only).")
    async def audit_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AuditEntry]:
        limit = page_size(first)
        items, total = await audit.page_entries(
            info.context.deps, info.context.caller, after=decode_cursor(after, 1), limit=limit + 1
        )
        return connection(items, total, limit, lambda d: (d["_id"],), AuditEntry.from_document)
