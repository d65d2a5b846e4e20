"""`?product=` and `?region=` on the public surfaces: whose list to show (DESIGN.md 8)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from registry.domain.models import Change
from registry.domain.scope import affects
from registry.services import listing
from registry.services.caller import Caller
from registry.services.deps import Deps

MAX_PRODUCTS = 20


def requested(request: Request) -> tuple[tuple[str, ...], str | None]:
    """The product codes and the region code asked for (checked against the catalogs by
    `list_filter`, so an unknown code is refused)."""
    products = tuple(
        dict.fromkeys(p.strip() for p in request.query_params.getlist("product") if p.strip())
    )[:MAX_PRODUCTS]
    region = (request.query_params.get("region") or "").strip() or None
    return products, region


async def customer_scope(deps: Deps, caller: Caller) -> tuple[tuple[str, ...], str | None]:
    return await listing.caller_scope(deps, caller)


async def change_filter(
    deps: Deps,
    caller: Caller,
    products: tuple[str, ...],
    region: str | None,
    *,
    also: set[str] | None = None,
) -> Callable[[Change], bool] | None:
    """Changes of the vendors touching that scope, scope changes that reach it, and the
    changes in `also` (those the customer holds a notice of)."""
    if not products and region is None:
        return None
    touching = await listing.vendors_touching(deps, caller, products, region)

    def keep(change: Change) -> bool:
        return (
            change.id in (also or ())
            or change.subprocessor_id in touching
            or (change.replaces_id or "") in touching
            or (change.scope is not None and affects(change.scope, products, region))
        )

    return keep
