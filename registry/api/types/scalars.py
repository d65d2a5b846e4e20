"""Domain enums registered with strawberry; annotate with the domain classes.

The domain stays free of strawberry, so the GraphQL descriptions of the enums and of each
of their values live here, next to their registration.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import date, datetime

import strawberry
from strawberry.schema.types import base_scalars
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.scalar import ScalarDefinition

from registry.domain import models

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    # strawberry's own Date and DateTime, with descriptions that say what we promise.
    datetime: dataclasses.replace(
        base_scalars.DateTimeDefinition,
        description="An instant, ISO 8601 with a UTC offset (e.g. 2026-03-01T09:00:00+00:00). "
        "Always returned in UTC; inputs need an offset. Show a customer's instants in its time "
        "zone (Customer.timeZone).",
    ),
    date: dataclasses.replace(
        base_scalars.DateDefinition,
        description="A calendar day, ISO 8601 (e.g. 2026-03-01).",
    ),
}


def describe_enum(cls: type[enum.Enum], description: str, values: Mapping[str, str]) -> None:
    """Register `cls` as a GraphQL enum whose type and every value carry a description."""
    strawberry.enum(cls, description=description)
    definition: StrawberryEnumDefinition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    missing = {v.name for v in definition.values} - set(values)
    if missing:
        raise ValueError(f"{cls.__name__}: no description for {sorted(missing)}")
    definition.values = [
        dataclasses.replace(v, description=values[v.name]) for v in definition.values
    ]


describe_enum(
    models.Role,
    "What an API key may do. Anonymous callers (no key) have no role.",
    {
        "ADMIN": "Everything, across all customers: customers, API keys, the audit log.",
        "PROCUREMENT": "Privacy and procurement staff: subprocessors, DPAs, transfer bases, "
        "changes and objection outcomes; reads every customer with its notices and "
        "objections. Not: creating customers or API keys, the audit log, webhooks.",
        "CUSTOMER": "Bound to one customer: the registry as that customer sees it, and its "
        "own notices, objections, webhook subscriptions and deliveries only.",
    },
)
describe_enum(
    models.DataOrigin,
    "The jurisdiction personal data leaves from; decides which transfers need a basis.",
    {
        "EEA": "The European Economic Area (EU member states, Iceland, Liechtenstein, Norway).",
        "UK": "The United Kingdom (UK GDPR).",
        "CH": "Switzerland (revised Federal Act on Data Protection).",
    },
)
describe_enum(
    models.SubprocessorStatus,
    "Where a subprocessor is in its life cycle.",
    {
        "PROPOSED": "Recorded but not yet in force: waits for an ADD (or REPLACE) change to "
        "take effect. Internal to ADMIN and PROCUREMENT keys until a change announces it.",
        "ACTIVE": "In force: customer data may be processed by it.",
        "RETIRED": "No longer in force since a REMOVE or REPLACE change took effect.",
    },
)
describe_enum(
    models.LocationRole,
    "What a subprocessor does with customer data in a processing location.",
    {
        "STORAGE": "Data is stored (at rest) there.",
        "PROCESSING": "Data is processed there (the default).",
        "SUPPORT_ACCESS": "Staff there may access data remotely, e.g. for support.",
        "BACKUP": "Backups of the data are kept there.",
    },
)
describe_enum(
    models.TransferMechanism,
    "A legal mechanism for a transfer out of the EEA, the UK or Switzerland (GDPR "
    "Chapter V). Old mechanisms stay recordable but evaluate as INVALID after their end.",
    {
        "ADEQUACY": "An adequacy decision for the destination country (Art. 45); "
        "applied automatically from the reference data, not usually recorded.",
        "EU_US_DPF": "The recipient's EU-US Data Privacy Framework certification "
        "(adequacy decision of 10 July 2023).",
        "UK_US_DATA_BRIDGE": "The UK Extension to the EU-US Data Privacy Framework "
        "(UK-US data bridge, from 12 October 2023).",
        "SWISS_US_DPF": "The recipient's Swiss-US Data Privacy Framework certification.",
        "SCC_2021": "The European Commission's 2021 Standard Contractual Clauses "
        "(Decision 2021/914); give the module (1-4) in sccModule.",
        "SCC_2010": "The superseded 2001/2004/2010 Standard Contractual Clauses: "
        "INVALID after 2022-12-27.",
        "UK_IDTA": "The UK International Data Transfer Agreement.",
        "UK_ADDENDUM": "The UK Addendum to the EU 2021 Standard Contractual Clauses.",
        "BCR": "Binding Corporate Rules approved for the recipient's group (Art. 47).",
        "CODE_OF_CONDUCT": "An approved code of conduct with binding commitments (Art. 46(2)(e)).",
        "CERTIFICATION": "An approved certification mechanism with binding commitments "
        "(Art. 46(2)(f)).",
        "AD_HOC_CLAUSES": "Contractual clauses authorised by a supervisory authority "
        "(Art. 46(3)(a)).",
        "DEROGATION": "An Art. 49 derogation (e.g. explicit consent, contract necessity): "
        "lawful only for occasional transfers, so it evaluates as INVALID (exceptional) for a "
        "subprocessor's systematic transfers; recordable to document the situation.",
        "PRIVACY_SHIELD": "The EU-US Privacy Shield: INVALID since 2020-07-16 "
        "(CJEU C-311/18, Schrems II); for origin CH the Swiss-US Privacy Shield, INVALID "
        "since 2020-09-08 (the FDPIC's position paper).",
        "SAFE_HARBOR": "The US Safe Harbor principles: INVALID since 2015-10-06 "
        "(CJEU C-362/14, Schrems I).",
    },
)
describe_enum(
    models.TransferStatus,
    "The verdict on one transfer (origin to a processing location's country) on one date.",
    {
        "NOT_REQUIRED": "The country is inside the origin's own area (e.g. EEA to EEA): "
        "no basis is needed.",
        "VALID": "An adequacy decision or a recorded basis is in force on that date.",
        "EXPIRING": "Valid on that date, but the basis (or the DPA it rests on) ends within "
        "60 days: renew it.",
        "INVALID": "Bases are recorded but none works on that date (ended, annulled, expired "
        "DPA, only an Art. 49 derogation, withdrawn in a what-if); the reasons say why.",
        "MISSING": "No basis is recorded and no adequacy decision applies: a gap.",
    },
)
describe_enum(
    models.TiaOutcome,
    "What a transfer impact assessment concluded about a transfer's safeguards.",
    {
        "SUFFICIENT": "The mechanism's safeguards protect the data as they are.",
        "SUPPLEMENTARY_MEASURES": "Sufficient with the supplementary measures it lists.",
        "NOT_SUFFICIENT": "Not sufficient even with measures: the transfer may not rely on "
        "the mechanism, so its verdict on it is INVALID.",
    },
)
describe_enum(
    models.ChangeKind,
    "What a change does to a subprocessor.",
    {
        "ADD": "Brings a PROPOSED subprocessor into force on the effective date.",
        "REPLACE": "Brings a subprocessor into force and retires the one named in "
        "replacesId on the effective date.",
        "REMOVE": "Retires an ACTIVE subprocessor on the effective date.",
        "UPDATE": "A material update of an ACTIVE subprocessor (a new location or purpose).",
    },
)
describe_enum(
    models.ChangeStatus,
    "Where an announced change is in its life cycle.",
    {
        "ANNOUNCED": "Notices are out; the effective date has not yet been reached.",
        "EFFECTIVE": "The effective date has passed and the change is applied.",
        "CANCELLED": "Withdrawn before it took effect; its notices are cancelled too.",
    },
)
describe_enum(
    models.ObjectionStatus,
    "Whether an objection still awaits an outcome.",
    {
        "OPEN": "Filed and not yet resolved.",
        "RESOLVED": "Staff recorded an outcome (see resolution).",
    },
)
describe_enum(
    models.ObjectionResolution,
    "The recorded outcome of an objection.",
    {
        "WITHDRAWN": "The customer withdrew its objection.",
        "CHANGE_CANCELLED_FOR_CUSTOMER": "Upheld: the customer is excluded from the change and "
        "keeps the old arrangement (the vendor never processes its data).",
        "CUSTOMER_TERMINATES": "Upheld: the customer's contract ends on contractEndsAt.",
        "ACCOMMODATED": "The customer's concern was met another way (e.g. a contract term).",
        "REJECTED": "The objection was not upheld; the note gives the customer the reason.",
    },
)
describe_enum(
    models.NoticeStatus,
    "Where one customer's notice of a change is in its life cycle.",
    {
        "PENDING": "Sent; the change has not yet taken effect for this customer.",
        "EFFECTIVE": "The change has taken effect for this customer.",
        "CANCELLED": "The change was cancelled before it took effect.",
    },
)
describe_enum(
    models.PeriodEnds,
    "Where a period counted from a notice (notice period, objection window) ends.",
    {
        "SAME_INSTANT": "At the same local time on the last day, in the customer's time "
        "zone (the default): 1 March 00:30 + P1M = 1 April 00:30.",
        "END_OF_DAY": "At the end of the last local day, in the customer's time zone "
        "(Regulation 1182/71): 1 March 00:30 + P1M = 1 April 24:00.",
    },
)
