"""Second-pass transfer rules (issue rules 1-5): territories, history before a regime
existed, current decisions, partial-scope adequacy and mechanism details."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain.models import DataOrigin, Dpa, TransferBasis
from registry.domain.models import TransferMechanism as M
from registry.domain.models import TransferStatus as S
from registry.domain.reference import load_reference
from registry.domain.transfers import TransferEvaluation, evaluate_transfer

EEA, UK, CH = DataOrigin.EEA, DataOrigin.UK, DataOrigin.CH
D = date.fromisoformat
TODAY = D("2026-03-02")
REF = load_reference()


def basis(
    mechanism: M,
    destination: str = "IN",
    origin: DataOrigin = EEA,
    *,
    id: str = "b1",
    valid_from: date | None = None,
    valid_until: date | None = None,
    scc_module: int | None = None,
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
        tia_on=D("2025-01-01"),
    )


def dpa(expires_on: date | None, modules: tuple[int, ...] = ()) -> Dpa:
    return Dpa(
        id="dpa1",
        subprocessor_id="sp1",
        version="1",
        signed_on=D("2024-01-01"),
        expires_on=expires_on,
        scc_modules=modules,
    )


def text(result: TransferEvaluation) -> str:
    return " | ".join(result.reasons)


# --- rule 1: territories ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "country", "expected", "fragment"),
    [
        *(
            pytest.param(
                EEA, c, S.NOT_REQUIRED, "outermost region of France", id=f"EEA → {c} -> {why}"
            )
            for c, why in [
                ("GF", "NOT_REQUIRED (French Guiana is France)"),
                ("GP", "NOT_REQUIRED (Guadeloupe is France)"),
                ("MQ", "NOT_REQUIRED (Martinique is France)"),
                ("RE", "NOT_REQUIRED (Réunion is France)"),
                ("YT", "NOT_REQUIRED (Mayotte is France)"),
                ("MF", "NOT_REQUIRED (Saint-Martin is France)"),
            ]
        ),
        pytest.param(EEA, "AX", S.NOT_REQUIRED, "part of Finland", id="EEA → AX -> NOT_REQUIRED"),
        pytest.param(
            EEA, "FO", S.VALID, "EU law does not apply", id="EEA → FO -> VALID on its own decision"
        ),
        pytest.param(
            EEA,
            "GL",
            S.MISSING,
            "overseas country",
            id="EEA → GL -> MISSING (outside, no decision)",
        ),
        pytest.param(
            EEA, "GG", S.VALID, "Crown Dependency", id="EEA → GG -> VALID on its decision"
        ),
        pytest.param(
            EEA, "JE", S.VALID, "Crown Dependency", id="EEA → JE -> VALID on its decision"
        ),
        pytest.param(
            EEA, "IM", S.VALID, "Crown Dependency", id="EEA → IM -> VALID on its decision"
        ),
        pytest.param(
            EEA, "GI", S.MISSING, "outside the EU since", id="EEA → GI -> MISSING (not the UK's)"
        ),
        pytest.param(
            EEA, "SJ", S.MISSING, "Protocol 40", id="EEA → SJ -> MISSING (Svalbard outside EEA)"
        ),
        pytest.param(
            EEA, "BL", S.MISSING, "since 2012-01-01", id="EEA → BL -> MISSING (overseas since 2012)"
        ),
        pytest.param(
            UK, "RE", S.VALID, "", id="UK → RE -> VALID (UK adequacy for EEA states covers Réunion)"
        ),
        pytest.param(UK, "GI", S.VALID, "Overseas Territory", id="UK → GI -> VALID on its own row"),
        pytest.param(
            UK, "JE", S.VALID, "not part of the UK", id="UK → JE -> VALID (not part of the UK)"
        ),
        pytest.param(CH, "GF", S.VALID, "", id="CH → GF -> VALID (Swiss list: EU/EEA states)"),
    ],
)
def test_territories(origin: DataOrigin, country: str, expected: S, fragment: str) -> None:
    result = evaluate_transfer(origin, country, TODAY, [])
    assert result.status is expected, text(result)
    assert fragment in text(result)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        pytest.param(D("2020-12-31"), S.NOT_REQUIRED, id="EEA → GI on 2020-12-31 -> NOT_REQUIRED"),
        pytest.param(D("2021-01-01"), S.MISSING, id="EEA → GI on 2021-01-01 -> MISSING"),
    ],
)
def test_gibraltar_left_with_the_transition_period(on: date, expected: S) -> None:
    assert evaluate_transfer(EEA, "GI", on, []).status is expected


def test_every_territory_row_names_its_state_and_source() -> None:
    for area in REF.home_areas.values():
        for member in area.members:
            if member.part_of is not None:
                on = member.member_until or TODAY  # GI: part of the EU through GB until 2020
                assert area.member(member.part_of, on) is not None, member
                assert member.note
                assert member.source.startswith("https://")
        for territory in area.outside:
            assert area.member(territory.country, TODAY) is None, territory
            assert territory.note
            assert territory.source.startswith("https://")


# --- rule 2: history before a regime existed -------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "country", "on", "expected", "fragment"),
    [
        pytest.param(
            UK,
            "DE",
            D("2020-12-31"),
            S.NOT_REQUIRED,
            "GDPR itself applied in the UK",
            id="UK → DE on 2020-12-31 -> NOT_REQUIRED (UK inside the EU regime)",
        ),
        pytest.param(
            UK,
            "JP",
            D("2020-06-01"),
            S.VALID,
            "(EU) 2019/419",
            id="UK → JP on 2020-06-01 -> VALID on the EU decision",
        ),
        pytest.param(
            UK,
            "KR",
            D("2020-06-01"),
            S.MISSING,
            "GDPR itself applied",
            id="UK → KR on 2020-06-01 -> MISSING (no EU decision yet)",
        ),
        pytest.param(
            UK,
            "JP",
            D("2021-01-01"),
            S.VALID,
            "DPA 2018 Sch. 21",
            id="UK → JP on 2021-01-01 -> VALID on the UK's own regulations",
        ),
        pytest.param(
            CH,
            "DE",
            D("2023-08-31"),
            S.VALID,
            "FDPIC list of states",
            id="CH → DE on 2023-08-31 -> VALID (FDPIC list recognised the EEA states)",
        ),
        pytest.param(
            CH,
            "DE",
            D("2023-09-01"),
            S.VALID,
            "DPO Annex 1",
            id="CH → DE on 2023-09-01 -> VALID (DPO Annex 1)",
        ),
        pytest.param(
            CH,
            "GB",
            D("2019-05-01"),
            S.VALID,
            "FDPIC list of states",
            id="CH → GB on 2019-05-01 -> VALID (FDPIC list)",
        ),
        pytest.param(
            CH,
            "JP",
            D("2022-01-01"),
            S.MISSING,
            "",
            id="CH → JP on 2022-01-01 -> MISSING (not on the FDPIC list)",
        ),
    ],
)
def test_history_before_a_regime_existed(
    origin: DataOrigin, country: str, on: date, expected: S, fragment: str
) -> None:
    result = evaluate_transfer(origin, country, on, [])
    assert result.status is expected, text(result)
    assert fragment in text(result)
    assert result.origin is origin


@pytest.mark.parametrize(
    ("on", "recorded", "expected"),
    [
        pytest.param(
            D("2020-06-01"),
            [basis(M.SCC_2010, origin=UK, valid_from=D("2019-01-01"))],
            S.VALID,
            id="UK → IN on old SCCs on 2020-06-01 -> VALID under the EU rule",
        ),
        pytest.param(
            D("2020-06-01"),
            [basis(M.UK_IDTA, origin=UK)],
            S.INVALID,
            id="UK → IN on the UK IDTA on 2020-06-01 -> INVALID (no UK regime yet)",
        ),
    ],
)
def test_uk_bases_before_2021_follow_the_eu_mechanism_rules(
    on: date, recorded: list[TransferBasis], expected: S
) -> None:
    result = evaluate_transfer(UK, "IN", on, recorded)
    assert result.status is expected, text(result)
    if expected is S.INVALID:
        assert "transfers from UK then followed the EEA rules" in result.reasons[0]


# --- rule 3: current decisions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "excluded"),
    [
        pytest.param(
            D("2025-12-27"),
            True,
            id="EEA → GB on 2025-12-27 -> 2021 decision, immigration excluded",
        ),
        pytest.param(
            D("2025-12-28"), False, id="EEA → GB on 2025-12-28 -> renewed decision, no exclusion"
        ),
    ],
)
def test_uk_renewal_no_longer_excludes_immigration_data(on: date, excluded: bool) -> None:
    result = evaluate_transfer(EEA, "GB", on, [])
    assert result.status is S.VALID, text(result)  # continued by the renewal: not EXPIRING
    assert ("immigration control" in text(result)) is excluded


def test_korea_excludes_more_than_credit_data() -> None:
    reasons = text(evaluate_transfer(EEA, "KR", TODAY, []))
    for excluded in ("missionary activities", "political parties", "personal credit information"):
        assert excluded in reasons


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        pytest.param(D("2026-01-25"), S.MISSING, id="EEA → BR on 2026-01-25 -> MISSING"),
        pytest.param(
            D("2026-01-26"),
            S.VALID,
            id="EEA → BR on 2026-01-26 -> VALID, IS/LI/NO pending the EEA Joint Committee",
        ),
    ],
)
def test_brazil_for_eea_efta_states_only_once_incorporated(on: date, expected: S) -> None:
    result = evaluate_transfer(EEA, "BR", on, [])
    assert result.status is expected
    if expected is S.VALID:
        assert "Iceland, Liechtenstein and Norway only once the EEA Joint Committee" in text(result)


def test_older_decisions_carry_no_eea_efta_remark() -> None:
    assert "EEA Joint Committee" not in text(evaluate_transfer(EEA, "JP", TODAY, []))


# --- rule 4: partial-scope adequacy ----------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "country", "in_scope", "expected", "fragment"),
    [
        pytest.param(
            EEA,
            "CA",
            None,
            S.VALID,
            "valid only if the recipient is within its scope",
            id="EEA → CA, scope not recorded -> VALID, reasons say it is partial",
        ),
        pytest.param(
            EEA,
            "CA",
            True,
            S.VALID,
            "recorded as within its scope",
            id="EEA → CA, recipient under PIPEDA -> VALID",
        ),
        pytest.param(
            EEA,
            "CA",
            False,
            S.MISSING,
            "recorded as outside that scope",
            id="EEA → CA, recipient outside PIPEDA -> MISSING (needs another basis)",
        ),
        pytest.param(
            EEA, "JP", False, S.MISSING, "APPI", id="EEA → JP, recipient outside APPI -> MISSING"
        ),
        pytest.param(
            EEA, "KR", False, S.MISSING, "PIPA", id="EEA → KR, recipient outside PIPA -> MISSING"
        ),
        pytest.param(
            UK, "CA", False, S.MISSING, "PIPEDA", id="UK → CA, recipient outside PIPEDA -> MISSING"
        ),
        pytest.param(
            CH, "CA", False, S.MISSING, "PIPEDA", id="CH → CA, recipient outside PIPEDA -> MISSING"
        ),
        pytest.param(
            EEA,
            "NZ",
            False,
            S.VALID,
            "",
            id="EEA → NZ, scope flag ignored -> VALID (the decision covers every recipient)",
        ),
    ],
)
def test_partial_adequacy_depends_on_the_recipient(
    origin: DataOrigin, country: str, in_scope: bool | None, expected: S, fragment: str
) -> None:
    result = evaluate_transfer(origin, country, TODAY, [], recipient_in_scope=in_scope)
    assert result.status is expected, text(result)
    assert fragment in text(result)


def test_recipient_outside_scope_uses_the_recorded_sccs_and_what_if_shows_the_gap() -> None:
    recorded = [basis(M.SCC_2021, "CA", scc_module=2)]
    inside = evaluate_transfer(EEA, "CA", TODAY, recorded, recipient_in_scope=True)
    assert (inside.status, inside.mechanism) == (S.VALID, M.ADEQUACY)
    outside = evaluate_transfer(EEA, "CA", TODAY, recorded, recipient_in_scope=False)
    assert (outside.status, outside.mechanism) == (S.VALID, M.SCC_2021), text(outside)
    gap = evaluate_transfer(
        EEA, "CA", TODAY, recorded, recipient_in_scope=False, withdrawn={M.SCC_2021}
    )
    assert gap.status is S.INVALID
    assert "withdrawn (what-if)" in text(gap)
    assert "recorded as outside that scope" in text(gap)


@pytest.mark.parametrize(
    ("in_scope", "expected"),
    [
        pytest.param(None, S.VALID, id="EEA → US on DPF, scope not recorded -> VALID"),
        pytest.param(
            False, S.INVALID, id="EEA → US on DPF, recipient recorded out of scope -> INVALID"
        ),
    ],
)
def test_us_scope_is_the_dpf_certification(in_scope: bool | None, expected: S) -> None:
    recorded = [basis(M.EU_US_DPF, "US", valid_until=D("2026-11-30"))]
    result = evaluate_transfer(EEA, "US", TODAY, recorded, recipient_in_scope=in_scope)
    assert result.status is expected
    assert "only organisations certified" in text(result)


# --- rule 5: mechanism details ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "fragment", "present"),
    [
        pytest.param(
            basis(M.SCC_2021),
            "no SCC module recorded for basis b1",
            True,
            id="2021 SCCs without a module -> VALID, reasons ask for the module",
        ),
        pytest.param(
            basis(M.SCC_2021, scc_module=2),
            "no SCC module recorded",
            False,
            id="2021 SCCs with module 2 -> no such reason",
        ),
        pytest.param(
            basis(M.BCR, scc_module=2),
            "SCC module 2 ignored",
            True,
            id="BCRs with an SCC module -> module not checked, said so",
        ),
        pytest.param(
            basis(M.EU_US_DPF, "US"),
            "no certification end date recorded for basis b1",
            True,
            id="DPF without a certification end date -> flagged (renewed yearly)",
        ),
        pytest.param(
            basis(M.EU_US_DPF, "US", valid_until=D("2026-11-30")),
            "no certification end date",
            False,
            id="DPF with a certification end date -> not flagged",
        ),
    ],
)
def test_mechanism_details_in_reasons(
    recorded: TransferBasis, fragment: str, present: bool
) -> None:
    result = evaluate_transfer(EEA, recorded.destination, TODAY, [recorded])
    assert result.status is S.VALID, text(result)
    assert (fragment in text(result)) is present


def test_module_of_a_mechanism_without_modules_is_not_checked_against_the_dpa() -> None:
    recorded = [basis(M.BCR, scc_module=3)]
    result = evaluate_transfer(EEA, "IN", TODAY, recorded, dpas=[dpa(None, modules=(1, 2))])
    assert result.status is S.VALID, text(result)


@pytest.mark.parametrize(
    ("country", "recorded", "dpas", "expected", "fragment"),
    [
        pytest.param(
            "IN",
            [basis(M.SCC_2021, scc_module=2)],
            [],
            S.VALID,
            "no DPA on record for this subprocessor",
            id="no DPA on record -> SCCs still VALID, reason says the DPA is missing",
        ),
        pytest.param(
            "DE",
            [],
            [],
            S.NOT_REQUIRED,
            "no DPA on record for this subprocessor",
            id="no DPA on record -> EEA → DE still NOT_REQUIRED, reason says so",
        ),
        pytest.param(
            "JP",
            [],
            [dpa(D("2025-12-31"))],
            S.VALID,
            "no DPA in force on 2026-03-02 (DPA v1 expired on 2025-12-31)",
            id="DPA expired -> adequacy still VALID, reason says so",
        ),
        pytest.param(
            "IN",
            [basis(M.SCC_2021, scc_module=2)],
            [dpa(D("2025-12-31"), modules=(2,))],
            S.INVALID,
            "falls with its DPA",
            id="DPA incorporating SCC module 2 expired -> the SCCs fall with it",
        ),
        pytest.param(
            "IN",
            [basis(M.BCR)],
            [dpa(D("2025-12-31"), modules=(2,))],
            S.VALID,
            "no DPA in force",
            id="DPA expired -> BCRs (not in the DPA) VALID, reason says so",
        ),
        pytest.param(
            "IN",
            [basis(M.SCC_2021, scc_module=2)],
            [dpa(None, modules=(2,))],
            S.VALID,
            "",
            id="DPA in force with module 2 -> VALID, no DPA remark",
        ),
    ],
)
def test_dpa_and_chapter_v_basis_are_separate(
    country: str, recorded: list[TransferBasis], dpas: list[Dpa], expected: S, fragment: str
) -> None:
    result = evaluate_transfer(EEA, country, TODAY, recorded, dpas=dpas)
    assert result.status is expected, text(result)
    assert fragment in text(result)
    if not fragment:
        assert "DPA" not in text(result)


def test_without_dpas_given_no_art_28_remark() -> None:
    assert "DPA" not in text(evaluate_transfer(EEA, "DE", TODAY, []))


@pytest.mark.parametrize(
    ("origin", "on", "expected"),
    [
        pytest.param(EEA, D("2022-12-27"), S.EXPIRING, id="EEA old SCCs on 2022-12-27 -> last day"),
        pytest.param(EEA, D("2022-12-28"), S.INVALID, id="EEA old SCCs on 2022-12-28 -> INVALID"),
    ],
)
def test_2010_sccs_last_valid_day_is_27_december_2022(
    origin: DataOrigin, on: date, expected: S
) -> None:
    recorded = [basis(M.SCC_2010, origin=origin, valid_from=D("2020-01-01"))]
    assert evaluate_transfer(origin, "IN", on, recorded).status is expected


@pytest.mark.parametrize(
    ("origin", "concluded", "expected"),
    [
        pytest.param(CH, D("2021-09-26"), S.VALID, id="CH old SCCs concluded 2021-09-26 -> VALID"),
        pytest.param(
            CH, D("2021-09-27"), S.INVALID, id="CH old SCCs concluded 2021-09-27 -> INVALID"
        ),
        pytest.param(
            EEA, D("2021-09-27"), S.INVALID, id="EEA old SCCs concluded 2021-09-27 -> INVALID"
        ),
    ],
)
def test_2010_sccs_closed_to_contracts_from_27_september_2021(
    origin: DataOrigin, concluded: date, expected: S
) -> None:
    recorded = [basis(M.SCC_2010, origin=origin, valid_from=concluded)]
    result = evaluate_transfer(origin, "IN", D("2021-10-15"), recorded)
    assert result.status is expected, text(result)
