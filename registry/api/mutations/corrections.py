"""Correcting and removing a vendor's processing locations, DPAs and transfer bases."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.errors import EditConflict, NotFound, PermissionDenied, ValidationError
from registry.api.types.scope import HostingRegion, Product
from registry.api.types.subprocessor import Subprocessor
from registry.api.types.version import RecordVersion
from registry.domain import errors, models
from registry.domain import versions as domain_versions
from registry.services import catalogs, corrections

_REASON = "Why the record is corrected (required): kept in its history."


def _given(given: object, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields an input carries (left out: kept); null for a field the record needs
    is refused, naming it."""
    found: dict[str, Any] = {}
    for name, value in vars(given).items():
        if value is strawberry.UNSET or name == "reason":
            continue
        if value is None and name in required:
            raise errors.ValidationError(domain_versions.api_name(name), f"{name} is required")
        found[name] = tuple(value) if isinstance(value, list) else value
    return found


@strawberry.input(
    description="A correction of a processing location: a field left out keeps its value. "
    "A country the vendor in use has nowhere else is refused: announce it as a change."
)
class ProcessingLocationCorrection:
    reason: str = strawberry.field(description=_REASON)
    country: str | None = strawberry.field(
        default=strawberry.UNSET, description="ISO 3166-1 alpha-2, upper case."
    )
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="The provider's region name; null clears it."
    )
    role: models.LocationRole | None = strawberry.field(
        default=strawberry.UNSET, description="What the subprocessor does with data there."
    )
    recipient_in_scope: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether the recipient falls in a partial adequacy decision's scope.",
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET, description="A remark by staff; null clears it."
    )


@strawberry.input(
    description="A correction of a DPA: a field left out keeps its value; an earlier "
    "expiresOn ends it (its history says ENDED)."
)
class DpaCorrection:
    reason: str = strawberry.field(description=_REASON)
    version: str | None = strawberry.field(
        default=strawberry.UNSET, description="The DPA's version or title."
    )
    signed_on: date | None = strawberry.field(
        default=strawberry.UNSET, description="The day it was signed."
    )
    effective_on: date | None = strawberry.field(
        default=strawberry.UNSET, description="The day it took effect."
    )
    expires_on: date | None = strawberry.field(
        default=strawberry.UNSET, description="Its last day in force, inclusive."
    )
    document_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="Where the signed document is kept."
    )
    sha256: str | None = strawberry.field(
        default=strawberry.UNSET, description="SHA-256 of the signed document."
    )
    scc_modules: list[int] | None = strawberry.field(
        default=strawberry.UNSET, description="The 2021 SCC modules (1-4) it incorporates."
    )


@strawberry.input(
    description="A correction of a transfer basis: a field left out keeps its value; an "
    "earlier validUntil ends it (its history says ENDED). The verdicts follow at once."
)
class TransferBasisCorrection:
    reason: str = strawberry.field(description=_REASON)
    mechanism: models.TransferMechanism | None = strawberry.field(
        default=strawberry.UNSET, description="The legal mechanism."
    )
    destination: str | None = strawberry.field(
        default=strawberry.UNSET, description="ISO 3166-1 alpha-2, upper case."
    )
    origin: models.DataOrigin | None = strawberry.field(
        default=strawberry.UNSET, description="The jurisdiction the data leaves from."
    )
    valid_from: date | None = strawberry.field(
        default=strawberry.UNSET, description="First day it applies; null: no start limit."
    )
    valid_until: date | None = strawberry.field(
        default=strawberry.UNSET, description="Last day it applies, inclusive; null: no end."
    )
    scc_module: int | None = strawberry.field(
        default=strawberry.UNSET, description="The SCC module (1-4), e.g. the one left out."
    )
    reference: str | None = strawberry.field(
        default=strawberry.UNSET, description="Where the basis is written down."
    )


@strawberry.input(description="A correction of a product's name, with a reason.")
class ProductCorrection:
    reason: str = strawberry.field(description=_REASON)
    name: str = strawberry.field(description="The display name as it should read.")


