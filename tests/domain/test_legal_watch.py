"""The legal watch: a withdrawal from a date, or a new release of the facts, and which
transfers change their verdict today and in the next 90 days (issue 31)."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

from registry.domain import legal_watch
from registry.domain.errors import ValidationError
from registry.domain.legal_watch import Route, Withdrawal, impacts, withdrawn_reference
from registry.domain.models import DataOrigin, TransferBasis
from registry.domain.models import TransferMechanism as M
from registry.domain.models import TransferStatus as S
from registry.domain.reference import load_reference, parse_reference

EEA, UK = DataOrigin.EEA, DataOrigin.UK
D = date.fromisoformat
TODAY = D("2026-12-07")
REF = load_reference()
DPF_FALLS = [Withdrawal(M.EU_US_DPF, D("2027-01-01"))]


def basis(mechanism: M, origin: DataOrigin = EEA, *, id: str = "b1") -> TransferBasis:
    return TransferBasis(
        id=id,
        subprocessor_id="sp1",
        mechanism=mechanism,
        destination="US",
        origin=origin,
        valid_until=D("2027-09-30") if mechanism is M.EU_US_DPF else None,
        scc_module=2 if mechanism is M.SCC_2021 else None,
        tia_on=D("2026-01-01"),
    )


def route(*recorded: TransferBasis, origin: DataOrigin = EEA, country: str = "US") -> Route:
    return Route("sp1", "Vendor", country, origin, bases=recorded)


@pytest.mark.parametrize(
    ("given", "first_day", "after", "falls_on", "then"),
    [
        pytest.param(
            route(basis(M.EU_US_DPF)),
            TODAY,
            S.EXPIRING,
            D("2027-01-01"),
            S.INVALID,
            id="C-703/25 P what-if, DPF from 2027-01-01: EEA → US on the DPF alone -> EXPIRING "
            "today, INVALID from 2027-01-01",
        ),
        pytest.param(
            route(basis(M.EU_US_DPF), basis(M.SCC_2021, id="b2")),
            TODAY,
            S.VALID,
            None,
            None,
            id="DPF what-if: EEA → US on the DPF and 2021 SCCs -> stays VALID on the SCCs",
        ),
        pytest.param(
            route(basis(M.UK_US_DATA_BRIDGE, UK), origin=UK),
            None,
            None,
            None,
            None,
            id="DPF what-if: UK → US on the UK Extension -> unchanged (UK law stands)",
        ),
        pytest.param(
            route(country="DE"),
            None,
            None,
            None,
            None,
            id="DPF what-if: EEA → DE -> unchanged",
        ),
    ],
)
def test_dpf_withdrawn_from_2027(
    given: Route, first_day: date | None, after: S | None, falls_on: date | None, then: S | None
) -> None:
    found = impacts([given], REF, withdrawn_reference(REF, DPF_FALLS), TODAY)
    if first_day is None:
        assert found == []
        return
    [impact] = found
    assert (impact.first_day, impact.after.status, impact.falls_on) == (first_day, after, falls_on)
    assert impact.today
    if then is not None:
        assert impact.fallen is not None
        assert impact.fallen.status is then
        assert "EU_US_DPF withdrawn from 2027-01-01 (what-if)" in " ".join(impact.fallen.reasons)


def test_a_transfer_already_without_basis_is_only_reworded() -> None:
    """On the Privacy Shield (invalid since 2020) the DPF's fall changes no status: only the
    reason naming the US decision's DPF scope goes when the decision ends."""
    given = route(basis(M.PRIVACY_SHIELD))
    [impact] = impacts([given], REF, withdrawn_reference(REF, DPF_FALLS), TODAY)
    assert impact.first_day == D("2027-01-01")
    assert (impact.before.status, impact.after.status) == (S.INVALID, S.INVALID)
    assert not impact.status_changes
    assert not impact.falls


def test_withdrawal_beyond_the_window_is_not_reported() -> None:
    later = [Withdrawal(M.EU_US_DPF, D("2027-06-01"))]
    assert impacts([route(basis(M.EU_US_DPF))], REF, withdrawn_reference(REF, later), TODAY) == []


def test_one_countrys_adequacy_withdrawn() -> None:
    gone = withdrawn_reference(REF, [Withdrawal(M.ADEQUACY, D("2027-01-01"), "JP")])
    routes = [route(country="JP"), route(country="CH")]
    [impact] = impacts(routes, REF, gone, TODAY)
    assert impact.route.country == "JP"
    assert impact.falls_on == D("2027-01-01")
    assert impact.fallen is not None
    assert impact.fallen.status is S.MISSING


def test_a_country_narrows_only_an_adequacy_withdrawal() -> None:
    with pytest.raises(ValidationError, match="narrows only an ADEQUACY") as refused:
        withdrawn_reference(REF, [Withdrawal(M.EU_US_DPF, TODAY, "US")])
    assert refused.value.field == "country"


def test_a_new_release_is_compared_with_the_old_one() -> None:
    """The release of 2026.3 made UK → KR VALID for credit-information recipients' routes and
    Israel partial: an older release that lacked the Israel row's `partial` differs on a
    recipient recorded out of scope."""
    folder = resources.files("registry.domain.reference")
    files = {
        p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".json")
    }
    eu = json.loads(files["adequacy_eu.json"])
    for row in eu["decisions"]:
        if row.get("country") == "IL":
            row.pop("partial")
    files["adequacy_eu.json"] = json.dumps(eu)
    old = parse_reference(files)
    out_of_scope = Route("sp1", "Vendor", "IL", EEA, recipient_in_scope=False)
    [impact] = impacts([out_of_scope], old, REF, TODAY)
    assert (impact.before.status, impact.after.status) == (S.VALID, S.MISSING)
    assert impact.falls_on == TODAY


def test_the_work_grows_with_routes_times_days_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """What keeps the report quick: each route is evaluated at most once per set of facts
    and day of the window, and not again after the day it falls."""
    evaluated = 0
    evaluate = legal_watch.evaluate_transfer

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal evaluated
        evaluated += 1
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(legal_watch, "evaluate_transfer", counted)
    routes = [route(basis(M.EU_US_DPF)) for _ in range(30)]
    found = impacts(routes, REF, withdrawn_reference(REF, DPF_FALLS), TODAY)
    assert {i.falls_on for i in found} == {D("2027-01-01")}
    days_until_it_falls = (D("2027-01-01") - TODAY).days + 1
    assert 0 < evaluated <= len(routes) * 2 * days_until_it_falls
