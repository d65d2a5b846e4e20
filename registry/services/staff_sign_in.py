"""Staff sign in as themselves with the company's OpenID provider.

The authorization code flow with PKCE (S256) through Authlib's OAuth 2 client: `begin`
keeps the state, nonce and code verifier server-side (a pending console session) and
sends the browser to the provider; `finish` takes them back once, exchanges the code and
accepts the ID token only when its signature verifies against the provider's published
keys with an algorithm it announced (never `none`) and its issuer, audience, expiry and
nonce are right. The person's role comes from one claim through `REGISTRY_OIDC_ROLES`;
a person it maps to no staff role is refused.

The provider is found by OpenID discovery (`<issuer>/.well-known/openid-configuration`),
whose issuer must be the configured one exactly; the document and the keys are kept an
hour, and the keys fetched again when a token names a key they lack.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx2
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from registry.domain.errors import SignInRefused
from registry.domain.models import Role
from registry.domain.person import Person
from registry.domain.staff import parse_role_map, person_from_claims, role_for
from registry.services import console_sessions
from registry.services.deps import Deps
from registry.settings import Settings
from registry.store.console_sessions import PendingSignIn

CALLBACK_PATH = "/console/sign-in/callback"
# Asymmetric signatures only: `none` and the HMAC algorithms (keyed with the client
# secret) are never accepted, whatever the provider announces.
SIGNATURE_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
KEEP_DISCOVERY = timedelta(hours=1)
LEEWAY_S = 60  # clock skew allowed between us and the provider
TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_secret: str
    role_claim: str
    roles: Mapping[str, Role]
    scopes: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    person: Person
    role: Role
    next_path: str


def provider_config(settings: Settings) -> ProviderConfig | None:
    """The provider's settings, checked; None when staff sign in with API keys only.
    A bad value raises ValueError starting with its variable's name."""
    if not settings.oidc_configured:
        return None
    for name, value in (
        ("REGISTRY_OIDC_ISSUER", settings.oidc_issuer),
        ("REGISTRY_OIDC_CLIENT_ID", settings.oidc_client_id),
        ("REGISTRY_OIDC_CLIENT_SECRET", settings.oidc_client_secret),
    ):
        if not value or not value.strip():
            raise ValueError(
                f"{name}: required with the other REGISTRY_OIDC_ settings (issuer, client id "
                "and client secret go together)"
            )
    issuer = (settings.oidc_issuer or "").strip()
    _check_issuer(issuer, settings.environment)
    try:
        roles = parse_role_map(settings.oidc_roles)
    except ValueError as exc:
        raise ValueError(f"REGISTRY_OIDC_ROLES: {exc}") from None
    if not roles:
        raise ValueError(
            "REGISTRY_OIDC_ROLES: map at least one value of the role claim to ADMIN or "
            "PROCUREMENT, e.g. registry-admins=ADMIN,procurement=PROCUREMENT"
        )
    if not settings.oidc_role_claim.strip():
        raise ValueError("REGISTRY_OIDC_ROLE_CLAIM: name the claim, e.g. groups or roles")
    if "openid" not in settings.oidc_scopes.split():
        raise ValueError("REGISTRY_OIDC_SCOPES: must include openid")
    return ProviderConfig(
        issuer=issuer,
        client_id=(settings.oidc_client_id or "").strip(),
        client_secret=settings.oidc_client_secret or "",
        role_claim=settings.oidc_role_claim.strip(),
        roles=roles,
        scopes=" ".join(settings.oidc_scopes.split()),
    )


def _check_issuer(issuer: str, environment: str) -> None:
    parts = urlsplit(issuer)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise ValueError(f"REGISTRY_OIDC_ISSUER: {issuer!r} is not an https URL")
    if parts.query or parts.fragment:
        raise ValueError("REGISTRY_OIDC_ISSUER: an issuer has no query or fragment")
    loopback = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme == "http" and (environment == "production" or not loopback):
        raise ValueError(
            f"REGISTRY_OIDC_ISSUER: {issuer!r} must be https (plain http only for a provider "
            "on this machine, in development)"
        )


