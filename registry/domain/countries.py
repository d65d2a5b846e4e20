"""Countries as people name them: the picker's choices and reading what a person typed.

Forms offer every ISO 3166-1 country by name ("Germany (DE)"), so nobody has to know
codes; what comes back may be that label, a name ("germany", "United States of
America"), or a code ("DE", "deu"). Each reads as the alpha-2 code the records keep;
anything else is refused with the closest names, so a typo is answered with a choice.
"""

from __future__ import annotations

import difflib
import re
from functools import cache

import pycountry

from registry.domain.errors import ValidationError
from registry.domain.labels import RESERVED_TERRITORIES, country_name

_LABELLED = re.compile(r"^(?P<name>.*\S)\s*\((?P<code>[A-Za-z]{2})\)$")


def label(code: str) -> str:
    """ "Germany (DE)": what the picker shows and sends for a code."""
    return f"{country_name(code)} ({code})"


@cache
def choices() -> tuple[tuple[str, str], ...]:
    """(code, label) of every country and reserved territory, in name order."""
    codes = [c.alpha_2 for c in pycountry.countries] + list(RESERVED_TERRITORIES)
    return tuple(sorted(((c, label(c)) for c in codes), key=lambda pair: pair[1].casefold()))


@cache
def _names() -> dict[str, str]:
    """Every name and code a person may type, folded, to its alpha-2 code."""
    found: dict[str, str] = {}
    for c in pycountry.countries:
        for name in (c.alpha_2, c.alpha_3, c.name, getattr(c, "common_name", None)):
            if name:
                found[name.casefold()] = c.alpha_2
        official = getattr(c, "official_name", None)
        if official:
            found.setdefault(official.casefold(), c.alpha_2)
    for code, name in RESERVED_TERRITORIES.items():
        found[code.casefold()] = code
        found[name.casefold()] = code
    found.update({label(code).casefold(): code for code, _ in choices()})
    return found


def code_of(text: str, field: str) -> str:
    """The alpha-2 code of a country named by label, name or code; refused otherwise."""
    typed = " ".join(text.split())
    names = _names()
    if not typed:
        raise ValidationError(field, "choose a country from the list")
    if (code := names.get(typed.casefold())) is not None:
        return code
    labelled = _LABELLED.match(typed)
    if labelled and (code := names.get(labelled["code"].casefold())) is not None:
        return code
    close = difflib.get_close_matches(typed.casefold(), names, n=3, cutoff=0.75)
    suggestions = list(dict.fromkeys(country_name(names[c]) for c in close))  # closest first
    hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
    raise ValidationError(
        field,
        f"{typed!r} is not a country we know: choose one from the list, "
        f"or type its name or two-letter code (e.g. Germany or DE).{hint}",
    )


def optional_code(text: str, field: str) -> str | None:
    """`code_of`, or None for a blank field (a filter left open)."""
    return code_of(text, field) if text.strip() else None


def known(text: str) -> str | None:
    """The code `code_of` reads, or None where it would refuse (to preselect a choice)."""
    try:
        return code_of(text, "country")
    except ValidationError:
        return None
