"""The legal watch in the API: the facts' release and impact reports."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from registry.api.types import scalars  # noqa: F401 - registers the enums
from registry.domain import models
from registry.domain.reference import Release
from registry.services.legal_watch import ImpactLine, ImpactReport


@strawberry.type(description="Which edition of the legal facts the registry evaluates with.")
class ReferenceRelease:
    release: str = strawberry.field(description="The release identifier, e.g. 2026.3.")
    published_on: date = strawberry.field(description="When it was published (ISO 8601 date).")
    summary: str = strawberry.field(description="What changed in it, in plain English.")

    @classmethod
    def from_domain(cls, r: Release) -> ReferenceRelease:
        return cls(release=r.release, published_on=r.published_on, summary=r.summary)


@strawberry.input(description="A mechanism (or one country's adequacy decision) withdrawn.")
class WithdrawalInput:
    mechanism: models.TransferMechanism = strawberry.field(
        description="The mechanism that falls, e.g. EU_US_DPF (the adequacy decision for the "
        "US goes with it) or ADEQUACY."
    )
    from_day: date = strawberry.field(
        description="The first day it no longer applies (ISO 8601 date)."
    )
    country: str | None = strawberry.field(
        default=None,
        description="Only with ADEQUACY: that country's decisions (ISO 3166-1 alpha-2); "
        "default every country.",
    )


@strawberry.type(description="One transfer whose verdict changes.")
class LegalImpactLine:
    subprocessor_id: strawberry.ID = strawberry.field(description="The subprocessor's id.")
    legal_name: str = strawberry.field(description="The subprocessor's legal name.")
    country: str = strawberry.field(description="The processing location's country (alpha-2).")
    origin: models.DataOrigin = strawberry.field(description="Where the data leaves from.")
    first_day: date = strawberry.field(
        description="The first day its verdict differs (ISO 8601 date)."
    )
    falls_on: date | None = strawberry.field(
        description="The first day it has no usable basis where it had one; null when it keeps one."
    )
    status_before: models.TransferStatus = strawberry.field(
        description="The verdict under the facts as they are (or the old release)."
    )
    status_after: models.TransferStatus = strawberry.field(
        description="The verdict under the changed facts: on fallsOn if it falls, else on firstDay."
    )
    mechanism_before: models.TransferMechanism | None = strawberry.field(
        description="The mechanism the verdict rested on; null for none."
    )
    mechanism_after: models.TransferMechanism | None = strawberry.field(
        description="The mechanism it rests on after the change; null for none."
    )
    reasons: list[str] = strawberry.field(description="The verdict's reasons after the change.")
    reasons_before: list[str] = strawberry.field(
        description="The verdict's reasons before the change."
    )
    status_changes: bool = strawberry.field(
        description="False when only the reasons change (same status and mechanism)."
    )
    customers: int = strawberry.field(
        description="How many customers' data takes this route (their data origin, the "
        "vendor's scope): whom to tell by announcing a change."
    )
    customer_names: list[str] = strawberry.field(description="Up to five of them, by name.")

    @classmethod
    def from_domain(cls, line: ImpactLine) -> LegalImpactLine:
        S, M = models.TransferStatus, models.TransferMechanism
        return cls(
            subprocessor_id=strawberry.ID(line.subprocessor_id),
            legal_name=line.legal_name,
            country=line.country,
            origin=line.origin,
            first_day=line.first_day,
            falls_on=line.falls_on,
            status_before=S(line.status_before),
            status_after=S(line.status_after),
            mechanism_before=M(line.mechanism_before) if line.mechanism_before else None,
            mechanism_after=M(line.mechanism_after) if line.mechanism_after else None,
            reasons=list(line.reasons),
            reasons_before=list(line.reasons_before),
            status_changes=line.status_changes,
            customers=line.customers,
            customer_names=list(line.customer_names),
        )


@strawberry.type(
    description="Which transfers change their verdict, today and in the next days, when the "
    "legal facts change (a new release, or a what-if)."
)
class LegalImpactReport:
    report_id: str = strawberry.field(
        description="The report's id; the console shows it at /console/legal/<reportId>."
    )
    kind: str = strawberry.field(description="RELEASE (after a deploy) or WHAT_IF (asked).")
    title: str = strawberry.field(description="What was compared, in plain English.")
    computed_at: datetime = strawberry.field(description="When it was computed (DateTime, UTC).")
    today: date = strawberry.field(description="The first day of the window (UTC).")
    days: int = strawberry.field(description="How many days after today the window runs.")
    release: str = strawberry.field(description="The release of the facts compared against.")
    routes: int = strawberry.field(
        description="Transfers examined: each processing location of the vendors in force or "
        "announced, from each data origin customers hold."
    )
    scenario: list[str] = strawberry.field(description="The withdrawals or releases compared.")
    falling: list[LegalImpactLine] = strawberry.field(
        description="Transfers that lose their basis within the window, first falls first."
    )
    changing: list[LegalImpactLine] = strawberry.field(
        description="Transfers whose status or mechanism changes while they stay usable."
    )
    reworded: list[LegalImpactLine] = strawberry.field(
        description="Transfers whose verdict keeps its status and mechanism, with other reasons."
    )

    @classmethod
    def from_domain(cls, r: ImpactReport) -> LegalImpactReport:
        return cls(
            report_id=r.id,
            kind=r.kind,
            title=r.title,
            computed_at=r.computed_at,
            today=r.today,
            days=r.days,
            release=r.release,
            routes=r.routes,
            scenario=list(r.scenario),
            falling=[LegalImpactLine.from_domain(x) for x in r.falling],
            changing=[LegalImpactLine.from_domain(x) for x in r.changing],
            reworded=[LegalImpactLine.from_domain(x) for x in r.reworded],
        )
