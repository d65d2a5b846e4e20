"""Typed, frozen views of the reference rows; see README.md beside them for the file format.

Every date that ends something (`until`, `member_until`) is the last day still in force,
inclusive; `invalid_from` is the first day no longer in force, as courts announce it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from registry.domain.models import DataOrigin, TransferMechanism


@dataclass(frozen=True, slots=True)
class AreaMember:
    """A country inside an origin's home area, optionally only for a while."""

    country: str
    source: str
    member_from: date | None = None
    member_until: date | None = None
    note: str | None = None
    unverified: bool = False
    # A territory with its own ISO code inside the area through this state (GF -> FR).
    part_of: str | None = None

    def covers(self, on: date) -> bool:
        starts_ok = self.member_from is None or self.member_from <= on
        return starts_ok and (self.member_until is None or on <= self.member_until)


@dataclass(frozen=True, slots=True)
class OutsideTerritory:
    """A territory tied to a state of the area but outside it for data protection (GL)."""

    country: str
    part_of: str
    note: str
    source: str
    unverified: bool = False


@dataclass(frozen=True, slots=True)
class HomeArea:
    """Where data from `origin` may go without a transfer basis (e.g. EEA → DE)."""

    origin: DataOrigin
    name: str
    members: tuple[AreaMember, ...]
    source: str
    note: str | None = None
    unverified: bool = False
    outside: tuple[OutsideTerritory, ...] = ()
    # Before `regime_from` the origin had no regime of its own: `earlier_regime`'s rules
    # applied (the UK under the GDPR until the end of the Brexit transition period).
    regime_from: date | None = None
    earlier_regime: DataOrigin | None = None
    regime_note: str | None = None
    regime_source: str | None = None

    def member(self, country: str, on: date) -> AreaMember | None:
        return next((m for m in self.members if m.country == country and m.covers(on)), None)

    def current_members(self) -> tuple[str, ...]:
        """States without an end date (territories excluded): the area's member states."""
        return tuple(
            m.country for m in self.members if m.member_until is None and m.part_of is None
        )

    def current_countries(self) -> tuple[str, ...]:
        """Every current code inside the area, territories included: what "EEA" means
        on another origin's list (the UK list covers Réunion as part of France)."""
        return tuple(m.country for m in self.members if m.member_until is None)

    def outside_note(self, country: str, on: date) -> OutsideTerritory | None:
        if self.member(country, on) is not None:
            return None
        return next((t for t in self.outside if t.country == country), None)

    def regime_on(self, on: date) -> DataOrigin:
        """Whose rules govern this origin's transfers on the day."""
        before = self.regime_from is not None and on < self.regime_from
        return self.earlier_regime if before and self.earlier_regime else self.origin


@dataclass(frozen=True, slots=True)
class AdequacyDecision:
    """One country on one origin's adequacy list, with its dates and scope."""

    origin: DataOrigin
    country: str
    in_force_from: date
    decision: str
    source: str
    until: date | None = None
    scope_limit: str | None = None
    # The adequacy only covers recipients holding this certification (US: a DPF variant).
    requires_certification: TransferMechanism | None = None
    unverified: bool = False
    note: str | None = None
    # Covers only some recipients in the country (PIPEDA, APPI, PIPA, DPF).
    partial: bool = False
    # EU decisions bind IS, LI and NO only once the EEA Joint Committee incorporates them.
    eea_efta_pending: bool = False
    eea_efta_from: date | None = None

    def in_force(self, on: date) -> bool:
        return self.in_force_from <= on and (self.until is None or on <= self.until)

    def eea_efta_open(self, on: date) -> bool:
        """True while exporters in IS, LI and NO may not yet rely on the decision."""
        return self.eea_efta_pending or (self.eea_efta_from is not None and on < self.eea_efta_from)


@dataclass(frozen=True, slots=True)
class UnlistedCountry:
    """A country known NOT to be on a list; named in reasons so nobody assumes otherwise."""

    country: str
    note: str
    source: str
    unverified: bool = False


