"""Which writes retire cached answers, seen where every write passes: the driver.

A `WriteWatch` listens to the client's commands and counts, per database, the writes
(insert, update, delete, findAndModify) that succeeded or failed on a collection whose
documents queries answer with. `retire_written` then bumps the registry version once
for all writes counted so far, so no code path has to remember to: the HTTP boundary
does it before a response starts, the scheduler after each job, a command at its end.
A new collection retires cached answers unless it is listed as bookkeeping here.
"""

from __future__ import annotations

import weakref

from registry.store import meta
from registry.store.database import Database
from registry.store.write_watch import WriteWatch


def watch_of(db: Database) -> WriteWatch | None:
    """The client's watch; looked up once per client (every request asks, twice)."""
    client = db.client
    known = _watches.get(id(client))
    if known is not None and known[0]() is client:
        return known[1]
    found = None
    for listener in client.options.event_listeners:
        if isinstance(listener, WriteWatch):
            found = listener
            break
    key = id(client)
    _watches[key] = (weakref.ref(client, lambda _: _watches.pop(key, None)), found)
    return found


_watches: dict[int, tuple[weakref.ref[object], WriteWatch | None]] = {}


def unretired(db: Database) -> bool:
    """Whether a write finished since the last bump (no await: asked on every request)."""
    watch = watch_of(db)
    if watch is None:
        return True
    state = watch.of(db.name)
    return state.retired < state.written


async def retire_written(db: Database) -> bool:
    """Bump the registry version if any write finished since the last bump; returns
    whether one was needed. Returns only once a bump covering every write finished
    before the call has been made (by this call or a concurrent one)."""
    watch = watch_of(db)
    if watch is None:  # a client made without the watch: retire on every call
        await meta.bump(db)
        return True
    state = watch.of(db.name)
    target = state.written
    if state.retired >= target:
        return False
    async with state.lock:
        if state.retired >= target:
            return False  # a concurrent call bumped for these writes meanwhile
        covered, public = state.written, state.written_public
        await meta.bump(db, public=public > state.retired_public)
        state.retired = max(state.retired, covered)
        state.retired_public = max(state.retired_public, public)
    return True
