"""Staff console sessions: a signed-in person or API key, held server-side behind an
opaque id.

The browser holds only a random session id; the store holds its SHA-256, so a database
dump opens no session. A session ends after `REGISTRY_CONSOLE_SESSION_IDLE` without a
request, at sign-out, and for a key as soon as it is revoked (checked on every request,
so no revocation path has to remember the console). A person's session keeps the role
their provider's claim mapped to at sign-in; a sign-in with the provider is pending
(`start_sign_in`) until its answer takes it (`take_sign_in`), once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from registry.delivery import signed_tokens
from registry.domain.errors import PermissionDenied, Unauthenticated
from registry.domain.models import Role
from registry.domain.person import Person
from registry.services import policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import require_role
from registry.store import api_keys, console_sessions
from registry.store.console_sessions import PendingSignIn, StoredSession

# Writing last-seen on every request would add a write to every page; a minute's
# slack in an inactivity timeout of many minutes does not matter.
TOUCH_EVERY = timedelta(seconds=60)
# How long a person may take at their provider's sign-in page.
SIGN_IN_TIMEOUT = timedelta(minutes=10)


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
    return await _open(deps, key_id=caller.key_id)


async def open_person_session(deps: Deps, person: Person, role: Role) -> str:
    """Start a session for a person signed in with the company's provider."""
    if role not in policy.STAFF:
        raise PermissionDenied("the console is for ADMIN and PROCUREMENT staff")
    return await _open(deps, key_id=None, person=person, role=role)


async def _open(
    deps: Deps, *, key_id: str | None, person: Person | None = None, role: Role | None = None
) -> str:
    session_id = secrets.token_urlsafe(32)
    now = deps.clock.now()
    await console_sessions.insert(
        deps.db,
        StoredSession(
            id_hash=_hash(session_id),
            key_id=key_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + deps.settings.console_idle_timeout,
            role=role.value if role else None,
            person=person,
        ),
    )
    return session_id


async def start_sign_in(deps: Deps, pending: PendingSignIn) -> str:
    """Keep what the provider's answer must match; returns the browser's only copy of the
    id it is kept under."""
    browser_token = secrets.token_urlsafe(32)
    now = deps.clock.now()
    # Sign-ins started and never finished (and idle sessions) go here, so anonymous
    # starts cannot pile up beyond SIGN_IN_TIMEOUT's worth.
    await console_sessions.delete_expired(deps.db, now)
    await console_sessions.insert(
        deps.db,
        StoredSession(
            id_hash=_hash(browser_token),
            key_id=None,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SIGN_IN_TIMEOUT,
            pending=pending,
        ),
    )
    return browser_token


async def take_sign_in(deps: Deps, browser_token: str | None) -> PendingSignIn | None:
    """The pending sign-in of this browser, taken once; None when unknown, already taken
    or older than SIGN_IN_TIMEOUT."""
    if not browser_token or len(browser_token) > 200:
        return None
    found = await console_sessions.take_pending(deps.db, _hash(browser_token))
    if found is None or found.pending is None or found.expires_at <= deps.clock.now():
        return None
    return found.pending


async def resume(deps: Deps, session_id: str | None) -> Caller | None:
    """The signed-in caller, or None when the session is unknown, idle too long or revoked."""
    if not session_id or len(session_id) > 200:
        return None
    id_hash = _hash(session_id)
    session = await console_sessions.get(deps.db, id_hash)
    if session is None:
        return None
    if session.pending is not None:
        return None  # a sign-in under way opens nothing
    now = deps.clock.now()
    if session.expires_at <= now:
        await console_sessions.delete(deps.db, id_hash)
        return None
    caller = await _caller_of(deps, session)
    if caller is None or caller.role not in policy.STAFF:
        await console_sessions.delete(deps.db, id_hash)
        return None
    idle = deps.settings.console_idle_timeout
    if now - session.last_seen_at >= min(TOUCH_EVERY, idle / 10):
        await console_sessions.touch(deps.db, id_hash, now, now + idle)
    return caller


async def _caller_of(deps: Deps, session: StoredSession) -> Caller | None:
    if session.person is not None and session.role is not None:
        return Caller(role=Role(session.role), person=session.person)
    if session.key_id is None:
        return None
    key = await api_keys.get(deps.db, session.key_id)
    if key is None or key.get("revoked_at") is not None:
        await console_sessions.delete_for_key(deps.db, session.key_id)
        return None
    return Caller(role=Role(key["role"]), customer_id=None, key_id=session.key_id)


async def close(deps: Deps, session_id: str) -> bool:
    return await console_sessions.delete(deps.db, _hash(session_id))
