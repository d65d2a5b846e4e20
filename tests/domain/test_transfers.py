"""Transfer-basis evaluation (DESIGN.md 3.5) against the facts of reference/transfer-law.md.

The explicit tables pin the legal facts (a typo in a data file fails here); the tables
built from the loaded data check that every row, including ones a privacy lead adds
later, behaves on the day before, of and after each of its dates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from importlib import resources
from typing import Any

import pytest

from registry.domain.models import DataOrigin, Dpa, TransferBasis
from registry.domain.models import TransferMechanism as M
from registry.domain.models import TransferStatus as S
from registry.domain.reference import (
    AdequacyDecision,
    MechanismRule,
    ReferenceDataError,
    load_notice_practices,
    load_reference,
    parse_reference,
)
from registry.domain.transfers import TransferEvaluation, evaluate_transfer, summarize

EEA, UK, CH = DataOrigin.EEA, DataOrigin.UK, DataOrigin.CH
D = date.fromisoformat
DAY = timedelta(days=1)
TODAY = D("2026-01-05")
REF = load_reference()
USABLE = {S.VALID, S.EXPIRING}

EEA_STATES = [
    *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT"),
    *("LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"),
]


def basis(
    mechanism: M,
    destination: str = "IN",
    origin: DataOrigin = EEA,
    *,
    id: str = "b1",
    valid_from: date | None = None,
    valid_until: date | None = None,
    scc_module: int | None = None,
    tia_on: date | None = None,
) -> TransferBasis:
    return TransferBasis(
        id=id,
        subprocessor_id="sp1",
        mechanism=mechanism,
        destination=destination,
        origin=origin,
        valid_from=valid_from,
        valid_until=valid_until,
        scc_module=scc_module,
        tia_on=tia_on,
    )


def dpa(
    version: str,
    expires_on: date | None,
    *,
    signed_on: date = date(2020, 1, 1),
    effective_on: date | None = None,
    modules: tuple[int, ...] = (),
) -> Dpa:
    return Dpa(
        id=f"dpa-{version}",
        subprocessor_id="sp1",
        version=version,
        signed_on=signed_on,
        effective_on=effective_on,
        expires_on=expires_on,
        scc_modules=modules,
    )


def label(origin: DataOrigin, country: str, on: date, status: S, why: str = "") -> str:
    return f"{origin.value} → {country} on {on} -> {status.value}" + (f" ({why})" if why else "")


def reasons_text(result: TransferEvaluation) -> str:
    return " | ".join(result.reasons)


# --- home areas -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "country", "on", "expected"),
    [
        *(
            pytest.param(EEA, c, TODAY, S.NOT_REQUIRED, id=label(EEA, c, TODAY, S.NOT_REQUIRED))
            for c in EEA_STATES
        ),
        pytest.param(
            EEA, "el", TODAY, S.NOT_REQUIRED, id="EEA → el (EU code for GR) -> NOT_REQUIRED"
        ),
        pytest.param(EEA, "CH", TODAY, S.VALID, id="EEA → CH -> VALID (adequacy: CH is not EEA)"),
        pytest.param(UK, "GB", TODAY, S.NOT_REQUIRED, id="UK → GB -> NOT_REQUIRED"),
        pytest.param(UK, "uk", TODAY, S.NOT_REQUIRED, id="UK → uk (alias of GB) -> NOT_REQUIRED"),
        pytest.param(UK, "DE", TODAY, S.VALID, id="UK → DE -> VALID (UK adequacy for EEA states)"),
        pytest.param(CH, "CH", TODAY, S.NOT_REQUIRED, id="CH → CH -> NOT_REQUIRED"),
        pytest.param(
            CH, "LI", TODAY, S.VALID, id="CH → LI -> VALID (Swiss list, LI is EEA not CH)"
        ),
        pytest.param(
            EEA, "GB", D("2020-12-31"), S.NOT_REQUIRED, id="EEA → GB on 2020-12-31 -> NOT_REQUIRED"
        ),
        pytest.param(
            EEA,
            "GB",
            D("2021-06-27"),
            S.NOT_REQUIRED,
            id="EEA → GB on 2021-06-27 -> NOT_REQUIRED (TCA bridge)",
        ),
    ],
)
def test_home_area(origin: DataOrigin, country: str, on: date, expected: S) -> None:
    result = evaluate_transfer(origin, country, on, [])
    assert result.status is expected
    if expected is S.NOT_REQUIRED:
        assert "no transfer basis needed" in result.reasons[0]
        assert result.mechanism is None
    else:
        assert result.mechanism is M.ADEQUACY


# --- adequacy lists, pinned to transfer-law.md ----------------------------------------------

UK_FROM_2021 = [*EEA_STATES, "GI", "CH", "CA", "AR", "GG", "IM", "JE", "AD", "IL", "UY", "NZ"]
CH_FROM_2023 = [*EEA_STATES, "GB", "CA", "AD", "AR", "FO", "GI", "GG", "IM", "IL", "JE", "MC"]
ADEQUACY_FACTS: list[tuple[DataOrigin, str, str]] = [
    (EEA, "CH", "2000-07-26"),
    (EEA, "CA", "2001-12-20"),
    (EEA, "AR", "2003-06-30"),
    (EEA, "GG", "2003-11-21"),
    (EEA, "IM", "2004-04-28"),
    (EEA, "JE", "2008-05-08"),
    (EEA, "FO", "2010-03-05"),
    (EEA, "AD", "2010-10-19"),
    (EEA, "IL", "2011-01-31"),
    (EEA, "UY", "2012-08-21"),
    (EEA, "NZ", "2012-12-19"),
    (EEA, "JP", "2019-01-23"),
    (EEA, "KR", "2021-12-17"),
    (EEA, "GB", "2021-06-28"),
    (EEA, "BR", "2026-01-26"),
    *((UK, c, "2021-01-01") for c in [*UK_FROM_2021, "JP", "FO"]),
    (UK, "KR", "2022-12-19"),
    *((CH, c, "2023-09-01") for c in [*CH_FROM_2023, "NZ", "UY"]),
]


def _before(origin: DataOrigin, country: str, first: date) -> tuple[S, str]:
    """The answer on the day before a row starts: the rules then in force, never a blank."""
    if (origin, country) == (EEA, "GB"):
        return S.NOT_REQUIRED, "TCA bridge"
    if origin is UK and first == D("2021-01-01"):
        if country in (*EEA_STATES, "GI"):
            return S.NOT_REQUIRED, "UK still under the EU regime"
        return S.VALID, "EU adequacy, UK still under the EU regime"
    if origin is CH and first == D("2023-09-01"):
        return S.VALID, "FDPIC list under the old FADP"
    return S.MISSING, ""


def _adequacy_fact_cases() -> Iterator[object]:
    for origin, country, start in ADEQUACY_FACTS:
        first = D(start)
        before, before_why = _before(origin, country, first)
        for on, expected, why in (
            (first - DAY, before, before_why),
            (first, S.VALID, "adequacy"),
            (first + DAY, S.VALID, "adequacy"),
        ):
            yield pytest.param(
                origin, country, on, first, expected, id=label(origin, country, on, expected, why)
            )


@pytest.mark.parametrize(
    ("origin", "country", "on", "first", "expected"), list(_adequacy_fact_cases())
)
def test_adequacy_applies_from_its_first_day(
    origin: DataOrigin, country: str, on: date, first: date, expected: S
) -> None:
    result = evaluate_transfer(origin, country, on, [])
    assert result.status is expected, reasons_text(result)
    if expected is S.VALID:
        assert result.mechanism is M.ADEQUACY
    if expected is S.VALID and on >= first:
        assert f"in force since {first}" in result.reasons[0]
    if expected is S.MISSING:
        assert result.reasons[0] == f"no transfer basis recorded for {origin.value} → {country}"


# The US adequacy decisions only cover recipients with an active certification.
US_FACTS = [
    (EEA, M.EU_US_DPF, "2023-07-10"),
    (UK, M.UK_US_DATA_BRIDGE, "2023-10-12"),
    (CH, M.SWISS_US_DPF, "2024-09-15"),
]


def _us_cases() -> Iterator[object]:
    for origin, certification, start in US_FACTS:
        first = D(start)
        for on, expected in ((first - DAY, S.INVALID), (first, S.VALID), (first + DAY, S.VALID)):
            why = (
                f"adequacy via {certification.value}"
                if expected is S.VALID
                else f"{certification.value} not yet"
            )
            yield pytest.param(
                origin, certification, on, expected, id=label(origin, "US", on, expected, why)
            )


@pytest.mark.parametrize(("origin", "certification", "on", "expected"), list(_us_cases()))
def test_us_adequacy_needs_its_certification(
    origin: DataOrigin, certification: M, on: date, expected: S
) -> None:
    result = evaluate_transfer(origin, "US", on, [basis(certification, "US", origin)])
    assert result.status is expected, reasons_text(result)
    assert result.basis is not None
    assert result.basis.mechanism is certification
    if expected is S.VALID:
        assert result.mechanism is M.ADEQUACY
        assert "recipient certified under" in result.reasons[0]
    else:
        assert "not available before" in result.reasons[0]


@pytest.mark.parametrize(
    ("origin", "certification"),
    [pytest.param(o, c, id=f"{o.value} → US without {c.value} -> MISSING") for o, c, _ in US_FACTS],
)
def test_us_adequacy_without_certification_is_missing(origin: DataOrigin, certification: M) -> None:
    result = evaluate_transfer(origin, "US", TODAY, [])
    assert result.status is S.MISSING
    assert f"no {certification.value} basis recorded" in reasons_text(result)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        pytest.param(D("2031-10-27"), S.VALID, id="EEA → GB on 2031-10-27 -> VALID (61 days left)"),
        pytest.param(
            D("2031-10-28"), S.EXPIRING, id="EEA → GB on 2031-10-28 -> EXPIRING (60 days left)"
        ),
        pytest.param(
            D("2031-12-27"), S.EXPIRING, id="EEA → GB on 2031-12-27 -> EXPIRING (last day)"
        ),
        pytest.param(
            D("2031-12-28"), S.MISSING, id="EEA → GB on 2031-12-28 -> MISSING (adequacy ended)"
        ),
    ],
)
def test_gb_adequacy_runs_to_2031_12_27(on: date, expected: S) -> None:
    result = evaluate_transfer(EEA, "GB", on, [])
    assert result.status is expected
    if expected is S.EXPIRING:
        assert "ends 2031-12-27" in reasons_text(result)


# --- adequacy lists, every loaded row -------------------------------------------------------


def _decisions() -> Iterator[AdequacyDecision]:
    for adequacy_list in REF.adequacy.values():
        yield from adequacy_list.decisions


def _covered_elsewhere(decision: AdequacyDecision, on: date) -> bool:
    others = REF.adequacy[decision.origin].decisions
    home = REF.home_areas[decision.origin]
    if home.regime_on(on) is not decision.origin:  # judged under the rules in force then
        return True
    return home.member(decision.country, on) is not None or any(
        d is not decision and d.country == decision.country and d.in_force(on) for d in others
    )


@pytest.mark.parametrize(
    "decision",
    list(_decisions()),
    ids=lambda d: f"{d.origin.value} → {d.country} from {d.in_force_from} ({d.decision})",
)
def test_every_adequacy_row_day_before_of_and_after(decision: AdequacyDecision) -> None:
    certification = decision.requires_certification
    origin, country = decision.origin, decision.country
    bases = [] if certification is None else [basis(certification, country, origin)]
    days = [decision.in_force_from - DAY, decision.in_force_from, decision.in_force_from + DAY]
    if decision.until is not None:
        days += [decision.until, decision.until + DAY]
    for on in days:
        result = evaluate_transfer(origin, country, on, bases)
        if decision.in_force(on):
            assert result.status in USABLE, on
            assert result.mechanism is M.ADEQUACY, on
            last = REF.adequacy[origin].runs_until(decision)  # renewals continue a row
            expiring = last is not None and last - on <= timedelta(days=60)
            assert (result.status is S.EXPIRING) is expiring, on
        elif not _covered_elsewhere(decision, on):
            assert result.mechanism is not M.ADEQUACY, on


# --- transfer mechanisms with fixed dates, pinned -------------------------------------------

MECHANISM_STARTS = [
    (M.SAFE_HARBOR, EEA, "US", "2000-07-26"),
    (M.PRIVACY_SHIELD, EEA, "US", "2016-07-12"),
    (M.SCC_2021, EEA, "IN", "2021-06-27"),
    (M.SCC_2021, CH, "IN", "2021-08-27"),
    (M.SCC_2021, UK, "IN", "2022-03-21"),
    (M.UK_IDTA, UK, "IN", "2022-03-21"),
    (M.UK_ADDENDUM, UK, "IN", "2022-03-21"),
    (M.EU_US_DPF, EEA, "US", "2023-07-10"),
    (M.UK_US_DATA_BRIDGE, UK, "US", "2023-10-12"),
    (M.SWISS_US_DPF, CH, "US", "2024-09-15"),
]
MECHANISM_ENDS = [
    (
        M.SAFE_HARBOR,
        EEA,
        "US",
        "2015-10-06",
        "US Safe Harbor invalid since 2015-10-06 (CJEU C-362/14, Schrems I)",
    ),
    (
        M.PRIVACY_SHIELD,
        EEA,
        "US",
        "2020-07-16",
        "EU–US Privacy Shield invalid since 2020-07-16 "
        "(CJEU C-311/18, Schrems II, no grace period)",
    ),
    (
        M.SCC_2010,
        EEA,
        "IN",
        "2022-12-28",
        "2001/2010 SCCs (old SCCs) invalid since 2022-12-28 (repealed by",
    ),
    (
        M.SCC_2010,
        UK,
        "IN",
        "2024-03-21",
        "2001/2010 SCCs (old SCCs) invalid since 2024-03-21 (UK transitional",
    ),
    (
        M.SCC_2010,
        CH,
        "IN",
        "2023-01-01",
        "2001/2010 SCCs (old SCCs) invalid since 2023-01-01 (FDPIC",
    ),
]


def _recorded(mechanism: M, destination: str, origin: DataOrigin) -> list[TransferBasis]:
    """The basis, plus the UK Addendum the EU SCCs need for UK transfers."""
    bases = [basis(mechanism, destination, origin, tia_on=D("2020-01-01"))]
    rule = REF.rule(mechanism, origin)
    if rule is not None and rule.requires_companion is not None:
        bases.append(basis(rule.requires_companion, destination, origin, id="b2"))
    return bases


def _start_cases() -> Iterator[object]:
    for mechanism, origin, country, start in MECHANISM_STARTS:
        first = D(start)
        for on, expected in ((first - DAY, S.INVALID), (first, S.VALID), (first + DAY, S.VALID)):
            why = f"{mechanism.value} " + ("starts " + start if expected is S.VALID else "not yet")
            yield pytest.param(
                mechanism,
                origin,
                country,
                on,
                expected,
                id=label(origin, country, on, expected, why),
            )


@pytest.mark.parametrize(("mechanism", "origin", "country", "on", "expected"), list(_start_cases()))
def test_mechanism_start_day(
    mechanism: M, origin: DataOrigin, country: str, on: date, expected: S
) -> None:
    result = evaluate_transfer(origin, country, on, _recorded(mechanism, country, origin))
    assert result.status is expected, reasons_text(result)
    if expected is S.INVALID:
        assert "not available before" in result.reasons[0]


def _end_cases() -> Iterator[object]:
    for mechanism, origin, country, invalid_from, reason in MECHANISM_ENDS:
        first = D(invalid_from)
        days = ((first - DAY, S.EXPIRING), (first, S.INVALID), (first + DAY, S.INVALID))
        for on, expected in days:
            why = f"{mechanism.value} " + ("last day" if expected is S.EXPIRING else "ended")
            yield pytest.param(
                mechanism,
                origin,
                country,
                on,
                expected,
                reason,
                id=label(origin, country, on, expected, why),
            )


@pytest.mark.parametrize(
    ("mechanism", "origin", "country", "on", "expected", "reason"), list(_end_cases())
)
def test_mechanism_end_day(
    mechanism: M, origin: DataOrigin, country: str, on: date, expected: S, reason: str
) -> None:
    result = evaluate_transfer(origin, country, on, _recorded(mechanism, country, origin))
    assert result.status is expected, reasons_text(result)
    if expected is S.INVALID:
        assert result.reasons[0].startswith(reason)
        assert result.mechanism is mechanism
    else:
        assert f"ends {on} (last valid day" in reasons_text(result)


@pytest.mark.parametrize(
    ("origin", "concluded", "expected"),
    [
        pytest.param(
            EEA, D("2021-09-26"), S.VALID, id="EEA old SCCs concluded 2021-09-26 -> VALID"
        ),
        pytest.param(
            EEA,
            D("2021-09-27"),
            S.INVALID,
            id="EEA old SCCs concluded 2021-09-27 -> INVALID (repealed)",
        ),
        pytest.param(
            EEA, D("2021-09-28"), S.INVALID, id="EEA old SCCs concluded 2021-09-28 -> INVALID"
        ),
        pytest.param(UK, D("2022-09-21"), S.VALID, id="UK old SCCs concluded 2022-09-21 -> VALID"),
        pytest.param(
            UK, D("2022-09-22"), S.INVALID, id="UK old SCCs concluded 2022-09-22 -> INVALID"
        ),
        pytest.param(
            UK, D("2022-09-23"), S.INVALID, id="UK old SCCs concluded 2022-09-23 -> INVALID"
        ),
    ],
)
def test_old_sccs_closed_to_new_contracts(origin: DataOrigin, concluded: date, expected: S) -> None:
    on = concluded + timedelta(days=30)
    recorded = [basis(M.SCC_2010, origin=origin, valid_from=concluded, tia_on=concluded)]
    result = evaluate_transfer(origin, "IN", on, recorded)
    assert result.status is expected, reasons_text(result)
    if expected is S.INVALID:
        assert "cannot be used for contracts concluded from" in result.reasons[0]


# --- transfer mechanisms, every loaded rule -------------------------------------------------


def _rule_cases() -> Iterator[object]:
    for rule in REF.mechanisms:
        for origin in (o for o in DataOrigin if o in rule.origins):
            if rule.valid_from is not None:
                yield pytest.param(
                    rule,
                    origin,
                    rule.valid_from,
                    "start",
                    id=f"{rule.mechanism.value} from {origin.value} starts {rule.valid_from}",
                )
            if rule.invalid_from is not None:
                yield pytest.param(
                    rule,
                    origin,
                    rule.invalid_from,
                    "end",
                    id=f"{rule.mechanism.value} from {origin.value} ends {rule.invalid_from}",
                )


@pytest.mark.parametrize(("rule", "origin", "boundary", "kind"), list(_rule_cases()))
def test_every_mechanism_boundary(
    rule: MechanismRule, origin: DataOrigin, boundary: date, kind: str
) -> None:
    country = min(rule.destinations) if rule.destinations else "IN"
    recorded = _recorded(rule.mechanism, country, origin)
    before, on, after = (
        evaluate_transfer(origin, country, d, recorded)
        for d in (boundary - DAY, boundary, boundary + DAY)
    )
    if kind == "start":
        assert (before.status, on.status, after.status) == (S.INVALID, S.VALID, S.VALID)
    else:
        assert (before.status, on.status, after.status) == (S.EXPIRING, S.INVALID, S.INVALID)
        assert f"invalid since {boundary}" in on.reasons[0]


# --- origins and destinations a mechanism does not cover ------------------------------------


@pytest.mark.parametrize(
    ("mechanism", "origin", "country", "reason"),
    [
        pytest.param(
            M.UK_IDTA,
            EEA,
            "IN",
            "does not cover transfers from EEA (only UK)",
            id="UK IDTA for EEA data -> INVALID",
        ),
        pytest.param(
            M.UK_ADDENDUM,
            CH,
            "IN",
            "does not cover transfers from CH (only UK)",
            id="UK Addendum for CH data -> INVALID",
        ),
        pytest.param(
            M.EU_US_DPF,
            UK,
            "US",
            "does not cover transfers from UK (only EEA)",
            id="EU–US DPF for UK data -> INVALID",
        ),
        pytest.param(
            M.EU_US_DPF,
            CH,
            "US",
            "does not cover transfers from CH (only EEA)",
            id="EU–US DPF for CH data -> INVALID",
        ),
        pytest.param(
            M.SWISS_US_DPF,
            EEA,
            "US",
            "does not cover transfers from EEA (only CH)",
            id="Swiss–US DPF for EEA data -> INVALID",
        ),
        pytest.param(
            M.UK_US_DATA_BRIDGE,
            EEA,
            "US",
            "does not cover transfers from EEA (only UK)",
            id="UK data bridge for EEA data -> INVALID",
        ),
        pytest.param(
            M.PRIVACY_SHIELD,
            UK,
            "US",
            "does not cover transfers from UK (only EEA, CH)",
            id="Privacy Shield for UK data -> INVALID",
        ),
        pytest.param(
            M.EU_US_DPF,
            EEA,
            "IN",
            "only covers transfers to US",
            id="EU–US DPF to IN -> INVALID (US only)",
        ),
        pytest.param(
            M.SCC_2021,
            UK,
            "IN",
            "only together with the UK Addendum",
            id="UK data on 2021 SCCs without UK Addendum -> INVALID",
        ),
    ],
)
def test_mechanism_outside_its_scope_is_invalid(
    mechanism: M, origin: DataOrigin, country: str, reason: str
) -> None:
    result = evaluate_transfer(origin, country, TODAY, [basis(mechanism, country, origin)])
    assert result.status is S.INVALID
    assert reason in result.reasons[0]


@pytest.mark.parametrize(
    ("mechanism", "origin"),
    [
        pytest.param(m, o, id=f"{o.value} → IN on {m.value} -> VALID")
        for m in (M.BCR, M.CODE_OF_CONDUCT, M.CERTIFICATION, M.AD_HOC_CLAUSES)
        for o in DataOrigin
    ]
    + [
        pytest.param(M.SCC_2021, EEA, id="EEA → IN on SCC_2021 -> VALID"),
        pytest.param(M.SCC_2021, CH, id="CH → IN on SCC_2021 -> VALID"),
        pytest.param(M.UK_IDTA, UK, id="UK → IN on UK_IDTA -> VALID"),
        pytest.param(
            M.UK_ADDENDUM, UK, id="UK → IN on UK_ADDENDUM alone -> VALID (it incorporates the SCCs)"
        ),
    ],
)
def test_safeguards_for_every_origin(mechanism: M, origin: DataOrigin) -> None:
    result = evaluate_transfer(origin, "IN", TODAY, [basis(mechanism, origin=origin, tia_on=TODAY)])
    assert result.status is S.VALID, reasons_text(result)
    assert result.mechanism is mechanism
    assert not result.exceptional


@pytest.mark.parametrize(
    ("mechanism", "country", "tia_on", "expected"),
    [
        pytest.param(M.SCC_2021, "IN", None, True, id="SCCs without a TIA -> reason asks for one"),
        pytest.param(M.SCC_2021, "IN", TODAY, False, id="SCCs with a TIA -> no such reason"),
        pytest.param(M.BCR, "IN", None, True, id="BCRs without a TIA -> reason asks for one"),
        pytest.param(M.EU_US_DPF, "US", None, False, id="DPF without a TIA -> none expected"),
    ],
)
def test_transfer_impact_assessment_is_asked_for(
    mechanism: M, country: str, tia_on: date | None, expected: bool
) -> None:
    result = evaluate_transfer(EEA, country, TODAY, [basis(mechanism, country, tia_on=tia_on)])
    assert result.status is S.VALID
    asked = f"no transfer impact assessment recorded for EEA → {country}"
    assert any(r.startswith(asked) for r in result.reasons) is expected
    if expected:
        assert "(EDPB Recommendations 01/2020)" in reasons_text(result)


def test_uk_sccs_with_uk_addendum_are_valid() -> None:
    recorded = [basis(M.SCC_2021, origin=UK), basis(M.UK_ADDENDUM, origin=UK, id="b2")]
    result = evaluate_transfer(UK, "IN", TODAY, recorded)
    assert result.status is S.VALID
    assert "with the UK Addendum to the EU SCCs (basis b2)" in reasons_text(result)


# --- scope limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "country", "fragment"),
    [
        pytest.param(EEA, "CA", "PIPEDA", id="EEA → CA -> VALID, reason names PIPEDA"),
        pytest.param(EEA, "JP", "APPI", id="EEA → JP -> VALID, reason names APPI"),
        pytest.param(
            EEA,
            "KR",
            "personal credit information",
            id="EEA → KR -> VALID, reason names the credit-data exclusion",
        ),
        pytest.param(
            EEA,
            "KR",
            "missionary activities",
            id="EEA → KR -> VALID, reason names the religious and political exclusions",
        ),
        pytest.param(
            EEA,
            "IL",
            "automated international transfers",
            id="EEA → IL -> VALID, automated processing only (Decision 2011/61/EU Art. 1)",
        ),
        pytest.param(
            EEA, "FO", "Faroese", id="EEA → FO -> VALID, recipients under the Faroese act"
        ),
        pytest.param(UK, "CA", "PIPEDA", id="UK → CA -> VALID, reason names PIPEDA"),
        pytest.param(UK, "JP", "APPI", id="UK → JP -> VALID, reason names APPI"),
        pytest.param(CH, "CA", "partial", id="CH → CA -> VALID, partial adequacy"),
    ],
)
def test_scope_limits_are_reported(origin: DataOrigin, country: str, fragment: str) -> None:
    result = evaluate_transfer(origin, country, TODAY, [])
    assert result.status is S.VALID
    assert any(r.startswith("scope limit:") and fragment in r for r in result.reasons)


def test_us_without_dpf_needs_another_basis() -> None:
    result = evaluate_transfer(EEA, "US", TODAY, [basis(M.SCC_2021, "US", tia_on=TODAY)])
    assert (result.status, result.mechanism) == (S.VALID, M.SCC_2021)
    assert "no EU_US_DPF basis recorded" in reasons_text(result)


def test_us_recorded_as_plain_adequacy_is_invalid() -> None:
    result = evaluate_transfer(EEA, "US", TODAY, [basis(M.ADEQUACY, "US")])
    assert result.status is S.INVALID
    assert (
        "covers only recipients certified under the EU–US Data Privacy Framework"
        in result.reasons[0]
    )


def test_adequacy_recorded_where_none_exists_is_invalid() -> None:
    result = evaluate_transfer(EEA, "AU", TODAY, [basis(M.ADEQUACY, "AU")])
    assert result.status is S.INVALID
    assert result.reasons[0] == f"no adequacy decision for EEA → AU in force on {TODAY}"


@pytest.mark.parametrize(
    ("recorded", "expected", "fragment"),
    [
        pytest.param(
            basis(M.EU_US_DPF, "US", valid_until=TODAY - DAY),
            S.INVALID,
            "ended on 2026-01-04",
            id="EEA → US, DPF certification lapsed -> INVALID",
        ),
        pytest.param(
            basis(M.EU_US_DPF, "US", valid_from=TODAY + DAY),
            S.INVALID,
            "not in force before 2026-01-06",
            id="EEA → US, DPF certification not yet active -> INVALID",
        ),
        pytest.param(
            basis(M.EU_US_DPF, "US", valid_until=TODAY + timedelta(days=30)),
            S.EXPIRING,
            "basis b1 ends 2026-02-04",
            id="EEA → US, DPF certification renews in 30 days -> EXPIRING",
        ),
        pytest.param(
            basis(M.EU_US_DPF, "US"),
            S.VALID,
            "appeal C-703/25 P pending",
            id="EEA → US, DPF -> VALID, pending appeal named",
        ),
    ],
)
def test_dpf_certification_must_be_active(
    recorded: TransferBasis, expected: S, fragment: str
) -> None:
    result = evaluate_transfer(EEA, "US", TODAY, [recorded])
    assert result.status is expected
    assert fragment in reasons_text(result)


def test_unlisted_country_is_named_in_a_gap() -> None:
    result = evaluate_transfer(CH, "JP", TODAY, [])
    assert result.status is S.MISSING
    assert result.reasons == (
        "no transfer basis recorded for CH → JP",
        "JP is not on the Swiss adequacy list (Annex 1 of the Data Protection Ordinance): "
        "not on the 2022 list; later changes unverified",
    )


def test_missing_basis_is_a_gap() -> None:
    result = evaluate_transfer(EEA, "AU", TODAY, [])
    assert result == TransferEvaluation(
        EEA, "AU", S.MISSING, ("no transfer basis recorded for EEA → AU",), None, None
    )


def test_bases_for_other_routes_are_ignored() -> None:
    recorded = [basis(M.SCC_2021, "AU"), basis(M.SCC_2021, "IN", UK, id="b2")]
    assert evaluate_transfer(EEA, "IN", TODAY, recorded).status is S.MISSING


# --- EXPIRING -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        pytest.param(61, S.VALID, id="basis ends in 61 days -> VALID"),
        pytest.param(60, S.EXPIRING, id="basis ends in 60 days -> EXPIRING"),
        pytest.param(1, S.EXPIRING, id="basis ends tomorrow -> EXPIRING"),
        pytest.param(0, S.EXPIRING, id="basis ends today (valid_until inclusive) -> EXPIRING"),
        pytest.param(-1, S.INVALID, id="basis ended yesterday -> INVALID"),
    ],
)
def test_basis_valid_until_is_the_last_valid_day(days_left: int, expected: S) -> None:
    until = TODAY + timedelta(days=days_left)
    result = evaluate_transfer(
        EEA, "IN", TODAY, [basis(M.SCC_2021, valid_until=until, tia_on=TODAY)]
    )
    assert result.status is expected
    if expected is S.EXPIRING:
        assert f"basis b1 ends {until} (last valid day, within 60 days)" in reasons_text(result)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        pytest.param(
            D("2020-05-15"),
            S.VALID,
            id="Privacy Shield on 2020-05-15 -> VALID (61 days to its end)",
        ),
        pytest.param(
            D("2020-05-16"), S.EXPIRING, id="Privacy Shield on 2020-05-16 -> EXPIRING (60 days)"
        ),
    ],
)
def test_mechanism_end_makes_a_basis_expiring(on: date, expected: S) -> None:
    assert evaluate_transfer(EEA, "US", on, [basis(M.PRIVACY_SHIELD, "US")]).status is expected


def test_expiring_window_can_be_narrowed() -> None:
    recorded = [basis(M.SCC_2021, valid_until=TODAY + timedelta(days=45), tia_on=TODAY)]
    result = evaluate_transfer(EEA, "IN", TODAY, recorded, expiring_within=timedelta(days=30))
    assert result.status is S.VALID


# --- several bases: the best one wins -------------------------------------------------------

SOON = TODAY + timedelta(days=20)


@pytest.mark.parametrize(
    ("country", "recorded", "status", "winner", "loser"),
    [
        pytest.param(
            "US",
            [basis(M.PRIVACY_SHIELD, "US"), basis(M.SCC_2021, "US", id="b2")],
            S.VALID,
            "b2",
            "not used: basis b1 (PRIVACY_SHIELD) INVALID: "
            "EU–US Privacy Shield invalid since 2020-07-16",
            id="Privacy Shield + 2021 SCCs -> VALID on the SCCs",
        ),
        pytest.param(
            "IN",
            [basis(M.SCC_2021, valid_until=SOON), basis(M.SCC_2021, id="b2")],
            S.VALID,
            "b2",
            "not used: basis b1 (SCC_2021) EXPIRING",
            id="expiring SCCs + current SCCs -> VALID on the current ones",
        ),
        pytest.param(
            "IN",
            [basis(M.SCC_2021, valid_until=SOON), basis(M.BCR, id="b2")],
            S.VALID,
            "b2",
            "not used: basis b1",
            id="expiring SCCs + BCRs -> VALID on the BCRs",
        ),
        pytest.param(
            "IN",
            [basis(M.DEROGATION), basis(M.SCC_2021, valid_until=SOON, id="b2")],
            S.EXPIRING,
            "b2",
            "not used: basis b1 (DEROGATION) INVALID",
            id="derogation + expiring SCCs -> EXPIRING on the SCCs (Art. 49 is subsidiary)",
        ),
        pytest.param(
            "IN",
            [basis(M.SCC_2010), basis(M.DEROGATION, id="b2")],
            S.INVALID,
            "b1",
            "also recorded: basis b2 (DEROGATION) INVALID",
            id="old SCCs + derogation -> INVALID (no systematic transfer on Art. 49)",
        ),
        pytest.param(
            "US",
            [basis(M.SCC_2010, "US"), basis(M.PRIVACY_SHIELD, "US", id="b2")],
            S.INVALID,
            "b1",
            "also recorded: basis b2 (PRIVACY_SHIELD) INVALID",
            id="old SCCs + Privacy Shield -> INVALID, both named",
        ),
        pytest.param(
            "IN",
            [
                basis(M.SCC_2021, valid_until=D("2027-12-31")),
                basis(M.BCR, valid_until=D("2029-12-31"), id="b2"),
            ],
            S.VALID,
            "b2",
            "not used: basis b1",
            id="two valid bases -> the one lasting longer",
        ),
    ],
)
def test_best_basis_wins(
    country: str, recorded: list[TransferBasis], status: S, winner: str, loser: str
) -> None:
    result = evaluate_transfer(EEA, country, TODAY, recorded)
    assert result.status is status
    assert result.basis is not None
    assert result.basis.id == winner
    assert any(r.startswith(loser) for r in result.reasons), reasons_text(result)


def test_adequacy_beats_a_recorded_basis() -> None:
    result = evaluate_transfer(EEA, "JP", TODAY, [basis(M.SCC_2021, "JP")])
    assert (result.status, result.mechanism, result.basis) == (S.VALID, M.ADEQUACY, None)
    assert result.reasons[-1].startswith("not used: basis b1 (SCC_2021) VALID")


# --- DPAs carry the contractual clauses -----------------------------------------------------


@pytest.mark.parametrize(
    ("mechanism", "dpas", "expected", "fragment"),
    [
        pytest.param(
            M.SCC_2021,
            [dpa("1", D("2025-12-31"), modules=(2,))],
            S.INVALID,
            "falls with its DPA: DPA v1 expired on 2025-12-31",
            id="SCCs in the only DPA, expired -> INVALID",
        ),
        pytest.param(
            M.SCC_2021,
            [dpa("1", D("2025-12-31"), modules=(2,)), dpa("v2", D("2024-06-30"), modules=(2,))],
            S.INVALID,
            "DPA v1 expired on 2025-12-31; DPA v2 expired on 2024-06-30",
            id="SCCs in every DPA, all expired -> INVALID, each named",
        ),
        pytest.param(
            M.SCC_2021,
            [dpa("1", D("2025-12-31"), modules=(2,)), dpa("2", None, modules=(2,))],
            S.VALID,
            "",
            id="SCCs, one incorporating DPA still in force -> VALID",
        ),
        pytest.param(
            M.SCC_2021,
            [
                dpa(
                    "3",
                    None,
                    signed_on=D("2026-01-01"),
                    effective_on=D("2026-02-01"),
                    modules=(2,),
                )
            ],
            S.INVALID,
            "DPA v3 not in force before 2026-02-01",
            id="SCCs, incorporating DPA not yet effective -> INVALID",
        ),
        pytest.param(
            M.SCC_2021,
            [dpa("2", D("2026-02-01"), modules=(2,))],
            S.EXPIRING,
            "DPA v2 ends 2026-02-01",
            id="SCCs, incorporating DPA expires in 27 days -> EXPIRING",
        ),
        pytest.param(
            M.SCC_2021,
            [dpa("2", TODAY, modules=(2,))],
            S.EXPIRING,
            f"DPA v2 ends {TODAY}",
            id="SCCs, incorporating DPA expires today (inclusive) -> EXPIRING",
        ),
        pytest.param(
            M.SCC_2021,
            [dpa("1", D("2025-12-31"))],
            S.VALID,
            "no DPA in force on 2026-01-05 (DPA v1 expired on 2025-12-31): Art. 28",
            id="SCCs, expired DPA listing no module -> VALID (not its clauses), Art. 28 gap said",
        ),
        pytest.param(
            M.SCC_2021,
            [dpa("1", D("2025-12-31"), modules=(1,))],
            S.VALID,
            "no DPA in force on 2026-01-05",
            id="SCC module 2, expired DPA lists only module 1 -> VALID, Art. 28 gap said",
        ),
        pytest.param(M.SCC_2021, [], S.VALID, "", id="SCCs, no DPA given -> VALID (not checked)"),
        pytest.param(
            M.BCR,
            [dpa("1", D("2025-12-31"))],
            S.VALID,
            "",
            id="BCRs, DPA expired -> VALID (not in the DPA)",
        ),
    ],
)
def test_dpa_expiry(mechanism: M, dpas: list[Dpa], expected: S, fragment: str) -> None:
    module = 2 if mechanism is M.SCC_2021 else None
    recorded = [basis(mechanism, tia_on=TODAY, scc_module=module)]
    result = evaluate_transfer(EEA, "IN", TODAY, recorded, dpas=dpas)
    assert result.status is expected, reasons_text(result)
    assert fragment in reasons_text(result)


def test_uk_idta_falls_with_its_dpa() -> None:
    recorded = [basis(M.UK_IDTA, origin=UK)]
    result = evaluate_transfer(UK, "IN", TODAY, recorded, dpas=[dpa("1", D("2025-06-30"))])
    assert result.status is S.INVALID


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        pytest.param(2, S.VALID, id="SCC module 2 in a DPA with modules 1, 2 -> VALID"),
        pytest.param(3, S.INVALID, id="SCC module 3 in a DPA with modules 1, 2 -> INVALID"),
    ],
)
def test_scc_module_must_be_in_the_dpa(module: int, expected: S) -> None:
    recorded = [basis(M.SCC_2021, scc_module=module, tia_on=TODAY)]
    result = evaluate_transfer(EEA, "IN", TODAY, recorded, dpas=[dpa("1", None, modules=(1, 2))])
    assert result.status is expected
    if expected is S.INVALID:
        assert result.reasons[0] == "SCC module 3 is not in the DPA in force (modules 1, 2)"


# --- Art. 49 derogations --------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    list(DataOrigin),
    ids=lambda o: f"{o.value} → IN on an Art. 49 derogation -> INVALID, exceptional (systematic)",
)
def test_derogation_is_exceptional_and_never_valid_for_a_subprocessor(origin: DataOrigin) -> None:
    result = evaluate_transfer(origin, "IN", TODAY, [basis(M.DEROGATION, origin=origin)])
    assert (result.status, result.mechanism, result.exceptional) == (S.INVALID, M.DEROGATION, True)
    assert "lawful only for occasional, non-repetitive transfers" in reasons_text(result)
    assert "never a basis for the systematic transfers to a subprocessor" in reasons_text(result)


# --- "what if" a mechanism falls ------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "country", "recorded", "withdrawn", "expected", "fragment"),
    [
        # A recorded basis that falls leaves a record to replace: INVALID, not MISSING.
        pytest.param(
            EEA,
            "US",
            [basis(M.EU_US_DPF, "US")],
            {M.EU_US_DPF},
            S.INVALID,
            "EU–US Data Privacy Framework withdrawn (what-if)",
            id="DPF falls: EEA → US on DPF -> INVALID (record to replace)",
        ),
        pytest.param(
            EEA,
            "US",
            [basis(M.EU_US_DPF, "US"), basis(M.SCC_2021, "US", id="b2")],
            {M.EU_US_DPF},
            S.VALID,
            "not used: basis b1 (EU_US_DPF) INVALID",
            id="DPF falls: EEA → US on DPF + SCCs -> VALID on the SCCs",
        ),
        pytest.param(
            EEA,
            "US",
            [basis(M.EU_US_DPF, "US")],
            {M.ADEQUACY},
            S.INVALID,
            "adequacy decision (EU) 2023/1795 for EEA → US withdrawn (what-if)",
            id="adequacy falls: EEA → US on DPF -> INVALID",
        ),
        pytest.param(
            UK,
            "US",
            [basis(M.UK_US_DATA_BRIDGE, "US", UK)],
            {M.EU_US_DPF},
            S.VALID,
            "",
            id="DPF falls: UK → US on the UK data bridge -> VALID (UK law)",
        ),
        pytest.param(
            CH,
            "US",
            [basis(M.SWISS_US_DPF, "US", CH)],
            {M.EU_US_DPF, M.UK_US_DATA_BRIDGE, M.SWISS_US_DPF},
            S.INVALID,
            "Swiss–US Data Privacy Framework withdrawn (what-if)",
            id="every DPF falls: CH → US -> INVALID",
        ),
        # No recorded basis and the adequacy decision withdrawn: a gap, hence MISSING.
        pytest.param(
            EEA,
            "JP",
            [],
            {M.ADEQUACY},
            S.MISSING,
            "adequacy decision (EU) 2019/419 for EEA → JP withdrawn (what-if)",
            id="adequacy falls: EEA → JP -> MISSING",
        ),
        pytest.param(
            EEA,
            "JP",
            [basis(M.SCC_2021, "JP")],
            {M.ADEQUACY},
            S.VALID,
            "",
            id="adequacy falls: EEA → JP on SCCs -> VALID",
        ),
        pytest.param(
            EEA,
            "DE",
            [],
            {M.ADEQUACY},
            S.NOT_REQUIRED,
            "",
            id="adequacy falls: EEA → DE -> NOT_REQUIRED",
        ),
        pytest.param(
            EEA,
            "IN",
            [basis(M.SCC_2021)],
            {M.SCC_2021},
            S.INVALID,
            "2021 SCCs (Decision (EU) 2021/914) withdrawn (what-if)",
            id="SCCs fall: EEA → IN on SCCs -> INVALID",
        ),
        pytest.param(
            UK,
            "IN",
            [basis(M.SCC_2021, origin=UK), basis(M.UK_ADDENDUM, origin=UK, id="b2")],
            {M.UK_ADDENDUM},
            S.INVALID,
            "only together with the UK Addendum",
            id="UK Addendum falls: UK → IN on SCCs + Addendum -> INVALID",
        ),
    ],
)
def test_withdrawn_what_if(
    origin: DataOrigin,
    country: str,
    recorded: list[TransferBasis],
    withdrawn: set[M],
    expected: S,
    fragment: str,
) -> None:
    assert evaluate_transfer(origin, country, TODAY, recorded).status in USABLE | {
        S.NOT_REQUIRED,
        S.MISSING,
    }
    result = evaluate_transfer(origin, country, TODAY, recorded, withdrawn=withdrawn)
    assert result.status is expected, reasons_text(result)
    assert fragment in reasons_text(result)


# --- summary --------------------------------------------------------------------------------


def test_summarize_counts_every_status() -> None:
    evaluations = [
        evaluate_transfer(EEA, "DE", TODAY, []),
        evaluate_transfer(EEA, "JP", TODAY, []),
        evaluate_transfer(EEA, "AU", TODAY, []),
        evaluate_transfer(EEA, "NZ", TODAY, []),
        evaluate_transfer(EEA, "US", TODAY, [basis(M.PRIVACY_SHIELD, "US")]),
    ]
    assert summarize(evaluations) == {
        S.NOT_REQUIRED: 1,
        S.VALID: 2,
        S.EXPIRING: 0,
        S.INVALID: 1,
        S.MISSING: 1,
    }
    assert summarize([]) == dict.fromkeys(S, 0)


# --- reference data -------------------------------------------------------------------------


def _sourced_rows() -> Iterator[object]:
    for area in REF.home_areas.values():
        yield pytest.param(
            area.source, area.unverified, area.note, id=f"home area {area.origin.value}"
        )
        for m in area.members:
            yield pytest.param(
                m.source, m.unverified, m.note, id=f"home area {area.origin.value}: {m.country}"
            )
        for t in area.outside:
            yield pytest.param(
                t.source,
                t.unverified,
                t.note,
                id=f"home area {area.origin.value}: {t.country} outside",
            )
        if area.regime_source is not None:
            yield pytest.param(
                area.regime_source,
                False,
                area.regime_note,
                id=f"home area {area.origin.value}: regime from {area.regime_from}",
            )
    for adequacy_list in REF.adequacy.values():
        o = adequacy_list.origin.value
        yield pytest.param(adequacy_list.source, False, None, id=f"{o} adequacy list")
        for d in adequacy_list.decisions:
            yield pytest.param(
                d.source, d.unverified, d.note, id=f"{o} adequacy: {d.country} {d.decision}"
            )
        for u in adequacy_list.unlisted:
            yield pytest.param(u.source, u.unverified, u.note, id=f"{o} not listed: {u.country}")
        for org in adequacy_list.organisations:
            yield pytest.param(
                org.source, org.unverified, org.note, id=f"{o} adequacy: {org.organisation}"
            )
    for r in REF.mechanisms:
        origins = "+".join(o.value for o in DataOrigin if o in r.origins)
        yield pytest.param(
            r.source, r.unverified, r.note, id=f"mechanism {r.mechanism.value} ({origins})"
        )
    for g in REF.tia_guidance:
        origins = "+".join(o.value for o in DataOrigin if o in g.origins)
        yield pytest.param(g.source, g.unverified, g.note, id=f"TIA method ({origins}): {g.name}")
    renamed = REF.adequacy[UK].renamed
    assert renamed is not None
    yield pytest.param(renamed.source, False, renamed.note, id="UK list renamed by the DUAA 2025")
    assert REF.release is not None
    yield pytest.param(REF.release.source, False, None, id=f"release {REF.release.release}")


@pytest.mark.parametrize(("source", "unverified", "note"), list(_sourced_rows()))
def test_every_reference_row_has_an_official_source(
    source: str, unverified: bool, note: str | None
) -> None:
    assert source.startswith("https://")
    official = (
        ".europa.eu/",
        "legislation.gov.uk/",
        "ico.org.uk/",
        ".admin.ch/",
        "curia.europa.eu",
    )
    assert any(host in source for host in official), source
    if unverified:
        assert note, "an unverified row says what is unverified"


def test_rows_transfer_law_marks_unverified_are_marked() -> None:
    eu = {d.country: d for d in REF.adequacy[EEA].decisions}
    assert eu["GG"].unverified
    assert {u.country for u in REF.adequacy[CH].unlisted if u.unverified} == {"JP", "KR"}


def test_reference_lists_match_transfer_law() -> None:
    assert REF.home_areas[EEA].current_members() == tuple(EEA_STATES)
    assert "CH" not in REF.home_areas[EEA].current_members()
    assert REF.home_areas[UK].current_members() == ("GB",)
    assert REF.home_areas[CH].current_members() == ("CH",)
    pinned = {(o, c) for o, c, _ in ADEQUACY_FACTS} | {(o, "US") for o, _, _ in US_FACTS}
    # Rows may be added by a privacy lead; the ones transfer-law.md names must stay.
    assert pinned <= {(d.origin, d.country) for d in _decisions()}
    assert [org.organisation for org in REF.adequacy[EEA].organisations] == [
        "European Patent Organisation"
    ]
    assert {r.mechanism for r in REF.mechanisms} == set(M)
    practices = load_notice_practices()
    assert {"AWS", "Google Cloud", "Microsoft", "Zendesk", "SAP"} <= {p.vendor for p in practices}
    assert all(p.source for p in practices)


def _packaged_files() -> dict[str, str]:
    folder = resources.files("registry.domain.reference")
    return {
        p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".json")
    }


def test_packaged_files_parse_to_the_loaded_reference() -> None:
    assert parse_reference(_packaged_files()) == load_reference()
    assert load_reference() is REF  # parsed once


@pytest.mark.parametrize(
    ("file", "edit", "message"),
    [
        pytest.param(
            "adequacy_eu.json",
            lambda d: d["decisions"][0].update(sorce="x"),
            "unknown keys ['sorce']",
            id="typo in a key -> rejected",
        ),
        pytest.param(
            "adequacy_eu.json",
            lambda d: d["decisions"][0].pop("source"),
            "'source' is required",
            id="row without source -> rejected",
        ),
        pytest.param(
            "mechanisms.json",
            lambda d: d["mechanisms"][1].update(valid_from="10.07.2023"),
            "not a date",
            id="non-ISO date -> rejected",
        ),
        pytest.param(
            "mechanisms.json",
            lambda d: d["mechanisms"][1].update(mechanism="DPF"),
            "unknown value 'DPF'",
            id="unknown mechanism -> rejected",
        ),
    ],
)
def test_malformed_reference_rows_are_rejected(
    file: str, edit: Callable[[dict[str, Any]], object], message: str
) -> None:
    files = _packaged_files()
    document = json.loads(files[file])
    edit(document)
    files[file] = json.dumps(document)
    with pytest.raises(ReferenceDataError, match=f"^{re.escape(file)} .*{re.escape(message)}"):
        parse_reference(files)
