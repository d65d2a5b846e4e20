"""Global ids: a short type prefix and an ObjectId, e.g. `sp_6650c1e2…`.

The prefix makes ids self-describing (a `node(id:)` lookup knows the collection,
an id of the wrong type is refused without a query); the ObjectId keeps them
roughly time-ordered.
"""

from __future__ import annotations

import hashlib

from bson import ObjectId

PREFIXES: dict[str, str] = {
    "Subprocessor": "sp",
    "ProcessingLocation": "loc",
    "Dpa": "dpa",
    "TransferBasis": "tb",
    "Customer": "cus",
    "Change": "chg",
    "Notice": "ntc",
    "Objection": "obj",
    "ApiKey": "key",
    "WebhookSubscription": "whs",
    "WebhookDelivery": "dlv",
    "Event": "evt",
    "AuditEntry": "aud",
}
_KINDS = {prefix: kind for kind, prefix in PREFIXES.items()}


def new_id(kind: str) -> str:
    return f"{PREFIXES[kind]}_{ObjectId()}"


def stable_id(kind: str, *parts: str) -> str:
    """A deterministic id for seeded objects, so loading a seed twice changes nothing."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]
    return f"{PREFIXES[kind]}_{digest}"


def kind_of(id_: str) -> str | None:
    prefix, _, rest = id_.partition("_")
    if len(rest) != 24 or any(c not in "0123456789abcdef" for c in rest):
        return None
    return _KINDS.get(prefix)


def is_id_of(kind: str, id_: str) -> bool:
    return kind_of(id_) == kind
