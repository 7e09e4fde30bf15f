"""Keep contact emails and phone numbers out of what a tool returns, unless a setting allows it."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International numbers (+ and at least 8 digits) and North American 3-3-4 numbers; dates, ids
# such as C-0000702, scores and amounts do not match.
_PHONE = re.compile(
    r"(?<![\w.\-/])(?:\+\d[\d\s().-]{6,}\d|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})(?![\w.])"
)


def scrub_text(text: str) -> str:
    """Replace email addresses and phone numbers inside free text."""
    return _PHONE.sub(REDACTED, _EMAIL.sub(REDACTED, text))


def scrub(value: Any) -> Any:
    """Return the same structure with every string scrubbed."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    return value
