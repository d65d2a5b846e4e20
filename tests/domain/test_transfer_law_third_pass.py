"""Third-pass transfer rules (issue 31), each case named after its source: the UK–Korea
regulations, the Israel decision, Spain's territories with reserved codes, the Swiss list's
conditional US entry, the DUAA 2025's approvals and data protection test, and transfer impact
assessments under each regime's own method."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain.errors import ValidationError
from registry.domain.models import (
    DataOrigin,
    TiaOutcome,
    TransferBasis,
    TransferImpactAssessment,
)
from registry.domain.models import TransferMechanism as M
from registry.domain.models import TransferStatus as S
from registry.domain.reference import load_reference
from registry.domain.tia import check_assessment, covering
from registry.domain.transfers import TransferEvaluation, evaluate_transfer

EEA, UK, CH = DataOrigin.EEA, DataOrigin.UK, DataOrigin.CH
D = date.fromisoformat
TODAY = D("2026-12-07")
REF = load_reference()
ASSESSED, NEXT_REVIEW = D("2026-06-01"), D("2027-06-01")


def basis(
    mechanism: M, destination: str = "IN", origin: DataOrigin = EEA, *, id: str = "b1"
) -> TransferBasis:
    module = 2 if mechanism is M.SCC_2021 else None
    return TransferBasis(
        id=id,
        subprocessor_id="sp1",
        mechanism=mechanism,
        destination=destination,
        origin=origin,
        scc_module=module,
    )


def tia(
    outcome: TiaOutcome | None,
    *,
    mechanism: M = M.SCC_2021,
    destination: str = "IN",
    origin: DataOrigin = EEA,
    assessed_on: date = ASSESSED,
    next_review_on: date | None = NEXT_REVIEW,
    measures: tuple[str, ...] = (),
    id: str = "tia1",
) -> TransferImpactAssessment:
    return TransferImpactAssessment(
        id=id,
        subprocessor_id="sp1",
        origin=origin,
        destination=destination,
        mechanism=mechanism,
        assessed_on=assessed_on,
        outcome=outcome,
        measures=measures,
        reviewer="Dana Privacy",
        next_review_on=next_review_on,
    )


def text(result: TransferEvaluation) -> str:
    return " | ".join(result.reasons)


# --- the rows the audit found wrong ----------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "country", "in_scope", "expected", "credit_excluded"),
    [
        pytest.param(
            UK,
            "KR",
            True,
            S.VALID,
            False,
            id="SI 2022/1213 reg. 2(2): UK → KR, recipient under PIPA, no basis -> VALID, "
            "credit information not excluded",
        ),
        pytest.param(
            EEA,
            "KR",
            True,
            S.VALID,
            True,
            id="Decision (EU) 2022/254 Art. 1(2): EEA → KR -> VALID, credit information excluded",
        ),
    ],
)
def test_korea_uk_regulations_cover_credit_information(
    origin: DataOrigin, country: str, in_scope: bool, expected: S, credit_excluded: bool
) -> None:
    result = evaluate_transfer(origin, country, TODAY, [], recipient_in_scope=in_scope)
    assert result.status is expected, text(result)
    assert ("excludes" in text(result) and "credit information" in text(result)) is (
        credit_excluded
    )


@pytest.mark.parametrize(
    ("origin", "in_scope", "expected"),
    [
        pytest.param(
            EEA,
            False,
            S.MISSING,
            id="Decision 2011/61/EU Art. 1: EEA → IL, recipient outside automated processing, "
            "no basis -> MISSING",
        ),
        pytest.param(
            UK,
            False,
            S.MISSING,
            id="DPA 2018 Sch. 21 para. 5 (2011/61/EU kept): UK → IL, recipient out of scope, "
            "no basis -> MISSING",
        ),
        pytest.param(
            EEA, True, S.VALID, id="Decision 2011/61/EU Art. 1: EEA → IL, in scope -> VALID"
        ),
        pytest.param(
            EEA,
            None,
            S.VALID,
            id="Decision 2011/61/EU Art. 1: EEA → IL, scope not recorded -> VALID, partial said",
        ),
    ],
)
def test_israel_decision_is_partial(origin: DataOrigin, in_scope: bool | None, expected: S) -> None:
    result = evaluate_transfer(origin, "IL", TODAY, [], recipient_in_scope=in_scope)
    assert result.status is expected, text(result)
    assert "automated" in text(result)


@pytest.mark.parametrize(
    ("origin", "country", "expected"),
    [
        pytest.param(
            EEA,
            "IC",
            S.NOT_REQUIRED,
            id="TFEU Art. 349, 355(1): EEA → IC (Canary Islands) -> NOT_REQUIRED",
        ),
        pytest.param(
            EEA,
            "EA",
            S.NOT_REQUIRED,
            id="1985 Act of Accession, Protocol No 2: EEA → EA (Ceuta, Melilla) -> NOT_REQUIRED",
        ),
        pytest.param(CH, "IC", S.VALID, id="DPO Annex 1 (EU/EEA states): CH → IC -> VALID"),
        pytest.param(
            UK, "IC", S.VALID, id="DPA 2018 Sch. 21 para. 4 (EEA states): UK → IC -> VALID"
        ),
        pytest.param(
            UK, "EA", S.VALID, id="DPA 2018 Sch. 21 para. 4 (EEA states): UK → EA -> VALID"
        ),
    ],
)
def test_spains_reserved_codes_are_spain(origin: DataOrigin, country: str, expected: S) -> None:
    result = evaluate_transfer(origin, country, TODAY, [])
    assert result.status is expected, text(result)


@pytest.mark.parametrize(
    ("on", "recorded", "expected", "fragment"),
    [
        pytest.param(
            D("2019-06-01"),
            [basis(M.PRIVACY_SHIELD, "US", CH)],
            S.VALID,
            "recipient certified under the Swiss–US Privacy Shield",
            id="FDPIC list (old FADP Art. 6(1)), US conditional entry: CH → US on 2019-06-01 on "
            "the Swiss–US Privacy Shield -> VALID",
        ),
        pytest.param(
            D("2019-06-01"),
            [],
            S.MISSING,
            "no PRIVACY_SHIELD basis recorded",
            id="FDPIC list, US conditional entry: CH → US on 2019-06-01 without certification "
            "-> MISSING",
        ),
        pytest.param(
            D("2020-09-07"),
            [basis(M.PRIVACY_SHIELD, "US", CH)],
            S.EXPIRING,
            "ends 2020-09-07",
            id="FDPIC list, US conditional entry: CH → US on 2020-09-07 -> last day",
        ),
        pytest.param(
            D("2020-09-08"),
            [basis(M.PRIVACY_SHIELD, "US", CH)],
            S.INVALID,
            "invalid since 2020-09-08 (FDPIC position paper of 2020-09-08",
            id="FDPIC position paper of 2020-09-08: CH → US on the Swiss–US Privacy Shield "
            "-> INVALID",
        ),
    ],
)
def test_old_swiss_list_had_a_conditional_us_entry(
    on: date, recorded: list[TransferBasis], expected: S, fragment: str
) -> None:
    result = evaluate_transfer(CH, "US", on, recorded)
    assert result.status is expected, text(result)
    assert fragment in text(result)


@pytest.mark.parametrize(
    ("on", "wording"),
    [
        pytest.param(
            D("2026-02-04"),
            "adequacy decision DPA 2018 Sch. 21 para. 5",
            id="DPA 2018 s. 17A: UK → JP on 2026-02-04 -> VALID on adequacy regulations",
        ),
        pytest.param(
            D("2026-02-05"),
            "approval under UK GDPR Art. 45A DPA 2018 Sch. 21 para. 5",
            id="DUAA 2025 Sch. 9 para. 25, SI 2026/82: UK → JP on 2026-02-05 -> VALID, "
            "approved under Art. 45A",
        ),
    ],
)
def test_uk_list_is_approvals_under_article_45a_from_5_february_2026(
    on: date, wording: str
) -> None:
    result = evaluate_transfer(UK, "JP", on, [], recipient_in_scope=True)
    assert result.status is S.VALID
    assert result.reasons[0].startswith(wording), text(result)


@pytest.mark.parametrize(
    ("origin", "mechanism", "on", "method"),
    [
        pytest.param(
            EEA,
            M.SCC_2021,
            TODAY,
            "EDPB Recommendations 01/2020",
            id="EDPB Recommendations 01/2020: EEA → IN on SCCs without a TIA -> asked, EDPB method",
        ),
        pytest.param(
            UK,
            M.UK_IDTA,
            D("2026-02-05"),
            "the UK data protection test",
            id="UK GDPR Art. 46 as amended by DUAA 2025: UK → IN on the IDTA from 2026-02-05 "
            "-> asked, data protection test",
        ),
        pytest.param(
            UK,
            M.UK_IDTA,
            D("2026-02-04"),
            "ICO transfer risk assessment guidance",
            id="ICO TRA guidance: UK → IN on the IDTA on 2026-02-04 -> asked, TRA",
        ),
        pytest.param(
            CH,
            M.SCC_2021,
            TODAY,
            "FDPIC guide",
            id="FDPIC guide: CH → IN on SCCs without a TIA -> asked, FDPIC's method",
        ),
    ],
)
def test_each_regime_names_its_own_assessment_method(
    origin: DataOrigin, mechanism: M, on: date, method: str
) -> None:
    result = evaluate_transfer(origin, "IN", on, [basis(mechanism, origin=origin)])
    assert result.status is S.VALID, text(result)
    [asked] = [r for r in result.reasons if r.startswith("no transfer impact assessment")]
    assert method in asked
    if origin is not EEA:
        assert "EDPB" not in asked


# --- transfer impact assessments ------------------------------------------------------------


@pytest.mark.parametrize(
    ("assessments", "expected", "fragment"),
    [
        pytest.param(
            [tia(TiaOutcome.SUFFICIENT)],
            S.VALID,
            "transfer impact assessment tia1 of 2026-06-01 following EDPB Recommendations "
            "01/2020: the safeguards are sufficient",
            id="EDPB Recs 01/2020 step 3: TIA sufficient -> VALID, cited",
        ),
        pytest.param(
            [tia(TiaOutcome.SUPPLEMENTARY_MEASURES, measures=("keys held in the EEA",))],
            S.VALID,
            "sufficient with supplementary measures (keys held in the EEA)",
            id="EDPB Recs 01/2020 step 4: supplementary measures -> VALID, measures named",
        ),
        pytest.param(
            [tia(TiaOutcome.NOT_SUFFICIENT)],
            S.INVALID,
            "found the 2021 SCCs (Decision (EU) 2021/914) not sufficient for EEA → IN",
            id="EDPB Recs 01/2020 step 6 (CJEU C-311/18 para. 135): not sufficient -> INVALID",
        ),
        pytest.param(
            [tia(TiaOutcome.SUFFICIENT, next_review_on=D("2026-12-01"))],
            S.VALID,
            "overdue for review since 2026-12-01",
            id="TIA review date passed -> VALID, overdue said",
        ),
        pytest.param(
            [tia(TiaOutcome.SUFFICIENT, next_review_on=D("2026-12-20"))],
            S.VALID,
            "due for review on 2026-12-20",
            id="TIA review within 30 days -> VALID, due date said",
        ),
        pytest.param(
            [
                tia(TiaOutcome.NOT_SUFFICIENT, assessed_on=D("2025-01-01"), id="old"),
                tia(TiaOutcome.SUFFICIENT, assessed_on=D("2026-01-01"), id="new"),
            ],
            S.VALID,
            "transfer impact assessment new of 2026-01-01",
            id="a later assessment supersedes an earlier one -> VALID on the later",
        ),
        pytest.param(
            [tia(TiaOutcome.NOT_SUFFICIENT, assessed_on=D("2027-01-01"))],
            S.VALID,
            "no transfer impact assessment recorded for EEA → IN",
            id="an assessment dated after the day does not exist yet on it",
        ),
        pytest.param(
            [tia(TiaOutcome.NOT_SUFFICIENT, destination="US")],
            S.VALID,
            "no transfer impact assessment recorded for EEA → IN",
            id="an assessment of another route does not cover this one",
        ),
    ],
)
def test_transfer_impact_assessment_in_the_verdict(
    assessments: list[TransferImpactAssessment], expected: S, fragment: str
) -> None:
    result = evaluate_transfer(EEA, "IN", TODAY, [basis(M.SCC_2021)], tias=assessments)
    assert result.status is expected, text(result)
    assert fragment in text(result)


def test_not_sufficient_sccs_leave_another_basis_standing() -> None:
    recorded = [basis(M.SCC_2021), basis(M.BCR, id="b2")]
    assessments = [
        tia(TiaOutcome.NOT_SUFFICIENT),
        tia(TiaOutcome.SUFFICIENT, mechanism=M.BCR, id="tia2"),
    ]
    result = evaluate_transfer(EEA, "IN", TODAY, recorded, tias=assessments)
    assert (result.status, result.mechanism) == (S.VALID, M.BCR)
    assert result.tia is not None
    assert result.tia.id == "tia2"
    assert "not used: basis b1 (SCC_2021) INVALID: transfer impact assessment tia1" in text(result)


def test_uk_assessment_made_under_the_tra_names_todays_method() -> None:
    assessments = [
        tia(TiaOutcome.SUFFICIENT, origin=UK, mechanism=M.UK_IDTA, assessed_on=D("2025-06-01"))
    ]
    result = evaluate_transfer(UK, "IN", TODAY, [basis(M.UK_IDTA, origin=UK)], tias=assessments)
    said = "following ICO transfer risk assessment guidance (TRA tool) (since then the method"
    assert said in text(result)
    assert "the UK data protection test" in text(result)


def test_a_basis_tia_date_is_an_assessment_without_outcome() -> None:
    legacy = TransferBasis(
        id="b1",
        subprocessor_id="sp1",
        mechanism=M.SCC_2021,
        destination="IN",
        scc_module=2,
        tia_on=D("2024-03-01"),
        tia_url="https://acme.example/tia",
    )
    result = evaluate_transfer(EEA, "IN", TODAY, [legacy])
    assert "transfer impact assessment b1:tia of 2024-03-01" in text(result)
    assert "outcome not recorded" in text(result)
    assert result.tia is not None
    assert result.tia.document_reference == "https://acme.example/tia"


def test_covering_prefers_a_recorded_outcome_on_the_same_day() -> None:
    same_day = [tia(None, id="legacy"), tia(TiaOutcome.SUFFICIENT, id="real")]
    found = covering(same_day, EEA, "IN", M.SCC_2021, TODAY)
    assert found is not None
    assert found.id == "real"


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assessment", "countries", "field", "message"),
    [
        pytest.param(
            tia(TiaOutcome.SUFFICIENT, destination="BR"),
            ("IN",),
            "destination",
            "no processing location in BR",
            id="a TIA for a route the vendor does not use -> refused (destination)",
        ),
        pytest.param(
            tia(TiaOutcome.SUFFICIENT, mechanism=M.BCR),
            ("IN",),
            "mechanism",
            "no BCR transfer basis is recorded for EEA → IN",
            id="a TIA for a mechanism the route does not use -> refused (mechanism)",
        ),
        pytest.param(
            tia(TiaOutcome.SUFFICIENT, next_review_on=D("2026-05-31")),
            ("IN",),
            "nextReviewOn",
            "must come after the assessment",
            id="a review date before the assessment -> refused (nextReviewOn)",
        ),
        pytest.param(
            tia(TiaOutcome.SUPPLEMENTARY_MEASURES),
            ("IN",),
            "measures",
            "name the supplementary measures",
            id="supplementary measures without any -> refused (measures)",
        ),
    ],
)
def test_bad_assessments_are_refused(
    assessment: TransferImpactAssessment, countries: tuple[str, ...], field: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        check_assessment(assessment, countries=countries, bases=[basis(M.SCC_2021)])
    assert refused.value.field == field
