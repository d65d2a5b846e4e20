"""Verdicts on single candidates for a transfer: the adequacy decision that applies by law,
and each recorded basis, checked against the mechanism rules in `registry.domain.reference`.

`registry.domain.transfers` picks the winner among these verdicts; see its docstring for
the readings of the law both modules follow.
"""

from __future__ import annotations

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
from registry.domain.reference import (
    AdequacyDecision,
    AdequacyList,
    MechanismRule,
    Reference,
)
from registry.domain.tia import covering, tia_reasons

__all__ = ["Case", "Verdict", "adequacy_verdict", "basis_verdict", "dpa_remarks"]

_ADEQUACY = TransferMechanism.ADEQUACY
_USABLE = frozenset({TransferStatus.VALID, TransferStatus.EXPIRING})


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one candidate (an adequacy decision or a recorded basis) is worth on the day."""

    status: TransferStatus
    mechanism: TransferMechanism
    basis: TransferBasis | None
    reasons: tuple[str, ...]
    exceptional: bool = False
    end: date | None = None
    tia: TransferImpactAssessment | None = None  # the assessment covering it, if any

    @property
    def usable(self) -> bool:
        return self.status in _USABLE


@dataclass(frozen=True, slots=True)
class _Support:
    """Outcome of a check a basis leans on (companion basis, DPA): a failure or an end."""

    failure: str | None = None
    end: date | None = None
    what: str = ""
    remark: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """The question being answered, shared by the checks."""

    ref: Reference
    origin: DataOrigin
    country: str
    on: date
    bases: tuple[TransferBasis, ...]  # only those recorded for this origin and country
    dpas: tuple[Dpa, ...]
    withdrawn: frozenset[TransferMechanism]
    expiring_within: timedelta
    # Whose rules apply on the day: the origin's own, or those before its regime began.
    regime: DataOrigin | None = None
    # Whether the recipient is within a partial adequacy decision's scope (None: not known).
    recipient_in_scope: bool | None = None
    # The vendor's transfer impact assessments (any route; `covering` picks this one's).
    tias: tuple[TransferImpactAssessment, ...] = ()

    @property
    def route(self) -> str:
        return f"{self.origin.value} → {self.country}"

    @property
    def rules_of(self) -> DataOrigin:
        return self.regime or self.origin

    @property
    def adequacy(self) -> AdequacyList:
        return self.ref.adequacy[self.rules_of]


def adequacy_verdict(case: Case, notes: list[str]) -> Verdict | None:
    """The adequacy decision that applies by law, if any; otherwise why not, in `notes`."""
    decision = case.adequacy.in_force(case.country, case.on)
    if decision is None:
        unlisted = case.adequacy.unlisted_note(case.country)
        if unlisted is not None:
            title = case.adequacy.title_on(case.on)
            notes.append(f"{case.country} is not on the {title}: {unlisted.note}")
        return None
    needed = decision.requires_certification
    if needed is not None:  # e.g. US: only through a recorded, active DPF certification
        if not any(b.mechanism is needed for b in case.bases):
            notes.append(
                f"{_named(case, decision)} for {case.route} is limited to "
                f"{decision.scope_limit or 'certified recipients'}: "
                f"no {needed.value} basis recorded"
            )
        return None
    if _ADEQUACY in case.withdrawn:
        notes.append(f"{_named(case, decision)} for {case.route} withdrawn (what-if)")
        return None
    if decision.partial and case.recipient_in_scope is False:
        notes.append(
            f"{_named(case, decision)} for {case.route} covers only part of the recipients "
            f"({decision.scope_limit or 'partial adequacy'}): the recipient is recorded as "
            "outside that scope, so another transfer basis is needed"
        )
        return None
    reasons = [
        f"{_named(case, decision)} for {case.route} in force since {decision.in_force_from}",
        *_remarks(case, decision),
    ]
    basis = next((b for b in case.bases if b.mechanism is _ADEQUACY), None)
    tia = _tia(case, _ADEQUACY)
    failure, said = _tia_said(case, tia, "adequacy decision", expected=False)
    if failure is not None:
        return Verdict(TransferStatus.INVALID, _ADEQUACY, basis, (failure,), tia=tia)
    ends = [(case.adequacy.runs_until(decision), _named(case, decision))]
    return _in_force(case, _ADEQUACY, basis, [*reasons, *said], ends, tia=tia)


def basis_verdict(case: Case, basis: TransferBasis) -> Verdict:
    """What one recorded basis is worth on the day."""
    rule = case.ref.rule(basis.mechanism, case.rules_of)
    label = case.ref.label(basis.mechanism) if rule is None else rule.label
    if basis.mechanism in case.withdrawn:
        return _invalid(basis, f"{label} withdrawn (what-if)")
    if rule is None and case.rules_of is not case.origin:
        return _invalid(
            basis,
            f"{label} not available on {case.on}: transfers from {case.origin.value} then "
            f"followed the {case.rules_of.value} rules",
        )
    if rule is None:
        covered = ", ".join(o.value for o in case.ref.origins_of(basis.mechanism))
        return _invalid(
            basis, f"{label} does not cover transfers from {case.rules_of.value} (only {covered})"
        )
    failure = _rule_failure(case, basis, rule) or _basis_failure(case, basis, rule)
    if failure is not None:
        return _invalid(basis, failure)
    if rule.exceptional:  # Art. 49: never a basis for a subprocessor's systematic transfers
        why = rule.caveat or f"{rule.label} is exceptional"
        return Verdict(
            TransferStatus.INVALID,
            basis.mechanism,
            basis,
            (f"{rule.label} (basis {basis.id}) recorded: {why}",),
            exceptional=True,
        )
    mechanism = basis.mechanism
    reasons = [f"{rule.label} in force (basis {basis.id})"]
    ends = [(basis.valid_until, f"basis {basis.id}"), (rule.last_valid_day, rule.label)]
    decision = case.adequacy.certified_by(basis.mechanism, case.country)
    if decision is not None:  # a certification opening a scoped adequacy decision (US)
        if _ADEQUACY in case.withdrawn:
            return _invalid(basis, f"{_named(case, decision)} for {case.route} withdrawn (what-if)")
        if not decision.in_force(case.on):
            return _invalid(basis, f"{_named(case, decision)} not in force on {case.on}")
        if case.recipient_in_scope is False:
            return _invalid(
                basis,
                f"the recipient is recorded as outside the scope of {_named(case, decision)} "
                f"({decision.scope_limit or 'certified recipients'})",
            )
        mechanism = _ADEQUACY
        reasons = [
            f"{_named(case, decision)} for {case.route}: recipient certified "
            f"under the {rule.label} (basis {basis.id})",
            *_remarks(case, decision),
        ]
        ends.append((case.adequacy.runs_until(decision), _named(case, decision)))
    for support in (_companion(case, rule), _dpa(case, basis, rule)):
        if support.failure is not None:
            return _invalid(basis, support.failure)
        ends.append((support.end, support.what))
        reasons += [support.remark] if support.remark else []
    reasons += _detail_remarks(basis, rule)
    tia = _tia(case, basis.mechanism)
    failure, said = _tia_said(case, tia, rule.label, expected=rule.tia_expected)
    if failure is not None:
        return Verdict(TransferStatus.INVALID, basis.mechanism, basis, (failure,), tia=tia)
    reasons += said
    reasons += [rule.caveat] if rule.caveat else []
    reasons += [f"reference row unverified: {rule.note}"] if rule.unverified else []
    return _in_force(case, mechanism, basis, reasons, ends, exceptional=rule.exceptional, tia=tia)


def _tia(case: Case, mechanism: TransferMechanism) -> TransferImpactAssessment | None:
    return covering(case.tias, case.origin, case.country, mechanism, case.on)


def _tia_said(
    case: Case, tia: TransferImpactAssessment | None, label: str, *, expected: bool
) -> tuple[str | None, list[str]]:
    """What the covering assessment (or its absence) adds, under the regime's method."""
    method = case.ref.tia_method(case.rules_of, case.on)
    then = None if tia is None else case.ref.tia_method(case.rules_of, tia.assessed_on)
    return tia_reasons(
        tia,
        route=case.route,
        label=label,
        expected=expected,
        method=method,
        method_then=then,
        on=case.on,
    )


