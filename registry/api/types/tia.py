"""Transfer impact assessments in the API (staff only: they name people and documents)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from registry.api.types import scalars  # noqa: F401 - registers the enums
from registry.api.types.node import Node
from registry.domain import models


@strawberry.type(
    description="An assessment of one route of a subprocessor (origin → destination on one "
    "mechanism) under the regime's own method: EDPB Recommendations 01/2020 for the EEA, the "
    "data protection test for the UK (from 2026-02-05), the FDPIC's guide for Switzerland. "
    "The newest assessment made on or before a day covers the route; transfer verdicts cite "
    "it. Shown to ADMIN and PROCUREMENT keys only."
)
class TransferImpactAssessment(Node):
    origin: models.DataOrigin = strawberry.field(description="Where the data leaves from.")
    destination: str = strawberry.field(
        description="ISO 3166-1 alpha-2 code of the receiving country, upper case."
    )
    mechanism: models.TransferMechanism = strawberry.field(
        description="The transfer mechanism assessed (e.g. SCC_2021)."
    )
    assessed_on: date = strawberry.field(description="The day it was made (ISO 8601 date).")
    outcome: models.TiaOutcome | None = strawberry.field(
        description="What it concluded; null for one recorded before outcomes were (a transfer "
        "basis's tiaOn)."
    )
    measures: list[str] = strawberry.field(
        description="The supplementary measures it relies on (e.g. encryption with keys held in "
        "the EEA); empty when none."
    )
    reviewer: str | None = strawberry.field(description="Who reviewed it; null when not given.")
    document_reference: str | None = strawberry.field(
        description="Where the assessment is kept: a URL or the document system's reference."
    )
    sha256: str | None = strawberry.field(
        description="SHA-256 of the assessment document, lower-case hex."
    )
    next_review_on: date | None = strawberry.field(
        description="When it must be reviewed again (ISO 8601 date); staff are reminded 30 "
        "days before. Null: no date set."
    )
    recorded_at: datetime | None = strawberry.field(
        description="When it was recorded (DateTime, UTC); null for one taken from a basis."
    )
    note: str | None = strawberry.field(description="Free-text remark by staff.")

    @classmethod
    def from_domain(cls, a: models.TransferImpactAssessment) -> TransferImpactAssessment:
        return cls(
            id=strawberry.ID(a.id),
            origin=a.origin,
            destination=a.destination,
            mechanism=a.mechanism,
            assessed_on=a.assessed_on,
            outcome=a.outcome,
            measures=list(a.measures),
            reviewer=a.reviewer,
            document_reference=a.document_reference,
            sha256=a.sha256,
            next_review_on=a.next_review_on,
            recorded_at=a.recorded_at,
            note=a.note,
        )
