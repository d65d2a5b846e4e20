"""A chain change's notice says where in the chain it is (services/chain_changes.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.domain.chain import ChainLink, ChainLocation
from registry.domain.models import Subprocessor, SubprocessorStatus
from registry.services.chain_changes import ChainAction, describe

AT = datetime(2026, 1, 5, tzinfo=UTC)
POSTMARK = Subprocessor("sp_1", "Postmark", "E-mail", SubprocessorStatus.ACTIVE, AT)


def link(id: str, name: str, parent: str = "sp_1", *countries: str) -> ChainLink:
    return ChainLink(
        id=id,
        vendor_id="sp_1",
        parent_id=parent,
        legal_name=name,
        purpose="Hosting",
        address="Somewhere",
        locations=tuple(ChainLocation(c) for c in countries or ("US",)),
        created_at=AT,
    )


AWS = link("cl_aws", "AWS", "sp_1", "US", "IE")
ANNAPURNA = link("cl_ann", "Annapurna Labs", "cl_aws", "IL")
GCP = link("cl_gcp", "Google Cloud", "sp_1", "NL")
LINKS = {x.id: x for x in (AWS, ANNAPURNA)}


@pytest.mark.parametrize(
    ("action", "role", "coming", "going", "below", "said"),
    [
        (
            ChainAction.ADD,
            "our e-mail provider",
            AWS,
            None,
            [],
            "Postmark, our e-mail provider, adds AWS in the United States and Ireland: Hosting",
        ),
        (
            ChainAction.ADD,
            None,
            ANNAPURNA,
            None,
            [],
            "AWS, a sub-processor of Postmark, adds Annapurna Labs in Israel: Hosting",
        ),
        (
            ChainAction.REPLACE,
            "our e-mail provider",
            GCP,
            AWS,
            [],
            "Postmark, our e-mail provider, replaces AWS (the United States and Ireland) with "
            "Google Cloud in the Netherlands: Hosting",
        ),
        (
            ChainAction.REMOVE,
            None,
            None,
            AWS,
            [ANNAPURNA],
            "Postmark stops using AWS (the United States and Ireland), and with it Annapurna "
            "Labs, below it in the chain.",
        ),
    ],
)
def test_the_notice_names_the_place_in_the_chain(
    action: ChainAction,
    role: str | None,
    coming: ChainLink | None,
    going: ChainLink | None,
    below: list[ChainLink],
    said: str,
) -> None:
    assert describe(action, POSTMARK, role, coming, going, below, LINKS) == said
