"""One notice e-mail for the same change in each language: subject, both parts, the
footer and the calendar entry are the customer's language; the webhook JSON stays
English and says which language the customer chose."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from registry.delivery import email, email_content
from registry.delivery.bodies import render_body
from registry.domain.models import CustomerTerms
from tests.event_bodies import change, event_data

CUSTOMER = "cus_" + "b" * 24
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "email-languages"


THE_CHANGE = change()


def message(language: str) -> tuple[EmailMessage, dict[str, object]]:
    terms = CustomerTerms(time_zone="Europe/Berlin", language=language)
    data = event_data(CUSTOMER, of=THE_CHANGE, terms=terms)
    body = render_body(
        {
            "type": "change.announced",
            "occurred_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
            "data": data,
        }
    )
    sent = email.render_message(body, sender="registry@example.test", to="a@b.test", message_id="m")
    return sent, data


def text_part(sent: EmailMessage) -> str:
    part = sent.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.mark.parametrize(
    ("language", "subject", "says"),
    [
        (
            "en",
            "New subprocessor: Mailgun Technologies, Inc. — object by 6 March 2026",
            ["You may object until the deadline below.", "United States (US), us-east: processing"],
        ),
        (
            "de-CH",
            "Neuer Unterauftragsverarbeiter: Mailgun Technologies, Inc. — "
            "Einspruch bis 6. März 2026",
            [
                "Sie können bis zu der unten genannten Frist Einspruch erheben.",
                "Vereinigte Staaten (US), us-east: Verarbeitung",
                "Standardvertragsklauseln (2021), gültig",
                "Einspruchsfrist:",
                "6. März 2026, 01:00 MEZ (2026-03-06 00:00 UTC)",
                "Zeitangaben in der Zeitzone Europe/Berlin.",
            ],
        ),
        (
            "fr",
            "Nouveau sous-traitant ultérieur : Mailgun Technologies, Inc. — "
            "opposition jusqu'au 6 mars 2026",
            [
                "Vous pouvez vous y opposer jusqu'à la date limite indiquée ci-dessous.",
                "États-Unis (US), us-east : traitement",
                "Clauses contractuelles types (2021), valable",
            ],
        ),
        (
            "da",
            "Ny underdatabehandler: Mailgun Technologies, Inc. — indsigelse senest 6. marts 2026",
            [
                "De kan gøre indsigelse inden for nedenstående frist.",
                "USA (US), us-east: behandling",
                "Standardkontraktbestemmelser (2021), gyldigt",
            ],
        ),
    ],
)
def test_the_same_change_in_each_language(language: str, subject: str, says: list[str]) -> None:
    sent, data = message(language)
    assert sent["Subject"] == subject
    assert sent["Content-Language"] == language
    text = text_part(sent)
    for words in says:
        assert words in text
    html_part = sent.get_body(("html",))
    assert html_part is not None
    assert f'<html lang="{language}">' in str(html_part.get_content())
    calendar = next(p for p in sent.iter_attachments() if p.get_content_type() == "text/calendar")
    ics = calendar.get_payload(decode=True).decode()
    assert f"SUMMARY;LANGUAGE={language}:" in ics
    # The webhook JSON is the same English document, with the customer's language.
    customer = data["customer"]
    assert isinstance(customer, dict)
    assert customer["language"] == language
    assert data["change"] == message("en")[1]["change"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{language}.txt").write_text(f"Subject: {sent['Subject']}\n\n{text}")


def test_english_reads_exactly_as_before() -> None:
    sent, _ = message("en")
    text = text_part(sent)
    assert text.startswith("New subprocessor: Mailgun Technologies, Inc.\n\nWe are giving you")
    assert "Objection deadline:   6 March 2026, 01:00 CET (2026-03-06 00:00 UTC)" in text
    assert "Where the data goes:" in text
    assert text.rstrip().endswith("Dates are shown in Europe/Berlin.")


def test_a_disabled_endpoint_is_told_in_the_customers_language() -> None:
    body = {
        "type": "subscription.disabled",
        "data": {
            "subscription": {"url": "https://hooks.example.test/x", "reason": "HTTP 500"},
            "customer": {"id": CUSTOMER, "language": "da"},
        },
    }
    told = email_content.compose(body)
    assert told.subject == "Webhook-endepunkt deaktiveret"
    assert "Aktivér det igen" in email_content.text(told)
