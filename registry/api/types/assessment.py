from __future__ import annotations

from datetime import date

import strawberry

from registry.api.context import Info
from registry.api.types import scalars  # noqa: F401 - registers the enums
from registry.api.types.chain import ChainLink
from registry.api.types.subprocessor import (
    FULL_VERDICT_ONLY,
    Subprocessor,
    TransferBasis,
    full_verdict,
    tia_for,
)
from registry.api.types.tia import TransferImpactAssessment
from registry.domain import models
from registry.services.listing import Assessment, AssessmentItem


@strawberry.type(description="One company handing the data on to the next, in one country.")
class TransferHop:
    name: str = strawberry.field(description='Who hands what to whom: "Postmark → AWS (US)".')
    status: models.TransferStatus = strawberry.field(description="The hop's own verdict.")
    mechanism: models.TransferMechanism | None = strawberry.field(
        description="The mechanism the hop rests on; null when none applies or none is needed."
    )
    _reasons: strawberry.Private[tuple[str, ...]] = ()

    @strawberry.field(description="Why, one sentence per reason. Empty for " + FULL_VERDICT_ONLY)
    def reasons(self, info: Info) -> list[str]:
        return list(self._reasons) if full_verdict(info) else []


@strawberry.type(description="One processing location's transfer in an assessment.")
class TransferAssessmentItem:
    subprocessor: Subprocessor = strawberry.field(
        description="The subprocessor with the processing location."
    )
    country: str = strawberry.field(
        description="ISO 3166-1 alpha-2 code of the location's country."
    )
    status: models.TransferStatus = strawberry.field(
        description="The verdict on the assessment date."
    )
    mechanism: models.TransferMechanism | None = strawberry.field(
        description="The mechanism the verdict rests on; null when none applies or none is needed."
    )
    exceptional: bool = strawberry.field(
        description="True when the verdict is about an Art. 49 derogation: lawful only for "
        "occasional transfers, so never VALID for a subprocessor's systematic transfers."
    )
    chain_link: ChainLink | None = strawberry.field(
        default=None,
        description="For an onward transfer: the sub-processor in the vendor's chain whose "
        "location this is; null for the vendor's own location.",
    )
    hops: list[TransferHop] = strawberry.field(
        default_factory=list,
        description="For an onward transfer: each hop from the origin down the chain, the "
        "weakest deciding the status; empty for the vendor's own location.",
    )
    _tia: strawberry.Private[models.TransferImpactAssessment | None] = None
    _reasons: strawberry.Private[tuple[str, ...]] = ()
    _basis: strawberry.Private[models.TransferBasis | None] = None

    @strawberry.field(
        description="Why, in plain English, one sentence per reason. Empty for " + FULL_VERDICT_ONLY
    )
    def reasons(self, info: Info) -> list[str]:
        return list(self._reasons) if full_verdict(info) else []

    @strawberry.field(
        description="The recorded basis the verdict rests on; null for adequacy, NOT_REQUIRED "
        "or a gap. Null for " + FULL_VERDICT_ONLY
    )
    def basis(self, info: Info) -> TransferBasis | None:
        found = self._basis
        return TransferBasis.from_domain(found) if found and full_verdict(info) else None

    @strawberry.field(
        description="The transfer impact assessment covering the basis the verdict rests on; "
        "the reasons cite it for everyone, the record is for ADMIN and PROCUREMENT keys only."
    )
    def tia(self, info: Info) -> TransferImpactAssessment | None:
        return tia_for(info, self._tia)

    @classmethod
    def from_domain(cls, item: AssessmentItem) -> TransferAssessmentItem:
        e, route = item.evaluation, item.route
        return cls(
            subprocessor=Subprocessor.from_domain(item.subprocessor),
            country=e.destination,
            status=e.status,
            mechanism=e.mechanism,
            exceptional=e.exceptional,
            _tia=e.tia,
            _reasons=tuple(e.reasons),
            _basis=e.basis,
            chain_link=None if route is None else ChainLink.from_domain(route.link, route.depth),
            hops=[]
            if route is None
            else [
                TransferHop(
                    name=h.name,
                    status=h.evaluation.status,
                    mechanism=h.evaluation.mechanism,
                    _reasons=tuple(h.evaluation.reasons),
                )
                for h in route.hops
            ],
        )


@strawberry.type(description="How many transfers have each status.")
class TransferStatusCounts:
    not_required: int = strawberry.field(description="Locations inside the origin's own area.")
    valid: int = strawberry.field(description="Locations with a basis in force.")
    expiring: int = strawberry.field(description="Locations whose basis ends within 60 days.")
    invalid: int = strawberry.field(description="Locations whose recorded bases all fail.")
    missing: int = strawberry.field(description="Locations with no basis at all.")


@strawberry.type(description="Every processing location evaluated on one date.")
class TransferAssessment:
    as_of: date = strawberry.field(
        description="The evaluation day (ISO 8601 date). Default today: on the customer's "
        "calendar (its time zone) for a CUSTOMER key, in UTC otherwise."
    )
    origin: models.DataOrigin = strawberry.field(
        description="The jurisdiction the data leaves from."
    )
    withdrawn: list[models.TransferMechanism] = strawberry.field(
        description="Mechanisms treated as fallen for a what-if; empty for the real picture."
    )
    items: list[TransferAssessmentItem] = strawberry.field(
        description="One item per processing location of every subprocessor in force, then "
        "one per location of every sub-processor down their chains (onward transfers)."
    )
    counts: TransferStatusCounts = strawberry.field(
        description="How many processing locations (items) have each status; the public page "
        "counts the same way."
    )

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
