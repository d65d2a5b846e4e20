"""The shared change payloads a worker splices into bodies, read once and cached."""

from __future__ import annotations

from collections import OrderedDict

from registry.services.deps import Deps
from registry.store import change_payloads

PAYLOADS_CACHED = 256
"""Rendered shared payloads a worker keeps between batches: a change's deliveries to
every customer refer to the same few, and a stored payload never changes (its id is
derived from its content), so a cached one is never stale."""
_rendered: OrderedDict[str, str] = OrderedDict()


async def shared_payloads(deps: Deps, refs: set[str]) -> dict[str, str]:
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
