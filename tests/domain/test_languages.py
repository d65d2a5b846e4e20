"""Languages: BCP 47 tags checked and kept, Accept-Language negotiated within bounds,
and CLDR's dates and names in each language."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from registry.domain import labels, languages
from registry.domain import people_dates as dates
from registry.domain.errors import ValidationError


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("en", "en"),
        ("de", "de"),
        ("fr", "fr"),
        ("da", "da"),
        ("de-CH", "de-CH"),
        ("de-ch", "de-CH"),
        ("en-GB", "en-GB"),
        ("fr_BE", "fr-BE"),
        (" da-DK ", "da-DK"),
        ("DE", "de"),
    ],
)
def test_a_supported_tag_is_kept_with_its_region(given: str, kept: str) -> None:
    assert languages.parse(given) == kept


@pytest.mark.parametrize("given", ["xx", "es", "it-IT", "", "de-", "12", "de CH", "e" * 300])
def test_an_unknown_or_unsupported_tag_is_refused_naming_the_supported(given: str) -> None:
    with pytest.raises(ValidationError) as refused:
        languages.parse(given)
    assert refused.value.field == "language"
    assert "en, de, fr, da" in str(refused.value)


@pytest.mark.parametrize(
    ("query", "header", "chosen"),
    [
        (None, None, "en"),
        (None, "", "en"),
        (None, "de-DE,de;q=0.9,en;q=0.8", "de-DE"),
        (None, "fr;q=0.4, da;q=0.7, it", "da"),
        (None, "es, it;q=0.9", "en"),
        (None, "da;q=0.5, fr;q=0.5", "da"),  # equal weights: the first listed
        (None, "de;q=abc, fr;q=2, da;q=0.1", "da"),  # malformed weights are skipped
        (None, "de;q=0, fr;q=0.001", "fr"),  # q=0 means "not this one"
        (None, ";;;,,,=,q=,de;;q", "en"),
        (None, "*", "en"),
        (None, "en-US,en;q=0.9", "en"),  # English pages read as before, whatever the region
        ("en-US", None, "en-US"),  # asked for by name, the region is kept
        ("fr", "de", "fr"),  # ?lang= wins
        ("de-CH", None, "de-CH"),
        ("", "da", "da"),
    ],
)
def test_negotiation(query: str | None, header: str | None, chosen: str) -> None:
    assert languages.negotiate(query, header) == chosen


def test_an_unknown_lang_parameter_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        languages.negotiate("xx", "de")
    assert refused.value.field == "lang"
    assert "en, de, fr, da" in str(refused.value)


def test_a_huge_header_is_weighed_in_bounded_time() -> None:
    header = ",".join(f"x{i};q=0.{i % 10}" for i in range(200)) + ",de;q=1"
    started = time.perf_counter()
    for _ in range(200):
        assert languages.negotiate(None, header) == "en"  # beyond MAX_RANGES: not read
        assert languages.negotiate(None, "de;q=0.9," + header) == "de"
    assert time.perf_counter() - started < 2.0
    assert languages.negotiate(None, "de," + "a" * 1_000_000) == "de"


NOON = datetime(2026, 2, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        (None, "4 February 2026", "4 February 2026, 10:00 CET (2026-02-04 09:00 UTC)"),
        ("en", "4 February 2026", "4 February 2026, 10:00 CET (2026-02-04 09:00 UTC)"),
        ("de", "4. Februar 2026", "4. Februar 2026, 10:00 MEZ (2026-02-04 09:00 UTC)"),
        ("de-CH", "4. Februar 2026", "4. Februar 2026, 10:00 MEZ (2026-02-04 09:00 UTC)"),
        ("fr", "4 février 2026", "4 février 2026, 10:00 CET (2026-02-04 09:00 UTC)"),
        ("da", "4. februar 2026", "4. februar 2026, 10:00 CET (2026-02-04 09:00 UTC)"),
    ],
)
def test_dates_in_each_language(language: str | None, day: str, moment: str) -> None:
    assert dates.day(NOON, "Europe/Berlin", language) == day
    assert dates.moment_with_utc(NOON, "Europe/Berlin", language) == moment


def test_english_moments_read_as_before() -> None:
    summer = datetime(2027, 2, 28, 8, 0, tzinfo=UTC)
    assert dates.moment(summer, "Europe/Berlin") == "28 February 2027, 09:00 CET"
    assert dates.moment(summer, "UTC") == "28 February 2027, 08:00 UTC"
    assert dates.moment(summer, "America/New_York") == "28 February 2027, 03:00 EST"


@pytest.mark.parametrize(
    ("language", "listed"),
    [
        (None, "Ireland, United States"),
        ("de", "Irland, Vereinigte Staaten"),
        ("fr", "Irlande et États-Unis"),  # CLDR's unit list in each language
        ("da", "Irland og USA"),
    ],
)
def test_countries_and_lists_in_each_language(language: str | None, listed: str) -> None:
    assert labels.country_list(["IE", "US"], language) == listed


def test_english_country_names_read_as_before() -> None:
    assert labels.country_name("US") == "United States"
    assert labels.country_name("IC") == "Canary Islands (Spain)"
    assert labels.country_name("ZZ") == "ZZ"
    assert labels.country_name("IC", "de") == "Kanarische Inseln"
