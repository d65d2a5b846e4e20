"""Staff console sessions: a signed-in API key, held server-side behind an opaque id.

The browser holds only a random session id; the store holds its SHA-256, so a database
dump opens no session. A session ends after `REGISTRY_CONSOLE_SESSION_IDLE` without a
request, at sign-out, and as soon as its API key is revoked (checked on every request,
so no revocation path has to remember the console).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from registry.delivery import signed_tokens
from registry.domain.errors import Unauthenticated
from registry.domain.models import Role
from registry.services import policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import require_role
from registry.store import api_keys, console_sessions
from registry.store.console_sessions import StoredSession

# Writing last-seen on every request would add a write to every page; a minute's
# slack in an inactivity timeout of many minutes does not matter.
TOUCH_EVERY = timedelta(seconds=60)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def form_token(deps: Deps, session_id: str, purpose: str = "console") -> str:
    """The anti-forgery token of a session: derived from it, so nothing more is stored."""
    key = deps.settings.effective_secret_key().encode()
    message = f"{purpose}:{session_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def token_matches(
    deps: Deps, session_id: str, offered: str | None, purpose: str = "console"
) -> bool:
    if not offered:
        return False
    return signed_tokens.same(form_token(deps, session_id, purpose), offered)


async def open_session(deps: Deps, caller: Caller) -> str:
    """Start a session for a staff key; returns the only copy of the session id."""
    require_role(caller, *policy.STAFF)
    if caller.key_id is None:
        raise Unauthenticated("the console is signed in to with an API key")
    session_id = secrets.token_urlsafe(32)
    now = deps.clock.now()
    await console_sessions.insert(
        deps.db,
        StoredSession(
            id_hash=_hash(session_id),
            key_id=caller.key_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + deps.settings.console_idle_timeout,
        ),
    )
    return session_id


async def resume(deps: Deps, session_id: str | None) -> Caller | None:
    """The signed-in caller, or None when the session is unknown, idle too long or revoked."""
    if not session_id or len(session_id) > 200:
        return None
    id_hash = _hash(session_id)
    session = await console_sessions.get(deps.db, id_hash)
    if session is None:
        return None
    now = deps.clock.now()
    if session.expires_at <= now:
        await console_sessions.delete(deps.db, id_hash)
        return None
    key = await api_keys.get(deps.db, session.key_id)
    if key is None or key.get("revoked_at") is not None:
        await console_sessions.delete_for_key(deps.db, session.key_id)
        return None
    role = Role(key["role"])
    if role not in policy.STAFF:
        await console_sessions.delete(deps.db, id_hash)
        return None
    idle = deps.settings.console_idle_timeout
    if now - session.last_seen_at >= min(TOUCH_EVERY, idle / 10):
        await console_sessions.touch(deps.db, id_hash, now, now + idle)
    return Caller(role=role, customer_id=None, key_id=session.key_id)


async def close(deps: Deps, session_id: str) -> bool:
    return await console_sessions.delete(deps.db, _hash(session_id))
