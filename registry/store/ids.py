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


def notice_id(change_id: str, customer_id: str) -> str:
    """A notice is one customer's record of one change: its id says which, so the
    primary key itself makes a repeated fan-out harmless and groups a change's notices."""
    return f"{PREFIXES['Notice']}_{change_id.partition('_')[2]}{customer_id.partition('_')[2]}"


def delivery_id(event_id: str, subscription_id: str) -> str:
    """A delivery is one event sent to one subscription (or address): deriving its id
    from both makes a repeated dispatch write nothing new. The event id's timestamp
    comes first, so deliveries still sort by time."""
    digest = hashlib.sha256(f"{event_id}\x1f{subscription_id}".encode()).hexdigest()
    stamp = event_id.partition("_")[2][:8]
    if len(stamp) != 8 or any(c not in "0123456789abcdef" for c in stamp):
        stamp = digest[16:24]
    return f"{PREFIXES['WebhookDelivery']}_{stamp}{digest[:16]}"


def notices_of_change(change_id: str) -> dict[str, dict[str, str]]:
    """An `_id` range holding exactly the notices of one change."""
    prefix = f"{PREFIXES['Notice']}_{change_id.partition('_')[2]}"
    return {"_id": {"$gt": prefix, "$lt": prefix + "g"}}


def kind_of(id_: str) -> str | None:
    prefix, _, rest = id_.partition("_")
    lengths = (24, 48) if prefix == PREFIXES["Notice"] else (24,)
    if len(rest) not in lengths or any(c not in "0123456789abcdef" for c in rest):
        return None
    return _KINDS.get(prefix)


def is_id_of(kind: str, id_: str) -> bool:
    return kind_of(id_) == kind
