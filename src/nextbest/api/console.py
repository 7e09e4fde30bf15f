"""Shared command-line parts: the consoles, error output and exit codes, common options.

Every user-facing error of the command line is printed here, so the wording and the exit codes
stay the same across commands: 2 for bad input, config or settings, 1 otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from nextbest.scoring.errors import ConfigError, InputError, NextbestError, StoreUnavailableError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from nextbest.settings import Settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
if not out.is_terminal:
    # Piped output is read by people in logs and CI, so tables keep one line per row.
    out.width = 200

ChromaOption = Annotated[
    Path | None,
    typer.Option(
        "--chroma",
        help="Folder of the Chroma index. Default: NEXTBEST_CHROMA_PATH, else .nextbest/chroma",
        show_default=False,
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="NEXTBEST_DB",
        help=(
            "SQLAlchemy URL of the run store: sqlite:///FILE or "
            "postgresql://USER:PASS@HOST/DB. "
            "Default: sqlite:///.nextbest/nextbest.db"
        ),
        show_default=False,
    ),
]
BAD_INPUT = (InputError, ConfigError, StoreUnavailableError)
SECRET_SETTINGS = {"openai_api_key", "slack_bot_token", "slack_signing_secret", "slack_app_token"}


def fail(error: NextbestError, files: str = "the input") -> NoReturn:
    """Print an error without a traceback and exit: 2 for bad input or config, 1 otherwise."""
    if isinstance(error, InputError) and len(error.problems) > 1:
        total = sum(problem.count for problem in error.problems)
        err.print(f"[red]error:[/red] {total:,} problems in {files}:", markup=True)
        for problem in error.problems:
            err.print(f"  {problem}", markup=False)
    else:
        err.print("[red]error:[/red] ", end="", markup=True)
        err.print(str(error), markup=False)
    raise typer.Exit(2 if isinstance(error, BAD_INPUT) else 1)


def usage_error(option: str, message: str) -> NoReturn:
    """Reject an option value with a one-line message and exit status 2."""
    err.print(f"[red]error:[/red] {escape(option)}: {escape(message)}", markup=True)
    raise typer.Exit(2)


def load_settings() -> Settings:
    """Read the settings from the environment, or exit 2 naming each invalid variable."""
    from pydantic import ValidationError

    from nextbest.settings import get_settings

    try:
        return get_settings()
    except ValidationError as error:
        err.print(
            f"[red]error:[/red] invalid setting: {escape(setting_problems(error))}", markup=True
        )
        raise typer.Exit(2) from None


def setting_problems(error: ValidationError) -> str:
    """Name each invalid environment variable with its problem; secrets are never shown."""
    return "; ".join(_setting_problem(item) for item in error.errors())


def _setting_problem(item: Any) -> str:
    field = str(item["loc"][0]) if item["loc"] else "settings"
    variable = {"openai_api_key": "OPENAI_API_KEY", "openai_base_url": "OPENAI_BASE_URL"}.get(
        field, f"NEXTBEST_{field.upper()}"
    )
    if field in SECRET_SETTINGS:
        return f"{variable}: {item['msg']}"
    return f"{variable}={item['input']!r}: {item['msg']}"


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=1, default=str, ensure_ascii=False) + "\n")


def counted(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def progress_bar() -> Progress:
    """Return the progress bar of long steps, on stderr and only on a terminal."""
    return Progress(
        SpinnerColumn(finished_text="[green]✓[/green]"),
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        TimeElapsedColumn(),
        console=err,
        transient=not err.is_terminal,
        disable=not err.is_terminal,
    )
