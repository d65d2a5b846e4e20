"""The legal watch: which transfers change their verdict when the legal facts change.

Two questions share one answer. A new release of the reference data (a deploy) changes
the facts from one edition to the next; a "what if" changes them by a withdrawal from a
date (the EU–US DPF struck down by the appeal in C-703/25 P, an adequacy decision
repealed). Either way the watch evaluates every transfer under the facts before and after,
on every day from today through the window (90 days), and reports each transfer whose
verdict differs, from the first day it does.

A withdrawal is applied to the facts themselves (`withdrawn_reference`): the mechanism's
rules end the day before (`invalid_from`, with the reason "withdrawn (what-if)"), and the
adequacy decisions it opens end with them (the DPF is Decision (EU) 2023/1795); ADEQUACY
withdraws adequacy decisions, all or one country's. So the engine says what it would say
on the day: EXPIRING while the end is within its window, INVALID from the day.

Pure: the caller passes the routes with everything recorded for them, and both facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from types import MappingProxyType

from registry.domain.errors import ValidationError
from registry.domain.models import (
    DataOrigin,
    Dpa,
    TransferBasis,
    TransferImpactAssessment,
    TransferMechanism,
    TransferStatus,
)
from registry.domain.reference import AdequacyList, MechanismRule, Reference
from registry.domain.transfers import TransferEvaluation, evaluate_transfer

__all__ = [
    "WINDOW_DAYS",
    "Impact",
    "Route",
    "Withdrawal",
    "check_withdrawal",
    "impacts",
    "withdrawn_reference",
]

WINDOW_DAYS = 90
"""How far ahead the watch looks: today and the next 90 days."""

_ADEQUACY = TransferMechanism.ADEQUACY
_FINE = frozenset({TransferStatus.VALID, TransferStatus.EXPIRING, TransferStatus.NOT_REQUIRED})


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """A mechanism (or one country's adequacy decision) withdrawn from a day on."""

    mechanism: TransferMechanism
    from_day: date
    country: str | None = None  # only with ADEQUACY: that country's decisions

    def describe(self) -> str:
        what = self.mechanism.value if self.country is None else f"ADEQUACY for {self.country}"
        return f"{what} withdrawn from {self.from_day}"


def check_withdrawal(withdrawal: Withdrawal) -> Withdrawal:
    """A country names an adequacy decision only (ValidationError naming the field)."""
    if withdrawal.country is not None and withdrawal.mechanism is not _ADEQUACY:
        raise ValidationError(
            "country",
            "a country narrows only an ADEQUACY withdrawal (other mechanisms are withdrawn "
            "for every destination)",
        )
    return withdrawal


@dataclass(frozen=True, slots=True)
class Route:
    """One processing location's transfer from one origin, with what the vendor recorded."""

    subprocessor_id: str
    legal_name: str
    country: str
    origin: DataOrigin
    bases: tuple[TransferBasis, ...] = ()
    dpas: tuple[Dpa, ...] = ()
    tias: tuple[TransferImpactAssessment, ...] = ()
    recipient_in_scope: bool | None = None


@dataclass(frozen=True, slots=True)
class Impact:
    """A route whose verdict differs from `first_day` on: what it was, what it becomes."""

    route: Route
    first_day: date
    before: TransferEvaluation
    after: TransferEvaluation
    watched_from: date  # the day the watch looked from ("today")
    # The first day in the window it has no basis where it had one, and its verdict then.
    falls_on: date | None = None
    fallen: TransferEvaluation | None = None

    @property
    def falls(self) -> bool:
        """True when the transfer loses, within the window, a basis it had."""
        return self.falls_on is not None

    @property
    def status_changes(self) -> bool:
        """False when only the reasons differ (a reworded or newly sourced fact)."""
        return (self.before.status, self.before.mechanism) != (
            self.after.status,
            self.after.mechanism,
        )

    @property
    def today(self) -> bool:
        return self.first_day == self.watched_from


def impacts(
    routes: Iterable[Route],
    before: Reference,
    after: Reference,
    today: date,
    *,
    days: int = WINDOW_DAYS,
) -> list[Impact]:
    """Every route whose verdict under `after` differs from `before` on some day from
    today through `today + days`, at the first such day; falls first, then by vendor."""
    found: list[Impact] = []
    window = [today + timedelta(days=offset) for offset in range(days + 1)]
    for route in routes:
        first: tuple[date, TransferEvaluation, TransferEvaluation] | None = None
        fall: tuple[date, TransferEvaluation] | None = None
        for day in window:
            old = _evaluate(route, day, before)
            new = _evaluate(route, day, after)
            if first is None and (old.status, old.reasons) != (new.status, new.reasons):
                first = (day, old, new)
            if old.status in _FINE and new.status not in _FINE:
                fall = (day, new)
                break
        if first is not None:
            fell_on, fallen = fall if fall is not None else (None, None)
            found.append(Impact(route, *first, today, fell_on, fallen))
    found.sort(
        key=lambda i: (
            not i.falls,
            not i.status_changes,
            i.first_day,
            i.route.legal_name,
            i.route.country,
            i.route.origin.value,
        )
    )
    return found


def _evaluate(route: Route, day: date, facts: Reference) -> TransferEvaluation:
    return evaluate_transfer(
        route.origin,
        route.country,
        day,
        route.bases,
        dpas=route.dpas,
        tias=route.tias,
        reference=facts,
        recipient_in_scope=route.recipient_in_scope,
    )


def withdrawn_reference(facts: Reference, withdrawals: Sequence[Withdrawal]) -> Reference:
    """The facts as they would be with each withdrawal in force from its day."""
    for w in withdrawals:
        check_withdrawal(w)
        facts = _withdraw(facts, w)
    return facts


def _withdraw(facts: Reference, w: Withdrawal) -> Reference:
    last = w.from_day - timedelta(days=1)
    why = f"{w.describe()} (what-if)"
    rules = tuple(_end_rule(r, w, why) for r in facts.mechanisms)
    lists = {
        origin: _end_decisions(adequacy, w, last) for origin, adequacy in facts.adequacy.items()
    }
    return replace(facts, mechanisms=rules, adequacy=MappingProxyType(lists))


def _end_rule(rule: MechanismRule, w: Withdrawal, why: str) -> MechanismRule:
    if rule.mechanism is not w.mechanism or w.mechanism is _ADEQUACY:
        return rule
    if rule.invalid_from is not None and rule.invalid_from <= w.from_day:
        return rule  # already ended by then
    return replace(rule, invalid_from=w.from_day, end_reason=why)


def _end_decisions(adequacy: AdequacyList, w: Withdrawal, last: date) -> AdequacyList:
    def ends(d_country: str, certification: TransferMechanism | None) -> bool:
        if w.mechanism is _ADEQUACY:
            return w.country is None or w.country == d_country
        return certification is w.mechanism  # the DPF is the US adequacy decision

    decisions = tuple(
        replace(d, until=last)
        if ends(d.country, d.requires_certification) and (d.until is None or d.until > last)
        else d
        for d in adequacy.decisions
    )
    return replace(adequacy, decisions=decisions)
