"""Recording subprocessors, their locations, DPAs and transfer bases."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.errors import NotFound, PermissionDenied, ValidationError
from registry.api.types.subprocessor import Subprocessor
from registry.domain import models
from registry.services import registry


@strawberry.input
class CreateSubprocessorInput:
    legal_name: str
    purpose: str
    data_categories: list[str] | None = None
    website: str | None = None
    contact_email: str | None = None


@strawberry.input
class UpdateSubprocessorInput:
    legal_name: str | None = None
    purpose: str | None = None
    data_categories: list[str] | None = None
    website: str | None = None
    contact_email: str | None = None


@strawberry.input
class ProcessingLocationInput:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, upper case.")
    region: str | None = None
    role: models.LocationRole = models.LocationRole.PROCESSING


@strawberry.input
class DpaInput:
    version: str
    signed_on: date
    effective_on: date | None = None
    expires_on: date | None = None
    document_url: str | None = None
    sha256: str | None = None
    scc_modules: list[int] | None = None


@strawberry.input
class TransferBasisInput:
    mechanism: models.TransferMechanism
    destination: str = strawberry.field(description="ISO 3166-1 alpha-2, upper case.")
    origin: models.DataOrigin = models.DataOrigin.EEA
    valid_from: date | None = None
    valid_until: date | None = None
    scc_module: int | None = None
    reference: str | None = None
    tia_on: date | None = None
    tia_url: str | None = None


@strawberry.type
class SubprocessorCreated:
    subprocessor: Subprocessor


@strawberry.type
class SubprocessorUpdated:
    subprocessor: Subprocessor


@strawberry.type
class ProcessingLocationAdded:
    subprocessor: Subprocessor


@strawberry.type
class DpaRecorded:
    subprocessor: Subprocessor


@strawberry.type
class TransferBasisRecorded:
    subprocessor: Subprocessor


CreateSubprocessorPayload = Annotated[
    SubprocessorCreated | ValidationError | PermissionDenied,
    strawberry.union("CreateSubprocessorPayload"),
]
UpdateSubprocessorPayload = Annotated[
    SubprocessorUpdated | ValidationError | NotFound | PermissionDenied,
    strawberry.union("UpdateSubprocessorPayload"),
]
AddProcessingLocationPayload = Annotated[
    ProcessingLocationAdded | ValidationError | NotFound | PermissionDenied,
    strawberry.union("AddProcessingLocationPayload"),
]
RecordDpaPayload = Annotated[
    DpaRecorded | ValidationError | NotFound | PermissionDenied,
    strawberry.union("RecordDpaPayload"),
]
RecordTransferBasisPayload = Annotated[
    TransferBasisRecorded | ValidationError | NotFound | PermissionDenied,
    strawberry.union("RecordTransferBasisPayload"),
]


@strawberry.type
class RegistryMutations:
    @strawberry.mutation(description="A new vendor, PROPOSED until an ADD change takes effect.")
    async def create_subprocessor(
        self, info: Info, input: CreateSubprocessorInput
    ) -> CreateSubprocessorPayload:
        call = registry.create_subprocessor(info.context.deps, info.context.caller, **vars(input))
        return await attempt(
            info, call, lambda s: SubprocessorCreated(subprocessor=Subprocessor.from_domain(s))
        )

    @strawberry.mutation
    async def update_subprocessor(
        self, info: Info, id: strawberry.ID, input: UpdateSubprocessorInput
    ) -> UpdateSubprocessorPayload:
        call = registry.update_subprocessor(
            info.context.deps, info.context.caller, id, **vars(input)
        )
        return await attempt(
            info,
            call,
            lambda s: SubprocessorUpdated(subprocessor=Subprocessor.from_domain(s)),
            target=id,
        )

    @strawberry.mutation
    async def add_processing_location(
        self, info: Info, subprocessor_id: strawberry.ID, input: ProcessingLocationInput
    ) -> AddProcessingLocationPayload:
        call = registry.add_processing_location(
            info.context.deps, info.context.caller, subprocessor_id, **vars(input)
        )
        return await attempt(
            info,
            call,
            lambda s: ProcessingLocationAdded(subprocessor=Subprocessor.from_domain(s)),
            target=subprocessor_id,
        )

    @strawberry.mutation
    async def record_dpa(
        self, info: Info, subprocessor_id: strawberry.ID, input: DpaInput
    ) -> RecordDpaPayload:
        call = registry.record_dpa(
            info.context.deps, info.context.caller, subprocessor_id, **vars(input)
        )
        return await attempt(
            info,
            call,
            lambda s: DpaRecorded(subprocessor=Subprocessor.from_domain(s)),
            target=subprocessor_id,
        )

    @strawberry.mutation
    async def record_transfer_basis(
        self, info: Info, subprocessor_id: strawberry.ID, input: TransferBasisInput
    ) -> RecordTransferBasisPayload:
        call = registry.record_transfer_basis(
            info.context.deps, info.context.caller, subprocessor_id, **vars(input)
        )
        return await attempt(
            info,
            call,
            lambda s: TransferBasisRecorded(subprocessor=Subprocessor.from_domain(s)),
            target=subprocessor_id,
        )
