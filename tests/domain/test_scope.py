"""Who a vendor affects: the intersection of scopes on both axes (table-tested)."""

from __future__ import annotations

import pytest

from registry.domain.models import Scope
from registry.domain.scope import ChangeAudience, affects, covers, newly_affected, widens

CRM_EU = Scope(("crm",), ("eu",))
CRM = Scope(("crm",), ())
EU = Scope((), ("eu",))
ALL = Scope()


@pytest.mark.parametrize(
    ("scope", "products", "region", "expected"),
    [
        (ALL, (), None, True),
        (ALL, ("crm",), "eu", True),
        (CRM_EU, ("crm",), "eu", True),
        (CRM_EU, ("crm", "hr"), "eu", True),
        (CRM_EU, ("hr",), "eu", False),
        (CRM_EU, ("crm",), "us", False),
        (CRM_EU, (), "eu", True),  # no products set: uses every product
        (CRM_EU, ("crm",), None, True),  # no region: affected by every region
        (CRM_EU, (), "us", False),
        (CRM, ("crm",), "us", True),
        (EU, ("hr",), "us", False),
        (EU, ("hr",), "eu", True),
    ],
)
def test_affects(
    scope: Scope, products: tuple[str, ...], region: str | None, expected: bool
) -> None:
    assert affects(scope, products, region) is expected


@pytest.mark.parametrize(
    ("wide", "narrow", "expected"),
    [
        (ALL, CRM_EU, True),
        (CRM, CRM_EU, True),
        (EU, CRM_EU, True),
        (CRM_EU, CRM, False),
        (CRM_EU, ALL, False),
        (Scope(("crm", "hr"), ("eu",)), CRM_EU, True),
        (CRM_EU, Scope(("crm", "hr"), ("eu",)), False),
        (CRM_EU, CRM_EU, True),
        (Scope(("hr",), ("eu",)), CRM_EU, False),
    ],
)
def test_covers(wide: Scope, narrow: Scope, expected: bool) -> None:
    assert covers(wide, narrow) is expected
    assert widens(narrow, wide) is (not covers(wide, narrow))


def test_newly_affected_only_those_the_old_scope_missed() -> None:
    wider = Scope(("crm",), ("eu", "us"))
    assert newly_affected(CRM_EU, wider, ("crm",), "us")
    assert not newly_affected(CRM_EU, wider, ("crm",), "eu")  # already affected
    assert not newly_affected(CRM_EU, wider, ("hr",), "us")  # still not affected
    assert not newly_affected(CRM_EU, wider, (), None)  # unscoped: affected all along


def test_change_audience() -> None:
    replacement = ChangeAudience((CRM_EU, Scope(("hr",), ())))
    assert replacement.affects(("hr",), "us")
    assert replacement.affects(("crm",), "eu")
    assert not replacement.affects(("crm",), "us")
    widening = ChangeAudience((Scope(("crm",), ("eu", "us")),), already=CRM_EU)
    assert widening.affects(("crm",), "us")
    assert not widening.affects(("crm",), "eu")
    assert ChangeAudience((ALL,)).everyone
    assert not widening.everyone
