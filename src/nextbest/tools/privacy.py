"""Keep contact emails and phone numbers out of what a tool returns, unless a setting allows it."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International numbers (+ or 00), national numbers with a leading 0, North American 3-3-4
# numbers and bare runs of 10 to 15 digits, each with at least 8 digits. Dates, ids such as
# C-0000702, scores and amounts do not match.
_PHONE = re.compile(
    r"(?<![\w.\-/])(?:(?:\+|0)\d[\d\s()./-]{6,}\d|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}|\d{10,15})"
    r"(?![\w.])"
)


def _phone(match: re.Match[str]) -> str:
    digits = sum(character.isdigit() for character in match.group())
    return REDACTED if digits >= 8 else match.group()


def scrub_text(text: str) -> str:
    """Replace email addresses and phone numbers inside free text."""
    return _PHONE.sub(_phone, _EMAIL.sub(REDACTED, text))


def scrub(value: Any) -> Any:
    """Return the same structure with every string scrubbed."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    return value
