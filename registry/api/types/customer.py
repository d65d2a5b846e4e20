from __future__ import annotations

from datetime import datetime

import strawberry

from registry.api.context import Info
from registry.api.types import (
    declared,
    scalars,  # noqa: F401 - registers the enums
)
from registry.api.types.node import Node
from registry.api.types.scope import HostingRegion, Product
from registry.api.types.version import RecordVersion
from registry.domain import models
from registry.domain.remark_fields import CUSTOMER_NOTE
from registry.services import customers


@strawberry.type(description="A customer's contract terms for subprocessor changes.")
class CustomerTerms:
    notice_period: str = strawberry.field(
        description="ISO 8601 duration (e.g. P3M) from a notice to the earliest effective "
        "date, counted on the customer's calendar; default P3M."
    )
    objection_window: str | None = strawberry.field(
        description="ISO 8601 duration (e.g. P30D) from the notice in which the customer may "
        "object; null: until the effective date."
    )
    data_origin: models.DataOrigin = strawberry.field(
        description="Where the customer's data comes from; decides which transfers need a basis "
        "(default EEA)."
    )
    allows_emergency_replacement: bool = strawberry.field(
        description="Whether an emergency replacement may take effect for this customer before "
        "its notice period ends (default false)."
    )
    weekend_rolls_to_monday: bool = strawberry.field(
        description="Whether a period ending on a Saturday or Sunday in the customer's time "
        "zone (or a public holiday of its holidayCalendar) ends with the next working day "
        "instead, as Regulation 1182/71 Art. 3(4) says (default false)."
    )
    holiday_calendar: str | None = strawberry.field(
        description="The public holidays rolled periods skip: a country code with an optional "
        "ISO 3166-2 subdivision (e.g. DE-BE for Berlin, DK); null: weekends only."
    )
    time_zone: str = strawberry.field(
        description="IANA time zone (e.g. Europe/Berlin) the periods are counted in and dates "
        "shown in; default UTC."
    )
    period_ends: models.PeriodEnds = strawberry.field(
        description="Where a period ends: SAME_INSTANT (default) or END_OF_DAY of its last local "
        "day."
    )
    language: str = strawberry.field(
        description="BCP 47 tag of the language the customer's notices, notice pages and "
        "calendar entries are written in (en, de, fr, da, optionally with a region); default en."
    )

    @classmethod
    def from_domain(cls, terms: models.CustomerTerms) -> CustomerTerms:
        return cls(
            notice_period=terms.notice_period,
            objection_window=terms.objection_window,
            data_origin=terms.data_origin,
            allows_emergency_replacement=terms.allows_emergency_replacement,
            weekend_rolls_to_monday=terms.weekend_rolls_to_monday,
            holiday_calendar=terms.holiday_calendar,
            time_zone=terms.time_zone,
            period_ends=terms.period_ends,
            language=terms.language,
        )


@strawberry.type(description="A tenant of the registry.")
@declared.outputs([CUSTOMER_NOTE])
class Customer(Node):
    name: str = strawberry.field(description="The customer's name (e.g. Acme GmbH).")
    terms: CustomerTerms = strawberry.field(
        description="The customer's contract terms for subprocessor changes."
    )
    created_at: datetime | None = strawberry.field(
        description="When the customer was recorded (DateTime, UTC); null for early records."
    )
    time_zone: str = strawberry.field(
        description="IANA time zone name; the customer's periods are counted and its dates "
        "shown in it (default UTC)."
    )
    period_ends: models.PeriodEnds = strawberry.field(
        description="SAME_INSTANT: a period ends at the same local time on its last day; "
        "END_OF_DAY: at the end of that day (Regulation 1182/71)."
    )
    entity: strawberry.Private[models.Customer]
    product_codes: strawberry.Private[tuple[str, ...]]
    region_code: strawberry.Private[str | None]

    @classmethod
    def from_domain(cls, customer: models.Customer) -> Customer:
        return cls(
            product_codes=customer.products,
            region_code=customer.hosting_region,
            id=strawberry.ID(customer.id),
            name=customer.name,
            terms=CustomerTerms.from_domain(customer.terms),
            created_at=customer.created_at,
            time_zone=customer.terms.time_zone,
            period_ends=customer.terms.period_ends,
            entity=customer,
        )

    @strawberry.field(
        description="Every edit of the customer and its terms, newest first: who, when, why, "
        "each field before and after."
    )
    async def history(self, info: Info) -> list[RecordVersion]:
        context = info.context
        found = await customers.history(context.deps, context.caller, self.id)
        return [RecordVersion.from_domain(v) for v in found]

    @strawberry.field(description="Products the customer uses; empty means every product.")
    async def products(self, info: Info) -> list[Product]:
        found = await info.context.loaders.product.load_many(list(self.product_codes))
        return [Product.from_domain(p) for p in found if p is not None]

    @strawberry.field(
        description="Where the customer's data is hosted; null: affected by vendors of every "
        "region."
    )
    async def hosting_region(self, info: Info) -> HostingRegion | None:
        if self.region_code is None:
            return None
        found = await info.context.loaders.hosting_region.load(self.region_code)
        return HostingRegion.from_domain(found) if found else None
