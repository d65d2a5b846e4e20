"""Signed notice links: bound to one notice, refused when forged, cut, expired or
signed with another key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.delivery import notice_links
from registry.store import ids

KEY = notice_links.link_key("server-key-1")
ISSUED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOTICE = ids.notice_id("chg_" + "1" * 24, "cus_" + "2" * 24)


def test_a_genuine_token_names_its_notice_change_and_customer() -> None:
    token = notice_links.sign(KEY, NOTICE, ISSUED)
    claims = notice_links.verify(KEY, token, ISSUED + timedelta(days=3))
    assert claims is not None
    assert claims.notice_id == NOTICE
    assert claims.change_id == "chg_" + "1" * 24
    assert ids.customer_of_notice(claims.notice_id) == "cus_" + "2" * 24
    assert claims.issued_at == ISSUED


def _flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1],  # truncated
        lambda t: t[:20],
        lambda t: _flip(t, len(t) - 3),  # forged signature
        lambda t: t.replace(NOTICE, ids.notice_id("chg_" + "1" * 24, "cus_" + "3" * 24)),
        lambda t: t.replace(str(int(ISSUED.timestamp())), str(int(ISSUED.timestamp()) + 1)),
        lambda t: "",
        lambda t: t + ".x",
    ],
)
def test_a_tampered_token_is_refused(tamper: object) -> None:
    token = notice_links.sign(KEY, NOTICE, ISSUED)
    assert notice_links.verify(KEY, tamper(token), ISSUED) is None  # type: ignore[operator]


def test_rotating_the_server_key_invalidates_links() -> None:
    token = notice_links.sign(KEY, NOTICE, ISSUED)
    assert notice_links.verify(notice_links.link_key("server-key-2"), token, ISSUED) is None


def test_a_link_expires() -> None:
    token = notice_links.sign(KEY, NOTICE, ISSUED)
    last = ISSUED + notice_links.LINK_LIFETIME - timedelta(seconds=1)
    assert notice_links.verify(KEY, token, last) is not None
    assert notice_links.verify(KEY, token, last + timedelta(seconds=1)) is None
    assert notice_links.verify(KEY, token, ISSUED - timedelta(seconds=1)) is None


def test_a_stored_placeholder_becomes_the_signed_url() -> None:
    body = f'{{"links":{{"notice":"{notice_links.placeholder(NOTICE, ISSUED)}"}}}}'
    filled = notice_links.fill_in(body, KEY, "https://registry.example/")
    token = notice_links.sign(KEY, NOTICE, ISSUED)
    assert filled == f'{{"links":{{"notice":"https://registry.example/notices/{token}"}}}}'
    assert notice_links.fill_in(filled, KEY, "https://x") == filled


def test_every_placeholder_is_filled_in_and_look_alikes_are_left() -> None:
    other = "ntc_" + "0" * 48
    later = ISSUED + timedelta(days=1)
    broken = f"@@notice-link:{NOTICE}:x@@"
    body = (
        f"{notice_links.placeholder(NOTICE, ISSUED)} {broken} "
        f"@@notice-link:{notice_links.placeholder(other, later)}"
    )
    filled = notice_links.fill_in(body, KEY, "https://r.example")
    first = notice_links.url("https://r.example", notice_links.sign(KEY, NOTICE, ISSUED))
    second = notice_links.url("https://r.example", notice_links.sign(KEY, other, later))
    assert filled == f"{first} {broken} @@notice-link:{second}"
