"""Emails and phone numbers inside free text are redacted; ids, dates and amounts are not."""

from __future__ import annotations

import pytest

from nextbest.tools.privacy import scrub, scrub_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call +1 555 0042 now", "call [redacted] now"),
        ("0049 30 12345678", "[redacted]"),
        ("030-1234-5678", "[redacted]"),
        ("(415) 555-2671", "[redacted]"),
        ("call 0800 123 4567", "call [redacted]"),
        ("Tel. 030/12345678", "Tel. [redacted]"),
        ("cell 2125551234;", "cell [redacted];"),
        ("write to daan@example.de today", "write to [redacted] today"),
    ],
)
def test_contact_details_in_free_text_are_redacted(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["C-0000702", "ACC-000124", "OPP-00086", "2026-11-30 16:38", "$21,100", "Nurture (3 of 4)"],
)
def test_ids_dates_and_amounts_are_kept(text: str) -> None:
    assert scrub_text(text) == text


def test_nested_structures_are_scrubbed_throughout() -> None:
    assert scrub({"a": ["x@y.com", {"b": "+44 20 7946 0958"}], "n": 3}) == {
        "a": ["[redacted]", {"b": "[redacted]"}],
        "n": 3,
    }
