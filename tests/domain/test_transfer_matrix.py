"""The committed docs/transfer-matrix.csv is the engine's current answer on every reference
row's boundary days, for all three origins (regenerate: `python -m bench.transfer_matrix`)."""

from __future__ import annotations

import csv
from pathlib import Path

from registry.domain.models import DataOrigin
from registry.domain.reference import load_reference
from registry.domain.transfer_matrix import HEADER, probes, render_matrix

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "transfer-matrix.csv"


def test_committed_matrix_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_matrix(), (
        "docs/transfer-matrix.csv is stale: run `python -m bench.transfer_matrix`"
    )


def test_matrix_covers_every_dated_row_from_every_origin() -> None:
    rows = list(csv.DictReader(COMMITTED.read_text(encoding="utf-8").splitlines()))
    assert tuple(rows[0]) == HEADER
    asked = {(p.row, p.boundary, p.on.isoformat()) for p in probes(load_reference())}
    answered = {(r["row"], r["boundary"], r["on"]) for r in rows}
    assert asked == answered
    assert {r["origin"] for r in rows} == {o.value for o in DataOrigin}
    boundaries = {r["boundary"] for r in rows}
    assert boundaries == {"day before", "first day", "last day", "day after"}


def _answer(row: str, boundary: str, origin: str, destination: str = "") -> dict[str, str]:
    rows = csv.DictReader(COMMITTED.read_text(encoding="utf-8").splitlines())
    [found] = [
        r
        for r in rows
        if (r["row"], r["boundary"], r["origin"]) == (row, boundary, origin)
        and destination in ("", r["destination"])
    ]
    return found


def test_matrix_reads_like_the_rules() -> None:
    shield = "mechanism PRIVACY_SHIELD (EEA)"
    assert _answer(shield, "last day", "EEA")["status"] == "EXPIRING"
    assert _answer(shield, "day after", "EEA")["status"] == "INVALID"
    old_sccs = "mechanism SCC_2010 (EEA)"
    assert _answer(old_sccs, "last day", "EEA")["on"] == "2022-12-27"
    assert _answer(old_sccs, "day after", "EEA")["status"] == "INVALID"
    uk_regime = "UK own regime from 2021-01-01"
    assert _answer(uk_regime, "day before", "UK", "DE")["status"] == "NOT_REQUIRED"  # EU rules
    assert _answer(uk_regime, "first day", "UK", "DE")["mechanism"] == "ADEQUACY"  # UK's own
