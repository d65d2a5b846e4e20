"""The operator: the company that keeps this registry and gives its notices."""

from __future__ import annotations

import strawberry

from registry.api.context import Info
from registry.api.types import declared
from registry.api.types.version import RecordVersion
from registry.domain import operator as domain
from registry.domain.operator import OPERATOR_FIELDS
from registry.services import operator as operators


@strawberry.type(
    description="The company that keeps this registry: named on every page, e-mail, feed, "
    "export and webhook, with how to reach it. Until an ADMIN records it, the "
    "REGISTRY_OPERATOR_* settings give it."
)
@declared.outputs(OPERATOR_FIELDS)
class Operator:
    entity: strawberry.Private[domain.Operator]

    @classmethod
    def from_domain(cls, operator: domain.Operator) -> Operator:
        return cls(entity=operator)

    @strawberry.field(
        description="What people call the company: the trading name, else the legal name, "
        f"else '{domain.DEFAULT_NAME}'."
    )
    def name(self) -> str:
        return self.entity.name

    @strawberry.field(
        description="The essential fields still empty (legal name, postal address, privacy "
        "contact e-mail and page), by label; empty when the identity is complete."
    )
    def missing(self) -> list[str]:
        return self.entity.missing()

    @strawberry.field(description="Its edits, newest first: who, when, why, what.")
    async def history(self, info: Info) -> list[RecordVersion]:
        context = info.context
        found = await operators.history(context.deps, context.caller)
        return [RecordVersion.from_domain(v) for v in found]
