"""Codes ISO exceptionally reserves for parts of Spain (IC: Canary Islands, EA: Ceuta and
Melilla): the input check accepts exactly what the transfer rules place (issue 31)."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain import validation as check
from registry.domain.errors import ValidationError
from registry.domain.labels import RESERVED_TERRITORIES, country_name
from registry.domain.models import DataOrigin
from registry.domain.reference import load_reference

TODAY = date(2026, 12, 7)


def test_input_check_accepts_what_the_engine_places() -> None:
    """The engine and the input check agree: every reserved code accepted at input is placed
    by the reference data (inside the EEA through Spain), and named for people."""
    eea = load_reference().home_areas[DataOrigin.EEA]
    for code in RESERVED_TERRITORIES:
        assert check.country(code) == code
        member = eea.member(code, TODAY)
        assert member is not None, code
        assert member.part_of == "ES", code
        assert "Spain" in country_name(code)
    with pytest.raises(ValidationError, match="not an assigned"):
        check.country("XK")
