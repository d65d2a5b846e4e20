"""One-line text refuses line breaks and control characters; multi-line text keeps LF
and tab. The rule lives in domain/validation.py and every text check uses it."""

from __future__ import annotations

import pytest

from registry.domain import validation as check
from registry.domain.errors import ValidationError

ONE_LINE_REFUSED = [
    pytest.param("Acme\r\nBcc: x@evil.test", "one line", id="CRLF -> refused"),
    pytest.param("Acme\nInc.", "one line", id="LF -> refused"),
    pytest.param("Acme\rInc.", "one line", id="lone CR -> refused"),
    pytest.param("Acme Inc.\n", "one line", id="trailing LF -> refused, not trimmed away"),
    pytest.param("Acme\x00", "NUL", id="NUL -> refused"),
    pytest.param("Acme\tInc.", "tab", id="tab -> refused"),
    pytest.param("Acme\x85Inc.", "one line", id="U+0085 next line -> refused"),
    pytest.param("Acme\u2028Inc.", "line separator", id="U+2028 line separator -> refused"),
    pytest.param("Acme\u2029Inc.", "paragraph separator", id="U+2029 -> refused"),
    pytest.param("Acme\x0bInc.", "one line", id="vertical tab -> refused"),
    pytest.param("Acme\x1b[31m", "U+001B", id="escape (terminal colours) -> refused"),
    pytest.param("Acme\x7f", "U+007F", id="DEL -> refused"),
    pytest.param("Acme\x9b", "U+009B", id="C1 control -> refused"),
    pytest.param("Acme \u202egnp.exe", "right-to-left override", id="U+202E RLO -> refused"),
    pytest.param("\u202aAcme\u202c", "U+202A", id="U+202A LRE -> refused"),
    pytest.param("\u2066Acme\u2069", "U+2066", id="U+2066 LRI -> refused"),
    pytest.param("Acme\ud800", "U+D800", id="lone surrogate -> refused"),
]

ONE_LINE_KEPT = [
    pytest.param("Mailgun Technologies, Inc.", id="plain ASCII -> kept"),
    pytest.param("Société Générale S.A.", id="accents -> kept"),
    pytest.param("株式会社サイバーエージェント", id="CJK -> kept"),
    pytest.param("شركة\u200eAcme", id="U+200E left-to-right mark -> kept"),
    pytest.param("می\u200cخواهم", id="U+200C zero-width non-joiner -> kept"),
    pytest.param("Acme\u00a0GmbH", id="no-break space -> kept"),
    pytest.param("Acme 🚀", id="emoji -> kept"),
]


@pytest.mark.parametrize(("value", "says"), ONE_LINE_REFUSED)
def test_one_line_text_refuses(value: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check.text(value, "legalName")
    assert refused.value.field == "legalName"
    assert refused.value.message.startswith("legalName ")
    assert says in refused.value.message


@pytest.mark.parametrize("value", ONE_LINE_KEPT)
def test_one_line_text_keeps(value: str) -> None:
    assert check.text(value, "legalName") == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("First line.\nSecond line.", "First line.\nSecond line.", id="LF -> kept"),
        pytest.param("One.\r\nTwo.\r\n", "One.\nTwo.", id="CRLF -> LF, trimmed"),
        pytest.param("Column\tvalue", "Column\tvalue", id="tab -> kept"),
        pytest.param("\u202eso it reads", "\u202eso it reads", id="bidi control -> kept"),
    ],
)
def test_multi_line_text_keeps(value: str, expected: str) -> None:
    assert check.text(value, "description", multiline=True) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        pytest.param("One.\rTwo.", "carriage return", id="lone CR -> refused"),
        pytest.param("One.\x00", "NUL", id="NUL -> refused"),
        pytest.param("Bell\x07", "U+0007", id="bell -> refused"),
        pytest.param("One.\u2028Two.", "line separator", id="U+2028 -> refused"),
        pytest.param("One.\x85Two.", "U+0085", id="U+0085 -> refused"),
        pytest.param("One.\x0cTwo.", "U+000C", id="form feed -> refused"),
    ],
)
def test_multi_line_text_refuses(value: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check.text(value, "description", multiline=True)
    assert refused.value.field == "description"
    assert says in refused.value.message


def test_optional_text_is_one_line_unless_asked() -> None:
    with pytest.raises(ValidationError, match="reference must be one line"):
        check.optional_text("SCCs\nModule 2", "reference")
    assert check.optional_text("SCCs\nModule 2", "reason", multiline=True) == "SCCs\nModule 2"
    assert check.optional_text("  ", "reference") is None


def test_notes_are_multi_line() -> None:
    assert check.note("Frankfurt office.\r\nSince 2024.") == "Frankfurt office.\nSince 2024."
    with pytest.raises(ValidationError, match="note may not contain a NUL"):
        check.note("Frankfurt\x00")


@pytest.mark.parametrize(
    ("rule", "value", "field"),
    [
        pytest.param(check.email, "dpo@acme.test\r\nBcc: x@evil.test", "email", id="email CRLF"),
        pytest.param(check.email, "dpo\x00@acme.test", "email", id="email NUL"),
        pytest.param(check.url, "https://acme.test/\r\nX: y", "website", id="url CRLF"),
        pytest.param(check.url, "https://acme.test/\tx", "website", id="url tab"),
        pytest.param(check.region, "eu-west-1\n", "region", id="region trailing LF"),
    ],
)
def test_addresses_and_names_refuse_line_breaks(rule: object, value: str, field: str) -> None:
    assert callable(rule)
    with pytest.raises(ValidationError) as refused:
        rule(value, field)
    assert refused.value.field == field


@pytest.mark.parametrize(
    "value", ["crm\n", "crm\x00", "eu-west\r"], ids=["code LF", "code NUL", "code CR"]
)
def test_codes_match_whole(value: str) -> None:
    with pytest.raises(ValidationError, match="is not a code"):
        check.code(value, "code")


def test_the_message_names_the_character() -> None:
    with pytest.raises(ValidationError) as refused:
        check.text("Acme\r\nInc.", "legalName")
    assert refused.value.message == (
        "legalName must be one line: it contains a carriage return (U+000D)"
    )