def _rule_failure(case: Case, basis: TransferBasis, rule: MechanismRule) -> str | None:
    """Why the mechanism itself does not work for this route on the day, if it does not."""
    on = case.on
    if rule.destinations and case.country not in rule.destinations:
        return f"{rule.label} only covers transfers to {', '.join(sorted(rule.destinations))}"
    if rule.valid_from is not None and on < rule.valid_from:
        return f"{rule.label} not available before {rule.valid_from}"
    if rule.invalid_from is not None and on >= rule.invalid_from:
        why = f" ({rule.end_reason})" if rule.end_reason else ""
        return f"{rule.label} invalid since {rule.invalid_from}{why}"
    closed = rule.closed_to_new_from
    if closed is not None and basis.valid_from is not None and basis.valid_from >= closed:
        return (
            f"{rule.label} cannot be used for contracts concluded from {closed} on "
            f"(basis {basis.id} starts {basis.valid_from})"
        )
    if basis.mechanism is _ADEQUACY:  # recorded, but no adequacy decision applies by law
        decision = case.adequacy.in_force(case.country, on)
        if decision is None:
            return f"no adequacy decision for {case.route} in force on {on}"
        if decision.requires_certification is not None:
            wanted = case.ref.label(decision.requires_certification)
            named = _named(case, decision)
            return f"{named} covers only recipients certified under the {wanted}"
    return None


