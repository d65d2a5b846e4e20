"""Tenants and API keys."""

from __future__ import annotations

from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.customer import Customer
from registry.api.types.errors import NotFound, PermissionDenied, ValidationError
from registry.domain import models
from registry.services import access, customers


@strawberry.input
class CreateCustomerInput:
    name: str
    notice_period: str = strawberry.field(default="P3M", description="ISO 8601 duration.")
    objection_window: str | None = strawberry.field(default=None, description="ISO 8601 duration.")
    data_origin: models.DataOrigin = models.DataOrigin.EEA
    allows_emergency_replacement: bool = False
    weekend_rolls_to_monday: bool = strawberry.field(
        default=False, description="Move deadlines that fall on a weekend to the next Monday."
    )
    notice_emails: list[str] | None = None
    time_zone: str = strawberry.field(
        default="UTC",
        description="IANA time zone name (e.g. Europe/Berlin); periods are counted and dates "
        "shown in it.",
    )
    period_ends: models.PeriodEnds = strawberry.field(
        default=models.PeriodEnds.SAME_INSTANT,
        description="Whether a period ends at the same instant or at the end of its last "
        "local day.",
    )


@strawberry.type
class CustomerCreated:
    customer: Customer


@strawberry.input
class CreateApiKeyInput:
    name: str
    role: models.Role
    customer_id: strawberry.ID | None = None


@strawberry.type(description="An API key's metadata; the key itself is never shown again.")
class ApiKey:
    id: strawberry.ID
    name: str
    role: models.Role
    customer_id: strawberry.ID | None
    prefix: str

    @classmethod
    def from_domain(cls, key: access.ApiKey) -> ApiKey:
        return cls(
            id=strawberry.ID(key.id),
            name=key.name,
            role=key.role,
            customer_id=strawberry.ID(key.customer_id) if key.customer_id else None,
            prefix=key.prefix,
        )


@strawberry.type
class ApiKeyCreated:
    api_key: ApiKey
    key: str = strawberry.field(description="The key; shown once, store it now.")


@strawberry.type
class ApiKeyRevoked:
    api_key: ApiKey


CreateCustomerPayload = Annotated[
    CustomerCreated | ValidationError | PermissionDenied, strawberry.union("CreateCustomerPayload")
]
CreateApiKeyPayload = Annotated[
    ApiKeyCreated | ValidationError | PermissionDenied, strawberry.union("CreateApiKeyPayload")
]
RevokeApiKeyPayload = Annotated[
    ApiKeyRevoked | NotFound | PermissionDenied, strawberry.union("RevokeApiKeyPayload")
]


@strawberry.type
class CustomerMutations:
    @strawberry.mutation
    async def create_customer(
        self, info: Info, input: CreateCustomerInput
    ) -> CreateCustomerPayload:
        values = dict(vars(input))
        values["notice_emails"] = values["notice_emails"] or ()
        call = customers.create_customer(info.context.deps, info.context.caller, **values)
        return await attempt(
            info, call, lambda c: CustomerCreated(customer=Customer.from_domain(c))
        )

    @strawberry.mutation(description="A new API key (ADMIN only); the key is shown once.")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        async def create() -> tuple[access.ApiKey, str]:
            access.require_role(info.context.caller, models.Role.ADMIN)
            return await access.create_api_key(
                info.context.deps, name=input.name, role=input.role, customer_id=input.customer_id
            )

        return await attempt(
            info, create(), lambda r: ApiKeyCreated(api_key=ApiKey.from_domain(r[0]), key=r[1])
        )

    @strawberry.mutation
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> RevokeApiKeyPayload:
        call = access.revoke_api_key(info.context.deps, info.context.caller, id)
        return await attempt(
            info, call, lambda k: ApiKeyRevoked(api_key=ApiKey.from_domain(k)), target=id
        )
