"""Every setting parsed once at start-up, so a bad value stops `serve` and `worker` with a
message naming its variable before anything is served or delivered (a bad reminder
offset used to let `announceChange` succeed and then fail the notice job on every tick).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from pydantic import ValidationError as PydanticValidationError

from registry.delivery import email, retry, ssrf
from registry.domain import addresses, validation
from registry.domain.durations import parse_duration
from registry.domain.errors import ValidationError
from registry.services import operator
from registry.services.change_jobs import reminder_offsets
from registry.services.staff_sign_in import provider_config
from registry.services.webhooks import check_webhook_settings
from registry.settings import Settings, parse_interval


class SettingsError(ValueError):
    """A setting cannot be used; the message starts with the variable's name."""


def load_settings() -> Settings:
    """Settings from the environment; a value pydantic refuses is named by its variable."""
    try:
        return Settings()
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        name = "REGISTRY_" + "_".join(str(p) for p in first["loc"]).upper()
        if name == "REGISTRY_MONGODB_URI":
            name = "MONGODB_URI"
        raise SettingsError(f"{name}: {first['msg']}") from None


def check_settings(settings: Settings) -> None:
    """Parse every setting that is parsed later; the first bad one raises SettingsError."""
    checks: list[tuple[str, Callable[[], object]]] = [
        ("REGISTRY_REMINDER_OFFSETS", lambda: reminder_offsets(settings.reminder_offsets)),
        (
            "REGISTRY_WEBHOOK_RETRY_SCHEDULE",
            lambda: retry.parse_schedule(settings.webhook_retry_schedule),
        ),
        ("REGISTRY_WEBHOOK_DISABLE_AFTER", lambda: parse_duration(settings.webhook_disable_after)),
        (
            "REGISTRY_WEBHOOK_ALLOW_CIDRS",
            lambda: ssrf.parse_allow_cidrs(settings.webhook_allow_cidrs),
        ),
        ("REGISTRY_SCHEDULER_INTERVAL", lambda: parse_interval(settings.scheduler_interval)),
        ("REGISTRY_CONSOLE_SESSION_IDLE", lambda: parse_interval(settings.console_session_idle)),
        (
            "REGISTRY_SMTP_URL",
            lambda: email.parse_smtp_url(settings.smtp_url) if settings.smtp_url else None,
        ),
    ]
    for name, check in checks:
        try:
            check()
        except ValueError as exc:
            raise SettingsError(f"{name}: {exc}") from None
    if not settings.public_url.startswith(("http://", "https://")):
        raise SettingsError(f"REGISTRY_PUBLIC_URL: {settings.public_url!r} is not an http(s) URL")
    _check_secret_key(settings)
    for proxy in settings.trusted_proxy_list:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(
                f"REGISTRY_TRUSTED_PROXIES: {proxy!r} is not an address or network"
            ) from None
    if settings.metrics_token is not None and len(settings.metrics_token) < 16:
        raise SettingsError("REGISTRY_METRICS_TOKEN: use at least 16 characters")
    try:
        check_webhook_settings(settings)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    _check_mail_addresses(settings)
    try:
        provider_config(settings)  # the OpenID provider's settings, when staff sign in with it
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


MAKE_A_KEY = "make one with `openssl rand -base64 32` and set REGISTRY_SECRET_KEY to it"


def _check_secret_key(settings: Settings) -> None:
    """The development key is public (it is in the source): links it signs can be forged
    by anyone. It is used only when nothing but this machine can follow those links."""
    if settings.secret_key:
        return
    if settings.environment == "production":
        raise SettingsError(f"REGISTRY_SECRET_KEY: required in production; {MAKE_A_KEY}")
    host = urlsplit(settings.public_url).hostname or ""
    if not _loopback(host):
        raise SettingsError(
            f"REGISTRY_SECRET_KEY: unset, and REGISTRY_PUBLIC_URL ({settings.public_url}) is "
            f"not a loopback address: the development key would sign its links; {MAKE_A_KEY}"
        )


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_mail_addresses(settings: Settings) -> None:
    """The sender, the staff address and the public URL (in List-Unsubscribe) become
    e-mail headers: one line each, the sender and the staff address one mailbox each
    (domain/addresses.py), and a server to send through."""
    try:
        validation.plain(settings.smtp_from, "REGISTRY_SMTP_FROM")
        addresses.sender(settings.smtp_from, "REGISTRY_SMTP_FROM")
        validation.plain(settings.public_url, "REGISTRY_PUBLIC_URL")
        if settings.staff_email is not None:
            validation.email(settings.staff_email, "REGISTRY_STAFF_EMAIL")
    except ValidationError as exc:
        named = exc.message.startswith(exc.field)
        raise SettingsError(exc.message if named else f"{exc.field}: {exc.message}") from None
    if settings.staff_email is not None and not settings.smtp_url:
        raise SettingsError("REGISTRY_STAFF_EMAIL: set REGISTRY_SMTP_URL too, to send through")
    _check_sender_domain(settings)
    _check_operator(settings)


def _check_sender_domain(settings: Settings) -> None:
    """In production, notices from `registry@localhost` look like phishing and their
    replies bounce: sending from a local-only domain is refused at start-up."""
    if settings.environment != "production" or not settings.smtp_url:
        return
    domain = settings.smtp_from.rpartition("@")[2].strip().lower().rstrip(">")
    if not domain or "." not in domain or _loopback(domain) or domain.endswith(".local"):
        raise SettingsError(
            f"REGISTRY_SMTP_FROM: {settings.smtp_from!r} is a local address; in production "
            "e-mail is sent from an address of the company's own domain"
        )


def _check_operator(settings: Settings) -> None:
    """The operator's identity from the settings obeys the rules an ADMIN's edit does."""
    try:
        operator.defaults(settings)
    except ValidationError as exc:
        field = "REGISTRY_OPERATOR_" + "".join(
            f"_{c}" if c.isupper() else c.upper() for c in exc.field
        )
        raise SettingsError(f"{field}: {exc.message}") from None
