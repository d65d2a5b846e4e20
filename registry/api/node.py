"""`node(id:)`: the id's prefix names the type; each type's own service decides
visibility, so another tenant's object answers exactly like a missing one (null)."""

from __future__ import annotations

from registry.api.context import Info
from registry.api.types.change import Change, Notice, Objection
from registry.api.types.customer import Customer
from registry.api.types.node import Node
from registry.api.types.subprocessor import Subprocessor
from registry.domain.errors import NotFound, PermissionDenied
from registry.services import changes, customers, registry
from registry.services.change_queries import objection_scope
from registry.store import ids, notices, objections


async def resolve_node(info: Info, id_: str) -> Node | None:
    deps, caller = info.context.deps, info.context.caller
    kind = ids.kind_of(id_)
    try:
        if kind == "Subprocessor":
            return Subprocessor.from_domain(await registry.get_subprocessor(deps, caller, id_))
        if kind == "Customer":
            return Customer.from_domain(await customers.get_customer(deps, caller, id_))
        if kind == "Change":
            return Change.from_domain(await changes.get_change(deps, caller, id_))
        if kind in ("Notice", "Objection") and not caller.is_anonymous:
            scope = objection_scope(caller)
            if kind == "Notice":
                doc = await deps.db[notices.NAME].find_one({"_id": id_})
                found_notice = notices.from_document(doc) if doc else None
                if found_notice and scope in (None, found_notice.customer_id):
                    return Notice.from_domain(found_notice)
            else:
                found = await objections.get(deps.db, id_)
                if found and scope in (None, found.customer_id):
                    return Objection.from_domain(found)
    except (NotFound, PermissionDenied):
        return None
    return None
