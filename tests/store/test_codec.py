"""The entity codec: every entity round-trips, and documents written before it still read.

Each `OLD_*` document below is what the hand-written `to_document` of its store module
wrote before the codec (same keys, same forms), so databases need no migration.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from registry.domain.fields import Kind
from registry.domain.models import (
    Change,
    ChangeKind,
    ChangeStatus,
    Customer,
    CustomerTerms,
    DataOrigin,
    Dpa,
    HostingRegion,
    LocationRole,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionResolution,
    ObjectionStatus,
    PeriodEnds,
    ProcessingLocation,
    Product,
    Scope,
    StatusChange,
    Subprocessor,
    SubprocessorStatus,
    TransferBasis,
    TransferMechanism,
)
from registry.domain.subscribers import Subscriber
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.domain.webhooks import SealedSecrets, Subscription
from registry.store import (
    changes,
    customer_groups,
    customers,
    dpas,
    email_subscribers,
    hosting_regions,
    notices,
    objections,
    processing_locations,
    products,
    subprocessors,
    transfer_bases,
    webhook_subscriptions,
)
from registry.store.codec import Codec, converters
from registry.store.database import Document

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
T1 = datetime(2025, 6, 1, tzinfo=UTC)
T2 = datetime(2025, 7, 15, 12, tzinfo=UTC)

SUBPROCESSOR = Subprocessor(
    id="sub_1",
    legal_name="Acme Mail GmbH",
    purpose="E-mail delivery",
    status=SubprocessorStatus.ACTIVE,
    created_at=T0,
    data_categories=("contact", "usage"),
    website="https://acme.example",
    contact_email="dpo@acme.example",
    status_history=(
        StatusChange(SubprocessorStatus.PROPOSED, T0),
        StatusChange(SubprocessorStatus.ACTIVE, T1),
    ),
    active_from=T1,
    active_until=T2,
    note="Seeded",
    scope=Scope(products=("crm",), hosting_regions=()),
)
OLD_SUBPROCESSOR: Document = {
    "_id": "sub_1",
    "legal_name": "Acme Mail GmbH",
    "sort_name": "acme mail gmbh",
    "purpose": "E-mail delivery",
    "data_categories": ["contact", "usage"],
    "website": "https://acme.example",
    "contact_email": "dpo@acme.example",
    "status": "ACTIVE",
    "status_history": [{"status": "PROPOSED", "at": T0}, {"status": "ACTIVE", "at": T1}],
    "active_from": T1,
    "active_until": T2,
    "note": "Seeded",
    "created_at": T0,
    "scope_products": ["crm"],
    "scope_regions": ["*"],
}

LOCATION = ProcessingLocation(
    id="loc_1",
    subprocessor_id="sub_1",
    country="US",
    role=LocationRole.STORAGE,
    region="us-east-1",
    recipient_in_scope=False,
)
OLD_LOCATION: Document = {
    "_id": "loc_1",
    "subprocessor_id": "sub_1",
    "country": "US",
    "region": "us-east-1",
    "role": "STORAGE",
    "recipient_in_scope": False,
}

DPA = Dpa(
    id="dpa_1",
    subprocessor_id="sub_1",
    version="v2",
    signed_on=date(2024, 1, 31),
    effective_on=date(2024, 2, 1),
    expires_on=None,
    document_url="https://acme.example/dpa.pdf",
    sha256="a" * 64,
    scc_modules=(2, 3),
)
OLD_DPA: Document = {
    "_id": "dpa_1",
    "subprocessor_id": "sub_1",
    "version": "v2",
    "signed_on": "2024-01-31",
    "effective_on": "2024-02-01",
    "expires_on": None,
    "document_url": "https://acme.example/dpa.pdf",
    "sha256": "a" * 64,
    "scc_modules": [2, 3],
}

BASIS = TransferBasis(
    id="tb_1",
    subprocessor_id="sub_1",
    mechanism=TransferMechanism.SCC_2021,
    destination="US",
    origin=DataOrigin.UK,
    valid_from=date(2024, 1, 1),
    valid_until=date(2026, 12, 31),
    scc_module=2,
    reference="DPA clause 9",
    tia_on=date(2024, 3, 1),
    tia_url="https://acme.example/tia",
    note="Signed with the addendum",
)
OLD_BASIS: Document = {
    "_id": "tb_1",
    "subprocessor_id": "sub_1",
    "mechanism": "SCC_2021",
    "origin": "UK",
    "destination": "US",
    "valid_from": "2024-01-01",
    "valid_until": "2026-12-31",
    "scc_module": 2,
    "reference": "DPA clause 9",
    "tia_on": "2024-03-01",
    "tia_url": "https://acme.example/tia",
    "note": "Signed with the addendum",
}

TERMS = CustomerTerms(
    notice_period="P30D",
    objection_window="P14D",
    data_origin=DataOrigin.CH,
    allows_emergency_replacement=True,
    weekend_rolls_to_monday=True,
    time_zone="Europe/Zurich",
    period_ends=PeriodEnds.END_OF_DAY,
)
OLD_TERMS: Document = {
    "notice_period": "P30D",
    "objection_window": "P14D",
    "data_origin": "CH",
    "allows_emergency_replacement": True,
    "weekend_rolls_to_monday": True,
    "time_zone": "Europe/Zurich",
    "period_ends": "END_OF_DAY",
}
CUSTOMER = Customer(
    id="cus_1",
    name="Edelweiss Treuhand GmbH",
    terms=TERMS,
    created_at=T0,
    notice_emails=("privacy@edelweiss.example",),
    products=("crm", "mail"),
    hosting_region="eu",
)
OLD_CUSTOMER: Document = {
    "_id": "cus_1",
    "name": "Edelweiss Treuhand GmbH",
    "terms": OLD_TERMS,
    "terms_key": "P30D|P14D|CH|E|W|Europe/Zurich|END_OF_DAY",
    "group": "eu|crm,mail|P30D|P14D|CH|E|W|Europe/Zurich|END_OF_DAY",
    "created_at": T0,
    "notice_emails": ["privacy@edelweiss.example"],
    "products": ["crm", "mail"],
    "hosting_region": "eu",
}

CHANGE = Change(
    id="chg_1",
    kind=ChangeKind.UPDATE,
    subprocessor_id="sub_1",
    announced_at=T0,
    effective_at=T2,
    status=ChangeStatus.ANNOUNCED,
    earliest_allowed=T1,
    description="Scope widened",
    scope=Scope(("crm", "mail"), ("eu",)),
    scope_before=Scope(("crm",), ()),
)
OLD_CHANGE: Document = {
    "_id": "chg_1",
    "kind": "UPDATE",
    "subprocessor_id": "sub_1",
    "replaces_id": None,
    "description": "Scope widened",
    "emergency": False,
    "emergency_reason": None,
    "announced_at": T0,
    "effective_at": T2,
    "earliest_allowed": T1,
    "status": "ANNOUNCED",
    "cancelled_at": None,
    "cancel_reason": None,
    "applied_at": None,
    "expanded": False,
    "expansion_cursor": None,
    "lease_owner": None,
    "lease_until": None,
    "idempotency_key": "key-1",
    "open_guard": "scope:sub_1",
    "created_by": "key_9",
    "scoped": True,
    "scope": {"products": ["crm", "mail"], "hosting_regions": ["eu"]},
    "scope_before": {"products": ["crm"], "hosting_regions": []},
}

NOTICE = Notice(
    id="ntc_1",
    change_id="chg_1",
    customer_id="cus_1",
    sent_at=T0,
    earliest_effective_at=T1,
    effective_at=T2,
    objection_deadline=T1,
    status=NoticeStatus.EFFECTIVE,
)
OLD_NOTICE: Document = {
    "_id": "ntc_1",
    "change_id": "chg_1",
    "customer_id": "cus_1",
    "sent_at": T0,
    "earliest_effective_at": T1,
    "effective_at": T2,
    "objection_deadline": T1,
    "status": "EFFECTIVE",
}

OBJECTION = Objection(
    id="obj_1",
    change_id="chg_1",
    customer_id="cus_1",
    reason="We use no US vendors",
    filed_at=T0,
    deadline=T1,
    status=ObjectionStatus.RESOLVED,
    resolution=ObjectionResolution.ACCOMMODATED,
    note="Kept in the EU",
    resolved_at=T2,
    filer_name="Ada",
    filer_email="ada@edelweiss.example",
    filed_by_key=None,
)
OLD_OBJECTION: Document = {
    "_id": "obj_1",
    "change_id": "chg_1",
    "customer_id": "cus_1",
    "reason": "We use no US vendors",
    "filed_at": T0,
    "deadline": T1,
    "status": "RESOLVED",
    "resolution": "ACCOMMODATED",
    "note": "Kept in the EU",
    "resolved_at": T2,
    "filer_name": "Ada",
    "filer_email": "ada@edelweiss.example",
    "filed_by_key": None,
}

PRODUCT = Product(code="crm", name="CRM", created_at=T0)
OLD_PRODUCT: Document = {"_id": "crm", "name": "CRM", "created_at": T0}

REGION = HostingRegion(code="eu", name="European Union", countries=("DE", "IE"), created_at=T0)
OLD_REGION: Document = {
    "_id": "eu",
    "name": "European Union",
    "countries": ["DE", "IE"],
    "created_at": T0,
}

SUBSCRIPTION = Subscription(
    id="whs_1",
    customer_id="cus_1",
    url="https://hooks.example/in",
    event_types=("change.announced", "change.cancelled"),
    active=True,
    created_at=T0,
    secrets=SealedSecrets(current="sealed-new", previous="sealed-old", previous_expires_at=T2),
    secret_rotated_at=T1,
    disabled_at=None,
    disabled_reason=None,
    deleted_at=None,
    failing_since=T1,
    last_success_at=T0,
)
OLD_SUBSCRIPTION: Document = {
    "_id": "whs_1",
    "customer_id": "cus_1",
    "url": "https://hooks.example/in",
    "event_types": ["change.announced", "change.cancelled"],
    "active": True,
    "created_at": T0,
    "secret": "sealed-new",
    "previous_secret": "sealed-old",
    "previous_secret_expires_at": T2,
    "secret_rotated_at": T1,
    "disabled_at": None,
    "disabled_reason": None,
    "deleted_at": None,
    "failing_since": T1,
    "last_success_at": T0,
}

GROUP = customer_groups.CustomerGroup(
    key="eu|crm,mail|P30D|P14D|CH|E|W|Europe/Zurich|END_OF_DAY",
    products=("crm", "mail"),
    hosting_region="eu",
    terms_key="P30D|P14D|CH|E|W|Europe/Zurich|END_OF_DAY",
    terms=TERMS,
    chunks=("rst_1",),
)
OLD_GROUP: Document = {
    "_id": "eu|crm,mail|P30D|P14D|CH|E|W|Europe/Zurich|END_OF_DAY",
    "products": ["crm", "mail"],
    "hosting_region": "eu",
    "terms_key": "P30D|P14D|CH|E|W|Europe/Zurich|END_OF_DAY",
    "terms": OLD_TERMS,
    "chunks": ["rst_1"],
}


def _change_document(change: Change) -> Document:
    return changes.to_document(change, idempotency_key="key-1", created_by="key_9")


# Fields added after the codec: new documents hold them, old ones read as their default.
ADDED_SINCE: dict[type, Document] = {
    # Vendor fields declared after this layout are written empty (read back as empty).
    Subprocessor: {
        f.name: [] if f.kind is Kind.LINES else None
        for f in VENDOR_FIELDS
        if f.name not in OLD_SUBPROCESSOR
    },
    ProcessingLocation: {"note": None},
    Customer: {"note": None},
    # A new change is unsettled until its effects are applied; old ones have no key.
    # An UPDATE may move where the vendor processes data: what it adds and ends, and
    # whether that was recorded on the vendor (none on changes before it).
    Change: {"settled": False, "locations_added": [], "locations_ended": [], "located": False},
    # Upheld by ending the contract: when it ends (none on objections before it).
    # Who recorded the outcome, when a person signed in with the identity provider did.
    Objection: {"contract_ends_at": None, "resolver": None},
}
# Fields added to contract terms, wherever terms are stored (customers, groups, the set).
TERMS_ADDED_SINCE: Document = {"holiday_calendar": None, "language": "en"}


def _as_written_now(entity: Any, old: Document) -> Document:
    """What today's code writes for a document the old code wrote as `old`."""
    if isinstance(entity, CustomerTerms):
        return {**old, **TERMS_ADDED_SINCE}
    new = {**old, **ADDED_SINCE.get(type(entity), {})}
    if isinstance(old.get("terms"), dict):
        new["terms"] = {**old["terms"], **TERMS_ADDED_SINCE}
    return new


