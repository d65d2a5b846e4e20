"""The operator's identity: read by anyone, set by an ADMIN."""

from __future__ import annotations

from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types import declared
from registry.api.types.errors import EditConflict, PermissionDenied, ValidationError
from registry.api.types.operator import Operator
from registry.domain.operator import OPERATOR_FIELDS
from registry.services import operator as operators


@strawberry.input(
    description="Fields of the operator's identity to set: a field left out keeps its "
    "value, null clears it. Every value is checked; one bad value changes nothing."
)
@declared.inputs(OPERATOR_FIELDS, editing=True)
class UpdateOperatorInput:
    reason: str | None = strawberry.field(
        default=None, description="Why it changes, kept in its history (optional)."
    )


@strawberry.type(description="The operator's identity was recorded.")
class OperatorUpdated:
    operator: Operator = strawberry.field(description="The identity as now recorded.")


UpdateOperatorPayload = Annotated[
    OperatorUpdated | ValidationError | PermissionDenied | EditConflict,
    strawberry.union(
        "UpdateOperatorPayload",
        description="The result of updateOperator: OperatorUpdated or an expected failure.",
    ),
]


@strawberry.type
class OperatorQueries:
    @strawberry.field(
        description="The company that keeps this registry: its names, address, privacy "
        "contact, DPA, logo and colour (anyone may read it)."
    )
    async def operator(self, info: Info) -> Operator:
        return Operator.from_domain(await operators.identity(info.context.deps))


@strawberry.type
class OperatorMutations:
    @strawberry.mutation(description="Set the operator's identity (ADMIN).")
    async def update_operator(
        self,
        info: Info,
        input: Annotated[UpdateOperatorInput, strawberry.argument(description="What to set.")],
    ) -> UpdateOperatorPayload:
        call = operators.update(
            info.context.deps,
            info.context.caller,
            declared.values(input, OPERATOR_FIELDS),
            input.reason,
        )
        return await attempt(
            info,
            call,
            lambda o: OperatorUpdated(operator=Operator.from_domain(o)),
            target=operators.RECORD_ID,
        )