class IdentityProvider:
    """The company's provider, one per process; holds no connection between sign-ins."""

    def __init__(self, config: ProviderConfig, public_url: str) -> None:
        self.config = config
        self.redirect_uri = public_url.rstrip("/") + CALLBACK_PATH
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, Any] | None = None
        self._loaded_at: datetime | None = None

    def _client(self) -> Any:
        return AsyncOAuth2Client(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            scope=self.config.scopes,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            timeout=TIMEOUT_S,
        )

    async def begin(self, deps: Deps, next_path: str) -> tuple[str, str]:
        """(the provider's authorization URL, the browser's token for the pending sign-in)."""
        metadata = await self._discover(deps)
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"],
                state=state,
                nonce=nonce,
                code_verifier=verifier,
            )
        pending = PendingSignIn(
            state=state, nonce=nonce, code_verifier=verifier, next_path=next_path
        )
        return str(url), await console_sessions.start_sign_in(deps, pending)

    async def finish(
        self, deps: Deps, browser_token: str | None, answer: Mapping[str, str]
    ) -> SignedIn:
        """The person and role of the provider's answer; SignInRefused says why not."""
        pending = await console_sessions.take_sign_in(deps, browser_token)
        if pending is None:
            raise SignInRefused(
                "SIGN_IN_EXPIRED",
                "This sign-in was already used or took too long. Start again.",
            )
        if not hmac.compare_digest(answer.get("state", ""), pending.state):
            raise SignInRefused(
                "STATE_MISMATCH",
                "The identity provider's answer does not belong to this sign-in. Start again.",
            )
        if "error" in answer:
            detail = answer.get("error_description") or answer["error"]
            raise SignInRefused("PROVIDER_ERROR", f"The identity provider said: {detail[:200]}")
        code = answer.get("code", "")
        if not code:
            raise SignInRefused("CODE_REFUSED", "The identity provider's answer has no code.")
        metadata = await self._discover(deps)
        try:
            async with self._client() as client:
                token = await client.fetch_token(
                    metadata["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=pending.code_verifier,
                )
        except OAuthError as exc:
            raise SignInRefused(
                "CODE_REFUSED",
                f"The identity provider refused the sign-in code ({exc.error}): it may have "
                "been used already or have expired. Start again.",
            ) from None
        except (httpx2.HTTPError, ValueError) as exc:
            raise _unreachable(exc) from None
        claims = await self._verified_claims(deps, token, pending.nonce)
        person = person_from_claims(claims)
        role = role_for(claims.get(self.config.role_claim), self.config.roles)
        if role is None:
            raise SignInRefused(
                "NO_ROLE",
                f"{person.label} has no role in the subprocessor registry: the identity "
                f"provider's {self.config.role_claim!r} claim names none of the groups that "
                "open the console. Ask an administrator to add you to one.",
                person,
            )
        return SignedIn(person=person, role=role, next_path=pending.next_path)

    async def end_session_url(self, deps: Deps, after: str) -> str | None:
        """Where to end the person's session at the provider too (RP-initiated logout),
        or None when the provider offers no such endpoint or cannot be reached."""
        try:
            metadata = await self._discover(deps)
        except SignInRefused:
            return None
        endpoint = metadata.get("end_session_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return None
        query = httpx2.QueryParams(
            {"client_id": self.config.client_id, "post_logout_redirect_uri": after}
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def _verified_claims(
        self, deps: Deps, token: Mapping[str, Any], nonce: str
    ) -> Mapping[str, Any]:
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("INVALID_ID_TOKEN", "The identity provider sent no ID token.")
        metadata = await self._discover(deps)
        announced = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in announced if a in SIGNATURE_ALGORITHMS]
        if not algorithms:
            raise SignInRefused(
                "PROVIDER_MISCONFIGURED",
                "The identity provider announces no signature algorithm the registry accepts.",
            )
        try:
            try:
                decoded = jwt.decode(id_token, await self._key_set(deps), algorithms=algorithms)
            except InvalidKeyIdError:  # the provider rotated its keys since we fetched them
                fresh = await self._key_set(deps, refresh=True)
                decoded = jwt.decode(id_token, fresh, algorithms=algorithms)
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": self.config.issuer},
                    "aud": {"essential": True, "value": self.config.client_id},
                },
                {
                    "nonce": nonce,
                    "client_id": self.config.client_id,
                    "access_token": token.get("access_token"),
                },
            )
            claims.validate(now=int(deps.clock.now().timestamp()), leeway=LEEWAY_S)
        except JoseError as exc:
            raise SignInRefused(
                "INVALID_ID_TOKEN",
                f"The identity provider's ID token was refused ({_why(exc)}). Nobody was "
                "signed in.",
            ) from None
        return dict(claims)

    async def _discover(self, deps: Deps) -> dict[str, Any]:
        now = deps.clock.now()
        if (
            self._metadata is not None
            and self._loaded_at is not None
            and abs(now - self._loaded_at) < KEEP_DISCOVERY
        ):
            return self._metadata
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        metadata = await self._get_json(url)
        if metadata.get("issuer") != self.config.issuer:
            raise SignInRefused(
                "PROVIDER_MISCONFIGURED",
                f"The identity provider at {self.config.issuer} calls itself "
                f"{str(metadata.get('issuer'))[:200]!r}: the issuer must match "
                "REGISTRY_OIDC_ISSUER exactly. Nobody was signed in.",
            )
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(endpoint), str):
                raise SignInRefused(
                    "PROVIDER_MISCONFIGURED",
                    f"The identity provider's discovery document has no {endpoint}.",
                )
        self._metadata, self._keys, self._loaded_at = metadata, None, now
        return metadata

    async def _key_set(self, deps: Deps, *, refresh: bool = False) -> KeySet:
        metadata = await self._discover(deps)
        if self._keys is None or refresh:
            self._keys = await self._get_json(metadata["jwks_uri"])
        try:
            return KeySet.import_key_set(self._keys)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError):
            raise SignInRefused(
                "PROVIDER_MISCONFIGURED", "The identity provider's signing keys are unreadable."
            ) from None

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx2.AsyncClient(timeout=TIMEOUT_S) as client:
                response = await client.get(url)
                response.raise_for_status()
                found = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise _unreachable(exc) from None
        if not isinstance(found, dict):
            raise SignInRefused("PROVIDER_MISCONFIGURED", f"{url} did not answer a JSON object.")
        return found


def _unreachable(exc: Exception) -> SignInRefused:
    return SignInRefused(
        "PROVIDER_UNREACHABLE",
        f"The identity provider could not be reached ({type(exc).__name__}). Try again in a "
        "few minutes; nobody was signed in.",
    )


def _why(exc: JoseError) -> str:
    """A short, safe description of a refused token (never the token itself)."""
    return f"{exc.error}: {exc.description}" if exc.description else str(exc.error)