# (entity, its store's writer, its store's reader, what the old writer wrote)
ENTITIES = [
    pytest.param(
        SUBPROCESSOR,
        subprocessors.to_document,
        subprocessors.from_document,
        OLD_SUBPROCESSOR,
        id="subprocessor",
    ),
    pytest.param(
        LOCATION,
        processing_locations.to_document,
        processing_locations.from_document,
        OLD_LOCATION,
        id="processing location",
    ),
    pytest.param(DPA, dpas.to_document, dpas.from_document, OLD_DPA, id="dpa"),
    pytest.param(
        BASIS,
        transfer_bases.to_document,
        transfer_bases.from_document,
        OLD_BASIS,
        id="transfer basis",
    ),
    pytest.param(
        CUSTOMER, customers.to_document, customers.from_document, OLD_CUSTOMER, id="customer"
    ),
    pytest.param(
        TERMS,
        customers.terms_to_document,
        customers.terms_from_document,
        OLD_TERMS,
        id="customer terms",
    ),
    pytest.param(CHANGE, _change_document, changes.from_document, OLD_CHANGE, id="change"),
    pytest.param(NOTICE, notices.to_document, notices.from_document, OLD_NOTICE, id="notice"),
    pytest.param(
        OBJECTION,
        objections.to_document,
        objections.from_document,
        OLD_OBJECTION,
        id="objection",
    ),
    pytest.param(PRODUCT, products.to_document, products.from_document, OLD_PRODUCT, id="product"),
    pytest.param(
        REGION,
        hosting_regions.to_document,
        hosting_regions.from_document,
        OLD_REGION,
        id="hosting region",
    ),
    pytest.param(
        SUBSCRIPTION,
        webhook_subscriptions.to_document,
        webhook_subscriptions.from_document,
        OLD_SUBSCRIPTION,
        id="webhook subscription",
    ),
    pytest.param(
        GROUP,
        customer_groups.CODEC.to_document,
        customer_groups.CODEC.from_document,
        OLD_GROUP,
        id="customer group",
    ),
]


