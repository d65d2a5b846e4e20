"""JSON Schemas of the event bodies receivers get, one per event type.

Written to `schema/events/<type>.json` by `registry export-schema` and checked in;
a test fails when they drift from this module, and the suite validates every event
it produces against them. The body is the Standard Webhooks envelope: `type`,
`timestamp` and `data`.

They evolve without breaking receivers: every object admits keys it does not name
(`additionalProperties` is open), and a key added after the first release is optional
(listed in `ADDED`), so a receiver validating with last year's schema accepts this
year's bodies. `schema/events/released/` keeps the schemas of the last release; a test
fails on a key removed, a type changed or a key made required against them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from registry.domain.chain_fields import CHAIN_SNAPSHOT_FIELDS
from registry.domain.event_types import CHANGE_EVENTS, PUBLIC_EVENTS, EventType
from registry.domain.fields import Field, Kind, Shown
from registry.domain.models import (
    ChangeKind,
    ChangeStatus,
    DataOrigin,
    LocationRole,
    NoticeStatus,
    ObjectionResolution,
    ObjectionStatus,
    TransferMechanism,
    TransferStatus,
)
from registry.domain.operator import OPERATOR_FIELDS
from registry.domain.vendor_fields import SNAPSHOT_FIELDS

Schema = dict[str, Any]
BASE_URI = "https://subprocessor-registry.example/schema/events/"

_STRING: Schema = {"type": "string"}
_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
_INSTANT: Schema = {"type": "string", "format": "date-time"}
_INSTANT_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}


def _enum(values: Any, *, nullable: bool = False) -> Schema:
    names = [v.value for v in values]
    return {"enum": [*names, None] if nullable else names}


ADDED: frozenset[str] = frozenset({"operator", "language", "cancelReason"})
"""Keys added to the bodies since their first release: optional, so receivers holding an
older schema, and bodies stored before, stay valid. Name them here as they are added."""


def _object(
    properties: Schema, description: str | None = None, *, optional: set[str] | None = None
) -> Schema:
    left_out = ADDED | (optional or set())
    schema: Schema = {
        "type": "object",
        "required": sorted(k for k in properties if k not in left_out),
        "properties": properties,
        # Receivers must accept keys they do not know: new ones are added, never removed.
        "additionalProperties": True,
    }
    if description:
        schema["description"] = description
    return schema


_TRANSFER = _object(
    {
        "status": _enum(TransferStatus),
        "mechanism": _enum(TransferMechanism, nullable=True),
        "reasons": {"type": "array", "items": _STRING},
    },
    "The transfer verdict for the customer's data origin on the effective date.",
)
_LOCATION = _object(
    {
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "countryName": _STRING,
        "region": _TEXT_OR_NULL,
        "role": _enum(LocationRole),
        "transfer": _TRANSFER,
    }
)


def _declared(f: Field) -> Schema:
    if f.kind is Kind.LINES:
        return {"type": "array", "items": _STRING, "description": f.description}
    return {**(_STRING if f.required else _TEXT_OR_NULL), "description": f.description}


_CHAIN_LINK = _object(
    {
        "id": _STRING,
        "depth": {"type": "integer", "minimum": 1},
        "parentId": {**_STRING, "description": "The vendor's id, or another link's."},
        **{f.api_name: _declared(f) for f in CHAIN_SNAPSHOT_FIELDS},
        "catalogVendorId": _TEXT_OR_NULL,
        "locations": {
            "type": "array",
            "items": _object(
                {
                    "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                    "countryName": _STRING,
                    "role": _enum(LocationRole),
                }
            ),
        },
    },
    "A sub-processor of the vendor, or of one of its sub-processors, down the chain.",
    optional={f.api_name for f in CHAIN_SNAPSHOT_FIELDS if not f.required},
)

# The vendor's fields as first released; any other declared one is optional (ADDED).
_FIRST_VENDOR_KEYS = {"id", "legalName", "purpose", "dataCategories", "website", "locations"}
_SUBPROCESSOR = _object(
    {
        "id": _STRING,
        **{f.api_name: _declared(f) for f in SNAPSHOT_FIELDS},
        "locations": {"type": "array", "items": _LOCATION},
        "chain": {
            "type": "array",
            "items": _CHAIN_LINK,
            "description": "Its own sub-processors and theirs, depth first, as announced.",
        },
    },
    "The vendor as announced.",
    optional=({f.api_name for f in SNAPSHOT_FIELDS} | {"chain"}) - _FIRST_VENDOR_KEYS,
)
_REPLACED: Schema = {
    "oneOf": [{"type": "null"}, _object({"id": _STRING, "legalName": _STRING})],
    "description": "For a REPLACE, the vendor it replaces.",
}
_CHANGE = _object(
    {
        "id": _STRING,
        "kind": _enum(ChangeKind),
        "status": _enum(ChangeStatus),
        "description": _TEXT_OR_NULL,
        "emergency": {"type": "boolean"},
        "emergencyReason": _TEXT_OR_NULL,
        "cancelReason": {
            **_TEXT_OR_NULL,
            "description": "Why the change was cancelled, as staff gave it (a cancelled "
            "change only).",
        },
        "announcedAt": _INSTANT,
        "effectiveAt": _INSTANT,
        "subprocessorId": _STRING,
        "replacesId": _TEXT_OR_NULL,
        "subprocessor": _SUBPROCESSOR,
        "replaces": _REPLACED,
        "dataOrigin": _enum(DataOrigin),
    },
    "What changes, as announced.",
)
_CUSTOMER = _object(
    {
        "id": _STRING,
        "timeZone": _STRING,
        "dataOrigin": _enum(DataOrigin),
        "language": _STRING,
    },
    "The receiving customer: dates for people are shown in its time zone, texts for "
    "people are written in its language (a BCP 47 tag such as de or de-CH; the JSON "
    "itself stays English).",
)
_NOTICE = _object(
    {
        "id": _STRING,
        "customerId": _STRING,
        "sentAt": _INSTANT,
        "objectionDeadline": _INSTANT,
        "effectiveAt": _INSTANT,
        "status": _enum(NoticeStatus),
        "mayObject": {
            "type": "boolean",
            "description": "Whether the customer could object when the event happened.",
        },
    },
    "The customer's own notice: its dates bind this customer.",
    optional={"mayObject"},
)
_LINKS = _object(
    {"notice": {"type": "string", "format": "uri", "pattern": "^https?://.+/notices/.+$"}},
    "`notice` opens the customer's notice page (acknowledge, object) without an API key.",
)
_OBJECTION = _object(
    {
        "id": _STRING,
        "reason": _STRING,
        "status": _enum(ObjectionStatus),
        "resolution": _enum(ObjectionResolution, nullable=True),
        "note": _TEXT_OR_NULL,
        "filedAt": _INSTANT,
        "contractEndsAt": _INSTANT_OR_NULL,
    },
    optional={"contractEndsAt"},
)
_OPERATOR = _object(
    {
        "name": {**_STRING, "description": "What people call the company."},
        **{
            f.api_name: {**_TEXT_OR_NULL, "description": f.description}
            for f in OPERATOR_FIELDS
            if Shown.SNAPSHOT in f.shown
        },
    },
    "The company that gives the notice (the registry's operator) and how to reach it, as "
    "known when the event happened.",
)
"""Added after the first release: optional (ADDED), so older receivers stay valid."""

_SUBSCRIPTION_DISABLED = _object(
    {
        "subscription": _object(
            {"id": _STRING, "url": _STRING, "disabledAt": _INSTANT, "reason": _STRING}
        ),
        "customer": _object({"id": _STRING, "language": _STRING}),
        "links": _object({"graphql": _STRING}),
        "operator": _OPERATOR,
    }
)


_PUBLIC = _object(
    {
        "audience": {"const": "public"},
        "change": _CHANGE,
        "links": _object(
            {"page": {"type": "string", "format": "uri"}}, "The public subprocessor page."
        ),
        "operator": _OPERATOR,
    },
    "A public announcement (e-mail subscribers): the change for data from the EEA, "
    "without any customer's notice.",
)


def data_schema(event_type: EventType) -> Schema:
    if event_type is EventType.SUBSCRIPTION_DISABLED:
        return _SUBSCRIPTION_DISABLED
    properties = {
        "change": _CHANGE,
        "customer": _CUSTOMER,
        "notice": _NOTICE,
        "links": _LINKS,
        "operator": _OPERATOR,
    }
    if event_type not in CHANGE_EVENTS:
        properties["objection"] = _OBJECTION
    customer = _object(properties, "One customer's notice of the change.")
    if event_type in PUBLIC_EVENTS:
        return {"oneOf": [customer, _PUBLIC]}
    return customer


def body_schema(event_type: EventType) -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE_URI}{event_type.value}.json",
        "title": f"{event_type.value} event body",
        **_object(
            {
                "type": {"const": event_type.value},
                "timestamp": _INSTANT,
                "data": data_schema(event_type),
            }
        ),
    }


def rendered() -> dict[str, str]:
    """File name -> text, for every event type."""
    option = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    return {
        f"{t.value}.json": orjson.dumps(body_schema(t), option=option).decode() + "\n"
        for t in EventType
    }


def write(directory: Path) -> list[Path]:
    """The current schemas; `released/` beside them is written only at a release."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered().items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    return written
