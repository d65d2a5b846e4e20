"""Webhook delivery building blocks: signing, secret storage, SSRF guard, sender, retries.

Everything here is either pure or does exactly one network thing (``check_url``
resolves, ``send_attempt`` sends); the scheduler and services compose them.
"""

from registry.delivery.retry import (
    DEFAULT_SCHEDULE,
    InvalidRetrySchedule,
    next_attempt_delay,
    parse_schedule,
    retry_after,
)
from registry.delivery.secrets import SecretBox, SecretDecryptionError
from registry.delivery.sender import AttemptResult, build_client, send_attempt
from registry.delivery.signing import generate_secret, sign, signature_header, webhook_headers
from registry.delivery.ssrf import (
    CheckedTarget,
    ParsedUrl,
    Resolver,
    UnresolvableHost,
    UnsafeUrl,
    allowlist_opens_private,
    check_url,
    default_resolver,
    parse_allow_cidrs,
    parse_target_url,
)

__all__ = [
    "DEFAULT_SCHEDULE",
    "AttemptResult",
    "CheckedTarget",
    "InvalidRetrySchedule",
    "ParsedUrl",
    "Resolver",
    "SecretBox",
    "SecretDecryptionError",
    "UnresolvableHost",
    "UnsafeUrl",
    "allowlist_opens_private",
    "build_client",
    "check_url",
    "default_resolver",
    "generate_secret",
    "next_attempt_delay",
    "parse_allow_cidrs",
    "parse_schedule",
    "parse_target_url",
    "retry_after",
    "send_attempt",
    "sign",
    "signature_header",
    "webhook_headers",
]
