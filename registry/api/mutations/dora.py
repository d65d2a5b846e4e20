"""Recording what customers' DORA registers need: their contract reference and LEI, and
our own identification as their ICT third-party service provider."""

from __future__ import annotations

from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.errors import NotFound, PermissionDenied, ValidationError
from registry.domain.dora import RegisterDetails as Details
from registry.services import dora_register


@strawberry.type(
    description="What a DORA register of information needs beyond the subprocessor list "
    "(GET /customers/{id}/dora-register.zip exports it)."
)
class RegisterDetails:
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer; null for our own identification as its provider."
    )
    lei: str | None = strawberry.field(description="LEI (ISO 17442, check digits verified).")
    euid: str | None = strawberry.field(description="EUID, where no LEI exists.")
    headquarters_country: str | None = strawberry.field(
        description="Headquarters (ISO 3166-1 alpha-2); for our own identification."
    )
    contract_reference: str | None = strawberry.field(
        description="The customer's contractual arrangement reference number (B_02.02 and "
        "B_05.02 c0010); the export refuses a customer without one."
    )
    ict_service_type: str = strawberry.field(
        description="The type of ICT services (ITS Annex III, S01-S19; default S19 SaaS)."
    )
    function_identifier: str | None = strawberry.field(
        description="The customer's function the service supports (B_02.02 c0050)."
    )

    @classmethod
    def from_domain(cls, d: Details, customer_id: str | None) -> RegisterDetails:
        return cls(
            customer_id=strawberry.ID(customer_id) if customer_id else None,
            lei=d.lei,
            euid=d.euid,
            headquarters_country=d.headquarters_country,
            contract_reference=d.contract_reference,
            ict_service_type=d.ict_service_type,
            function_identifier=d.function_identifier,
        )


@strawberry.input(description='Register facts to set; an omitted one is kept, "" clears it.')
class RegisterDetailsInput:
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="The customer; null: our own identification as provider."
    )
    lei: str | None = strawberry.field(default=None, description="LEI, 20 characters.")
    euid: str | None = strawberry.field(default=None, description="EUID, up to 50 characters.")
    headquarters_country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2."
    )
    contract_reference: str | None = strawberry.field(
        default=None, description="Up to 255 characters."
    )
    ict_service_type: str | None = strawberry.field(default=None, description="S01 … S19.")
    function_identifier: str | None = strawberry.field(
        default=None, description="Up to 100 characters."
    )


@strawberry.type(description="setRegisterDetails succeeded.")
class RegisterDetailsSet:
    details: RegisterDetails = strawberry.field(description="The details as recorded.")


SetRegisterDetailsPayload = Annotated[
    RegisterDetailsSet | ValidationError | NotFound | PermissionDenied,
    strawberry.union(
        "SetRegisterDetailsPayload",
        description="The result of setRegisterDetails: RegisterDetailsSet or an expected "
        "failure (an LEI with wrong check digits: ValidationError).",
    ),
]


@strawberry.type
class DoraMutations:
    @strawberry.mutation(
        description="Record a customer's DORA register facts, or ours as its provider. ADMIN "
        "and PROCUREMENT."
    )
    async def set_register_details(
        self,
        info: Info,
        input: Annotated[RegisterDetailsInput, strawberry.argument(description="The facts.")],
    ) -> SetRegisterDetailsPayload:
        customer = str(input.customer_id) if input.customer_id else None
        given = dora_register.DetailsInput(
            lei=input.lei,
            euid=input.euid,
            headquarters_country=input.headquarters_country,
            contract_reference=input.contract_reference,
            ict_service_type=input.ict_service_type,
            function_identifier=input.function_identifier,
        )
        return await attempt(
            info,
            dora_register.set_details(info.context.deps, info.context.caller, customer, given),
            lambda d: RegisterDetailsSet(details=RegisterDetails.from_domain(d, customer)),
            target=customer,
        )
