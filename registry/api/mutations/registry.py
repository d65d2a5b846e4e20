"""Recording subprocessors, their locations, DPAs and transfer bases."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types import declared
from registry.api.types.errors import EditConflict, NotFound, PermissionDenied, ValidationError
from registry.api.types.scope import ScopeInput
from registry.api.types.subprocessor import Subprocessor
from registry.domain import drafts, models
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.services import vendors


@strawberry.input(description="A new subprocessor's details (createSubprocessor).")
@declared.inputs(VENDOR_FIELDS, editing=False)
class CreateSubprocessorInput:
    scope: ScopeInput | None = strawberry.field(
        default=None, description="Products and hosting regions it touches (default: all)."
    )

    def details(self) -> drafts.SubprocessorDetails:
        return drafts.SubprocessorDetails(
            declared.values(self, VENDOR_FIELDS),
            scope=self.scope.codes() if self.scope is not None else models.Scope(),
        )


@strawberry.input(
    description="Fields to change on a subprocessor (updateSubprocessor); an omitted field keeps "
    "its value, null clears one that may be empty."
)
@declared.inputs(VENDOR_FIELDS, editing=True)
class UpdateSubprocessorInput:
    scope: ScopeInput | None = strawberry.field(
        default=None,
        description="A narrower scope (applies at once, recorded as a change); widening an "
        "ACTIVE vendor goes through announceChange(kind: UPDATE, scope:).",
    )
    reason: str | None = strawberry.field(
        default=None,
        description="Why the vendor is corrected, kept in its history; required once the "
        "vendor is announced (not PROPOSED). New data categories for a vendor in use are "
        "refused: announce them with announceChange(kind: UPDATE).",
    )

    def edit(self) -> drafts.SubprocessorEdit:
        return drafts.SubprocessorEdit(
            declared.values(self, VENDOR_FIELDS),
            scope=self.scope.codes() if self.scope is not None else None,
            reason=self.reason,
        )


@strawberry.input(description="A new processing location (addProcessingLocation).")
class ProcessingLocationInput:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, upper case.")
    region: str | None = strawberry.field(
        default=None, description="The provider's own region name (e.g. eu-west-1); optional."
    )
    role: models.LocationRole = strawberry.field(
        default=models.LocationRole.PROCESSING,
        description="What the subprocessor does with data there; default PROCESSING.",
    )
    recipient_in_scope: bool | None = strawberry.field(
        default=None,
        description="Whether the recipient here falls in the scope of a partial adequacy "
        "decision (Canada: PIPEDA; Japan: APPI; Korea: PIPA; US: DPF certification). false "
        "sets that decision aside, so another transfer basis must carry the transfer; null "
        "(default) when not known.",
    )
    note: str | None = strawberry.field(
        default=None,
        description="A remark by staff, e.g. how the country was inferred; up to 2000 characters.",
    )

    def draft(self) -> drafts.ProcessingLocationDraft:
        return drafts.ProcessingLocationDraft(
            country=self.country,
            region=self.region,
            role=self.role,
            recipient_in_scope=self.recipient_in_scope,
            note=self.note,
        )


@strawberry.input(description="A DPA to record for a subprocessor (recordDpa).")
class DpaInput:
    version: str = strawberry.field(description="The DPA's version or title, 1-50 characters.")
    signed_on: date = strawberry.field(description="The day it was signed (ISO 8601 date).")
    effective_on: date | None = strawberry.field(
        default=None,
        description="The day it took effect (ISO 8601 date); default: the signing day.",
    )
    expires_on: date | None = strawberry.field(
        default=None,
        description="Its last day in force, inclusive (ISO 8601 date), not before signedOn or "
        "effectiveOn; default: no end.",
    )
    document_url: str | None = strawberry.field(
        default=None, description="Where the signed document is kept, an http(s) URL."
    )
    sha256: str | None = strawberry.field(
        default=None, description="SHA-256 of the signed document, 64 hexadecimal characters."
    )
    scc_modules: list[int] | None = strawberry.field(
        default=None, description="The 2021 SCC modules (1-4) it incorporates; default none."
    )

    def draft(self) -> drafts.DpaDraft:
        return drafts.DpaDraft(
            version=self.version,
            signed_on=self.signed_on,
            effective_on=self.effective_on,
            expires_on=self.expires_on,
            document_url=self.document_url,
            sha256=self.sha256,
            scc_modules=tuple(self.scc_modules or ()),
        )


@strawberry.input(
    description="A transfer basis to record for a subprocessor (recordTransferBasis)."
)
class TransferBasisInput:
    mechanism: models.TransferMechanism = strawberry.field(description="The legal mechanism.")
    destination: str = strawberry.field(description="ISO 3166-1 alpha-2, upper case.")
    origin: models.DataOrigin = strawberry.field(
        default=models.DataOrigin.EEA,
        description="The jurisdiction the data leaves from; default EEA.",
    )
    valid_from: date | None = strawberry.field(
        default=None,
        description="First day the basis applies (ISO 8601 date); default: no start limit.",
    )
    valid_until: date | None = strawberry.field(
        default=None,
        description="Last day it applies, inclusive (ISO 8601 date), not before validFrom; "
        "default: no end.",
    )
    scc_module: int | None = strawberry.field(
        default=None,
        description="The SCC module (1-4); only for SCC_2021 (a UK Addendum is appended to "
        "a SCC_2021 basis, which names the module).",
    )
    reference: str | None = strawberry.field(
        default=None,
        description="Where the basis is written down (e.g. DPF listing URL, DPA clause), up to "
        "500 characters.",
    )
    tia_on: date | None = strawberry.field(
        default=None,
        description="The day a transfer impact assessment was completed (ISO 8601 date); it "
        "counts as an assessment of this route without outcome.",
        deprecation_reason="Use recordTransferImpactAssessment: an assessment has an outcome, "
        "measures, a reviewer and a review date.",
    )
    tia_url: str | None = strawberry.field(
        default=None,
        description="Where that transfer impact assessment is kept, an http(s) URL.",
        deprecation_reason="Use recordTransferImpactAssessment (documentReference).",
    )

    def draft(self) -> drafts.TransferBasisDraft:
        return drafts.TransferBasisDraft(
            mechanism=self.mechanism,
            destination=self.destination,
            origin=self.origin,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            scc_module=self.scc_module,
            reference=self.reference,
            tia_on=self.tia_on,
            tia_url=self.tia_url,
        )


@strawberry.type(description="createSubprocessor succeeded.")
class SubprocessorCreated:
    subprocessor: Subprocessor = strawberry.field(description="The new subprocessor, PROPOSED.")


@strawberry.type(description="updateSubprocessor succeeded.")
class SubprocessorUpdated:
    subprocessor: Subprocessor = strawberry.field(description="The subprocessor as updated.")


@strawberry.type(description="addProcessingLocation succeeded.")
class ProcessingLocationAdded:
    subprocessor: Subprocessor = strawberry.field(
        description="The subprocessor with its new location."
    )


@strawberry.type(description="recordDpa succeeded.")
class DpaRecorded:
    subprocessor: Subprocessor = strawberry.field(description="The subprocessor with the DPA.")


@strawberry.type(description="recordTransferBasis succeeded.")
class TransferBasisRecorded:
    subprocessor: Subprocessor = strawberry.field(
        description="The subprocessor with the basis; its transfers are evaluated afresh."
    )


CreateSubprocessorPayload = Annotated[
    SubprocessorCreated | ValidationError | PermissionDenied,
    strawberry.union(
        "CreateSubprocessorPayload",
        description=(
            "The result of createSubprocessor: SubprocessorCreated or an expected failure."
        ),
    ),
]
UpdateSubprocessorPayload = Annotated[
    SubprocessorUpdated | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "UpdateSubprocessorPayload",
        description=(
            "The result of updateSubprocessor: SubprocessorUpdated or an expected failure."
        ),
    ),
]
AddProcessingLocationPayload = Annotated[
    ProcessingLocationAdded | ValidationError | NotFound | PermissionDenied,
    strawberry.union(
        "AddProcessingLocationPayload",
        description=(
            "The result of addProcessingLocation: ProcessingLocationAdded or an expected failure."
        ),
    ),
]
RecordDpaPayload = Annotated[
    DpaRecorded | ValidationError | NotFound | PermissionDenied,
    strawberry.union(
        "RecordDpaPayload",
        description="The result of recordDpa: DpaRecorded or an expected failure.",
    ),
]
RecordTransferBasisPayload = Annotated[
    TransferBasisRecorded | ValidationError | NotFound | PermissionDenied,
    strawberry.union(
        "RecordTransferBasisPayload",
        description=(
            "The result of recordTransferBasis: TransferBasisRecorded or an expected failure."
        ),
    ),
]


@strawberry.type
class RegistryMutations:
    @strawberry.mutation(
        description="A new vendor, PROPOSED until an ADD change takes effect. "
        "ADMIN and PROCUREMENT keys only."
    )
    async def create_subprocessor(
        self,
        info: Info,
        input: Annotated[
            CreateSubprocessorInput, strawberry.argument(description="The new vendor's details.")
        ],
    ) -> CreateSubprocessorPayload:
        call = vendors.create_subprocessor(info.context.deps, info.context.caller, input.details())
        return await attempt(
            info, call, lambda s: SubprocessorCreated(subprocessor=Subprocessor.from_domain(s))
        )

    @strawberry.mutation(
        description="Change a subprocessor's details. ADMIN and PROCUREMENT keys only."
    )
    async def update_subprocessor(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The subprocessor's global id.")
        ],
        input: Annotated[
            UpdateSubprocessorInput, strawberry.argument(description="The fields to change.")
        ],
    ) -> UpdateSubprocessorPayload:
        call = vendors.update_subprocessor(info.context.deps, info.context.caller, id, input.edit())
        return await attempt(
            info,
            call,
            lambda s: SubprocessorUpdated(subprocessor=Subprocessor.from_domain(s)),
            target=id,
        )

    @strawberry.mutation(
        description="Add a country where a subprocessor stores, processes or accesses data. ADMIN"
        " and PROCUREMENT keys only."
    )
    async def add_processing_location(
        self,
        info: Info,
        subprocessor_id: Annotated[
            strawberry.ID, strawberry.argument(description="The subprocessor's global id.")
        ],
        input: Annotated[ProcessingLocationInput, strawberry.argument(description="The location.")],
    ) -> AddProcessingLocationPayload:
        call = vendors.add_processing_location(
            info.context.deps, info.context.caller, subprocessor_id, input.draft()
        )
        return await attempt(
            info,
            call,
            lambda s: ProcessingLocationAdded(subprocessor=Subprocessor.from_domain(s)),
            target=subprocessor_id,
        )

    @strawberry.mutation(
        description="Record a DPA signed with a subprocessor. ADMIN and PROCUREMENT keys only."
    )
    async def record_dpa(
        self,
        info: Info,
        subprocessor_id: Annotated[
            strawberry.ID, strawberry.argument(description="The subprocessor's global id.")
        ],
        input: Annotated[DpaInput, strawberry.argument(description="The DPA.")],
    ) -> RecordDpaPayload:
        call = vendors.record_dpa(
            info.context.deps, info.context.caller, subprocessor_id, input.draft()
        )
        return await attempt(
            info,
            call,
            lambda s: DpaRecorded(subprocessor=Subprocessor.from_domain(s)),
            target=subprocessor_id,
        )

    @strawberry.mutation(
        description="Record a legal basis for transfers from an origin to a country. ADMIN and "
        "PROCUREMENT keys only."
    )
    async def record_transfer_basis(
        self,
        info: Info,
        subprocessor_id: Annotated[
            strawberry.ID, strawberry.argument(description="The subprocessor's global id.")
        ],
        input: Annotated[
            TransferBasisInput, strawberry.argument(description="The transfer basis.")
        ],
    ) -> RecordTransferBasisPayload:
        call = vendors.record_transfer_basis(
            info.context.deps, info.context.caller, subprocessor_id, input.draft()
        )
        return await attempt(
            info,
            call,
            lambda s: TransferBasisRecorded(subprocessor=Subprocessor.from_domain(s)),
            target=subprocessor_id,
        )
