"""A vendor's chain of sub-processors (domain/chain.py) and its onward transfers
(domain/onward.py), as tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from registry.domain.chain import (
    MAX_DEPTH,
    ChainLink,
    ChainLocation,
    HopBasis,
    check_link,
    depth,
    effective_scope,
    ordered,
)
from registry.domain.errors import ChainError, ValidationError
from registry.domain.models import DataOrigin, Scope
from registry.domain.models import TransferMechanism as M
from registry.domain.models import TransferStatus as S
from registry.domain.onward import evaluate_chain
from registry.domain.transfers import evaluate_transfer
from registry.domain.validation import lei

AT = datetime(2026, 1, 1, tzinfo=UTC)
ALL = Scope()
ON = date(2026, 3, 1)
EEA = DataOrigin.EEA
SCC3 = HopBasis(M.SCC_2021, scc_module=3)
DPF = HopBasis(M.EU_US_DPF, valid_until=date(2026, 12, 31))


def link(
    id: str,
    parent: str = "sp_postmark",
    *,
    vendor: str = "sp_postmark",
    name: str | None = None,
    countries: tuple[str, ...] = ("US",),
    catalog: str | None = None,
    bases: tuple[HopBasis, ...] = (),
    scope: Scope = ALL,
) -> ChainLink:
    return ChainLink(
        id=id,
        vendor_id=vendor,
        parent_id=parent,
        legal_name=name or id,
        purpose="Hosting",
        address="Somewhere 1",
        locations=tuple(ChainLocation(c) for c in countries),
        created_at=AT,
        catalog_vendor_id=catalog,
        bases=bases,
        scope=scope,
        active_from=AT,
    )


def refused(proposed: ChainLink, existing: list[ChainLink], scope: Scope = ALL) -> str:
    with pytest.raises(ChainError) as caught:
        check_link(proposed, existing, vendor_scope=scope)
    return caught.value.rule


def test_a_two_level_chain_is_accepted_and_listed_depth_first() -> None:
    aws = link("cl_aws", name="AWS", catalog="sp_aws")
    s3 = link("cl_s3", "cl_aws", name="Annapurna Labs")
    sendgrid = link("cl_sg", name="Akamai")
    check_link(aws, [], vendor_scope=Scope())
    check_link(s3, [aws], vendor_scope=Scope())
    got = [(d, x.legal_name) for d, x in ordered([s3, sendgrid, aws], "sp_postmark")]
    assert got == [(1, "Akamai"), (1, "AWS"), (2, "Annapurna Labs")]
    assert depth(s3, {x.id: x for x in (aws, s3)}) == 2


@pytest.mark.parametrize(
    ("proposed", "existing", "rule"),
    [
        # The vendor named as its own sub-processor.
        (link("cl_1", catalog="sp_postmark"), [], "SELF_REFERENCE"),
        # A link naming the catalog vendor its parent already is.
        (
            link("cl_2", "cl_1", catalog="sp_aws"),
            [link("cl_1", catalog="sp_aws")],
            "SELF_REFERENCE",
        ),
        # Postmark → AWS → Postmark.
        (
            link("cl_2", "cl_1", catalog="sp_postmark"),
            [link("cl_1", catalog="sp_aws")],
            "CYCLE",
        ),
        # AWS's own chain holds Postmark: Postmark → AWS closes A → B → A.
        (
            link("cl_2", catalog="sp_aws"),
            [link("cl_9", "sp_aws", vendor="sp_aws", catalog="sp_postmark")],
            "CYCLE",
        ),
        (link("cl_1", countries=()), [], "NO_LOCATION"),
        (link("cl_1", "cl_nowhere"), [], "NO_PARENT"),
        (link("cl_1", scope=Scope(("mail",))), [], "OK"),
    ],
)
def test_what_a_chain_refuses(proposed: ChainLink, existing: list[ChainLink], rule: str) -> None:
    if rule == "OK":
        check_link(proposed, existing, vendor_scope=Scope())
    else:
        assert refused(proposed, existing) == rule


def test_depth_over_the_limit_is_refused_with_a_reason() -> None:
    chain = [link("cl_1")]
    for n in range(2, MAX_DEPTH + 1):
        chain.append(link(f"cl_{n}", f"cl_{n - 1}"))
    check_link(chain[-1], chain[:-1], vendor_scope=Scope())
    with pytest.raises(ChainError, match="depth 11; a chain may go 10 deep"):
        check_link(link("cl_11", "cl_10"), chain, vendor_scope=Scope())


def test_scope_follows_the_parent_unless_narrowed() -> None:
    parent = link("cl_1", scope=Scope(("mail",)))
    child = link("cl_2", "cl_1")
    by_id = {x.id: x for x in (parent, child)}
    assert effective_scope(child, by_id, Scope((), ("eu",))) == Scope(("mail",), ("eu",))
    wider = link("cl_2", "cl_1", scope=Scope(("mail", "crm")))
    assert refused(wider, [parent]) == "WIDENS_SCOPE"


def test_every_reason_names_its_hop_and_the_weakest_hop_decides() -> None:
    first = {"US": evaluate_transfer(EEA, "US", ON, [])}  # Postmark itself: nothing recorded
    aws = link("cl_aws", name="AWS", bases=(SCC3,))
    routes = evaluate_chain(EEA, ON, "Postmark", first, [aws])
    (route,) = routes
    assert route.status is S.MISSING
    assert route.reasons[0] == "weakest hop: EEA → Postmark (US), MISSING"
    assert any(r.startswith("Postmark → AWS (US): 2021 SCCs") for r in route.reasons), route.reasons


@pytest.mark.parametrize(
    ("hop", "countries", "status", "mechanism"),
    [
        ((SCC3,), ("US",), S.VALID, M.SCC_2021),
        ((DPF,), ("US",), S.VALID, M.ADEQUACY),  # the DPF opens the US adequacy decision
        ((), ("US",), S.MISSING, None),
        ((), ("DE",), S.NOT_REQUIRED, None),  # inside the EEA: no basis needed
        ((HopBasis(M.PRIVACY_SHIELD),), ("US",), S.INVALID, M.PRIVACY_SHIELD),
        ((HopBasis(M.BCR),), ("IN",), S.VALID, M.BCR),
    ],
)
def test_each_onward_hop_is_judged_by_its_own_basis(
    hop: tuple[HopBasis, ...], countries: tuple[str, ...], status: S, mechanism: M | None
) -> None:
    first = {"IE": evaluate_transfer(EEA, "IE", ON, [])}
    routes = evaluate_chain(
        EEA, ON, "Postmark", first, [link("cl_x", bases=hop, countries=countries)]
    )
    assert [(r.status, r.mechanism) for r in routes] == [(status, mechanism)]


def test_a_deeper_hop_is_named_by_its_own_parent() -> None:
    first = {"IE": evaluate_transfer(EEA, "IE", ON, [])}
    aws = link("cl_aws", name="AWS", bases=(DPF,))
    deep = link("cl_deep", "cl_aws", name="Annapurna", countries=("IL",))
    routes = evaluate_chain(EEA, ON, "Postmark", first, [aws, deep])
    last = routes[-1]
    assert [h.name for h in last.hops] == [
        "EEA → Postmark (IE)",
        "Postmark → AWS (US)",
        "AWS → Annapurna (IL)",
    ]
    assert last.status is S.VALID  # Israel: adequacy; the weakest is VALID
    withdrawn = evaluate_chain(EEA, ON, "Postmark", first, [aws, deep], withdrawn=[M.EU_US_DPF])
    assert withdrawn[-1].status is S.INVALID
    assert withdrawn[-1].reasons[0] == "weakest hop: Postmark → AWS (US), INVALID"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("529900T8BM49AURSDO55", True),
        ("529900T8BM49AURSDO56", False),  # a check digit off
        ("529900t8bm49aursdo55", False),  # lower case
        ("5299", False),
    ],
)
def test_lei_check_digits(value: str, ok: bool) -> None:
    if ok:
        assert lei(value) == value
    else:
        with pytest.raises(ValidationError, match="LEI"):
            lei(value)
