"""The two webhook jobs: DISPATCH turns events into deliveries, DELIVER sends them.

Both are scheduler jobs `(deps, worker_id) -> work done` and safe to run in many
workers at once. Dispatch is idempotent: a delivery's id is derived from its
event and subscription. Delivery is at-least-once: a worker leases a batch from
the queue (store/delivery_queue.py), sends it with a bounded number of requests
in flight, then records every result in a few bulk writes. Only the holder of a
lease can complete it, so a worker that dies after sending leaves the message to
be sent again with the same `webhook-id` once its lease has run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from registry import json_text
from registry.delivery import email, notice_links, retry, sender, ssrf
from registry.delivery.secrets import SecretBox, SecretDecryptionError
from registry.delivery.sender import AttemptResult
from registry.delivery.signing import Signer
from registry.domain.durations import Duration, add_duration, parse_duration
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.domain.webhooks import Attempt, Delivery, DeliveryStatus, Subscription
from registry.services import subscriptions as subscribers
from registry.services.deps import Deps
from registry.services.webhooks import secret_box
from registry.store import (
    change_payloads,
    customers,
    deliveries,
    delivery_queue,
    email_subscribers,
    events,
)
from registry.store import webhook_subscriptions as subscriptions
from registry.store.database import Document
from registry.store.deliveries import Outcome

logger = logging.getLogger("registry.webhooks")

RESOLVE_ALLOWANCE = timedelta(seconds=5)  # the SSRF guard's DNS timeout
SCAN_BATCHES = 8  # one scan of the queue feeds this many batches
SUCCESS_WRITE_INTERVAL = timedelta(minutes=1)
"""A healthy subscription's `last_success_at` is refreshed at most this often (one write)."""


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    """How a worker delivers; the defaults are production's."""

    batch_size: int = 128  # deliveries claimed together
    concurrency: int = 64  # requests in flight at once
    dispatch_batch: int = 200  # events fanned out per call
    lease: timedelta = timedelta(seconds=90)
    claim_for: timedelta = timedelta(seconds=5)
    """No new batch is claimed once a call has run this long: the scheduler runs its
    jobs in turn, and notices with legal deadlines wait behind a long delivery call."""
    connect_timeout: float = sender.CONNECT_TIMEOUT
    total_timeout: float = sender.TOTAL_TIMEOUT

    def __post_init__(self) -> None:
        if self.lease <= lease_needed(self.batch_size, self.concurrency, self.total_timeout):
            raise ValueError(
                "the lease must outlast two batches (one is claimed while the one before "
                "it is on the wire): 2 x (total timeout + DNS time) "
                "x ceil(batch size / concurrency)"
            )


