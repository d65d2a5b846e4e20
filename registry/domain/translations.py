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
import re
from collections.abc import Iterable
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


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


def placeholders(text: str) -> list[str]:
    """ "%(date)s", "%s", "{name}": what a translation must keep, in any order."""
    return sorted(m.group(0) for m in _PLACEHOLDER.finditer(text))


def _texts(value: object) -> list[object]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def catalog_problems(locales: Path = LOCALES, shipped: Iterable[str] = ()) -> list[str]:
    """What keeps a shipped language's catalog from being complete: a message of the
    template (messages.pot) missing or untranslated, fuzzy, or with placeholders that
    differ from the English. `make test` runs it (tests/domain/test_catalogs.py)."""
    with (locales / f"{DOMAIN}.pot").open("rb") as source:
        template = read_po(source, domain=DOMAIN)
    wanted = [m for m in template if m.id]
    found: list[str] = []
    for lang in shipped or [x for x in languages.SUPPORTED if x != languages.DEFAULT]:
        po = locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.exists():
            found.append(f"{lang}: no catalog {po.name}")
            continue
        with po.open("rb") as source:
            translated = read_po(source, locale=lang, domain=DOMAIN)
        for message in wanted:
            key = message.id
            shown = key if isinstance(key, str) else key[0]
            got = translated.get(key)
            if got is None:
                found.append(f"{lang}: missing {shown!r}")
                continue
            if got.fuzzy:
                found.append(f"{lang}: fuzzy {shown!r}")
            strings = [str(x or "") for x in _texts(got.string)]
            if not all(strings):
                found.append(f"{lang}: untranslated {shown!r}")
                continue
            english = [str(x) for x in _texts(key)]
            allowed = [placeholders(x) for x in english]  # a plural may drop %(num)s
            for text in strings:
                if placeholders(text) not in allowed:
                    found.append(
                        f"{lang}: placeholders of {shown!r} are {placeholders(text)}, "
                        f"not {allowed[-1]}"
                    )
    return found
