"""System prompts, tier playbooks and message templates, as text files loaded by name."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> str:
    """Return the text of `name` (e.g. `system.md`, `email_tier_a.txt`) from this package."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def playbooks() -> dict[str, Any]:
    """Per tier: the next step, who acts, how soon, and the channel plan."""
    return yaml.safe_load(load("playbooks.yaml"))
