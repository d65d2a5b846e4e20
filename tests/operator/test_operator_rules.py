"""The identity's pure rules: colours and logos checked, the header's text colour chosen
for contrast, the e-mail footer and subject prefix."""

from __future__ import annotations

import base64

import pytest

from registry.delivery.email_content import footer_lines, subject_prefix
from registry.domain.errors import ValidationError
from registry.domain.operator import LOGO_MAX_BYTES, OPERATOR_FIELDS, Operator

FIELDS = {f.name: f for f in OPERATOR_FIELDS}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.mark.parametrize(
    ("given", "stored"),
    [("#0A4FA6", "#0a4fa6"), (" #ffffff ", "#ffffff"), ("", None)],
    ids=["upper case -> lower case", "spaces trimmed", "blank -> empty"],
)
def test_a_colour_is_stored_as_lower_case_hex(given: str, stored: str | None) -> None:
    assert FIELDS["brand_colour"].check(given) == stored


@pytest.mark.parametrize(
    "given", ["blue", "#fff", "#gggggg", "0a4fa6", "#0a4fa6;background:url(x)", "#0a4fa6\n"]
)
def test_anything_but_rrggbb_is_refused(given: str) -> None:
    with pytest.raises(ValidationError) as refused:
        FIELDS["brand_colour"].check(given)
    assert refused.value.field == "brandColour"


def _data(kind: str, content: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(content).decode()}"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (_data("image/png", PNG + b"\x00" * LOGO_MAX_BYTES), "too large"),
        ("x" * (LOGO_MAX_BYTES * 2), "too large"),
        (_data("image/svg+xml", b"<svg onload='x()'/>"), "PNG, JPEG or WebP"),
        (_data("image/jpeg", PNG), "is not the image/jpeg image it says it is"),
        ("data:image/png;base64,!!!!", "PNG, JPEG or WebP"),
        ("https://acme.example/logo.png", "PNG, JPEG or WebP"),
    ],
    ids=["over 64 KiB", "a huge text", "svg", "a PNG called JPEG", "not base64", "a URL"],
)
def test_a_bad_logo_is_refused(given: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FIELDS["logo"].check(given)


def test_a_small_png_is_kept_as_given() -> None:
    assert FIELDS["logo"].check(_data("image/png", PNG)) == _data("image/png", PNG)


@pytest.mark.parametrize(
    ("colour", "text"),
    [("#0a4fa6", "#ffffff"), ("#ffd500", "#000000"), ("#777777", "#000000"), (None, "#1b1f24")],
    ids=["dark blue -> white", "yellow -> black", "mid grey -> black", "none -> ink"],
)
def test_the_header_text_reads_on_the_brand_colour(colour: str | None, text: str) -> None:
    assert Operator(brand_colour=colour).header_text_colour() == text


def test_the_footer_names_the_company_and_how_to_reach_it() -> None:
    operator = Operator(
        legal_name="Acme Cloud GmbH",
        trading_name="Acme",
        address="Hauptstrasse 1\n10115 Berlin",
        privacy_url="https://acme.example/privacy",
    )
    assert subject_prefix(operator) == "[Acme] "
    assert footer_lines(operator, "Why.") == [
        "Sent by Acme Cloud GmbH, Hauptstrasse 1, 10115 Berlin.",
        "Why.",
        "Privacy contact page: https://acme.example/privacy",
    ]


def test_without_a_name_the_footer_points_to_the_link() -> None:
    assert subject_prefix(Operator()) == ""
    assert footer_lines(Operator(), "Why.") == [
        "Why.",
        "To object or ask a question, use the link above.",
    ]