@strawberry.input(
    description="A correction of a hosting region: a field left out keeps its value. Adding "
    "a country to a region in use is refused: create a new region instead."
)
class HostingRegionCorrection:
    reason: str = strawberry.field(description=_REASON)
    name: str | None = strawberry.field(default=None, description="The display name.")
    countries: list[str] | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 codes of the countries it covers."
    )


@strawberry.type(description="correctProduct succeeded.")
class ProductCorrected:
    product: Product = strawberry.field(description="The product as corrected.")
    version: RecordVersion = strawberry.field(description="The version the correction kept.")


@strawberry.type(description="correctHostingRegion succeeded.")
class HostingRegionCorrected:
    hosting_region: HostingRegion = strawberry.field(description="The region as corrected.")
    version: RecordVersion = strawberry.field(description="The version the correction kept.")


CorrectProductPayload = Annotated[
    ProductCorrected | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "CorrectProductPayload",
        description="The result of correctProduct: ProductCorrected or an expected failure.",
    ),
]
CorrectHostingRegionPayload = Annotated[
    HostingRegionCorrected | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "CorrectHostingRegionPayload",
        description="The result of correctHostingRegion: HostingRegionCorrected or an "
        "expected failure.",
    ),
]


@strawberry.type(description="A correction or removal succeeded.")
class RecordCorrected:
    subprocessor: Subprocessor = strawberry.field(
        description="The vendor as it now reads; its transfers are evaluated afresh."
    )
    version: RecordVersion = strawberry.field(description="The version the correction kept.")


CorrectProcessingLocationPayload = Annotated[
    RecordCorrected | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "CorrectProcessingLocationPayload",
        description="The result of correctProcessingLocation: RecordCorrected or an "
        "expected failure.",
    ),
]
RemoveProcessingLocationPayload = Annotated[
    RecordCorrected | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "RemoveProcessingLocationPayload",
        description="The result of removeProcessingLocation: RecordCorrected or an "
        "expected failure.",
    ),
]
CorrectDpaPayload = Annotated[
    RecordCorrected | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "CorrectDpaPayload",
        description="The result of correctDpa: RecordCorrected or an expected failure.",
    ),
]
RemoveDpaPayload = Annotated[
    RecordCorrected | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "RemoveDpaPayload",
        description="The result of removeDpa: RecordCorrected or an expected failure.",
    ),
]
CorrectTransferBasisPayload = Annotated[
    RecordCorrected | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "CorrectTransferBasisPayload",
        description="The result of correctTransferBasis: RecordCorrected or an expected failure.",
    ),
]
RemoveTransferBasisPayload = Annotated[
    RecordCorrected | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "RemoveTransferBasisPayload",
        description="The result of removeTransferBasis: RecordCorrected or an expected failure.",
    ),
]


def _corrected(result: corrections.Corrected) -> RecordCorrected:
    return RecordCorrected(
        subprocessor=Subprocessor.from_domain(result.subprocessor),
        version=RecordVersion.from_domain(result.version),
    )


_ID = strawberry.argument(description="The record's global id.")
_WHY = strawberry.argument(description=_REASON)
_STAFF = " ADMIN and PROCUREMENT keys only."