def _nested_key_orders(doc: Any) -> list[list[str]]:
    """The key order of every subdocument: MongoDB matches subdocuments in key order."""
    if isinstance(doc, dict):
        return [list(doc), *(o for v in doc.values() for o in _nested_key_orders(v))]
    if isinstance(doc, list):
        return [o for v in doc for o in _nested_key_orders(v)]
    return []


@pytest.mark.parametrize(("entity", "dump", "load", "old"), ENTITIES)
def test_written_as_the_old_code_wrote_it(entity: Any, dump: Any, load: Any, old: Any) -> None:
    new = dump(entity)
    assert new == _as_written_now(entity, old)
    # Added keys come last, so the old keys keep their order in every subdocument.
    assert _nested_key_orders(new)[1:] == _nested_key_orders(_as_written_now(entity, old))[1:]
    for now, before in zip(_nested_key_orders(new)[1:], _nested_key_orders(old)[1:], strict=True):
        assert now[: len(before)] == before


@pytest.mark.parametrize(("entity", "dump", "load", "old"), ENTITIES)
def test_old_documents_read_back_as_the_entity(entity: Any, dump: Any, load: Any, old: Any) -> None:
    assert load(old) == entity
    assert load(dump(entity)) == entity


MINIMAL = [
    pytest.param(
        Subprocessor("sub_2", "B", "p", SubprocessorStatus.PROPOSED, T0),
        subprocessors.CODEC,
        id="subprocessor with defaults",
    ),
    pytest.param(ProcessingLocation("loc_2", "sub_2", "DE"), processing_locations.CODEC, id="loc"),
    pytest.param(Dpa("dpa_2", "sub_2", "v1", None), dpas.CODEC, id="dpa without a date"),
    pytest.param(Customer("cus_2", "C"), customers.CODEC, id="customer with defaults"),
    pytest.param(
        Change("chg_2", ChangeKind.ADD, "sub_2", T0, T1, ChangeStatus.ANNOUNCED, T1),
        changes.CODEC,
        id="change without a scope",
    ),
]


