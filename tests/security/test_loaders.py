"""DataLoaders ask with the caller: a loader never serves a record, or a part of a
record, that the caller's top-level query would refuse (services/policy.py)."""

from __future__ import annotations

from registry.api.loaders import Loaders
from registry.domain.models import ProcessingLocation, Role, Subprocessor, SubprocessorStatus
from registry.services.caller import ANONYMOUS, Caller
from registry.store import ids, processing_locations, subprocessors
from tests.conftest import START, Api

DPA = """mutation($s: ID!) { recordDpa(subprocessorId: $s, input: {version: "1",
  signedOn: "2025-01-01"}) { __typename } }"""
BASIS = """mutation($s: ID!) { recordTransferBasis(subprocessorId: $s,
  input: {mechanism: SCC_2021, destination: "US", sccModule: 2}) { __typename } }"""


async def _unannounced(api: Api) -> str:
    """A PROPOSED vendor no change has announced, with a location, a DPA and a basis."""
    sub_id = ids.new_id("Subprocessor")
    await subprocessors.insert(
        api.deps.db,
        Subprocessor(sub_id, "Internal Only Ltd", "p", SubprocessorStatus.PROPOSED, START),
    )
    await processing_locations.upsert(
        api.deps.db,
        ProcessingLocation(
            id=ids.new_id("ProcessingLocation"), subprocessor_id=sub_id, country="US"
        ),
    )
    admin = await api.key(Role.ADMIN)
    await api.gql(DPA, {"s": sub_id}, admin)
    await api.gql(BASIS, {"s": sub_id}, admin)
    return sub_id


async def test_loaders_serve_only_what_the_caller_may_see(api: Api) -> None:
    sub_id = await _unannounced(api)
    outsiders = [ANONYMOUS, Caller(Role.CUSTOMER, customer_id=ids.new_id("Customer"))]

    staff = Loaders(api.deps, Caller(Role.PROCUREMENT))
    assert await staff.subprocessor.load(sub_id) is not None
    assert len(await staff.locations.load(sub_id)) == 1
    assert len(await staff.dpas.load(sub_id)) == 1
    assert len(await staff.transfer_bases.load(sub_id)) == 1
    for caller in outsiders:
        loaders = Loaders(api.deps, caller)
        assert await loaders.subprocessor.load(sub_id) is None
        assert await loaders.locations.load(sub_id) == []
        assert await loaders.dpas.load(sub_id) == []
        assert await loaders.transfer_bases.load(sub_id) == []
        assert await loaders.assessments.load(sub_id) == []
        assert await loaders.assessments_cited.load(sub_id) == []
