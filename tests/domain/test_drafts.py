"""The vendor drafts name vendor fields: services/registry.py records a detail by its name."""

from __future__ import annotations

from dataclasses import fields

import pytest

from registry.domain.drafts import SubprocessorDetails, SubprocessorEdit
from registry.domain.models import Subprocessor


@pytest.mark.parametrize("draft", [SubprocessorDetails, SubprocessorEdit], ids=lambda d: d.__name__)
def test_every_detail_but_scope_is_a_vendor_field(draft: type) -> None:
    vendor = {f.name for f in fields(Subprocessor)}
    assert {f.name for f in fields(draft)} - {"scope"} <= vendor


def test_the_two_drafts_name_the_same_details() -> None:
    """What can be given on create can be edited, and nothing else."""
    assert [f.name for f in fields(SubprocessorDetails)] == [
        f.name for f in fields(SubprocessorEdit)
    ]