@pytest.mark.parametrize(("entity", "codec"), MINIMAL)
def test_defaults_round_trip(entity: Any, codec: Codec[Any]) -> None:
    assert codec.from_document(codec.to_document(entity)) == entity


# Documents stored before a field existed read as the dataclass's defaults.
LEGACY = [
    pytest.param(
        subprocessors.from_document,
        {
            "_id": "sub_3",
            "legal_name": "Old",
            "purpose": "p",
            "status": "ACTIVE",
            "created_at": T0,
        },
        Subprocessor("sub_3", "Old", "p", SubprocessorStatus.ACTIVE, T0, scope=Scope()),
        id="vendor before scopes, notes and history: serves all",
    ),
    pytest.param(
        customers.from_document,
        {"_id": "cus_3", "name": "Old", "terms": {"notice_period": "P1M"}},
        Customer("cus_3", "Old", CustomerTerms(notice_period="P1M")),
        id="customer before zones, origins and scopes: UTC, EEA, every product",
    ),
    pytest.param(
        changes.from_document,
        {
            "_id": "chg_3",
            "kind": "REMOVE",
            "subprocessor_id": "sub_3",
            "announced_at": T0,
            "effective_at": T1,
            "earliest_allowed": T1,
            "status": "EFFECTIVE",
        },
        Change("chg_3", ChangeKind.REMOVE, "sub_3", T0, T1, ChangeStatus.EFFECTIVE, T1),
        id="change before scope changes",
    ),
    pytest.param(
        processing_locations.from_document,
        {"_id": "loc_3", "subprocessor_id": "sub_3", "country": "FR", "role": "BACKUP"},
        ProcessingLocation("loc_3", "sub_3", "FR", LocationRole.BACKUP),
        id="location before recipientInScope",
    ),
    pytest.param(
        objections.from_document,
        {
            "_id": "obj_3",
            "change_id": "chg_3",
            "customer_id": "cus_3",
            "reason": "r",
            "filed_at": T0,
            "deadline": T1,
            "status": "OPEN",
            "resolution": None,
        },
        Objection("obj_3", "chg_3", "cus_3", "r", T0, T1),
        id="objection before filers were named",
    ),
    pytest.param(
        email_subscribers.from_document,
        {"_id": "esub_1", "address": "a@b.example", "status": "PENDING", "created_at": T0},
        Subscriber("esub_1", "a@b.example", "PENDING", T0),
        id="e-mail subscriber not yet confirmed",
    ),
    pytest.param(
        customer_groups.CODEC.from_document,
        {"_id": "*|*|P3M", "terms_key": "P3M", "terms": {"notice_period": "P3M"}},
        customer_groups.CustomerGroup("*|*|P3M", "P3M", CustomerTerms()),
        id="customer group stored without its empty lists and null region",
    ),
]


