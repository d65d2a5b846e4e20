from __future__ import annotations

import strawberry

from registry.api.context import Info
from registry.api.types import scalars  # noqa: F401 - registers the enums
from registry.api.types.customer import Customer
from registry.domain.models import Role


@strawberry.type(description="The caller, as identified by its API key.")
class Viewer:
    role: Role | None = strawberry.field(description="The key's role; null for anonymous callers.")
    customer_id: strawberry.Private[str | None]

    @strawberry.field(
        description="The customer a CUSTOMER key is bound to; null for other callers."
    )
    async def customer(self, info: Info) -> Customer | None:
        if self.customer_id is None:
            return None
        found = await info.context.loaders.customer.load(self.customer_id)
        return Customer.from_domain(found) if found else None
