from __future__ import annotations

from datetime import date

import strawberry

from registry.api.types import scalars  # noqa: F401 - registers the enums
from registry.api.types.subprocessor import Subprocessor, TransferBasis
from registry.domain import models
from registry.services.listing import Assessment, AssessmentItem


@strawberry.type(description="One processing location's transfer in an assessment.")
class TransferAssessmentItem:
    subprocessor: Subprocessor
    country: str
    status: models.TransferStatus
    reasons: list[str]
    mechanism: models.TransferMechanism | None
    basis: TransferBasis | None
    exceptional: bool

    @classmethod
    def from_domain(cls, item: AssessmentItem) -> TransferAssessmentItem:
        e = item.evaluation
        return cls(
            subprocessor=Subprocessor.from_domain(item.subprocessor),
            country=e.destination,
            status=e.status,
            reasons=list(e.reasons),
            mechanism=e.mechanism,
            basis=TransferBasis.from_domain(e.basis) if e.basis else None,
            exceptional=e.exceptional,
        )


@strawberry.type(description="How many transfers have each status.")
class TransferStatusCounts:
    not_required: int
    valid: int
    expiring: int
    invalid: int
    missing: int


@strawberry.type(description="Every processing location evaluated on one date.")
class TransferAssessment:
    as_of: date
    origin: models.DataOrigin
    withdrawn: list[models.TransferMechanism]
    items: list[TransferAssessmentItem]
    counts: TransferStatusCounts

    @classmethod
    def from_domain(cls, a: Assessment) -> TransferAssessment:
        c = a.counts
        S = models.TransferStatus
        return cls(
            as_of=a.as_of,
            origin=a.origin,
            withdrawn=list(a.withdrawn),
            items=[TransferAssessmentItem.from_domain(i) for i in a.items],
            counts=TransferStatusCounts(
                not_required=c[S.NOT_REQUIRED],
                valid=c[S.VALID],
                expiring=c[S.EXPIRING],
                invalid=c[S.INVALID],
                missing=c[S.MISSING],
            ),
        )
