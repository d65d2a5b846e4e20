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

    @classmethod
    def from_domain(cls, terms: models.CustomerTerms) -> CustomerTerms:
        return cls(
            notice_period=terms.notice_period,
            objection_window=terms.objection_window,
            data_origin=terms.data_origin,
            allows_emergency_replacement=terms.allows_emergency_replacement,
            weekend_rolls_to_monday=terms.weekend_rolls_to_monday,
        )


@strawberry.type(description="A tenant of the registry.")
class Customer(Node):
    name: str
    terms: CustomerTerms
    created_at: datetime | None

    @classmethod
    def from_domain(cls, customer: models.Customer) -> Customer:
        return cls(
            id=strawberry.ID(customer.id),
            name=customer.name,
            terms=CustomerTerms.from_domain(customer.terms),
            created_at=customer.created_at,
        )
