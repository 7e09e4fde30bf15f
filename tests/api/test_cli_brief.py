"""`nextbest brief` and `nextbest chat` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from nextbest.api.cli import app
from nextbest.settings import get_settings

runner = CliRunner()


def _env(tmp_path: Path) -> dict[str, str]:
    get_settings.cache_clear()
    return {"NEXTBEST_HOME": str(tmp_path), "OPENAI_API_KEY": ""}


def test_brief_json_fields(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["brief", "ACC-000166", "--json", "--db", scored_sample[1]], env=_env(tmp_path)
    )

    assert result.exit_code == 0, result.output
    brief = json.loads(result.output)
    assert {
        "account_id",
        "score",
        "tier",
        "next_step",
        "why_now",
        "contacts",
        "channels",
        "timing",
        "content",
        "talking_points",
        "drafts",
        "generated_by",
        "product",
        "sources",
    } <= set(brief)
    assert set(brief["drafts"]) == {"email_subject", "email_body", "call_opener", "social_note"}
    assert (brief["tier"], brief["generated_by"]) == ("A", "rules")


def test_brief_prints_markdown(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["brief", "zelanta payments", "--markdown", "--db", scored_sample[1]],
        env=_env(tmp_path),
    )

    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Zelanta Payments Ltd (ACC-000166)\n")
    assert "**Next step:** AE: personal outreach within one business day" in result.output


def test_brief_unknown_account(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["brief", "Nosuch Corp", "--db", scored_sample[1]], env=_env(tmp_path)
    )

    assert result.exit_code == 1
    assert result.output == (
        "error: no account 'Nosuch Corp' in the run of 2026-12-01; give an account id or name "
        "from the latest run\n"
    )


def test_brief_llm_without_key(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["brief", "ACC-000166", "--llm", "--db", scored_sample[1]], env=_env(tmp_path)
    )

    assert result.exit_code == 1
    assert "--llm needs a language model: set OPENAI_API_KEY" in result.output


def test_chat_answers_one_message_per_turn(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["chat", "--db", scored_sample[1], "-m", "top 2", "-m", "why is ACC-000030 tier A?"],
        env=_env(tmp_path),
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Top accounts as of 2026-12-01:"
    assert lines[1].startswith("1. Zelanta Payments Ltd (ACC-000166): tier A, score 94.7")
    assert any(line.startswith("Ardus Pharma LLC (ACC-000030) is tier A") for line in lines)


def test_cli_invalid_setting(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"NEXTBEST_LLM_TIMEOUT": "soon"}

    result = runner.invoke(app, ["brief"], env=env)
    get_settings.cache_clear()

    assert result.exit_code == 2
    assert result.output == (
        "error: invalid setting: NEXTBEST_LLM_TIMEOUT='soon': Input should be a valid number, "
        "unable to parse string as a number\n"
    )
