"""Logging for the service: one line per request, and errors named without their messages.

Exception messages can quote what a rep typed or a CRM value, so the log gets the error's type
and where it was raised, never its text. API keys and prompts are never passed to a logger.
"""

from __future__ import annotations

import logging
import traceback

logger = logging.getLogger("nextbest.api")


def describe(error: BaseException) -> str:
    """Return the error's type and the place it was raised, such as `KeyError at rules.py:120`."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    last = frames[-1]
    return f"{type(error).__name__} at {last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


def configure(level: int = logging.INFO) -> None:
    """Send every nextbest logger's lines (API, Slack, agent, scoring) to standard error, once.

    Nothing is added when logging is already set up, by the root logger's handlers (as in a
    test run or an embedding application) or by an earlier call.
    """
    package = logging.getLogger("nextbest")
    if package.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    package.addHandler(handler)
    package.setLevel(level)
