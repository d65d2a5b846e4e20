from __future__ import annotations

import strawberry

from registry.api.context import Info
from registry.api.types.version import RecordVersion
from registry.domain import models
from registry.domain.versions import RecordKind
from registry.services import catalogs


@strawberry.type(description="A product customers use; scopes name it by its code.")
class Product:
    code: str = strawberry.field(description="Short, stable slug, e.g. `crm`.")
    name: str = strawberry.field(description="Display name.")

    @classmethod
    def from_domain(cls, product: models.Product) -> Product:
        return cls(code=product.code, name=product.name)

    @strawberry.field(description="Its corrections, newest first: who, when, why, what.")
    async def history(self, info: Info) -> list[RecordVersion]:
        return await _history(info, RecordKind.PRODUCT, self.code)


@strawberry.type(description="Where customers' data is hosted, e.g. `eu` for the EEA.")
class HostingRegion:
    code: str = strawberry.field(description="Short, stable slug, e.g. `eu`.")
    name: str = strawberry.field(description="Display name.")
    countries: list[str] = strawberry.field(
        description="ISO 3166-1 alpha-2 codes of the countries the region covers."
    )

    @classmethod
    def from_domain(cls, region: models.HostingRegion) -> HostingRegion:
        return cls(code=region.code, name=region.name, countries=list(region.countries))

    @strawberry.field(description="Its corrections, newest first: who, when, why, what.")
    async def history(self, info: Info) -> list[RecordVersion]:
        return await _history(info, RecordKind.HOSTING_REGION, self.code)


async def _history(info: Info, kind: RecordKind, code: str) -> list[RecordVersion]:
    context = info.context
    found = await catalogs.history(context.deps, context.caller, kind, code)
    return [RecordVersion.from_domain(v) for v in found]


@strawberry.type(
    description="The products and hosting regions a subprocessor touches; an empty list means all."
)
class Scope:
    product_codes: strawberry.Private[tuple[str, ...]]
    region_codes: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_domain(cls, scope: models.Scope) -> Scope:
        return cls(product_codes=scope.products, region_codes=scope.hosting_regions)

    @strawberry.field(description="Products served; empty means every product.")
    async def products(self, info: Info) -> list[Product]:
        found = await info.context.loaders.product.load_many(list(self.product_codes))
        return [Product.from_domain(p) for p in found if p is not None]

    @strawberry.field(description="Hosting regions served; empty means every region.")
    async def hosting_regions(self, info: Info) -> list[HostingRegion]:
        found = await info.context.loaders.hosting_region.load_many(list(self.region_codes))
        return [HostingRegion.from_domain(r) for r in found if r is not None]


@strawberry.input(description="A scope by catalog codes; an empty or missing list means all.")
class ScopeInput:
    products: list[str] | None = strawberry.field(
        default=None, description="Product codes; empty means every product."
    )
    hosting_regions: list[str] | None = strawberry.field(
        default=None, description="Hosting-region codes; empty means every region."
    )

    def codes(self) -> models.Scope:
        """The codes asked for (the service checks them against the catalogs)."""
        return models.Scope(tuple(self.products or ()), tuple(self.hosting_regions or ()))
