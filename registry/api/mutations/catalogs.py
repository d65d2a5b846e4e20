"""The product and hosting-region catalogs."""

from __future__ import annotations

from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.errors import PermissionDenied, ValidationError
from registry.api.types.scope import HostingRegion, Product
from registry.services import catalogs


@strawberry.input(description="A new product for the catalog.")
class CreateProductInput:
    code: str = strawberry.field(description="Short, stable slug: lower-case letters, digits, -.")
    name: str = strawberry.field(description="Display name.")


@strawberry.input(description="A new hosting region for the catalog.")
class CreateHostingRegionInput:
    code: str = strawberry.field(description="Short, stable slug: lower-case letters, digits, -.")
    name: str = strawberry.field(description="Display name.")
    countries: list[str] | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 codes of the countries it covers."
    )


@strawberry.type(description="The product was added to the catalog.")
class ProductCreated:
    product: Product = strawberry.field(description="The new product.")


@strawberry.type(description="The hosting region was added to the catalog.")
class HostingRegionCreated:
    hosting_region: HostingRegion = strawberry.field(description="The new hosting region.")


@strawberry.type(description="The product was removed from the catalog.")
class ProductRemoved:
    product: Product = strawberry.field(description="The removed product.")


@strawberry.type(description="The hosting region was removed from the catalog.")
class HostingRegionRemoved:
    hosting_region: HostingRegion = strawberry.field(description="The removed hosting region.")


CreateProductPayload = Annotated[
    ProductCreated | ValidationError | PermissionDenied,
    strawberry.union(
        "CreateProductPayload",
        description="The result of createProduct: ProductCreated or a failure.",
    ),
]
CreateHostingRegionPayload = Annotated[
    HostingRegionCreated | ValidationError | PermissionDenied,
    strawberry.union(
        "CreateHostingRegionPayload",
        description="The result of createHostingRegion: HostingRegionCreated or a failure.",
    ),
]
RemoveProductPayload = Annotated[
    ProductRemoved | ValidationError | PermissionDenied,
    strawberry.union(
        "RemoveProductPayload",
        description="The result of removeProduct: ProductRemoved or a failure.",
    ),
]
RemoveHostingRegionPayload = Annotated[
    HostingRegionRemoved | ValidationError | PermissionDenied,
    strawberry.union(
        "RemoveHostingRegionPayload",
        description="The result of removeHostingRegion: HostingRegionRemoved or a failure.",
    ),
]


@strawberry.type
class CatalogMutations:
    @strawberry.mutation(description="Add a product to the catalog (ADMIN, PROCUREMENT).")
    async def create_product(
        self,
        info: Info,
        input: Annotated[CreateProductInput, strawberry.argument(description="The product.")],
    ) -> CreateProductPayload:
        call = catalogs.create_product(
            info.context.deps, info.context.caller, code=input.code, name=input.name
        )
        return await attempt(
            info, call, lambda p: ProductCreated(product=Product.from_domain(p)), target=input.code
        )

    @strawberry.mutation(description="Add a hosting region to the catalog (ADMIN, PROCUREMENT).")
    async def create_hosting_region(
        self,
        info: Info,
        input: Annotated[
            CreateHostingRegionInput, strawberry.argument(description="The hosting region.")
        ],
    ) -> CreateHostingRegionPayload:
        call = catalogs.create_hosting_region(
            info.context.deps,
            info.context.caller,
            code=input.code,
            name=input.name,
            countries=input.countries,
        )
        return await attempt(
            info,
            call,
            lambda r: HostingRegionCreated(hosting_region=HostingRegion.from_domain(r)),
            target=input.code,
        )

    @strawberry.mutation(
        description="Remove a product no subprocessor, customer or announced change uses."
    )
    async def remove_product(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="The product's code.")],
    ) -> RemoveProductPayload:
        call = catalogs.remove_product(info.context.deps, info.context.caller, code)
        return await attempt(
            info, call, lambda p: ProductRemoved(product=Product.from_domain(p)), target=code
        )

    @strawberry.mutation(
        description="Remove a hosting region no subprocessor, customer or announced change uses."
    )
    async def remove_hosting_region(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="The hosting region's code.")],
    ) -> RemoveHostingRegionPayload:
        call = catalogs.remove_hosting_region(info.context.deps, info.context.caller, code)
        return await attempt(
            info,
            call,
            lambda r: HostingRegionRemoved(hosting_region=HostingRegion.from_domain(r)),
            target=code,
        )
