"""Root query fields: each parses arguments, calls one service, maps the result."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.node import resolve_node
from registry.api.pagination import (
    AFTER,
    FIRST,
    Connection,
    as_instant,
    as_text,
    paged,
)
from registry.api.types.assessment import TransferAssessment
from registry.api.types.audit import AuditEntry
from registry.api.types.change import Change, Notice, Objection
from registry.api.types.customer import Customer
from registry.api.types.node import Node
from registry.api.types.scope import HostingRegion, Product
from registry.api.types.subprocessor import Subprocessor
from registry.api.types.subscriber import EmailSubscriber, subscriber_key
from registry.api.types.viewer import Viewer
from registry.domain import models
from registry.domain.errors import NotFound
from registry.services import (
    audit,
    catalogs,
    change_queries,
    changes,
    customers,
    listing,
    subscribers,
    vendors,
)


@strawberry.input(description="Narrows the subprocessor list; all given conditions must hold.")
class SubprocessorFilter:
    status: list[models.SubprocessorStatus] | None = strawberry.field(
        default=None,
        description="Select by these statuses instead of by what is in force at asOf (PROPOSED: "
        "ADMIN and PROCUREMENT keys only).",
    )
    country: list[str] | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 codes: vendors with a location there."
    )
    purpose: str | None = strawberry.field(
        default=None,
        description="Text the purpose must contain (case-insensitive), up to 200 characters.",
    )
    search: str | None = strawberry.field(default=None, description="Text in name or purpose.")
    products: list[str] | None = strawberry.field(
        default=None, description="Product codes: vendors touching any of these products."
    )
    hosting_region: str | None = strawberry.field(
        default=None, description="Hosting-region code: vendors touching that region."
    )


@strawberry.type
class RegistryQueries:
    @strawberry.field(
        description="The caller's role and customer; works without a key (role null)."
    )
    def viewer(self, info: Info) -> Viewer:
        caller = info.context.caller
        return Viewer(role=caller.role, customer_id=caller.customer_id)

    @strawberry.field(
        description="Subprocessors in force at `asOf` (default now), or those with a given "
        "status, in name order. Anonymous callers may read it while the server's public "
        "setting (REGISTRY_PUBLIC_READ, default on) is on; PROPOSED subprocessors not yet "
        "announced are for ADMIN and PROCUREMENT keys only."
    )
    async def subprocessors(
        self,
        info: Info,
        as_of: Annotated[
            datetime | None,
            strawberry.argument(
                description=(
                    "The moment to show the list for (DateTime with offset): past, or "
                    "future as announced changes will make it. Default now."
                )
            ),
        ] = None,
        customer_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "Show the list as this customer sees it (an emergency replacement "
                    "reaches customers that keep their full window later). A CUSTOMER key "
                    "always gets its own view; anonymous callers may not name one."
                )
            ),
        ] = None,
        filter: Annotated[
            SubprocessorFilter | None,
            strawberry.argument(description="Narrow the list by status, country, purpose or text."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Subprocessor]:
        flt = filter or SubprocessorFilter()
        query = listing.SubprocessorQuery(
            as_of=as_of,
            customer_id=customer_id,
            statuses=tuple(flt.status or ()),
            countries=tuple(flt.country or ()),
            purpose=flt.purpose,
            search=flt.search,
            products=tuple(flt.products or ()),
            hosting_region=flt.hosting_region,
        )
        return await paged(
            partial(listing.page_subprocessors, info.context.deps, info.context.caller, query),
            first,
            after,
            (as_text, as_text),
            listing.subprocessor_cursor,
            partial(Subprocessor.from_domain, seen_at=as_of, seen_for=customer_id),
        )

    @strawberry.field(description="The product catalog, by code.")
    async def products(self, info: Info) -> list[Product]:
        found = await catalogs.list_products(info.context.deps, info.context.caller)
        return [Product.from_domain(p) for p in found]

    @strawberry.field(description="The hosting-region catalog, by code.")
    async def hosting_regions(self, info: Info) -> list[HostingRegion]:
        found = await catalogs.list_hosting_regions(info.context.deps, info.context.caller)
        return [HostingRegion.from_domain(r) for r in found]

    @strawberry.field(
        description="One subprocessor by its global id; null if there is none or the caller may "
        "not see it (a PROPOSED one not yet announced is for ADMIN and PROCUREMENT keys "
        "only)."
    )
    async def subprocessor(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The subprocessor's global id.")
        ],
    ) -> Subprocessor | None:
        try:
            found = await vendors.get_subprocessor(info.context.deps, info.context.caller, id)
        except NotFound:
            return None
        return Subprocessor.from_domain(found)

    @strawberry.field(
        description="Every processing location of every subprocessor in force (for one "
        "customer: of its vendors only), evaluated on one date for one data origin, with counts "
        "per status. Readable like subprocessors."
    )
    async def transfer_assessment(
        self,
        info: Info,
        as_of: Annotated[
            date | None,
            strawberry.argument(
                description="The evaluation day (ISO 8601 date). Default today: on the "
                "customer's calendar for a CUSTOMER key, in UTC otherwise."
            ),
        ] = None,
        origin: Annotated[
            models.DataOrigin | None,
            strawberry.argument(
                description="The jurisdiction the data leaves from; default the customer's "
                "data origin when customerId is given (or for a CUSTOMER key), else EEA."
            ),
        ] = None,
        withdrawn: Annotated[
            list[models.TransferMechanism] | None,
            strawberry.argument(
                description=(
                    "What-if: treat these mechanisms as fallen, e.g. [EU_US_DPF]; default none."
                )
            ),
        ] = None,
        customer_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this customer's vendors (its scope), on its calendar; a "
                "CUSTOMER key may name only its own."
            ),
        ] = None,
    ) -> TransferAssessment:
        result = await listing.assess_transfers(
            info.context.deps,
            info.context.caller,
            as_of=as_of,
            origin=origin,
            withdrawn=withdrawn or (),
            customer_id=customer_id,
        )
        return TransferAssessment.from_domain(result)

    @strawberry.field(
        description="Customers and their terms, in name order. Any key; a CUSTOMER key sees only "
        "its own customer."
    )
    async def customers(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Customer]:
        return await paged(
            partial(customers.list_customers, info.context.deps, info.context.caller),
            first,
            after,
            (as_text, as_text),
            customers.customer_cursor,
            Customer.from_domain,
        )

    @strawberry.field(
        description="Public e-mail subscribers to the list's announcements, oldest id first "
        "(ADMIN only: the addresses are personal data; this is their export)."
    )
    async def email_subscribers(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[EmailSubscriber]:
        return await paged(
            partial(subscribers.page_subscribers, info.context.deps, info.context.caller),
            first,
            after,
            (as_text,),
            subscriber_key,
            EmailSubscriber.from_domain,
        )

    @strawberry.field(
        description="One customer by its global id; null if there is none or it is another "
        "customer's (for a CUSTOMER key). Needs a key."
    )
    async def customer(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The customer's global id.")],
    ) -> Customer | None:
        try:
            found = await customers.get_customer(info.context.deps, info.context.caller, id)
        except NotFound:
            return None
        return Customer.from_domain(found)

    @strawberry.field(description="Announced changes, newest first. Needs a key.")
    async def changes(
        self,
        info: Info,
        status: Annotated[
            list[models.ChangeStatus] | None,
            strawberry.argument(description="Only changes with these statuses; default all."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Change]:
        return await paged(
            partial(
                change_queries.page_changes,
                info.context.deps,
                info.context.caller,
                statuses=tuple(status or ()),
            ),
            first,
            after,
            (as_instant, as_text),
            change_queries.change_cursor,
            Change.from_domain,
        )

    @strawberry.field(
        description="One change by its global id; null if there is none or the caller may not see"
        " it. Needs a key."
    )
    async def change(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The change's global id.")],
    ) -> Change | None:
        try:
            found = await changes.get_change(info.context.deps, info.context.caller, id)
        except NotFound:
            return None
        return Change.from_domain(found)

    @strawberry.field(
        description="Per-customer notices. Needs a key; a CUSTOMER key sees only its own."
    )
    async def notices(
        self,
        info: Info,
        customer_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this customer's notices; a CUSTOMER key always gets its own."
            ),
        ] = None,
        change_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only the notices of this change."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Notice]:
        return await paged(
            partial(
                change_queries.page_notices,
                info.context.deps,
                info.context.caller,
                change_id=change_id,
                customer_id=customer_id,
            ),
            first,
            after,
            (as_text,),
            lambda n: (n.id,),
            Notice.from_domain,
        )

    @strawberry.field(description="Objections. Needs a key; a CUSTOMER key sees only its own.")
    async def objections(
        self,
        info: Info,
        change_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only objections to this change.")
        ] = None,
        customer_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this customer's objections; a CUSTOMER key always gets its own."
            ),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Objection]:
        return await paged(
            partial(
                change_queries.page_objections,
                info.context.deps,
                info.context.caller,
                change_id=change_id,
                customer_id=customer_id,
            ),
            first,
            after,
            (as_text,),
            lambda o: (o.id,),
            Objection.from_domain,
        )

    @strawberry.field(description="Any object by its global id; another tenant's objects are null.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Any global id.")],
    ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description="The audit trail of every mutation, newest first. ADMIN keys only."
    )
    async def audit_log(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[AuditEntry]:
        return await paged(
            partial(audit.page_entries, info.context.deps, info.context.caller),
            first,
            after,
            (as_text,),
            lambda d: (d["_id"],),
            AuditEntry.from_document,
        )
