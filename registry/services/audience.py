"""Which customers a change is for: the groups (scope x terms) its audience affects."""

from __future__ import annotations

from registry.domain.models import Change, Customer
from registry.domain.scope import ChangeAudience
from registry.services.deps import Deps
from registry.store import customer_groups, subprocessors
from registry.store.customer_groups import CustomerGroup


async def audience_of(deps: Deps, change: Change) -> ChangeAudience:
    if change.scope is not None:
        return ChangeAudience((change.scope,), already=change.scope_before)
    involved = [change.subprocessor_id, *([change.replaces_id] if change.replaces_id else [])]
    found = await subprocessors.get_many(deps.db, involved)
    return ChangeAudience(tuple(s.scope for s in found if s is not None))


def affected(audience: ChangeAudience, groups: list[CustomerGroup]) -> list[CustomerGroup]:
    return [g for g in groups if audience.affects(g.products, g.hosting_region)]


async def affected_groups(deps: Deps, audience: ChangeAudience) -> list[CustomerGroup]:
    return affected(audience, await customer_groups.all_groups(deps.db))


def is_affected(audience: ChangeAudience, customer: Customer) -> bool:
    return audience.affects(customer.products, customer.hosting_region)