@strawberry.type
class CorrectionMutations:
    @strawberry.mutation(description="Correct a processing location, with a reason." + _STAFF)
    async def correct_processing_location(
        self,
        info: Info,
        id: Annotated[strawberry.ID, _ID],
        input: Annotated[ProcessingLocationCorrection, strawberry.argument(description="What.")],
    ) -> CorrectProcessingLocationPayload:
        ctx = info.context

        async def call() -> corrections.Corrected:
            values = _given(input, required=("country", "role"))
            return await corrections.correct_location(
                ctx.deps, ctx.caller, id, values, input.reason
            )

        return await attempt(info, call(), _corrected, target=id)

    @strawberry.mutation(
        description="Remove a processing location recorded in error, with a reason; an ACTIVE "
        "vendor's only location is refused (announce the vendor's removal)." + _STAFF
    )
    async def remove_processing_location(
        self, info: Info, id: Annotated[strawberry.ID, _ID], reason: Annotated[str, _WHY]
    ) -> RemoveProcessingLocationPayload:
        ctx = info.context
        call = corrections.remove_location(ctx.deps, ctx.caller, id, reason)
        return await attempt(info, call, _corrected, target=id)

    @strawberry.mutation(description="Correct or end a DPA, with a reason." + _STAFF)
    async def correct_dpa(
        self,
        info: Info,
        id: Annotated[strawberry.ID, _ID],
        input: Annotated[DpaCorrection, strawberry.argument(description="What.")],
    ) -> CorrectDpaPayload:
        ctx = info.context

        async def call() -> corrections.Corrected:
            values = _given(input, required=("version",))
            return await corrections.correct_dpa(ctx.deps, ctx.caller, id, values, input.reason)

        return await attempt(info, call(), _corrected, target=id)

    @strawberry.mutation(description="Remove a DPA recorded in error, with a reason." + _STAFF)
    async def remove_dpa(
        self, info: Info, id: Annotated[strawberry.ID, _ID], reason: Annotated[str, _WHY]
    ) -> RemoveDpaPayload:
        ctx = info.context
        call = corrections.remove_dpa(ctx.deps, ctx.caller, id, reason)
        return await attempt(info, call, _corrected, target=id)

    @strawberry.mutation(
        description="Correct or end a transfer basis (e.g. add the SCC module it was saved "
        "without), with a reason; the verdicts follow the corrected basis." + _STAFF
    )
    async def correct_transfer_basis(
        self,
        info: Info,
        id: Annotated[strawberry.ID, _ID],
        input: Annotated[TransferBasisCorrection, strawberry.argument(description="What.")],
    ) -> CorrectTransferBasisPayload:
        ctx = info.context

        async def call() -> corrections.Corrected:
            values = _given(input, required=("mechanism", "destination", "origin"))
            return await corrections.correct_transfer_basis(
                ctx.deps, ctx.caller, id, values, input.reason
            )

        return await attempt(info, call(), _corrected, target=id)

    @strawberry.mutation(
        description="Remove a transfer basis recorded in error, with a reason." + _STAFF
    )
    async def remove_transfer_basis(
        self, info: Info, id: Annotated[strawberry.ID, _ID], reason: Annotated[str, _WHY]
    ) -> RemoveTransferBasisPayload:
        ctx = info.context
        call = corrections.remove_transfer_basis(ctx.deps, ctx.caller, id, reason)
        return await attempt(info, call, _corrected, target=id)

    @strawberry.mutation(description="Correct a product's name, with a reason." + _STAFF)
    async def correct_product(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="The product's code.")],
        input: Annotated[ProductCorrection, strawberry.argument(description="What.")],
    ) -> CorrectProductPayload:
        ctx = info.context
        call = catalogs.correct_product(ctx.deps, ctx.caller, code, input.name, input.reason)
        return await attempt(
            info,
            call,
            lambda r: ProductCorrected(
                product=Product.from_domain(r[0]), version=RecordVersion.from_domain(r[1])
            ),
            target=code,
        )

    @strawberry.mutation(
        description="Correct a hosting region's name or narrow its countries, with a reason."
        + _STAFF
    )
    async def correct_hosting_region(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="The hosting region's code.")],
        input: Annotated[HostingRegionCorrection, strawberry.argument(description="What.")],
    ) -> CorrectHostingRegionPayload:
        ctx = info.context
        call = catalogs.correct_hosting_region(
            ctx.deps, ctx.caller, code, input.name, input.countries, input.reason
        )
        return await attempt(
            info,
            call,
            lambda r: HostingRegionCorrected(
                hosting_region=HostingRegion.from_domain(r[0]),
                version=RecordVersion.from_domain(r[1]),
            ),
            target=code,
        )
