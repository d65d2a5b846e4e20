"""Service settings, read once at start-up and passed in (DESIGN.md section 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_RETRY_SCHEDULE = "0,5s,5m,30m,2h,5h,10h,14h,20h,24h"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> timedelta:
    """Parse a short interval such as `1s`, `250ms`, `5m` or a plain number of seconds."""
    value = text.strip().lower()
    try:
        if value.endswith("ms"):
            seconds = float(value[:-2]) / 1000
        elif value and value[-1] in _UNITS:
            seconds = float(value[:-1]) * _UNITS[value[-1]]
        else:
            seconds = float(value)
    except ValueError:
        raise ValueError(f"invalid interval {text!r}: use e.g. 1s, 250ms, 5m") from None
    if seconds <= 0:
        raise ValueError(f"invalid interval {text!r}: must be positive")
    return timedelta(seconds=seconds)


class Settings(BaseSettings):
    """Environment variables (and a `.env` file); names as in DESIGN.md section 6."""

    model_config = SettingsConfigDict(
        env_prefix="REGISTRY_", env_file=".env", extra="ignore", frozen=True
    )

    mongodb_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("MONGODB_URI", "REGISTRY_MONGODB_URI")
    )
    db_name: str = "registry"
    public_read: bool = True
    # What anonymous callers see of a transfer's verdict: its status and mechanism
    # (`mechanism`), or also its reasons and the basis it rests on (`full`); staff and
    # customers always see it whole (services/policy.py `may_read_full_verdict`).
    public_verdict_detail: Literal["mechanism", "full"] = "mechanism"
    webhook_allow_cidrs: str = ""
    webhook_retry_schedule: str = DEFAULT_RETRY_SCHEDULE
    webhook_disable_after: str = "P5D"
    secret_key: str | None = None
    scheduler_interval: str = "1s"
    reminder_offsets: str = "P14D,P1D"
    environment: Literal["development", "production"] = "development"
    allow_private_webhooks: bool = False
    data_dir: str = ".data"
    devdb_port: int = 27018
    public_url: str = "http://127.0.0.1:8000"
    # Reverse proxies whose X-Forwarded-* headers are believed (addresses or networks,
    # comma-separated); empty: none, every client is the peer that connected.
    trusted_proxies: str = ""
    response_cache: bool = True
    public_max_age: int = Field(default=5, ge=0)  # seconds a shared cache may keep public reads
    connect_timeout_s: float = 15.0
    shutdown_timeout_s: float = 10.0
    smtp_url: str | None = None  # unset: no email notices
    smtp_from: str = "registry@localhost"
    # Where failed notices are reported (checked at start-up: services/configuration.py);
    # unset: the console and /metrics show them, nobody is mailed.
    staff_email: str | None = None
    # The staff console signs a person out after this long without a request.
    console_session_idle: str = "30m"
    # A bearer token Prometheus scrapes /metrics with (besides an ADMIN key); unset: none.
    metrics_token: str | None = Field(default=None, repr=False)
    # The operator's identity until an ADMIN records one (domain/operator.py; checked at
    # start-up by its fields' rules).
    operator_legal_name: str | None = None
    operator_trading_name: str | None = None
    operator_address: str | None = None
    operator_privacy_email: str | None = None
    operator_privacy_url: str | None = None
    operator_dpa_title: str | None = None
    operator_dpa_url: str | None = None
    operator_brand_colour: str | None = None
    # Staff sign in with the company's OpenID provider (services/staff_sign_in.py); unset:
    # the console is signed in to with an API key. Checked at start-up.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = Field(default=None, repr=False)
    oidc_role_claim: str = "groups"  # the ID token claim whose values map to roles
    oidc_roles: str = ""  # claim value=ROLE, comma-separated: registry-admins=ADMIN,...
    oidc_scopes: str = "openid profile email"
    # API-key sign-in to the console: unset means on only while no provider is configured.
    console_key_sign_in: bool | None = None

    @field_validator("scheduler_interval", "console_session_idle")
    @classmethod
    def _interval_is_valid(cls, value: str) -> str:
        parse_interval(value)
        return value

    @property
    def scheduler_period(self) -> timedelta:
        return parse_interval(self.scheduler_interval)

    @property
    def console_idle_timeout(self) -> timedelta:
        return parse_interval(self.console_session_idle)

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer or self.oidc_client_id or self.oidc_client_secret)

    @property
    def console_key_sign_in_allowed(self) -> bool:
        """API keys open the console unless staff sign in with the provider (a break-glass
        `REGISTRY_CONSOLE_KEY_SIGN_IN=true` keeps both)."""
        if self.console_key_sign_in is None:
            return not self.oidc_configured
        return self.console_key_sign_in

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def secure_cookies(self) -> bool:
        """Cookies are marked Secure when the service is reached over https."""
        return self.public_url.lower().startswith("https://")

    def effective_secret_key(self) -> str:
        """The key that encrypts webhook secrets; development falls back to a fixed one."""
        if self.secret_key:
            return self.secret_key
        if self.environment == "production":
            raise ValueError("REGISTRY_SECRET_KEY is required in production")
        return "development-only-secret-key"
