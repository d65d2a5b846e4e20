"""The public page in German, French and Danish as well as English: by `?lang=` or
Accept-Language, with a language switcher, `hreflang` alternates and the `lang`
attribute; every language passes axe-core on a phone without sideways scrolling."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from registry.clock import FrozenClock
from tests.conftest import Api, make_settings
from tests.web.support import Seeded, serving, web_app
from tests.web.test_notice_browser import serious_violations

PHONE = {"width": 360, "height": 780}
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize(
    ("query", "header", "lang", "heading"),
    [
        ("", None, "en", "Current subprocessors"),
        ("?lang=de", "fr", "de", "Aktuelle Unterauftragsverarbeiter"),
        ("", "fr-CH, fr;q=0.9, en;q=0.8", "fr-CH", "Sous-traitants ultérieurs actuels"),
        ("", "da;q=0.3, xx;q=0.9", "da", "Nuværende underdatabehandlere"),
        ("?lang=xx", "de;q=0.2", "de", "Aktuelle Unterauftragsverarbeiter"),
        ("", "de;q=nonsense, " * 200 + "fr", "en", "Current subprocessors"),
    ],
)
async def test_the_page_is_in_the_asked_language(
    web: Api, seeded: Seeded, query: str, header: str | None, lang: str, heading: str
) -> None:
    headers = {"accept-language": header} if header is not None else {}
    page = await web.http.get(f"/subprocessors{query}", headers=headers)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert heading in page.text
    assert page.headers["content-language"] == lang
    assert "accept-language" in page.headers["vary"]
    for code in ("en", "de", "fr", "da"):
        assert (
            f'<link rel="alternate" hreflang="{code}" href="/subprocessors?lang={code}">'
            in (page.text.replace("&amp;", "&"))
            or f'hreflang="{code}"' in page.text
        )


async def test_the_switcher_keeps_the_filters(web: Api, seeded: Seeded) -> None:
    page = await web.http.get("/subprocessors?country=US&lang=da")
    assert 'href="/subprocessors?country=US&amp;lang=de" hreflang="de" lang="de"' in page.text
    assert 'aria-current="true">Dansk</a>' in page.text
    assert "Vereinigte Staaten" not in page.text
    assert "USA" in page.text


async def test_verdict_labels_and_dates_are_translated(web: Api, seeded: Seeded) -> None:
    german = (await web.http.get("/subprocessors?lang=de")).text
    assert "Gültig" in german or "Nicht erforderlich" in german
    assert "Standardvertragsklauseln" in german or "Angemessenheitsbeschluss" in german
    english = (await web.http.get("/subprocessors")).text
    assert "Standard contractual clauses" in english or "Adequacy decision" in english


@pytest.fixture(scope="module")
def base_url(mongo_uri: str, db_name: str, web: Api, seeded: Seeded) -> Iterator[str]:
    clock = web.clock
    assert isinstance(clock, FrozenClock)
    with serving(web_app(make_settings(mongo_uri, db_name), clock)) as url:
        yield url


@pytest.mark.parametrize("lang", ["en", "de", "fr", "da"])
async def test_each_language_passes_axe_on_a_phone(
    browser: Browser, base_url: str, lang: str
) -> None:
    context = await browser.new_context(java_script_enabled=True, viewport=PHONE)
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/subprocessors?lang={lang}")
        assert await page.get_attribute("html", "lang") == lang
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert await serious_violations(page) == []
        if lang == "de":
            await page.screenshot(path=str(DOCS / "public-page-de-phone.png"))
    finally:
        await context.close()


@pytest.mark.parametrize(
    ("query", "header", "lang", "says"),
    [
        ("", None, "en", "Announced: Add "),
        ("?lang=de", None, "de", "Angekündigt: "),
        ("", "fr", "fr", "Annoncée : Ajout de "),
        ("", "da", "da", "Varslet: Tilføjelse af "),
    ],
)
async def test_the_atom_feed_is_in_the_asked_language(
    web: Api, seeded: Seeded, query: str, header: str | None, lang: str, says: str
) -> None:
    headers = {"accept-language": header} if header is not None else {}
    feed = await web.http.get(f"/changes.atom{query}", headers=headers)
    assert feed.status_code == 200
    assert feed.headers["content-language"] == lang
    assert "accept-language" in feed.headers["vary"]
    assert f'xml:lang="{lang}"' in feed.text or f"<language>{lang}</language>" in feed.text
    assert says in feed.text


async def test_a_cached_english_feed_is_not_a_german_readers(web: Api, seeded: Seeded) -> None:
    english = await web.http.get("/changes.atom")
    tag = english.headers["etag"]
    again = await web.http.get("/changes.atom", headers={"if-none-match": tag})
    assert again.status_code == 304
    german = await web.http.get(
        "/changes.atom", headers={"if-none-match": tag, "accept-language": "de"}
    )
    assert german.status_code == 200
    assert german.headers["etag"] != tag
    assert "Angekündigt" in german.text


async def test_the_calendar_is_in_the_asked_language(web: Api, seeded: Seeded) -> None:
    calendar = await web.http.get("/changes.ics?lang=de")
    assert calendar.status_code == 200
    assert calendar.headers["content-language"] == "de"
    assert "X-WR-CALNAME:Änderungen der Unterauftragsverarbeiter" in calendar.text or (
        ": Änderungen der Unterauftragsverarbeiter" in calendar.text
    )
    assert "SUMMARY:Wirksam: " in calendar.text
    english = await web.http.get("/changes.ics")
    assert "SUMMARY:Effective: " in english.text


async def test_the_comparison_page_is_in_the_asked_language(web: Api, seeded: Seeded) -> None:
    german = await web.http.get("/subprocessors/diff", headers={"accept-language": "de"})
    assert german.status_code == 200
    assert '<html lang="de">' in german.text
    assert "Was sich bei unseren Unterauftragsverarbeitern geändert hat" in german.text
    assert 'hreflang="da"' in german.text
    english = await web.http.get("/subprocessors/diff")
    assert "What changed in our subprocessors" in english.text


async def test_the_german_comparison_page_passes_axe(browser: Browser, base_url: str) -> None:
    context = await browser.new_context(java_script_enabled=True, viewport=PHONE)
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/subprocessors/diff?lang=de")
        assert await page.get_attribute("html", "lang") == "de"
        assert await serious_violations(page) == []
    finally:
        await context.close()
