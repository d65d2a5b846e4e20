"""The one parser of every signed link's token: `<id>.<issued>.<mac>`, canonical ASCII only.

`str.isdigit` accepts `²`, Arabic-Indic and fullwidth digits and `int` reads them, and
leading zeros read as the same number: each gave another spelling of a valid link, and
`hmac.compare_digest` raises on non-ASCII text (a 500). Here a token is accepted only in
the exact form `sign` writes (an id, a decimal without leading zeros, 24 base64url
characters), so any other text is simply not a token, and comparisons never raise.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

MAX_TOKEN_CHARACTERS = 128
_TOKEN = re.compile(r"([a-z]{3,4}_[0-9a-f]{32,48})\.(0|[1-9][0-9]{0,11})\.([A-Za-z0-9_-]{24})")


@dataclass(frozen=True, slots=True)
class TokenParts:
    subject: str
    """The id the token names (a notice, a subscriber)."""
    issued: int
    """Seconds since the epoch, as signed."""
    mac: str


def parse(token: object) -> TokenParts | None:
    """The parts of a token in canonical form; None for any other value."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARACTERS or not token.isascii():
        return None
    found = _TOKEN.fullmatch(token)
    if found is None:
        return None
    return TokenParts(found[1], int(found[2]), found[3])


def same(expected: str, offered: object) -> bool:
    """Constant-time comparison of an expected ASCII value with what a request sent
    (False, never an exception, for anything that is not the same ASCII text)."""
    if not isinstance(offered, str) or not offered.isascii() or len(offered) > 512:
        return False
    return hmac.compare_digest(expected.encode("ascii"), offered.encode("ascii"))
