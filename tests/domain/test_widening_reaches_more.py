"""Whether a widening of a vendor's scope touches more of a customer's data than the old
scope did: the rule that tells a customer excluded from the vendor of the widening."""

from __future__ import annotations

import pytest

from registry.domain.models import Scope
from registry.domain.timeline import widening_reaches_more

CRM = Scope(products=("crm",))
CRM_HR = Scope(products=("crm", "hr"))
CRM_EU = Scope(products=("crm",), hosting_regions=("eu",))


@pytest.mark.parametrize(
    ("old", "new", "products", "region", "reaches"),
    [
        (CRM, CRM_HR, ("crm", "hr"), None, True),  # its HR data is newly touched
        (CRM, CRM_HR, ("crm",), None, False),  # nothing of its data is new
        (CRM, CRM_HR, (), None, True),  # it uses every product
        (CRM, Scope(), ("crm", "hr"), None, True),  # now every product
        (CRM, Scope(), ("crm",), None, False),
        (Scope(), Scope(), ("crm",), None, False),  # the old scope had it all
        (CRM_EU, CRM, ("crm",), None, True),  # a customer in no one region: all regions
        (CRM_EU, CRM, ("crm",), "eu", False),  # its region was already in
        (CRM, CRM_HR, ("sales",), None, False),  # the new scope does not touch it
    ],
)
def test_widening_reaches_more(
    old: Scope, new: Scope, products: tuple[str, ...], region: str | None, reaches: bool
) -> None:
    assert widening_reaches_more(old, new, products, region) is reaches
