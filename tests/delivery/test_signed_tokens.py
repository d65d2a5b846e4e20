"""Every signed link's token is read by one parser that accepts only its canonical form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.delivery import notice_links, signed_tokens, subscriber_links
from registry.store import ids

KEY = notice_links.link_key("test-secret-key")
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
NOTICE = "ntc_" + "ab" * 24
SUBSCRIBER = "esub_" + "cd" * 16


def _variants(token: str) -> list[str]:
    subject, issued, mac = token.split(".")
    arabic = issued.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    fullwidth = issued.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return [
        f"{subject}.{arabic}.{mac}",
        f"{subject}.{fullwidth}.{mac}",
        f"{subject}.0{issued}.{mac}",
        f"{subject}.{issued}².{mac}",
        f"{subject}.{issued}.{mac[:-1]}²",
        f"{subject}.{issued}.{mac}\n",
        f" {token}",
        f"{subject.upper()}.{issued}.{mac}",
        f"{token}.x",
        token * 10,
    ]


def test_a_notice_token_has_one_spelling() -> None:
    token = notice_links.sign(KEY, NOTICE, NOW - timedelta(days=1))
    assert notice_links.verify(KEY, token, NOW) is not None
    for variant in _variants(token):
        assert notice_links.verify(KEY, variant, NOW) is None, variant


def test_subscriber_tokens_have_one_spelling() -> None:
    confirm = subscriber_links.confirm_token(KEY, SUBSCRIBER, NOW - timedelta(hours=1))
    unsubscribe = subscriber_links.unsubscribe_token(KEY, SUBSCRIBER)
    assert subscriber_links.confirmed_subscriber(KEY, confirm, NOW) == SUBSCRIBER
    assert subscriber_links.unsubscribing_subscriber(KEY, unsubscribe) == SUBSCRIBER
    for variant in _variants(confirm):
        assert subscriber_links.confirmed_subscriber(KEY, variant, NOW) is None, variant
    for variant in _variants(unsubscribe):
        assert subscriber_links.unsubscribing_subscriber(KEY, variant) is None, variant


@pytest.mark.parametrize(
    "offered",
    [None, "", "²", "abc\u00e9", "x" * 10_000, 42],
    ids=["missing", "empty", "superscript", "latin-1", "huge", "not text"],
)
def test_comparisons_never_raise(offered: object) -> None:
    assert signed_tokens.same("abc", offered) is False


def test_the_same_ascii_text_compares_equal() -> None:
    assert signed_tokens.same("abc", "abc")


def test_a_link_filled_after_a_revocation_is_valid_when_sent() -> None:
    """A message retried after `revokeNoticeLinks` carries a link issued after it."""
    customer = "cus_" + "ef" * 12
    notice = ids.notice_id("chg_" + "12" * 12, customer)
    issued = NOW - timedelta(days=2)
    revoked = NOW - timedelta(days=1)
    body = f"open {notice_links.placeholder(notice, issued)} now"
    before = notice_links.LinkFiller(KEY, "https://r.test").fill_in(body)
    after = notice_links.LinkFiller(KEY, "https://r.test", {customer: revoked}).fill_in(body)
    assert after != before
    for filled, valid_after_revocation in ((before, False), (after, True)):
        token = filled.split("/notices/")[1].split()[0]
        claims = notice_links.verify(KEY, token, NOW)
        assert claims is not None
        assert (claims.issued_at > revoked) is valid_after_revocation
    other = notice_links.LinkFiller(KEY, "https://r.test", {"cus_" + "00" * 12: NOW})
    assert other.fill_in(body) == before  # another customer's revocation changes nothing
