"""The catalogs people's texts are translated with: gettext, managed by Babel.

Messages are written in English in the code and templates and marked (`_`, `N_`,
`{% trans %}`); `make extract` gathers them, `make update` merges them into each
language's catalog (registry/locales/<lang>/LC_MESSAGES/messages.po) and `make compile`
writes the `.mo` files read here. A catalog not compiled yet (or older than its `.po`)
is compiled in memory, so a fresh checkout reads its translations too.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from registry.domain import languages

LOCALES = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a message for extraction where it is declared; translated where it is used."""
    return message


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(language: str | None) -> gettext.NullTranslations:
    """The translations of a tag's language ("de-CH" reads German); English as written."""
    lang = languages.base(language)
    if lang == languages.DEFAULT:
        return gettext.NullTranslations()
    po = po_path(lang)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as compiled:
            return Translations(compiled, domain=DOMAIN)
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        messages = read_po(source, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, messages)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)
