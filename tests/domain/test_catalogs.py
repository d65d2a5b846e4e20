"""The catalogs: every message of every shipped language translated, not fuzzy, with
the English placeholders; the template holds every marked message (`make update`
after marking one); the check itself catches a broken catalog."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from registry.delivery.email_content import NOTICE_FACT_LABELS
from registry.domain.fields import Audience, Shown
from registry.domain.translations import LOCALES, catalog_problems, placeholders
from registry.domain.vendor_fields import VENDOR_FIELDS

ROOT = LOCALES.parents[1]


def test_every_shipped_catalog_is_complete() -> None:
    problems = catalog_problems()
    print(f"catalog check: {len(problems)} problems in de, fr, da")  # shown with -s
    assert problems == []


def test_the_template_holds_every_marked_message() -> None:
    """A message marked in code or a template but not extracted would stay English."""
    method_map = [("**.py", "python"), ("web/templates/**.html", "jinja2")]
    options = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    marked = {
        found[2] if isinstance(found[2], str) else found[2][0]
        for found in extract_from_dir(
            str(ROOT / "registry"),
            method_map=method_map,
            options_map=options,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
        )
    }
    with (LOCALES / "messages.pot").open("rb") as source:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}
    assert sorted(marked - extracted) == [], "run `make update` and translate"


def test_the_notice_facts_are_marked() -> None:
    labels = {
        f.notice_label or f.label
        for f in VENDOR_FIELDS
        if Shown.NOTICE in f.shown and f.audience is Audience.EVERYONE
    }
    assert labels <= set(NOTICE_FACT_LABELS)


def test_placeholders() -> None:
    assert placeholders("%(kind)s: %(vendor)s by {name} at %s") == [
        "%(kind)s",
        "%(vendor)s",
        "%s",
        "{name}",
    ]


def test_the_check_catches_missing_fuzzy_untranslated_and_wrong_placeholders(
    tmp_path: Path,
) -> None:
    shutil.copy(LOCALES / "messages.pot", tmp_path / "messages.pot")
    for lang in ("de", "fr", "da"):
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(
            LOCALES / lang / "LC_MESSAGES" / "messages.po",
            tmp_path / lang / "LC_MESSAGES" / "messages.po",
        )
    broken = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    with broken.open("rb") as source:
        catalog = read_po(source, locale="de")
    catalog.delete("Replaces")
    catalog["object by %(date)s"].string = "Einspruch bis %(datum)s"
    catalog["Why"].flags.add("fuzzy")
    catalog["Endpoint"].string = ""
    out = io.BytesIO()
    write_po(out, catalog)
    broken.write_bytes(out.getvalue())
    (tmp_path / "da" / "LC_MESSAGES" / "messages.po").unlink()

    problems = catalog_problems(tmp_path)
    print("\n".join(problems))
    assert sorted(problems) == sorted(
        [
            "da: no catalog messages.po",
            "de: missing 'Replaces'",
            "de: placeholders of 'object by %(date)s' are ['%(datum)s'], not ['%(date)s']",
            "de: fuzzy 'Why'",
            "de: untranslated 'Endpoint'",
        ]
    )
    assert catalog_problems(tmp_path, ["fr"]) == []
