"""Recording transfer impact assessments and reading them (staff only: they name people
and internal documents; the verdicts that cite them are public as transfers are)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date

from registry.domain import validation as check
from registry.domain.errors import NotFound, ValidationError
from registry.domain.models import (
    DataOrigin,
    TiaOutcome,
    TransferImpactAssessment,
    TransferMechanism,
)
from registry.domain.tia import check_assessment
from registry.services import policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import (
    ids,
    processing_locations,
    subprocessors,
    transfer_bases,
    transfer_impact_assessments,
)

MAX_MEASURES = 20


@dataclass(frozen=True, slots=True)
class TiaDraft:
    """An assessment to record (recordTransferImpactAssessment, the console's form)."""

    origin: DataOrigin
    destination: str
    mechanism: TransferMechanism
    assessed_on: date
    outcome: TiaOutcome
    measures: tuple[str, ...] = ()
    reviewer: str | None = None
    document_reference: str | None = None
    sha256: str | None = None
    next_review_on: date | None = None
    note: str | None = None


def _measures(values: Sequence[str]) -> tuple[str, ...]:
    if len(values) > MAX_MEASURES:
        raise ValidationError("measures", f"at most {MAX_MEASURES} measures")
    cleaned = [check.text(v, "measures", max_length=300) for v in values]
    return tuple(dict.fromkeys(cleaned))


async def record_assessment(
    deps: Deps, caller: Caller, sub_id: str, draft: TiaDraft
) -> TransferImpactAssessment:
    """A new assessment of one of the vendor's routes; it supersedes earlier ones from its
    assessment day on. Refused (ValidationError naming the field) for a route the vendor
    does not use, a review date not after the assessment, a malformed SHA-256."""
    require_role(caller, *STAFF)
    sub = await subprocessors.get(deps.db, sub_id) if ids.is_id_of("Subprocessor", sub_id) else None
    if sub is None:
        raise NotFound(f"no subprocessor {sub_id!r}")
    d = draft
    assessment = TransferImpactAssessment(
        id=ids.new_id("TransferImpactAssessment"),
        subprocessor_id=sub.id,
        origin=d.origin,
        destination=check.country(d.destination, "destination"),
        mechanism=d.mechanism,
        assessed_on=d.assessed_on,
        outcome=d.outcome,
        measures=_measures(d.measures),
        reviewer=check.optional_text(d.reviewer, "reviewer", max_length=200),
        document_reference=check.optional_text(
            d.document_reference, "documentReference", max_length=2048
        ),
        sha256=check.sha256(d.sha256),
        next_review_on=d.next_review_on,
        recorded_at=deps.clock.now(),
        note=check.note(d.note),
    )
    if assessment.assessed_on > deps.clock.now().astimezone(UTC).date():
        raise ValidationError("assessedOn", "an assessment cannot be dated in the future")
    locations = (await processing_locations.by_subprocessors(deps.db, [sub.id])).get(sub.id, [])
    bases = (await transfer_bases.by_subprocessors(deps.db, [sub.id])).get(sub.id, [])
    check_assessment(assessment, countries={loc.country for loc in locations}, bases=bases)
    await transfer_impact_assessments.insert(deps.db, assessment)
    return assessment


async def assessments_of(
    deps: Deps, caller: Caller, sub_ids: Sequence[str]
) -> dict[str, list[TransferImpactAssessment]]:
    """Each vendor's assessments, oldest first, for staff; nothing for anyone else."""
    if not policy.is_staff(caller):
        return {}
    return await transfer_impact_assessments.by_subprocessors(deps.db, sub_ids)


async def for_verdicts(
    deps: Deps, sub_ids: Sequence[str]
) -> dict[str, list[TransferImpactAssessment]]:
    """Each vendor's assessments, for evaluating its transfers (the verdicts cite them
    by id, date, outcome and measures, for any caller who may see the transfer)."""
    return await transfer_impact_assessments.by_subprocessors(deps.db, sub_ids)
