"""Recording a transfer impact assessment."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.errors import NotFound, PermissionDenied, ValidationError
from registry.api.types.subprocessor import Subprocessor
from registry.api.types.tia import TransferImpactAssessment
from registry.domain import models
from registry.services import tias, vendors


@strawberry.input(description="A transfer impact assessment (recordTransferImpactAssessment).")
class TransferImpactAssessmentInput:
    origin: models.DataOrigin = strawberry.field(
        default=models.DataOrigin.EEA, description="Where the data leaves from; default EEA."
    )
    destination: str = strawberry.field(
        description="ISO 3166-1 alpha-2 code of the receiving country; the subprocessor must "
        "have a processing location there."
    )
    mechanism: models.TransferMechanism = strawberry.field(
        description="The mechanism assessed; a basis on it must be recorded for the route."
    )
    assessed_on: date = strawberry.field(
        description="The day the assessment was made (ISO 8601 date), not in the future."
    )
    outcome: models.TiaOutcome = strawberry.field(
        description="What it concluded; NOT_SUFFICIENT makes the transfer INVALID on that "
        "mechanism."
    )
    measures: list[str] | None = strawberry.field(
        default=None,
        description="Supplementary measures relied on (each up to 300 characters, at most "
        "20); required with SUPPLEMENTARY_MEASURES.",
    )
    reviewer: str | None = strawberry.field(
        default=None, description="Who reviewed it, up to 200 characters."
    )
    document_reference: str | None = strawberry.field(
        default=None,
        description="Where it is kept: a URL or the document system's reference, up to 2048 "
        "characters.",
    )
    sha256: str | None = strawberry.field(
        default=None, description="SHA-256 of the document: 64 hexadecimal characters."
    )
    next_review_on: date | None = strawberry.field(
        default=None,
        description="When to review it again (ISO 8601 date), after assessedOn; staff are "
        "reminded 30 days before.",
    )
    note: str | None = strawberry.field(
        default=None, description="Free-text remark, up to 2000 characters."
    )

    def draft(self) -> tias.TiaDraft:
        return tias.TiaDraft(
            origin=self.origin,
            destination=self.destination,
            mechanism=self.mechanism,
            assessed_on=self.assessed_on,
            outcome=self.outcome,
            measures=tuple(self.measures or ()),
            reviewer=self.reviewer,
            document_reference=self.document_reference,
            sha256=self.sha256,
            next_review_on=self.next_review_on,
            note=self.note,
        )


@strawberry.type(description="recordTransferImpactAssessment succeeded.")
class TransferImpactAssessmentRecorded:
    assessment: TransferImpactAssessment = strawberry.field(description="The new assessment.")
    subprocessor: Subprocessor = strawberry.field(
        description="The subprocessor; its transfers' verdicts now cite the assessment."
    )


RecordTransferImpactAssessmentPayload = Annotated[
    TransferImpactAssessmentRecorded | ValidationError | NotFound | PermissionDenied,
    strawberry.union(
        "RecordTransferImpactAssessmentPayload",
        description="The result of recordTransferImpactAssessment: "
        "TransferImpactAssessmentRecorded or an expected failure.",
    ),
]


@strawberry.type
class TiaMutations:
    @strawberry.mutation(
        description="Record a transfer impact assessment of one of a subprocessor's routes "
        "(origin → destination on one mechanism); it covers the route from its day on. "
        "ADMIN and PROCUREMENT keys only."
    )
    async def record_transfer_impact_assessment(
        self,
        info: Info,
        subprocessor_id: Annotated[
            strawberry.ID, strawberry.argument(description="The subprocessor's global id.")
        ],
        input: Annotated[
            TransferImpactAssessmentInput, strawberry.argument(description="The assessment.")
        ],
    ) -> RecordTransferImpactAssessmentPayload:
        deps, caller = info.context.deps, info.context.caller

        async def call() -> tuple[models.TransferImpactAssessment, models.Subprocessor]:
            made = await tias.record_assessment(deps, caller, subprocessor_id, input.draft())
            return made, await vendors.get_subprocessor(deps, caller, subprocessor_id)

        return await attempt(
            info,
            call(),
            lambda found: TransferImpactAssessmentRecorded(
                assessment=TransferImpactAssessment.from_domain(found[0]),
                subprocessor=Subprocessor.from_domain(found[1]),
            ),
            target=subprocessor_id,
        )
