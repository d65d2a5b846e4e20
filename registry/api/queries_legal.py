"""Queries of the legal watch: the facts' release, and what a withdrawal would change."""

from __future__ import annotations

from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.types.legal import LegalImpactReport, ReferenceRelease, WithdrawalInput
from registry.domain.legal_watch import WINDOW_DAYS, Withdrawal
from registry.domain.reference import load_reference
from registry.services import legal_watch


@strawberry.type
class LegalQueries:
    @strawberry.field(
        description="The edition of the legal facts (adequacy decisions, mechanisms and their "
        "dates) the registry evaluates transfers with. Anyone."
    )
    def reference_release(self) -> ReferenceRelease | None:
        release = load_reference().release
        return ReferenceRelease.from_domain(release) if release else None

    @strawberry.field(
        description="What if: the transfers whose verdict changes, today and in the next "
        "days, if these mechanisms fell from their dates (e.g. EU_US_DPF from 2027-01-01). "
        "Computed, not kept: the console's Legal watch (or `registry legal-impact --record`) "
        "keeps a report and tells staff. ADMIN and PROCUREMENT keys only."
    )
    async def legal_impact(
        self,
        info: Info,
        withdrawn: Annotated[
            list[WithdrawalInput],
            strawberry.argument(description="The withdrawals, each from its own day."),
        ],
        days: Annotated[
            int,
            strawberry.argument(description="How many days after today to look (0-366)."),
        ] = WINDOW_DAYS,
    ) -> LegalImpactReport:
        report = await legal_watch.what_if(
            info.context.deps,
            info.context.caller,
            [Withdrawal(w.mechanism, w.from_day, w.country) for w in withdrawn],
            days=days,
        )
        return LegalImpactReport.from_domain(report)
