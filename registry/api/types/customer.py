from __future__ import annotations

from datetime import datetime

import strawberry

from registry.api.types import scalars  # noqa: F401 - registers the enums
from registry.api.types.node import Node
from registry.domain import models


@strawberry.type(description="A customer's contract terms for subprocessor changes.")
class CustomerTerms:
    notice_period: str = strawberry.field(description="ISO 8601 duration, e.g. P3M.")
    objection_window: str | None
    data_origin: models.DataOrigin
    allows_emergency_replacement: bool
    weekend_rolls_to_monday: bool
    time_zone: str = strawberry.field(description="IANA time zone the periods are counted in.")
    period_ends: models.PeriodEnds

    @classmethod
    def from_domain(cls, terms: models.CustomerTerms) -> CustomerTerms:
        return cls(
            notice_period=terms.notice_period,
            objection_window=terms.objection_window,
            data_origin=terms.data_origin,
            allows_emergency_replacement=terms.allows_emergency_replacement,
            weekend_rolls_to_monday=terms.weekend_rolls_to_monday,
            time_zone=terms.time_zone,
            period_ends=terms.period_ends,
        )


@strawberry.type(description="A tenant of the registry.")
class Customer(Node):
    name: str
    terms: CustomerTerms
    created_at: datetime | None
    time_zone: str = strawberry.field(
        description="IANA time zone name; the customer's periods are counted and its dates "
        "shown in it (default UTC)."
    )
    period_ends: models.PeriodEnds = strawberry.field(
        description="SAME_INSTANT: a period ends at the same local time on its last day; "
        "END_OF_DAY: at the end of that day (Regulation 1182/71)."
    )

    @classmethod
    def from_domain(cls, customer: models.Customer) -> Customer:
        return cls(
            id=strawberry.ID(customer.id),
            name=customer.name,
            terms=CustomerTerms.from_domain(customer.terms),
            created_at=customer.created_at,
            time_zone=customer.terms.time_zone,
            period_ends=customer.terms.period_ends,
        )
