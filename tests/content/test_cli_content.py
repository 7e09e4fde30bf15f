from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from nextbest.api.cli import app
from nextbest.content import LocalEmbedder
from nextbest.settings import get_settings
from tests.conftest import write_files
from tests.content.conftest import FakeOpenAI, markdown_asset

runner = CliRunner()


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def settings_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_embedder: LocalEmbedder
) -> Iterator[Path]:
    """Point the settings at a fresh home folder; the loaded model is shared with the CLI."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXTBEST_CHROMA_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEXTBEST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEXTBEST_EMBEDDING_PROVIDER", "local")
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return write_files(
        tmp_path / "content",
        {
            "zero-trust.md": markdown_asset(asset_id="zero-trust"),
            "pricing.md": markdown_asset(
                asset_id="pricing",
                title="Sentinel Access pricing",
                content_type="pricing",
                personas="finance; executive",
                body="Plans start at $48 per user per year.",
            ),
        },
    )


def test_index_search_and_list_print_text(
    content_dir: Path, tmp_path: Path, settings_env: Path
) -> None:
    indexed = _invoke("content", "index", str(content_dir))
    searched = _invoke("content", "search", "how much does it cost", "--limit", "1")
    listed = _invoke("content", "list")

    assert indexed.exit_code == 0, indexed.output
    assert indexed.stdout.startswith(f"Indexed 2 assets from {content_dir} in ")
    assert indexed.stdout.splitlines()[0].endswith(
        "with sentence-transformers/all-MiniLM-L6-v2: 2 added, 0 updated, 0 unchanged, "
        "0 removed; 2 chunks written."
    )
    assert (settings_env / "chroma").is_dir()
    assert searched.exit_code == 0, searched.output
    lines = searched.stdout.splitlines()
    assert lines[0].startswith(" 1. Sentinel Access pricing  pricing · pricing · decision · score ")
    assert lines[1:] == ["    https://example.com/a1", "    Plans start at $48 per user per year."]
    assert listed.exit_code == 0, listed.output
    assert "2 assets" in listed.stdout
    assert "Sentinel Access pricing" in listed.stdout


def test_index_json_reports_changes(content_dir: Path, tmp_path: Path) -> None:
    chroma = str(tmp_path / "index")
    _invoke("content", "index", str(content_dir), "--chroma", chroma)
    (content_dir / "pricing.md").unlink()

    result = _invoke("content", "index", str(content_dir), "--chroma", chroma, "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert isinstance(report.pop("seconds"), float)
    assert report == {
        "embedder": "sentence-transformers/all-MiniLM-L6-v2",
        "added": [],
        "updated": [],
        "unchanged": ["zero-trust"],
        "removed": ["pricing"],
        "chunks_written": 0,
        "chunks_deleted": 1,
        "rebuilt": False,
        "assets": 1,
    }


def test_search_json_with_filters(content_dir: Path, tmp_path: Path) -> None:
    chroma = str(tmp_path / "index")
    _invoke("content", "index", str(content_dir), "--chroma", chroma)

    result = _invoke(
        "content", "search", "zero trust", "--persona", "FINANCE", "--stage", "decision",
        "--topic", "zero trust", "--json", "--chroma", chroma,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    [hit] = json.loads(result.stdout)
    assert isinstance(hit.pop("score"), float)
    assert hit == {
        "id": "pricing",
        "title": "Sentinel Access pricing",
        "url": "https://example.com/a1",
        "type": "pricing",
        "stage": "decision",
        "topics": ["Zero Trust"],
        "personas": ["finance", "executive"],
        "industries": ["Financial Services"],
        "snippet": "Plans start at $48 per user per year.",
    }


def test_list_json_omits_bodies(content_dir: Path, tmp_path: Path) -> None:
    chroma = str(tmp_path / "index")
    _invoke("content", "index", str(content_dir), "--chroma", chroma)

    result = _invoke("content", "list", "--json", "--chroma", chroma)

    assert result.exit_code == 0, result.output
    assets = json.loads(result.stdout)
    assert [asset["id"] for asset in assets] == ["pricing", "zero-trust"]
    assert assets[0] == {
        "id": "pricing",
        "title": "Sentinel Access pricing",
        "url": "https://example.com/a1",
        "type": "pricing",
        "stage": "decision",
        "topics": ["Zero Trust"],
        "personas": ["finance", "executive"],
        "industries": ["Financial Services"],
        "source": "pricing.md",
    }


def test_search_without_index_exits_1(tmp_path: Path) -> None:
    result = _invoke("content", "search", "pricing", "--chroma", str(tmp_path / "none"))

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no content index at {tmp_path / 'none'} (collection 'content'); "
        "run `nextbest content index DIR` on the folder of your content files\n"
    )


def test_invalid_content_exits_2_with_every_problem(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path / "content",
        {
            "a.md": markdown_asset(asset_id="a", title=None),
            "b.md": markdown_asset(asset_id="b", stage="soon"),
        },
    )

    result = _invoke("content", "index", str(folder), "--chroma", str(tmp_path / "index"))

    assert result.exit_code == 2
    assert result.stderr == (
        "error: 2 problems in the content files:\n"
        "  a.md: missing front-matter field 'title' (expected a non-empty title)\n"
        "  b.md: invalid front-matter field 'stage': 'soon' "
        "(expected awareness, consideration or decision)\n"
    )
    assert not (tmp_path / "index").exists()


def test_invalid_stage_option_exits_2(tmp_path: Path) -> None:
    result = _invoke("content", "search", "pricing", "--stage", "later")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: --stage: expected awareness, consideration or decision, got 'later'\n"
    )


def test_search_other_embedder_rejected(
    content_dir: Path, tmp_path: Path, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    chroma = tmp_path / "index"
    _invoke("content", "index", str(content_dir), "--chroma", str(chroma))
    monkeypatch.setenv("NEXTBEST_EMBEDDING_PROVIDER", "openai")
    monkeypatch.setenv("NEXTBEST_OPENAI_EMBEDDING_MODEL", "fake-embed")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    get_settings.cache_clear()

    result = _invoke("content", "search", "pricing", "--chroma", str(chroma))

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the content index at {chroma} was built with the embedding model "
        "'sentence-transformers/all-MiniLM-L6-v2' (384 dimensions), but the configured model "
        "is 'openai:fake-embed' (8 dimensions); re-index with "
        "`nextbest content index DIR --rebuild`, or configure the model the index was built "
        "with\n"
    )
    rebuilt = _invoke("content", "index", str(content_dir), "--chroma", str(chroma), "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "with openai:fake-embed: 2 added" in rebuilt.stdout


def test_openai_provider_without_key_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEXTBEST_EMBEDDING_PROVIDER", "openai")
    get_settings.cache_clear()

    result = _invoke("content", "list")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: the embedding provider is openai but no API key")
