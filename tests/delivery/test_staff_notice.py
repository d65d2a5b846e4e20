"""What staff read when notices were not delivered: counts in the subject, stored
names only in the body, their line breaks written out."""

from __future__ import annotations

from datetime import UTC, datetime

from registry.delivery.staff_notice import NotDelivered, render, subject, text

AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def item(**changed: object) -> NotDelivered:
    values: dict[str, object] = {
        "delivery_id": "dlv_1",
        "event_type": "change.announced",
        "channel": "email",
        "customer": "Acme GmbH",
        "customer_link": "https://registry.example/console/customers/cus_1",
        "vendor": "Evil Corp\r\nBcc: all@acme.test",
        "change_link": "https://registry.example/console/changes/chg_1",
        "summary": "not delivered: the subject could not be rendered: no line breaks",
        "failed_at": AT,
    }
    values.update(changed)
    return NotDelivered(**values)  # type: ignore[arg-type]


def test_the_subject_counts_and_names_nothing_stored() -> None:
    assert subject(1) == "1 notice not delivered"
    assert subject(5) == "5 notices not delivered"
    message = render(
        [item(), item(delivery_id="dlv_2")],
        sender="registry@example.test",
        to="privacy@example.test",
        overview="https://registry.example/console#deliveries",
        now=AT,
    )
    assert message["Subject"] == "2 notices not delivered"
    assert message["Auto-Submitted"] == "auto-generated"


def test_each_failure_is_one_line_with_its_links() -> None:
    body = text([item(), item(vendor=None, channel="webhook", change_link=None)], "overview")
    assert (
        "- Evil Corp<U+000D><U+000A>Bcc: all@acme.test: change.announced to Acme GmbH by "
        "e-mail, 5 January 2026, 09:30 UTC" in body
    )
    assert "- no vendor: change.announced to Acme GmbH by webhook" in body
    assert body.count("not delivered: the subject could not be rendered") == 2
    assert "https://registry.example/console/customers/cus_1" in body
    assert "\r" not in body


def test_a_resent_alert_has_the_same_message_id() -> None:
    def made() -> str:
        message = render(
            [item()], sender="r@example.test", to="s@example.test", overview="o", now=AT
        )
        return str(message["Message-ID"])

    assert made() == made()
