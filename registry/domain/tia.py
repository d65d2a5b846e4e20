"""Transfer impact assessments: which one covers a transfer, and what its verdict says.

A TIA assesses one vendor's route (origin → destination on one mechanism) under the
regime's own method (`Reference.tia_method`: the EDPB's Recommendations 01/2020 for the
EEA, the data protection test for the UK from 2026-02-05, the FDPIC's guide for
Switzerland). Readings:

- The latest assessment made on or before the day covers the route; a later one
  supersedes it, and one dated after the day does not exist yet on that day.
- NOT_SUFFICIENT ends the basis it assessed (the transfer is INVALID on it; another basis
  may still carry the route); SUFFICIENT and SUPPLEMENTARY_MEASURES keep it, naming the
  measures; a review date passed leaves the verdict standing and says it is overdue.
- A transfer basis recorded with `tia_on` (before assessments were their own record) is
  an assessment with no recorded outcome, unless a real assessment of the route exists.

Pure: the caller passes the day and the assessments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from registry.domain.errors import ValidationError
from registry.domain.models import (
    DataOrigin,
    TiaOutcome,
    TransferBasis,
    TransferImpactAssessment,
    TransferMechanism,
)
from registry.domain.reference import Guidance

__all__ = [
    "OUTCOME_WORDS",
    "REVIEW_NOTICE",
    "check_assessment",
    "covering",
    "legacy_assessments",
    "review_due",
    "tia_reasons",
]

REVIEW_NOTICE = timedelta(days=30)
"""Staff are reminded this long before an assessment's next review falls due."""

OUTCOME_WORDS = {
    TiaOutcome.SUFFICIENT: "the safeguards are sufficient",
    TiaOutcome.SUPPLEMENTARY_MEASURES: "sufficient with supplementary measures",
    TiaOutcome.NOT_SUFFICIENT: "the safeguards are not sufficient, even with measures",
}


def legacy_assessments(bases: Iterable[TransferBasis]) -> tuple[TransferImpactAssessment, ...]:
    """The assessments bases recorded as `tia_on`/`tia_url`, outcome unknown."""
    return tuple(
        TransferImpactAssessment(
            id=f"{b.id}:tia",
            subprocessor_id=b.subprocessor_id,
            origin=b.origin,
            destination=b.destination,
            mechanism=b.mechanism,
            assessed_on=b.tia_on,
            outcome=None,
            document_reference=b.tia_url,
        )
        for b in bases
        if b.tia_on is not None
    )


def covering(
    assessments: Sequence[TransferImpactAssessment],
    origin: DataOrigin,
    country: str,
    mechanism: TransferMechanism,
    on: date,
) -> TransferImpactAssessment | None:
    """The assessment covering the route on the day: the latest made by then (a recorded
    outcome outranks a legacy date on the same day)."""
    found = [
        a
        for a in assessments
        if a.origin is origin
        and a.destination == country
        and a.mechanism is mechanism
        and a.assessed_on <= on
    ]
    return max(found, key=lambda a: (a.assessed_on, a.outcome is not None), default=None)


def review_due(assessment: TransferImpactAssessment, on: date) -> bool:
    """True from REVIEW_NOTICE before the next review (and after it, while not redone)."""
    due = assessment.next_review_on
    return due is not None and on >= due - REVIEW_NOTICE


def tia_reasons(
    assessment: TransferImpactAssessment | None,
    *,
    route: str,
    label: str,
    expected: bool,
    method: Guidance | None,
    method_then: Guidance | None,
    on: date,
) -> tuple[str | None, list[str]]:
    """(why the basis fails, if the assessment found it not sufficient; the reasons to add).

    `method` is the regime's method on the evaluation day, `method_then` on the day the
    assessment was made (they differ across the UK's change of 2026-02-05)."""
    named = f" ({method.name})" if method is not None else ""
    if assessment is None:
        if not expected:
            return None, []
        return None, [f"no transfer impact assessment recorded for {route} on the {label}{named}"]
    a = assessment
    followed = method_then or method
    under = f" following {followed.name}" if followed is not None else ""
    if method is not None and followed is not None and method.name != followed.name:
        under += f" (since then the method is {method.name})"
    # The reviewer and the documents stay with staff: reasons are shown to customers.
    head = f"transfer impact assessment {a.id} of {a.assessed_on}{under}"
    if a.outcome is TiaOutcome.NOT_SUFFICIENT:
        return (
            f"{head} found the {label} not sufficient for {route}: "
            "the transfer may not rely on it (suspend it, or add measures and re-assess)",
            [],
        )
    if a.outcome is None:
        said = f"{head}: outcome not recorded"
    else:
        said = f"{head}: {OUTCOME_WORDS[a.outcome]}"
    if a.measures:
        said += f" ({'; '.join(a.measures)})"
    reasons = [said]
    due = a.next_review_on
    if due is not None and on > due:
        reasons.append(f"transfer impact assessment {a.id} overdue for review since {due}")
    elif due is not None and review_due(a, on):
        reasons.append(f"transfer impact assessment {a.id} due for review on {due}")
    return None, reasons


def check_assessment(
    assessment: TransferImpactAssessment,
    *,
    countries: Iterable[str],
    bases: Iterable[TransferBasis],
) -> None:
    """Refuse an assessment for a route the vendor does not use, or with its dates or
    measures at odds with its outcome (ValidationError naming the field)."""
    a = assessment
    if a.destination not in set(countries):
        raise ValidationError(
            "destination",
            f"the vendor has no processing location in {a.destination}: "
            "an assessment is for a route the vendor uses",
        )
    recorded = [
        b
        for b in bases
        if b.origin is a.origin and b.destination == a.destination and b.mechanism is a.mechanism
    ]
    if not recorded:
        raise ValidationError(
            "mechanism",
            f"no {a.mechanism.value} transfer basis is recorded for "
            f"{a.origin.value} → {a.destination}: record the basis first",
        )
    if a.next_review_on is not None and a.next_review_on <= a.assessed_on:
        raise ValidationError(
            "nextReviewOn",
            f"the next review ({a.next_review_on}) must come after the assessment "
            f"({a.assessed_on})",
        )
    if a.outcome is TiaOutcome.SUPPLEMENTARY_MEASURES and not a.measures:
        raise ValidationError(
            "measures", "name the supplementary measures the assessment relies on"
        )