def _basis_failure(case: Case, basis: TransferBasis, rule: MechanismRule) -> str | None:
    if basis.valid_from is not None and case.on < basis.valid_from:
        return f"basis {basis.id} ({rule.label}) not in force before {basis.valid_from}"
    if basis.valid_until is not None and case.on > basis.valid_until:
        return f"basis {basis.id} ({rule.label}) ended on {basis.valid_until}"
    return None


def _companion(case: Case, rule: MechanismRule) -> _Support:
    """A mechanism that only works alongside another (EU SCCs + UK Addendum)."""
    needed = rule.requires_companion
    if needed is None:
        return _Support()
    name = case.ref.label(needed)
    usable = [
        v for v in (basis_verdict(case, b) for b in case.bases if b.mechanism is needed) if v.usable
    ]
    if not usable:
        return _Support(
            failure=f"{rule.label} cover transfers from {case.origin.value} only together "
            f"with the {name}: none in force"
        )
    best = max(usable, key=lambda v: v.end or date.max)
    basis_id = best.basis.id if best.basis else "?"
    return _Support(end=best.end, what=name, remark=f"with the {name} (basis {basis_id})")


def _dpa(case: Case, basis: TransferBasis, rule: MechanismRule) -> _Support:
    """Contract clauses live in the DPA: they fall with the DPAs that incorporate them.

    For clauses in modules (2021 SCCs) a DPA incorporates the basis when it lists its
    module (any module, when the basis names none); a DPA listing no module does not
    carry the SCCs, so its expiry leaves them standing (the Art. 28 gap is reported
    separately). Other contractual mechanisms are taken to live in every DPA on record.
    """
    if not rule.contractual or not case.dpas:
        return _Support()
    on = case.on
    tied = list(case.dpas)
    if rule.modules:
        listing = [d for d in case.dpas if d.scc_modules]
        module = basis.scc_module
        tied = [d for d in listing if module is None or module in d.scc_modules]
        if not tied:
            in_force_listing = [d for d in listing if _dpa_in_force(d, on)]
            if module is not None and in_force_listing:
                listed = ", ".join(
                    str(m) for m in sorted({m for d in listing for m in d.scc_modules})
                )
                return _Support(
                    failure=f"SCC module {module} is not in the DPA in force (modules {listed})"
                )
            return _Support()
    in_force = [d for d in tied if _dpa_in_force(d, on)]
    if not in_force:
        states = "; ".join(_dpa_state(d, on) for d in tied)
        return _Support(failure=f"{rule.label} (basis {basis.id}) falls with its DPA: {states}")
    if any(d.expires_on is None for d in in_force):
        return _Support()
    last = max(in_force, key=lambda d: d.expires_on or date.max)
    return _Support(end=last.expires_on, what=_dpa_name(last))


