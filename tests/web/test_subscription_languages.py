"""A public subscriber's language: chosen when subscribing (the form's `lang`, else the
page's, from `?lang=` or Accept-Language); the confirmation, the pages and the
announcements are written in it, through a real SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from registry.services import subscribers
from registry.store import email_subscribers
from tests.web.notice_world import World, notice_world
from tests.web.test_subscriptions import announce_vendor, link_in, local, messages_to


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str) -> AsyncIterator[World]:
    async with notice_world(mongo_uri, db_name) as made:
        yield made


async def test_a_french_subscriber_reads_french(world: World) -> None:
    async with world.api.client_from("198.51.100.31") as http:
        answer = await http.post(
            "/subscriptions",
            data={"email": "lea@example.test", "lang": "fr-BE"},
            headers={"accept-language": "de"},
        )
    assert answer.status_code == 200
    assert '<html lang="de">' in answer.text  # the page follows the browser
    assert "Bitte sehen Sie in Ihrem Posteingang nach" in answer.text
    await world.mail.wait_until(lambda: bool(messages_to(world, "lea@example.test")))
    [confirmation] = messages_to(world, "lea@example.test")
    assert " ".join(str(confirmation["Subject"]).split()) == (
        "Confirmez votre abonnement aux modifications des sous-traitants ultérieurs"
    )
    assert confirmation["Content-Language"] == "fr-BE"
    stored = await email_subscribers.get(
        world.api.deps.db, email_subscribers.subscriber_id("lea@example.test")
    )
    assert stored is not None
    assert stored.language == "fr-BE"

    link = link_in(confirmation)
    shown = await world.api.http.get(local(link) + "&lang=fr")
    assert "Confirmer l&#39;abonnement" in shown.text
    assert (await world.api.http.post(local(link))).status_code == 200

    await announce_vendor(world, "Matomo")
    [announcement] = messages_to(world, "lea@example.test")[1:]
    subject = str(announcement["Subject"])  # encoded words: spaces between them vary
    assert subject.startswith("Nouveau sous-traitant ultérieur : Matomo")
    assert "compter du 4 février 2026" in subject
    assert announcement["Content-Language"] == "fr-BE"
    text = announcement.get_body(preferencelist=("plain",))
    assert text is not None
    assert "Nous avons annoncé une modification" in text.get_content()
    assert "Se désabonner : " in text.get_content()


@pytest.mark.parametrize(
    ("query", "header", "lang", "says"),
    [
        ("", "da-DK,da;q=0.9", "da-DK", "Linket er ikke gyldigt"),
        ("?lang=de", "fr", "de", "Link ungültig"),
        ("?lang=xx", "fr;q=0.5", "fr", "Lien non valable"),  # an unknown ?lang= is not used
        ("", "x;q=bad, " * 200, "en", "Link not valid"),
    ],
)
async def test_the_pages_follow_lang_and_accept_language(
    world: World, query: str, header: str, lang: str, says: str
) -> None:
    await subscribers.settled()
    page = await world.api.http.get(
        f"/subscriptions/unsubscribe{query or '?'}&token=forged",
        headers={"accept-language": header},
    )
    assert page.status_code == 404
    assert f'<html lang="{lang}">' in page.text
    assert says in page.text


async def test_a_dead_notice_link_answers_in_the_browsers_language(world: World) -> None:
    page = await world.api.http.get(
        "/notices/ntc_forged.1.x", headers={"accept-language": "de-AT,de;q=0.9"}
    )
    assert page.status_code == 404
    assert '<html lang="de-AT">' in page.text
    assert "Dieser Link ist ungültig" in page.text
    assert "Neuen Link senden" in page.text
