"""Transfer-basis evaluation (DESIGN.md 3.5): may data from an origin reach a country on a day?

Pure: the caller passes the day, the recorded bases and DPAs; the legal facts come from
`registry.domain.reference` (data files a privacy lead maintains). Readings of the law
that the facts alone do not settle:

- `TransferBasis.valid_until` and `Dpa.expires_on` are the last valid day, inclusive.
- INVALID means bases are recorded but none works; MISSING means nothing is recorded and
  no adequacy applies. So a what-if that fells a recorded EU_US_DPF basis gives INVALID
  (the record must be replaced), one that withdraws an adequacy decision gives MISSING.
- An Art. 45-47 basis in force, even one EXPIRING, outranks an Art. 49 derogation: the
  derogations are lawful only where no adequacy or safeguard applies.
- For UK transfers the 2021 SCCs count only with a UK Addendum in force; the Addendum on
  its own counts, as it incorporates the EU SCCs it amends.
- Withdrawing EU_US_DPF leaves UK_US_DATA_BRIDGE and SWISS_US_DPF standing (UK and Swiss
  law); list them too to model the whole framework falling.
- Before an origin's own regime began (UK before 2021-01-01) its transfers are judged by
  the regime then in force (the EU's): home area, adequacy list and mechanism rules.
- Territories with their own ISO code count as inside a home area when the reference
  says so (Réunion, Åland); the ones outside it (Greenland) follow their own rows.
- A partial adequacy decision (PIPEDA, APPI, PIPA, DPF) holds only for recipients in its
  scope: `recipient_in_scope=False` sets it aside so recorded bases must carry the transfer.
- An Art. 49 derogation is never VALID here: a subprocessor's transfers are systematic.
- The Art. 28 DPA is a requirement separate from the Chapter V basis: with `dpas` given,
  a missing or lapsed DPA is said on every verdict without changing its status; a lapsed
  DPA ends only the contractual bases it incorporates.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from registry.domain.models import (
    DataOrigin,
    Dpa,
    TransferBasis,
    TransferImpactAssessment,
    TransferMechanism,
    TransferStatus,
)
from registry.domain.reference import Reference, load_reference
from registry.domain.tia import legacy_assessments
from registry.domain.transfer_verdicts import (
    Case,
    Verdict,
    adequacy_verdict,
    basis_verdict,
    dpa_remarks,
)

__all__ = ["EXPIRING_WITHIN", "TransferEvaluation", "evaluate_transfer", "summarize"]

EXPIRING_WITHIN = timedelta(days=60)
"""A valid basis whose end falls this close after the evaluation day is EXPIRING."""

_ADEQUACY = TransferMechanism.ADEQUACY


@dataclass(frozen=True, slots=True)
class TransferEvaluation:
    """The verdict for one origin → destination transfer on one day, with its reasons."""

    origin: DataOrigin
    destination: str
    status: TransferStatus
    reasons: tuple[str, ...]
    mechanism: TransferMechanism | None
    basis: TransferBasis | None
    exceptional: bool = False
    # The transfer impact assessment covering the basis relied on (or found wanting).
    tia: TransferImpactAssessment | None = None


def evaluate_transfer(
    origin: DataOrigin,
    destination: str,
    on: date,
    bases: Sequence[TransferBasis],
    *,
    dpas: Sequence[Dpa] | None = None,
    withdrawn: Collection[TransferMechanism] = (),
    reference: Reference | None = None,
    expiring_within: timedelta = EXPIRING_WITHIN,
    recipient_in_scope: bool | None = None,
    tias: Sequence[TransferImpactAssessment] = (),
) -> TransferEvaluation:
    """Evaluate a transfer on `on`; `bases` may hold any bases, those not for this route are
    ignored. `dpas` are the DPAs of the bases' subprocessor (None: not checked, so no
    Art. 28 remark); `withdrawn` lists mechanisms to treat as fallen ("what if");
    `reference` replaces the packaged facts; `recipient_in_scope` is what the processing
    location records about a partial adequacy decision's scope (None: not recorded);
    `tias` are the vendor's transfer impact assessments (bases' own `tia_on` count too)."""
    ref = load_reference() if reference is None else reference
    country = ref.country(destination)
    regime = ref.home_areas[origin].regime_on(on)
    area = ref.home_areas[regime]
    notes: list[str] = []
    if regime is not origin:
        notes.append(
            ref.home_areas[origin].regime_note or f"evaluated under the {regime.value} rules"
        )
    contract = dpa_remarks(None if dpas is None else tuple(dpas), on)
    member = area.member(country, on)
    if member is not None:
        reason = f"{country} is inside the {area.name}: no transfer basis needed"
        detail = [member.note] if member.note and (member.member_until or member.part_of) else []
        reasons = (reason, *detail, *notes, *contract)
        return TransferEvaluation(origin, country, TransferStatus.NOT_REQUIRED, reasons, None, None)
    outside = area.outside_note(country, on)
    if outside is not None:
        notes.append(f"{country} is outside the {area.name}: {outside.note}")
    case = Case(
        ref=ref,
        origin=origin,
        country=country,
        on=on,
        bases=tuple(
            b for b in bases if b.origin is origin and ref.country(b.destination) == country
        ),
        dpas=tuple(dpas or ()),
        withdrawn=frozenset(withdrawn),
        expiring_within=expiring_within,
        regime=regime,
        recipient_in_scope=recipient_in_scope,
        tias=(*tias, *legacy_assessments(bases)),
    )
    adequacy = adequacy_verdict(case, notes)
    verdicts = [] if adequacy is None else [adequacy]
    # A recorded ADEQUACY basis adds nothing when the adequacy decision applies by law.
    verdicts += [
        basis_verdict(case, b) for b in case.bases if adequacy is None or b.mechanism != _ADEQUACY
    ]
    return _decide(case, verdicts, [*notes, *contract])


def summarize(evaluations: Iterable[TransferEvaluation]) -> dict[TransferStatus, int]:
    """Counts per status, every status present (zeros included) for stable dashboards."""
    counts = dict.fromkeys(TransferStatus, 0)
    for evaluation in evaluations:
        counts[evaluation.status] += 1
    return counts


def _decide(case: Case, verdicts: list[Verdict], notes: list[str]) -> TransferEvaluation:
    usable = [v for v in verdicts if v.usable]
    if not verdicts:
        reasons = (f"no transfer basis recorded for {case.route}", *notes)
        return TransferEvaluation(
            case.origin, case.country, TransferStatus.MISSING, reasons, None, None
        )
    # max() keeps the first of equals: the adequacy decision, then bases in recorded order.
    winner = max(usable, key=_rank) if usable else verdicts[0]
    prefix = "not used" if usable else "also recorded"
    losers = [f"{prefix}: {_brief(v)}" for v in verdicts if v is not winner]
    return TransferEvaluation(
        origin=case.origin,
        destination=case.country,
        status=winner.status,
        reasons=(*winner.reasons, *notes, *losers),
        mechanism=winner.mechanism,
        basis=winner.basis,
        exceptional=winner.exceptional,
        tia=winner.tia,
    )


def _rank(verdict: Verdict) -> tuple[bool, bool, bool, date]:
    return (
        not verdict.exceptional,
        verdict.status is TransferStatus.VALID,
        verdict.mechanism is _ADEQUACY,
        verdict.end or date.max,
    )


def _brief(verdict: Verdict) -> str:
    name = "adequacy" if verdict.basis is None else f"basis {verdict.basis.id}"
    return f"{name} ({verdict.mechanism.value}) {verdict.status.value}: {verdict.reasons[0]}"