def dpa_remarks(dpas: tuple[Dpa, ...] | None, on: date) -> list[str]:
    """The Art. 28 processor contract, a requirement separate from the Chapter V basis:
    said on every verdict when none is on record or none is in force; None = not checked."""
    if dpas is None:
        return []
    if not dpas:
        return ["no DPA on record for this subprocessor (Art. 28 processor contract required)"]
    if any(_dpa_in_force(d, on) for d in dpas):
        return []
    states = "; ".join(_dpa_state(d, on) for d in dpas)
    return [f"no DPA in force on {on} ({states}): Art. 28 processor contract required"]


def _dpa_in_force(dpa: Dpa, on: date) -> bool:
    return _dpa_start(dpa) <= on and not _dpa_ended(dpa, on)


def _dpa_state(dpa: Dpa, on: date) -> str:
    if _dpa_ended(dpa, on):
        return f"{_dpa_name(dpa)} expired on {dpa.expires_on}"
    return f"{_dpa_name(dpa)} not in force before {_dpa_start(dpa)}"


def _dpa_start(dpa: Dpa) -> date:
    # Without any date (a policy names the DPA, not when): in force since an unknown day.
    return dpa.effective_on or dpa.signed_on or date.min


def _dpa_ended(dpa: Dpa, on: date) -> bool:
    return dpa.expires_on is not None and on > dpa.expires_on


def _dpa_name(dpa: Dpa) -> str:
    return f"DPA {dpa.version}" if dpa.version.lower().startswith("v") else f"DPA v{dpa.version}"


def _in_force(
    case: Case,
    mechanism: TransferMechanism,
    basis: TransferBasis | None,
    reasons: list[str],
    ends: list[tuple[date | None, str]],
    *,
    exceptional: bool = False,
    tia: TransferImpactAssessment | None = None,
) -> Verdict:
    """A usable verdict: EXPIRING when its earliest end is within the window."""
    dated = sorted((end, what) for end, what in ends if end is not None)
    if not dated:
        return Verdict(TransferStatus.VALID, mechanism, basis, tuple(reasons), exceptional, tia=tia)
    end, what = dated[0]
    if end - case.on > case.expiring_within:
        return Verdict(
            TransferStatus.VALID, mechanism, basis, tuple(reasons), exceptional, end, tia
        )
    window = case.expiring_within.days
    reasons = [*reasons, f"expiring: {what} ends {end} (last valid day, within {window} days)"]
    return Verdict(TransferStatus.EXPIRING, mechanism, basis, tuple(reasons), exceptional, end, tia)


def _invalid(basis: TransferBasis, reason: str) -> Verdict:
    return Verdict(TransferStatus.INVALID, basis.mechanism, basis, (reason,))


def _named(case: Case, decision: AdequacyDecision) -> str:
    """The decision as the law calls it on the day (UK: an approval under Art. 45A from
    2026-02-05)."""
    return f"{case.adequacy.noun_on(case.on)} {decision.decision}"


def _remarks(case: Case, decision: AdequacyDecision) -> list[str]:
    remarks = [f"scope limit: {decision.scope_limit}"] if decision.scope_limit else []
    if decision.partial and decision.requires_certification is None:
        if case.recipient_in_scope:
            remarks.append("partial adequacy: the recipient is recorded as within its scope")
        else:
            remarks.append(
                "partial adequacy: valid only if the recipient is within its scope; "
                "record that on the processing location"
            )
    if decision.eea_efta_open(case.on) and case.rules_of is DataOrigin.EEA:
        remarks.append(
            "for exporters in Iceland, Liechtenstein and Norway only once the EEA Joint "
            "Committee incorporates the decision (not yet recorded)"
        )
    if decision.unverified:
        remarks.append(f"reference row unverified: {decision.note}")
    return remarks


def _detail_remarks(basis: TransferBasis, rule: MechanismRule) -> list[str]:
    """What the record lacks for this mechanism: its module, its certification's end."""
    remarks: list[str] = []
    if rule.modules and basis.scc_module is None:
        remarks.append(
            f"no SCC module recorded for basis {basis.id}: record which module applies "
            "(1 C→C, 2 C→P, 3 P→P, 4 P→C)"
        )
    if not rule.modules and basis.scc_module is not None:
        remarks.append(f"SCC module {basis.scc_module} ignored: the {rule.label} have no modules")
    if rule.certification and basis.valid_until is None:
        remarks.append(
            f"no certification end date recorded for basis {basis.id}: certifications are "
            "renewed yearly, record the next renewal date as its last valid day"
        )
    return remarks
