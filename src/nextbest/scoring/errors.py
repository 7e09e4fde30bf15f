"""Exceptions raised by the scoring core. Every one is a NextbestError."""

from __future__ import annotations

from dataclasses import dataclass


class NextbestError(Exception):
    """Base class: a failure the user can fix, with a message that explains the fix."""


class ConfigError(NextbestError):
    """The config file is missing, not YAML, or has an invalid setting."""


class StoreError(NextbestError):
    """The run store contains no run or account to read, or a write to it failed."""


class StoreUnavailableError(StoreError):
    """The run store's URL is invalid, or the database behind it cannot be opened."""


@dataclass(frozen=True)
class Problem:
    """One invalid value or missing piece in an input file."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    # How many invalid values the line stands for: more than 1 on a line such as "92 more rows
    # with an invalid number", which summarises the values not listed.
    count: int = 1

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f": {self.value!r}"
        if self.expected is not None:
            text += f" (expected {self.expected})"
        return text


class InputError(NextbestError):
    """One or more input files are invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