def lease_needed(batch_size: int, concurrency: int, total_timeout: float) -> timedelta:
    """How long a claimed batch can take at worst: it waits for the batch before it."""
    rounds = -(-batch_size // concurrency)
    return 2 * rounds * (timedelta(seconds=total_timeout) + RESOLVE_ALLOWANCE)


DEFAULT_OPTIONS = DeliveryOptions()


async def dispatch_events(
    deps: Deps, worker_id: str, *, options: DeliveryOptions = DEFAULT_OPTIONS
) -> int:
    """One delivery per (undispatched event, active subscription wanting it); events done."""
    batch = await events.undispatched_events(deps.db, options.dispatch_batch)
    if not batch:
        return 0
    now = deps.clock.now()
    customer_ids = sorted({event["customer_id"] for event in batch})
    by_customer: dict[str, list[Subscription]] = defaultdict(list)
    for sub in await subscriptions.active_for_customers(deps.db, customer_ids):
        by_customer[sub.customer_id].append(sub)
    docs: list[Document] = []
    for event in batch:
        wanting = [s for s in by_customer[event["customer_id"]] if s.wants(event["type"])]
        docs.extend(
            deliveries.new_document(
                delivery_id=events.delivery_id(event, sub.id),
                event_id=event["_id"],
                event_type=event["type"],
                subscription_id=sub.id,
                customer_id=sub.customer_id,
                body=delivery_body(event),
                now=now,
            )
            for sub in wanting
        )
    docs.extend(await _email_deliveries(deps, batch, now))
    await deliveries.insert_new(deps.db, docs)
    await delivery_queue.enqueue(deps.db, [delivery_queue.new_entry(d["_id"], now) for d in docs])
    # Only now: a crash before this line re-dispatches the same ids, which add nothing,
    # and a delivery finished meanwhile is dropped from the queue unsent (`claim_due`).
    await events.mark_dispatched(deps.db, [event["_id"] for event in batch], now)
    return len(batch)


async def _email_deliveries(deps: Deps, batch: list[Document], now: datetime) -> list[Document]:
    """The email channel: every event, to each of its customer's notice addresses."""
    if not deps.settings.smtp_url:
        return []
    customer_ids = sorted({event["customer_id"] for event in batch} - {subscribers.PUBLIC})
    found = await customers.get_many(deps.db, customer_ids)
    addresses: dict[str, Sequence[str]] = {c.id: c.notice_emails for c in found if c is not None}
    if any(event["customer_id"] == subscribers.PUBLIC for event in batch):
        confirmed = await email_subscribers.confirmed_addresses(deps.db)
        addresses[subscribers.PUBLIC] = [address for _, address in confirmed]
    return [
        deliveries.new_document(
            delivery_id=events.delivery_id(event, email.subscription_id(address)),
            event_id=event["_id"],
            event_type=event["type"],
            subscription_id=email.subscription_id(address),
            customer_id=event["customer_id"],
            body=delivery_body(event),
            now=now,
            channel=email.CHANNEL,
            target=address,
        )
        for event in batch
        for address in addresses.get(event["customer_id"], ())
    ]


BY_EVENT = ""
"""A delivery's stored body when it is its event's: rendered from the event when sent.

Event data never changes and `render_body` is deterministic, so every attempt sends
the same bytes, while delivery records (rewritten at every attempt) stay small
whatever the size of the notice. Deliveries of events that share their change
payload store their own small part instead (`delivery_body`): the worker then reads
no event at all, only the batch's few shared payloads."""


def render_body(event: Document) -> str:
    """The Standard Webhooks body, rendered once so every attempt sends the same bytes."""
    return json_text.render(
        {"type": event["type"], "timestamp": event["occurred_at"], "data": event["data"]}
    )


_SHARED_MARK = "@@change-payload:"
_SHARED_AT = '"data":{"change":"' + _SHARED_MARK
_SHARED = re.compile(r'"data":\{"change":"@@change-payload:([0-9A-Za-z_.]+)@@"')
"""A stored body's stand-in for its shared change payload. Only the first key of
`data` is looked at: text inside a value has its quotes escaped, so it never matches."""


def delivery_body(event: Document) -> str:
    """What a delivery of `event` stores as its body: the event's own part, rendered,
    with a stand-in for its shared change payload (put in when sent, `Batch.body_of`);
    BY_EVENT for an event that carries its whole payload (stored before)."""
    ref = events.payload_ref(event)
    if ref is None:
        return BY_EVENT
    return render_body(events.with_payload(event, f"{_SHARED_MARK}{ref}@@"))


def shared_ref(body: str) -> str | None:
    """The shared payload a stored body stands in for, if any."""
    found = _stand_in(body)
    return found[1] if found else None


def _stand_in(body: str) -> re.Match[str] | None:
    """`_SHARED.search(body)`, with the candidates found by a string search: the regex
    engine would scan the whole body, for every message."""
    start = body.find(_SHARED_AT)
    while start >= 0:
        found = _SHARED.match(body, start)
        if found is not None:
            return found
        start = body.find(_SHARED_AT, start + 1)
    return None


PAYLOADS_CACHED = 256
"""Rendered shared payloads a worker keeps between batches: a change's deliveries to
every customer refer to the same few, and a stored payload never changes (its id is
derived from its content), so a cached one is never stale."""
_rendered: OrderedDict[str, str] = OrderedDict()


async def _shared_payloads(deps: Deps, refs: set[str]) -> dict[str, str]:
    """The rendered shared payloads, by id; read from the store once, then cached.
    A missing one (payloads are written before their events and never removed) is
    left out; a failed read raises, so the batch's leases run out and it is retried."""
    missing = sorted(ref for ref in refs if ref not in _rendered)
    if missing:
        _rendered.update(await change_payloads.get_many(deps.db, missing))
    found: dict[str, str] = {}
    for ref in sorted(refs):
        if ref in _rendered:
            _rendered.move_to_end(ref)
            found[ref] = _rendered[ref]
    while len(_rendered) > max(PAYLOADS_CACHED, len(refs)):
        _rendered.popitem(last=False)
    return found


def _render_stored(event: Document) -> str:
    """A BY_EVENT delivery's body from its event (a stand-in for a shared payload)."""
    return delivery_body(event) if events.payload_ref(event) else render_body(event)


async def deliver_due(
    deps: Deps, worker_id: str, *, options: DeliveryOptions = DEFAULT_OPTIONS
) -> int:
    """Claim, send and record due deliveries batch after batch; returns how many.

    One scan of the queue feeds up to SCAN_BATCHES batches, claimed for at most
    `options.claim_for`. The scan is the costliest read (the embedded database
    sorts the due entries itself), and what it found stays safe to claim later: a
    claim re-checks every entry's generation.
    """
    started = deps.clock.now()
    seen = await delivery_queue.due(deps.db, started, options.batch_size * SCAN_BATCHES)
    # Three stages overlap: the next batch is claimed and prepared (its subscriptions,
    # SSRF verdicts and shared payloads read) and the last one's results are written
    # while this one is on the wire. One claim and one write at a time.
    done = 0
    upcoming = asyncio.create_task(_claim_batch(deps, worker_id, options, seen)) if seen else None
    recording: asyncio.Task[None] | None = None
    try:
        while upcoming is not None:
            batch, claimed, seen = await upcoming
            upcoming = None
            if seen and deps.clock.now() - started < options.claim_for:
                upcoming = asyncio.create_task(_claim_batch(deps, worker_id, options, seen))
            if batch is None:
                continue
            outcomes = await _send(deps, options, batch, claimed)
            if recording is not None:
                await recording
            recording = asyncio.create_task(batch.record(outcomes))
            done += len(claimed)
    finally:
        if upcoming is not None:  # only when failing: its claims run out as a crash's do
            upcoming.cancel()
            await asyncio.gather(upcoming, return_exceptions=True)
        if recording is not None:
            await recording  # what was sent is always written
    return done


async def _claim_batch(
    deps: Deps, worker_id: str, options: DeliveryOptions, seen: Sequence[delivery_queue.Entry]
) -> tuple[Batch | None, list[Delivery], list[delivery_queue.Entry]]:
    """Claim a batch from the scanned entries `seen` and prepare it (None: none claimed)."""
    claimed, rest = await claim_from(deps, worker_id, options, seen)
    batch = await Batch.prepare(deps, claimed, options) if claimed else None
    return batch, claimed, rest


async def _send(
    deps: Deps, options: DeliveryOptions, batch: Batch, claimed: list[Delivery]
) -> list[Outcome]:
    """Attempt one claimed batch with a bounded number of requests in flight."""
    limit = asyncio.Semaphore(options.concurrency)
    async with _client(deps, options) as client:

        async def attempt(delivery: Delivery) -> Outcome:
            async with limit:
                return await batch.attempt(client, delivery)

        results = await asyncio.gather(*(attempt(d) for d in claimed), return_exceptions=True)
    outcomes: list[Outcome] = []
    for delivery, result in zip(claimed, results, strict=True):
        if isinstance(result, Outcome):
            outcomes.append(result)
        else:
            _log_failure(
                result, "delivery %s failed; it is retried when its lease ends", delivery.id
            )
    return outcomes


async def claim_due(deps: Deps, worker_id: str, options: DeliveryOptions) -> list[Delivery]:
    """Lease one batch of due deliveries for `worker_id`."""
    seen = await delivery_queue.due(deps.db, deps.clock.now(), options.batch_size)
    claimed, _ = await claim_from(deps, worker_id, options, seen)
    return claimed


async def claim_from(
    deps: Deps, worker_id: str, options: DeliveryOptions, seen: Sequence[delivery_queue.Entry]
) -> tuple[list[Delivery], list[delivery_queue.Entry]]:
    """Lease up to a batch of the scanned entries `seen`; returns it and the entries left.

    Entries other workers hold are skipped, not waited on, so workers drain one
    queue side by side; each entry is leased by one worker at a time.
    """
    now = deps.clock.now()
    until = now + options.lease
    free: list[delivery_queue.Entry] = []
    dead: list[delivery_queue.Entry] = []
    rest = list(seen)
    while rest and len(free) + len(dead) < options.batch_size:
        cut = options.batch_size - len(free) - len(dead)
        window, rest = rest[:cut], rest[cut:]
        taken = await delivery_queue.slots_taken(deps.db, window)
        free.extend(e for e in window if e.id not in taken)
        dead.extend(e for e in window if e.id in taken and taken[e.id] < now)
    # A slot held by a worker whose lease ran out: its attempt is written off as
    # lost, the entry steps past that generation, and it is free again.
    revived: list[delivery_queue.Entry] = []
    for entry in dead:
        moved = await delivery_queue.step_past(deps.db, entry)
        if moved is not None:
            lost = deliveries.lost_attempt(moved.attempt_count, now)
            await deliveries.note_lost(deps.db, entry.id, lost)
            revived.append(moved)
    await delivery_queue.release_slots(deps.db, [(e.id, e.lease_seq + 1) for e in dead])
    free = [*revived, *free]
    won = await delivery_queue.take_slots(deps.db, free, owner=worker_id, until=until, now=now)
    ours = [e for e in free if e.id in won]
    mine = await delivery_queue.claimed(deps.db, ours)
    held = {e.id for e in mine}
    await delivery_queue.release_slots(
        deps.db, [(e.id, e.lease_seq + 1) for e in ours if e.id not in held]
    )
    records = await deliveries.get_many(deps.db, list(held), with_attempts=False)
    ready: list[Delivery] = []
    stale: list[tuple[str, int]] = []
    for entry in mine:
        record = records.get(entry.id)
        if record is None or record.status is not DeliveryStatus.PENDING:
            stale.append((entry.id, entry.lease_seq))  # finished already, or gone
            continue
        attempt = entry.attempt_count + 1
        ready.append(deliveries.claimed_copy(record, seq=entry.lease_seq, attempt=attempt))
    if stale:
        await delivery_queue.complete(deps.db, finished=stale, retries=[])
    return ready, rest


@contextlib.asynccontextmanager
async def _client(deps: Deps, options: DeliveryOptions) -> AsyncIterator[httpx.AsyncClient]:
    if deps.webhook_client is not None:
        yield deps.webhook_client
        return
    async with sender.build_client(
        connect_timeout=options.connect_timeout,
        total_timeout=options.total_timeout,
        max_connections=max(100, options.batch_size),
    ) as client:
        yield client


class Batch:
    """What one batch shares: subscriptions, SSRF verdicts, secrets, and health updates."""

    def __init__(
        self,
        deps: Deps,
        options: DeliveryOptions,
        subs: dict[str, Subscription],
        targets: dict[str, ssrf.CheckedTarget | str],
        subscribed: frozenset[str] = frozenset(),
        bodies: dict[str, str] | None = None,
        shared: dict[str, str] | None = None,
    ) -> None:
        self.deps = deps
        self.options = options
        self.subs = subs
        self.targets = targets
        self.box: SecretBox = secret_box(deps.settings)
        self.links = notice_links.LinkFiller(
            notice_links.link_key(deps.settings.effective_secret_key()), deps.settings.public_url
        )
        self.subscribed = subscribed
        self.bodies = bodies or {}
        self.shared = shared or {}
        self.schedule = retry.parse_schedule(deps.settings.webhook_retry_schedule)
        self.disable_after: Duration = parse_duration(deps.settings.webhook_disable_after)
        self.rng = random.Random()  # noqa: S311 - jitter, not security
        self._signers: dict[tuple[str, ...], Signer] = {}
        self._healthy: set[str] = set()
        self._failing: dict[str, datetime] = {}

    @classmethod
    async def prepare(
        cls, deps: Deps, claimed: Sequence[Delivery], options: DeliveryOptions
    ) -> Batch:
        hooks = sorted({d.subscription_id for d in claimed if d.channel != email.CHANNEL})
        subs = await subscriptions.get_many(deps.db, hooks)
        urls = sorted({s.url for s in subs.values() if s.active and s.deleted_at is None})
        allow = ssrf.parse_allow_cidrs(deps.settings.webhook_allow_cidrs)
        # The guard runs again for this batch's attempts, whatever it said at subscribe time.
        verdicts = await asyncio.gather(*(_check(url, deps.resolver, allow) for url in urls))
        public = [d.target for d in claimed if d.customer_id == subscribers.PUBLIC and d.target]
        subscribed = await subscribers.still_subscribed(deps, public) if public else set()
        wanted = sorted({d.event_id for d in claimed if d.body == BY_EVENT})
        found = await events.bodies_of(deps.db, wanted) if wanted else {}
        bodies = {event_id: _render_stored(event) for event_id, event in found.items()}
        stored = (*bodies.values(), *(d.body for d in claimed))
        refs = {ref for body in stored if (ref := shared_ref(body))}
        shared = await _shared_payloads(deps, refs) if refs else {}
        return cls(
            deps,
            options,
            subs,
            dict(zip(urls, verdicts, strict=True)),
            frozenset(subscribed),
            bodies,
            shared,
        )

    async def attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> Outcome:
        """Make one attempt and decide what follows, without writing anything."""
        started = self.deps.clock.now()
        sub = self.subs.get(delivery.subscription_id)
        if delivery.body == BY_EVENT and delivery.event_id not in self.bodies:
            return self._closed(delivery, started, "not sent: its event no longer exists")
        ref = shared_ref(delivery.body or self.bodies[delivery.event_id])
        if ref is not None and ref not in self.shared:
            return self._closed(delivery, started, "not sent: its change payload is missing")
        if delivery.channel == email.CHANNEL:
            if (
                delivery.customer_id == subscribers.PUBLIC
                and delivery.target not in self.subscribed
            ):
                return self._closed(delivery, started, "not sent: the address unsubscribed")
            return self._outcome(delivery, started, await self.send_email(delivery))
        if sub is None or sub.deleted_at is not None:
            return self._closed(delivery, started, "not sent: the subscription was deleted")
        if not sub.active:
            reason = f"not sent: subscription disabled ({sub.disabled_reason})"
            return self._closed(delivery, started, reason)
        return self._outcome(delivery, started, await self.send(client, delivery, sub, started))

    async def send(
        self, client: httpx.AsyncClient, delivery: Delivery, sub: Subscription, started: datetime
    ) -> AttemptResult:
        """Check, sign and send one attempt, without recording it (tests and bench use it)."""
        target = self.targets[sub.url]
        if isinstance(target, str):
            return AttemptResult(None, 0.0, "", f"not sent: {target}", None, "failure")
        try:
            signer = self._signer(sub.secrets.valid_at(started))
        except SecretDecryptionError as exc:
            return AttemptResult(None, 0.0, "", f"not sent: {exc}", None, "failure")
        body = self.body_of(delivery).encode()
        headers = signer.headers(delivery.id, int(started.timestamp()), body)
        return await sender.send_attempt(
            client, target, headers, body, total_timeout=self.options.total_timeout
        )

    def body_of(self, delivery: Delivery) -> str:
        """The stored body with its signed notice link put in (links are never stored)."""
        body = delivery.body or self.bodies.get(delivery.event_id, "")
        found = _stand_in(body)
        if found is not None and found[1] in self.shared:
            payload = self.shared[found[1]]
            body = f'{body[: found.start()]}"data":{{"change":{payload}{body[found.end() :]}'
        return self.links.fill_in(body)

    def _signer(self, sealed: tuple[str, ...]) -> Signer:
        """Each subscription's secrets are decrypted and keyed once per batch, not per message."""
        signer = self._signers.get(sealed)
        if signer is None:
            signer = self._signers[sealed] = Signer([self.box.decrypt(s) for s in sealed])
        return signer

    async def send_email(self, delivery: Delivery) -> AttemptResult:
        """One SMTP attempt; without REGISTRY_SMTP_URL the delivery waits, retried."""
        settings = self.deps.settings
        if not settings.smtp_url or delivery.target is None:
            return AttemptResult(
                None, 0.0, "", "not sent: REGISTRY_SMTP_URL is not set", None, "failure"
            )
        public = delivery.customer_id == subscribers.PUBLIC
        message = email.render_message(
            self.body_of(delivery),
            sender=settings.smtp_from,
            to=delivery.target,
            message_id=delivery.id,
            unsubscribe=subscribers.unsubscribe_url(self.deps, delivery.target) if public else None,
        )
        server = email.parse_smtp_url(settings.smtp_url)
        return await email.send(message, server, total_timeout=self.options.total_timeout)

    def _outcome(self, delivery: Delivery, started: datetime, result: AttemptResult) -> Outcome:
        now = self.deps.clock.now()
        status, next_at = DeliveryStatus.FAILED, None
        if result.outcome == "success":
            status = DeliveryStatus.DELIVERED
        elif result.outcome != "gone":
            delay = retry.next_attempt_delay(self.schedule, delivery.attempt_count, self.rng)
            asked = (
                retry.retry_after(result.retry_after, now) if result.outcome == "retry" else None
            )
            if delay is not None:
                status, next_at = DeliveryStatus.PENDING, now + max(delay, asked or delay)
        attempt = Attempt(
            number=delivery.attempt_count,
            at=started,
            status_code=result.status_code,
            latency_ms=round(result.latency_ms, 1),
            response_excerpt=result.response_excerpt,
            error=result.error or _describe_failure(result),
            outcome=result.outcome,
        )
        return Outcome(delivery, attempt, status, next_at)

    def _closed(self, delivery: Delivery, at: datetime, reason: str) -> Outcome:
        attempt = Attempt(delivery.attempt_count, at, None, None, "", reason, "failure")
        return Outcome(delivery, attempt, DeliveryStatus.FAILED, None)

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Log every attempt, end the leases, then update the subscriptions' health.

        A crash between the steps leaves leases to run out: the messages are sent
        again (same `webhook-id`), and nothing is lost.
        """
        if not outcomes:
            return
        recorded = await deliveries.record_many(self.deps.db, outcomes)
        for o in outcomes:
            if o.delivery.id not in recorded:
                logger.warning(
                    "delivery %s: lease lost before its result was recorded", o.delivery.id
                )
        await delivery_queue.complete(
            self.deps.db,
            finished=[
                (o.delivery.id, o.delivery.lease_seq) for o in outcomes if o.next_attempt_at is None
            ],
            retries=[
                delivery_queue.Retry(
                    o.delivery.id, o.delivery.lease_seq, o.next_attempt_at, o.attempt.number
                )
                for o in outcomes
                if o.next_attempt_at is not None
            ],
        )
        now = self.deps.clock.now()
        for o in outcomes:
            sub = self.subs.get(o.delivery.subscription_id)
            if o.delivery.id not in recorded or o.delivery.channel == email.CHANNEL:
                continue
            if sub is None or sub.deleted_at is not None or not sub.active:
                continue  # closed unsent: nothing to learn about the endpoint
            if o.attempt.outcome == "success":
                await self._succeeded(sub, now)
            elif o.attempt.outcome == "gone":
                await self._disable(sub, now, "the endpoint answered 410 Gone")
            else:
                await self._failed(sub, now)

    async def _succeeded(self, sub: Subscription, now: datetime) -> None:
        if sub.id in self._healthy:
            return
        self._healthy.add(sub.id)
        stale = sub.last_success_at is None or now - sub.last_success_at > SUCCESS_WRITE_INTERVAL
        if sub.failing_since is not None or stale:
            await subscriptions.record_success(self.deps.db, sub.id, now)

    async def _failed(self, sub: Subscription, now: datetime) -> None:
        since = sub.failing_since or self._failing.get(sub.id)
        if since is None:
            since = await subscriptions.record_failure(self.deps.db, sub.id, now)
            self._failing[sub.id] = since
        if add_duration(since, self.disable_after) <= now:
            reason = (
                f"no successful delivery since {since.isoformat()} "
                f"(disabled after {self.deps.settings.webhook_disable_after} of failures)"
            )
            await self._disable(sub, now, reason)

    async def _disable(self, sub: Subscription, now: datetime, reason: str) -> None:
        if not await subscriptions.disable(self.deps.db, sub.id, at=now, reason=reason):
            return  # already disabled, and its owner already told
        logger.warning(
            "webhook subscription %s of %s disabled: %s", sub.id, sub.customer_id, reason
        )
        await events.emit(self.deps.db, disabled_event(self.deps, sub, now, reason))


def disabled_event(deps: Deps, sub: Subscription, at: datetime, reason: str) -> Event:
    """`subscription.disabled`, for the customer's remaining subscriptions."""
    graphql = deps.settings.public_url.rstrip("/") + "/graphql"
    return Event(
        type=EventType.SUBSCRIPTION_DISABLED,
        customer_id=sub.customer_id,
        occurred_at=at,
        dedupe_key=f"subscription.disabled:{sub.id}:{at.isoformat()}",
        data={
            "subscription": {
                "id": sub.id,
                "url": sub.url,
                "disabledAt": at.isoformat(),
                "reason": reason,
            },
            "customer": {"id": sub.customer_id},
            "links": {"graphql": graphql},
        },
    )


async def _check(
    url: str, resolver: ssrf.Resolver, allow: Sequence[ssrf.IPNetwork]
) -> ssrf.CheckedTarget | str:
    try:
        return await ssrf.check_url(url, resolver=resolver, allow=allow)
    except ssrf.UnsafeUrl as exc:
        return exc.message


def _log_failure(outcome: object, message: str, delivery_id: str) -> None:
    """One delivery's database trouble must not take its batch down (at-least-once)."""
    if isinstance(outcome, BaseException):
        if not isinstance(outcome, Exception):
            raise outcome
        logger.error(message, delivery_id, exc_info=outcome)


def _describe_failure(result: AttemptResult) -> str | None:
    if result.outcome == "redirect":
        return "redirects are not followed: point the subscription at the final URL"
    if result.outcome in ("failure", "retry", "gone"):
        return f"receiver answered HTTP {result.status_code}"
    return None
