"""Who a vendor affects (DESIGN.md 8): scopes intersect on products and on regions.

An empty list on either side means "all": a vendor without products serves every
product, a customer without products uses every product, a customer without a
hosting region is affected by vendors of every region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry.domain.models import Scope


def affects(scope: Scope, products: Sequence[str], hosting_region: str | None) -> bool:
    """Whether a vendor with `scope` touches a customer using `products` in a region."""
    on_products = not scope.products or not products or bool(set(scope.products) & set(products))
    on_region = (
        not scope.hosting_regions
        or hosting_region is None
        or hosting_region in scope.hosting_regions
    )
    return on_products and on_region


def _axis_covers(wide: tuple[str, ...], narrow: tuple[str, ...]) -> bool:
    if not wide:
        return True
    return bool(narrow) and set(narrow) <= set(wide)


def covers(wide: Scope, narrow: Scope) -> bool:
    """Every customer `narrow` affects is affected by `wide` too."""
    return _axis_covers(wide.products, narrow.products) and _axis_covers(
        wide.hosting_regions, narrow.hosting_regions
    )


def widens(new: Scope, old: Scope) -> bool:
    """Moving from `old` to `new` may expose some customer to the vendor."""
    return not covers(old, new)


def newly_affected(
    old: Scope, new: Scope, products: Sequence[str], hosting_region: str | None
) -> bool:
    return affects(new, products, hosting_region) and not affects(old, products, hosting_region)


def describe(scope: Scope) -> str:
    products = ", ".join(scope.products) or "all products"
    regions = ", ".join(scope.hosting_regions) or "all regions"
    return f"{products} in {regions}"


@dataclass(frozen=True, slots=True)
class ChangeAudience:
    """Who a change is announced to: customers any of `scopes` affects (both vendors of a
    replacement), except those `already` affects (a widening tells only the new ones)."""

    scopes: tuple[Scope, ...]
    already: Scope | None = None

    def affects(self, products: Sequence[str], hosting_region: str | None) -> bool:
        if self.already is not None and affects(self.already, products, hosting_region):
            return False
        return any(affects(s, products, hosting_region) for s in self.scopes)

    @property
    def everyone(self) -> bool:
        """Every customer is in it, whatever its scope (the unscoped registry)."""
        return self.already is None and Scope() in self.scopes
