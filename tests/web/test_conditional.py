"""The conditional-request pieces every read route shares."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from registry.domain.models import Role
from registry.http.conditional import (
    cache_headers,
    entity_tag,
    matches,
    offered_tags,
    period,
    tag_key,
)
from registry.services.caller import ANONYMOUS, Caller


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ('"a"', {"a"}),
        ('W/"a", "b"', {"a", "b"}),
        (' "a" ,, W/"b" ', {"a", "b"}),
        ('""', {""}),
        (None, set()),
        ("", set()),
        ("*", set()),
        ("a", set()),
        ('"a" "b"', set()),
        ('"a", b', set()),
        ('"a\\"b"', set()),
        ('w/"a"', set()),
        ('"' + "x" * 5000 + '"', set()),
    ],
)
def test_offered_tags(header: str | None, tags: set[str]) -> None:
    assert offered_tags(header) == tags


def test_tags_compare_weakly() -> None:
    tag = entity_tag(3, ANONYMOUS, "2026-01-05T09:00", "q")
    assert matches(tag, tag)
    assert matches("W/" + tag, tag)
    assert matches(tag, "W/" + tag)
    assert not matches('"3-other"', tag)
    assert not matches("*", tag)


def test_a_tag_shows_nothing_of_the_version_and_depends_on_the_key() -> None:
    key = tag_key("test-secret-key")
    tags = [entity_tag(v, ANONYMOUS, "p", "q", key=key) for v in (3, 4, 1234)]
    assert all(re.fullmatch(r'"[0-9a-f]{32}"', t) for t in tags)
    assert entity_tag(3, ANONYMOUS, "p", "q", key=tag_key("another key")) != tags[0]


def test_a_tag_changes_with_every_input() -> None:
    customer = Caller(Role.CUSTOMER, "Customer_1")
    base = entity_tag(3, customer, "p", "q")
    assert base == entity_tag(3, customer, "p", "q")
    others = {
        entity_tag(4, customer, "p", "q"),
        entity_tag(3, Caller(Role.CUSTOMER, "Customer_2"), "p", "q"),
        entity_tag(3, Caller(Role.ADMIN), "p", "q"),
        entity_tag(3, Caller(Role.PROCUREMENT), "p", "q"),
        entity_tag(3, ANONYMOUS, "p", "q"),
        entity_tag(3, customer, "p2", "q"),
        entity_tag(3, customer, "p", "q2"),
        entity_tag(3, customer, "p", "q", ""),
    }
    assert base not in others
    assert len(others) == 8


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), "2026-03-01T00:00"),
        (datetime(2026, 3, 1, 13, 44, 59, tzinfo=UTC), "2026-03-01T13:30"),
        (datetime(2026, 3, 1, 13, 45, tzinfo=UTC), "2026-03-01T13:45"),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "2026-12-31T23:45"),
    ],
)
def test_period_is_the_quarter_hour(at: datetime, expected: str) -> None:
    assert period(at) == expected


def test_period_is_remembered_only_within_its_quarter_hour() -> None:
    """Asked in any order (a test clock goes back too), each time gets its own quarter."""
    times = [
        (datetime(2026, 3, 1, 13, 44, 59, 999999, tzinfo=UTC), "2026-03-01T13:30"),
        (datetime(2026, 3, 1, 13, 30, tzinfo=UTC), "2026-03-01T13:30"),
        (datetime(2026, 3, 1, 13, 45, tzinfo=UTC), "2026-03-01T13:45"),
        (datetime(2026, 3, 1, 13, 29, 59, tzinfo=UTC), "2026-03-01T13:15"),
        (datetime(2026, 3, 1, 13, 40, tzinfo=UTC), "2026-03-01T13:30"),
        (datetime(2026, 3, 2, 13, 40, tzinfo=UTC), "2026-03-02T13:30"),
        # Another offset is the same instant: the UTC quarter hour.
        (datetime(2026, 3, 2, 15, 10, tzinfo=ZoneInfo("Europe/Berlin")), "2026-03-02T14:00"),
    ]
    for at, expected in times * 2:
        assert period(at) == expected


def test_anonymous_answers_are_public_briefly_and_keyed_ones_private() -> None:
    public = cache_headers(ANONYMOUS, '"1-a"', 5)
    assert public == {
        "etag": '"1-a"',
        "cache-control": "public, max-age=5",
        "vary": "authorization",
    }
    private = cache_headers(Caller(Role.ADMIN), '"1-a"', 5)
    assert private["cache-control"] == "private, no-cache"
