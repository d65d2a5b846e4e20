"""The shard-key plan: for every collection, whether it is sharded, on what, and why.

One table (`PLAN`), read by the index guard test and written into docs/scaling.md
(`python -m registry.store.sharding` regenerates its tables; a test fails when they
differ). Collections that grow with customers x changes are sharded; each keeps its
uniqueness in `_id`, derived from what must be unique, because MongoDB enforces a
unique index on a sharded collection only when the index starts with the shard key,
and `_id` itself only across shards when `_id` is the shard key. Small catalog
collections stay unsharded and may keep other unique indexes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HASHED = "hashed"
SCALING_DOC = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"


@dataclass(frozen=True, slots=True)
class Placement:
    """One collection's row of the plan.

    `shard_key` is empty for a collection that stays unsharded; `unique` says what
    its `_id` is derived from (or, for an unsharded one, why it stays small);
    `targeted` are queries the shard key routes to one shard (or to the shards
    owning the ids asked for); `scatter` are queries sent to every shard, each with
    why that is acceptable.
    """

    collection: str
    shard_key: tuple[tuple[str, str], ...]
    unique: str
    targeted: tuple[str, ...] = ()
    scatter: tuple[str, ...] = ()

    @property
    def sharded(self) -> bool:
        return bool(self.shard_key)

    @property
    def key_fields(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.shard_key)


def _id_hashed() -> tuple[tuple[str, str], ...]:
    return (("_id", HASHED),)


PLAN: tuple[Placement, ...] = (
    # Growing with customers x changes: sharded, uniqueness only in `_id`.
    Placement(
        "notices",
        _id_hashed(),
        "change id + customer id (`ids.notice_id`)",
        targeted=("a customer's notice of a change, by its derived `_id`", "bulk fan-out inserts"),
        scatter=(
            "a change's notices (an `_id` range: status updates, proof-of-notice export): "
            "background work reading every notice of the change, each shard its share in "
            "parallel",
            "a customer's notices page (`customer_sent` on every shard): one page, merged",
        ),
    ),
    Placement(
        "notice_schedule",
        _id_hashed(),
        "kind + change + customer + due time",
        targeted=("completing an entry, by `_id`",),
        scatter=(
            "claiming a due entry (`due_at` on every shard): a scheduler job over a small "
            "due set; a one-document update without the shard key, routed by MongoDB 7.0 "
            "and later (on an older cluster leave this collection unsharded)",
            "a customer's lagging entries (`customer_kind`): rare, as-of views only",
        ),
    ),
    Placement(
        "events",
        _id_hashed(),
        "dedupe key (`ids.event_id`): re-emitting a fact inserts the same `_id`",
        targeted=("emit (insert)", "marking a batch dispatched (`_id` $in)"),
        scatter=(
            "the undispatched backlog, oldest first (`undispatched` on every shard): "
            "a worker job reading a small backlog, merged by time",
        ),
    ),
    Placement(
        "change_payloads",
        _id_hashed(),
        "change id + digest of its text (`change_payloads.new_document`): writing the same "
        "payload again inserts the same `_id`",
        targeted=(
            "storing a change's payloads with its events (insert)",
            "a delivery batch's few payloads (`_id` $in)",
        ),
    ),
    Placement(
        "webhook_deliveries",
        _id_hashed(),
        "event id + subscription id or address (`ids.delivery_id`)",
        targeted=(
            "a delivery and batches of them (`_id` $in)",
            "recording attempts and replay (by `_id`)",
        ),
        scatter=(
            "a subscription's or customer's delivery log, newest first (`subscription_log`, "
            "`customer_log` on every shard): one page, merged; its total is counted on every "
            "shard",
        ),
    ),
    Placement(
        "webhook_delivery_attempts",
        (("delivery_id", HASHED),),
        "an ObjectId per attempt: an append-only log with nothing else unique; sharded "
        "on its delivery, so a delivery's log is on one shard",
        targeted=("a delivery's attempt log (`delivery_id` $in)",),
    ),
    Placement(
        "webhook_delivery_queue",
        _id_hashed(),
        "the delivery id (one entry per delivery still to be attempted)",
        targeted=("claiming, stepping and completing entries (by `_id`)",),
        scatter=(
            "the due scan (`due` on every shard): bounded by the scan limit, merged by "
            "due time; the queue is the size of the backlog, not of the history",
        ),
    ),
    Placement(
        "audit_log",
        _id_hashed(),
        "an ObjectId-based id per entry: append-only, nothing else unique",
        targeted=("append",),
        scatter=(
            "the newest-first page and the JSONL export: staff reads, one page merged "
            "or one full read",
        ),
    ),
    Placement(
        "objections",
        _id_hashed(),
        "change id + customer id + the customer's objection number (`ids.objection_id`); "
        "at most one of them open",
        targeted=("an objection and its resolution, by `_id`",),
        scatter=(
            "filing reads the pair's objections (`change_customer` on every shard): one "
            "small read per filing",
            "a change's or customer's objections: one page, merged",
        ),
    ),
    Placement(
        "email_subscribers",
        _id_hashed(),
        "the normalised e-mail address (one subscription per address)",
        targeted=("subscribe, confirm and unsubscribe, by the address's `_id`",),
        scatter=("sending to every subscriber: a full read, each shard its share in parallel",),
    ),
    Placement(
        "notice_views",
        _id_hashed(),
        "the notice id (the first opening of a notice page; later ones insert nothing)",
        targeted=("recording and reading a notice's first view, by `_id`",),
        scatter=("views of a change's or customer's notices: reports, one page merged",),
    ),
    # Small catalog and bookkeeping collections: unsharded.
    Placement("subprocessors", (), "catalog: hundreds of documents"),
    Placement("processing_locations", (), "catalog: a few per subprocessor"),
    Placement("dpas", (), "catalog: a few per subprocessor"),
    Placement("transfer_bases", (), "catalog: a few per subprocessor"),
    Placement(
        "transfer_impact_assessments", (), "catalog: a few per vendor route, kept as evidence"
    ),
    Placement(
        "legal_watch",
        (),
        "the reference release last seen, impact reports and staff events: a few a week",
    ),
    Placement("changes", (), "catalog: a few per subprocessor per year"),
    Placement("chain_links", (), "catalog: a vendor's sub-processors, a few per vendor"),
    Placement("chain_changes", (), "one per change of a vendor's chain: a few a year"),
    Placement("operator", (), "one document: the company's identity"),
    Placement("register_details", (), "one per customer with a DORA register, and ours"),
    Placement("customers", (), "one per customer, read whole by fan-out via the roster"),
    Placement("customer_roster", (), "one chunk document per 1,000 customers"),
    Placement("roster_placements", (), "customers whose group just changed (removed once placed)"),
    Placement("customer_terms", (), "one per distinct contract terms set"),
    Placement("customer_groups", (), "catalog: named sets of customers"),
    Placement("products", (), "catalog: the company's products"),
    Placement("hosting_regions", (), "catalog: the company's hosting regions"),
    Placement("api_keys", (), "one per key issued"),
    Placement("console_sessions", (), "live staff sessions only"),
    Placement("auth_failures", (), "one counter per failing client or key prefix and five minutes"),
    Placement(
        "digests",
        (),
        "a few derived documents the console reads whole, and a write counter per topic"
        " (one per vendor)",
    ),
    Placement("webhook_subscriptions", (), "a few per customer"),
    Placement("webhook_delivery_leases", (), "claims in flight only (batch size x workers)"),
    Placement(
        "staff_alerts",
        (),
        "failed deliveries staff are still to be told of (removed once told), and the "
        "sender's lease",
    ),
    Placement("meta", (), "one document: the registry version"),
    Placement("migrations", (), "the storage layout and the migration's lease"),
)


def by_collection() -> dict[str, Placement]:
    return {p.collection: p for p in PLAN}


def violations(indexes: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[str]:
    """What keeps a database's collections from being sharded as planned.

    `indexes` maps each collection to its `listIndexes` documents. A collection the
    plan does not name is reported (classify it); so is a unique index of a sharded
    collection that does not start with the shard key.
    """
    plan = by_collection()
    found: list[str] = []
    for collection, listed in sorted(indexes.items()):
        placement = plan.get(collection)
        if placement is None:
            found.append(f"{collection}: not in the shard-key plan (store/sharding.py)")
            continue
        if not placement.sharded:
            continue
        key = placement.key_fields
        for index in listed:
            if not index.get("unique") or index.get("name") == "_id_":
                continue
            fields = tuple(index["key"])
            if fields[: len(key)] != key:
                found.append(
                    f"{collection}: unique index {index['name']} on {', '.join(fields)} does "
                    f"not start with the shard key {', '.join(key)}"
                )
    return found


def _key_kind(kind: str) -> str:
    return f'"{kind}"' if kind == HASHED else kind


def _key_document(placement: Placement) -> str:
    parts = [f"{name}: {_key_kind(kind)}" for name, kind in placement.shard_key]
    return "{ " + ", ".join(parts) + " }"


def commands(db_name: str = "registry") -> list[str]:
    """mongosh commands sharding every growing collection of database `db_name`."""
    lines = [f'sh.enableSharding("{db_name}")']
    for p in PLAN:
        if p.sharded:
            key = _key_document(p)
            lines.append(f'db.getSiblingDB("{db_name}").{p.collection}.createIndex({key})')
            lines.append(f'sh.shardCollection("{db_name}.{p.collection}", {key})')
    return lines


def _cell(items: Iterable[str]) -> str:
    return "<br>".join(item.replace("|", "\\|") for item in items) or "-"


def plan_table() -> str:
    """The plan as Markdown tables: sharded collections, then unsharded ones."""
    rows = [
        "| Collection | Shard key | `_id` derived from | Targeted queries "
        "| Scatter-gather, and why it is acceptable |",
        "|---|---|---|---|---|",
    ]
    for p in PLAN:
        if p.sharded:
            rows.append(
                f"| `{p.collection}` | `{_key_document(p)}` | {_cell([p.unique])} | "
                f"{_cell(p.targeted)} | {_cell(p.scatter)} |"
            )
    rows += ["", "| Collection (unsharded) | Why it stays small |", "|---|---|"]
    rows += [f"| `{p.collection}` | {_cell([p.unique])} |" for p in PLAN if not p.sharded]
    return "\n".join(rows)


def commands_block() -> str:
    return "```js\n" + "\n".join(commands()) + "\n```"


GENERATED: dict[str, Callable[[], str]] = {"plan": plan_table, "commands": commands_block}
_BLOCK = re.compile(
    r"(<!-- generated:(?P<name>\w+) .*?-->\n)(?P<body>.*?)(\n<!-- end generated:(?P=name) -->)",
    re.DOTALL,
)


def render_doc(text: str) -> str:
    """`text` with every generated block replaced by what the plan says now."""

    def fill(match: re.Match[str]) -> str:
        return match.group(1) + GENERATED[match.group("name")]() + match.group(4)

    return _BLOCK.sub(fill, text)


def generated_blocks(text: str) -> set[str]:
    return {m.group("name") for m in _BLOCK.finditer(text)}


def main(argv: Sequence[str] = ()) -> int:
    """Rewrite the generated blocks of docs/scaling.md (or the path given)."""
    path = Path(argv[0]) if argv else SCALING_DOC
    text = path.read_text()
    path.write_text(render_doc(text))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