@dataclass(frozen=True, slots=True)
class OrganisationDecision:
    """Adequacy for an international organisation (no country code, not evaluated)."""

    organisation: str
    in_force_from: date
    source: str
    decision: str | None = None
    unverified: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Renaming:
    """The day a list's instrument changed its name in law (UK: adequacy regulations became
    regulations approving transfers, UK GDPR Art. 45A, from 2026-02-05)."""

    from_day: date
    title: str
    noun: str
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class AdequacyList:
    """All adequacy decisions that count for one origin (EU, UK or Swiss list)."""

    origin: DataOrigin
    title: str
    source: str
    decisions: tuple[AdequacyDecision, ...]
    unlisted: tuple[UnlistedCountry, ...] = ()
    organisations: tuple[OrganisationDecision, ...] = ()
    renamed: Renaming | None = None

    def title_on(self, on: date) -> str:
        """What the list is called in law on the day."""
        renamed = self.renamed
        return renamed.title if renamed is not None and on >= renamed.from_day else self.title

    def noun_on(self, on: date) -> str:
        """What one of its entries is called on the day ("adequacy decision")."""
        renamed = self.renamed
        return (
            renamed.noun if renamed is not None and on >= renamed.from_day else "adequacy decision"
        )

    def in_force(self, country: str, on: date) -> AdequacyDecision | None:
        return next((d for d in self.decisions if d.country == country and d.in_force(on)), None)

    def runs_until(self, decision: AdequacyDecision) -> date | None:
        """The last day of `decision`, or of the decisions that continue it without a gap
        (the renewed UK decision, Annex 1 after the FDPIC's list): no false EXPIRING."""
        end = decision.until
        while end is not None:
            nxt = end + timedelta(days=1)
            successor = next(
                (d for d in self.decisions if d.country == decision.country and d.in_force(nxt)),
                None,
            )
            if successor is None:
                return end
            end = successor.until
        return None

    def certified_by(self, mechanism: TransferMechanism, country: str) -> AdequacyDecision | None:
        """The decision whose scope this certification mechanism opens, if any."""
        return next(
            (
                d
                for d in self.decisions
                if d.country == country and d.requires_certification is mechanism
            ),
            None,
        )

    def unlisted_note(self, country: str) -> UnlistedCountry | None:
        return next((u for u in self.unlisted if u.country == country), None)


@dataclass(frozen=True, slots=True)
class MechanismRule:
    """How one transfer mechanism works for some origins: dates, scope and why it ended."""

    mechanism: TransferMechanism
    origins: frozenset[DataOrigin]
    label: str
    source: str
    valid_from: date | None = None
    invalid_from: date | None = None
    end_reason: str | None = None
    destinations: frozenset[str] = frozenset()  # empty: any destination
    requires_companion: TransferMechanism | None = None
    # Contracts concluded on or after this day may not use the mechanism any more.
    closed_to_new_from: date | None = None
    contractual: bool = False  # incorporated in the DPA, so it falls with it
    exceptional: bool = False
    tia_expected: bool = False
    caveat: str | None = None
    unverified: bool = False
    note: str | None = None
    modules: bool = False  # the clauses come in modules (2021 SCCs: 1-4)
    certification: bool = False  # a recipient's certification, renewed yearly (DPF)

    @property
    def last_valid_day(self) -> date | None:
        return None if self.invalid_from is None else self.invalid_from - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Guidance:
    """A regime's own method for assessing a transfer's risks, which a transfer impact
    assessment follows (EDPB Recommendations 01/2020 for the EEA, the data protection test
    for the UK from 2026-02-05, the FDPIC's guide for Switzerland)."""

    name: str
    final_on: date
    source: str
    origins: frozenset[DataOrigin] = frozenset(DataOrigin)
    valid_from: date | None = None
    until: date | None = None  # the last day it is the regime's method
    note: str | None = None
    unverified: bool = False

    def applies(self, origin: DataOrigin, on: date) -> bool:
        starts_ok = self.valid_from is None or self.valid_from <= on
        return origin in self.origins and starts_ok and (self.until is None or on <= self.until)


@dataclass(frozen=True, slots=True)
class Release:
    """Which edition of the legal facts this is: staff are told what changed between two."""

    release: str
    published_on: date
    summary: str
    source: str | None = None


@dataclass(frozen=True, slots=True)
class NoticePractice:
    """Notice periods seen in practice; informative only, nothing is derived from it."""

    vendor: str
    notice: str
    remedy: str
    source: str
    unverified: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """Every legal fact the transfer engine uses, loaded from the package's JSON files."""

    home_areas: Mapping[DataOrigin, HomeArea]
    adequacy: Mapping[DataOrigin, AdequacyList]
    mechanisms: tuple[MechanismRule, ...]
    tia_guidance: tuple[Guidance, ...]
    aliases: Mapping[str, str]
    release: Release | None = None

    def tia_method(self, origin: DataOrigin, on: date) -> Guidance | None:
        """The regime's method a transfer impact assessment follows on the day."""
        return next((g for g in self.tia_guidance if g.applies(origin, on)), None)

    def rule(self, mechanism: TransferMechanism, origin: DataOrigin) -> MechanismRule | None:
        return next(
            (r for r in self.mechanisms if r.mechanism is mechanism and origin in r.origins),
            None,
        )

    def origins_of(self, mechanism: TransferMechanism) -> tuple[DataOrigin, ...]:
        covered = {o for r in self.mechanisms if r.mechanism is mechanism for o in r.origins}
        return tuple(o for o in DataOrigin if o in covered)

    def label(self, mechanism: TransferMechanism) -> str:
        return next((r.label for r in self.mechanisms if r.mechanism is mechanism), mechanism.value)

    def country(self, code: str) -> str:
        """Upper-case ISO code, with EU-style aliases (EL → GR) mapped."""
        upper = code.strip().upper()
        return self.aliases.get(upper, upper)
