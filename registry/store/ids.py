"""Global ids: a short type prefix and an ObjectId, e.g. `sp_6650c1e2…`.

The prefix makes ids self-describing (a `node(id:)` lookup knows the collection,
an id of the wrong type is refused without a query); the ObjectId keeps them
roughly time-ordered.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from bson import ObjectId

PREFIXES: dict[str, str] = {
    "Subprocessor": "sp",
    "ProcessingLocation": "loc",
    "ChainLink": "cl",
    "Dpa": "dpa",
    "TransferBasis": "tb",
    "TransferImpactAssessment": "tia",
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


def change_of_notice(notice_id: str) -> str:
    """The change a notice id names (the inverse of `notice_id`)."""
    return f"{PREFIXES['Change']}_{notice_id.partition('_')[2][:24]}"


def customer_of_notice(notice_id: str) -> str:
    """The customer a notice id names (the inverse of `notice_id`)."""
    return f"{PREFIXES['Customer']}_{notice_id.partition('_')[2][24:]}"


def event_id(dedupe_key: str) -> str:
    """An event is one fact, named by its dedupe key: the primary key alone makes
    re-emitting the fact (after a crash, by a second worker) a no-op on any topology,
    where a unique index on the key would hold on one shard only."""
    return f"{PREFIXES['Event']}_{_digest(dedupe_key)[:24]}"


def objection_id(change_id: str, customer_id: str, number: int) -> str:
    """A customer's `number`-th objection to a change (from 0): two filings that saw
    the same objections derive the same id, so only one of them is stored. The
    change's timestamp comes first, so objections sort roughly by time."""
    stamp = _stamp(change_id) or _digest(change_id)[:8]
    return f"{PREFIXES['Objection']}_{stamp}{_digest(change_id, customer_id, str(number))[:16]}"


def delivery_id(event_id: str, subscription_id: str, at: datetime | None) -> str:
    """A delivery is one event sent to one subscription (or address): deriving its id
    from both makes a repeated dispatch write nothing new. A timestamp comes first, so
    deliveries still sort by time: the event's time `at`, or with None the one in a
    layout-1 (ObjectId-based) event id. Dispatch calls it through `events.delivery_id`."""
    digest = _digest(event_id, subscription_id)
    if at is not None:
        stamp = f"{int(at.timestamp()) & 0xFFFFFFFF:08x}"
    else:
        stamp = _stamp(event_id) or digest[16:24]
    return f"{PREFIXES['WebhookDelivery']}_{stamp}{digest[:16]}"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _stamp(id_: str) -> str | None:
    """The leading 8 hex digits of an id's suffix (an ObjectId's seconds), if any."""
    stamp = id_.partition("_")[2][:8]
    if len(stamp) != 8 or any(c not in "0123456789abcdef" for c in stamp):
        return None
    return stamp


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