@pytest.mark.parametrize(("load", "stored", "expected"), LEGACY)
def test_documents_missing_later_fields_read_as_defaults(
    load: Any, stored: Document, expected: Any
) -> None:
    assert load(stored) == expected


def test_a_missing_required_key_names_it() -> None:
    with pytest.raises(KeyError, match="legal_name"):
        subprocessors.from_document({"_id": "sub_4", "purpose": "p", "status": "ACTIVE"})


class _Colour(enum.Enum):
    RED = "red"


@dataclass(frozen=True)
class _Inner:
    n: int = 0


@pytest.mark.parametrize(
    ("hint", "value", "stored"),
    [
        pytest.param(str, "x", "x", id="str as is"),
        pytest.param(int, 3, 3, id="int as is"),
        pytest.param(bool, True, True, id="bool as is"),
        pytest.param(datetime, T0, T0, id="datetime as is"),
        pytest.param(date, date(2025, 1, 31), "2025-01-31", id="date as ISO string"),
        pytest.param(_Colour, _Colour.RED, "red", id="enum by value"),
        pytest.param(tuple[str, ...], ("a", "b"), ["a", "b"], id="tuple as list"),
        pytest.param(_Inner, _Inner(2), {"n": 2}, id="dataclass as subdocument"),
        pytest.param(date | None, None, None, id="None stays null"),
        pytest.param(tuple[_Colour, ...], (_Colour.RED,), ["red"], id="tuple of enums"),
    ],
)
def test_stored_forms(hint: Any, value: Any, stored: Any) -> None:
    dump, load = converters(hint)
    assert dump(value) == stored
    assert load(stored) == value


@pytest.mark.parametrize(
    "hint",
    [
        pytest.param(dict[str, int], id="dict"),
        pytest.param(int | str, id="union of two"),
        pytest.param(tuple[int, str], id="fixed tuple"),
    ],
)
def test_a_type_without_a_stored_form_is_refused(hint: Any) -> None:
    with pytest.raises(TypeError, match="no stored form"):
        converters(hint)


def test_declared_exceptions_must_name_fields() -> None:
    @dataclass(frozen=True)
    class Thing:
        id: str
        items: tuple[str, ...] = field(default_factory=tuple)

    with pytest.raises(TypeError, match="no field"):
        Codec(Thing, renamed={"colour": "c"})
    assert Codec(Thing).to_document(Thing("t_1")) == {"_id": "t_1", "items": []}
    assert Codec(Thing).from_document({"_id": "t_1"}) == Thing("t_1")
