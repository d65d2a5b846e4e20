"""What a webhook or e-mail delivery sends: its event's body, stored small, put together
at send time.

A delivery stores the body of its event rendered once (`json_text.render`, so every
attempt sends the same bytes). A change event's vendor snapshot is shared by every
customer of that change and stored once (store/change_payloads.py): the delivery
stores its event's own part with a stand-in for it, and the worker splices the
payload's stored text in (`with_shared`). Bodies stored before payloads were shared
are sent as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from registry import json_text
from registry.store import events
from registry.store.database import Document

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
    with a stand-in for its shared change payload (put in when sent, `with_shared`);
    BY_EVENT for an event that carries its whole payload (stored before)."""
    ref = events.payload_ref(event)
    if ref is None:
        return BY_EVENT
    return render_body(events.with_payload(event, f"{_SHARED_MARK}{ref}@@"))


def stored_body(event: Document) -> str:
    """A BY_EVENT delivery's body from its event (a stand-in for a shared payload)."""
    return delivery_body(event) if events.payload_ref(event) else render_body(event)


def shared_ref(body: str) -> str | None:
    """The shared payload a stored body stands in for, if any."""
    found = _stand_in(body)
    return found[1] if found else None


def with_shared(body: str, shared: Mapping[str, str]) -> str:
    """The body with its stand-in replaced by the shared payload's text, when known."""
    found = _stand_in(body)
    if found is None or found[1] not in shared:
        return body
    return f'{body[: found.start()]}"data":{{"change":{shared[found[1]]}{body[found.end() :]}'


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
