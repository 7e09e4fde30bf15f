"""A broken or misplaced index, an oversized asset and single-file indexing."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextbest.content import ContentIndexError, ContentLibrary, LocalEmbedder
from nextbest.content.library import MAX_ASSET_CHARS
from nextbest.scoring.errors import InputError
from tests.content.conftest import markdown_asset


def test_index_corrupt_says_rebuild(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    folder = tmp_path / "chroma"
    folder.mkdir()
    (folder / "chroma.sqlite3").write_text("not a database")

    with pytest.raises(ContentIndexError) as error:
        ContentLibrary(folder, "content", local_embedder).search("ransomware")

    assert str(error.value).startswith(f"cannot open the content index at {folder}: ")
    assert str(error.value).endswith(
        "; delete that folder and run `nextbest content index DIR` again"
    )


def test_index_path_is_a_file(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    path = tmp_path / "chroma"
    path.write_text("")

    with pytest.raises(ContentIndexError) as error:
        ContentLibrary(path, "content", local_embedder).assets()

    assert str(error.value) == (
        f"the content index path {path} is a file, not a folder; "
        "choose a folder with --chroma or NEXTBEST_CHROMA_PATH"
    )


def test_index_rejects_oversized_asset(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "huge.md").write_text(
        markdown_asset("huge", body="Ransomware. " * (MAX_ASSET_CHARS // 10)), encoding="utf-8"
    )
    library = ContentLibrary(tmp_path / "chroma", "content", local_embedder)

    with pytest.raises(InputError) as error:
        library.index(content)

    assert str(error.value).startswith("huge.md: asset 'huge' is too long to index: ")
    assert library.count == 0


def test_index_one_file_keeps_others(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    content = tmp_path / "content"
    content.mkdir()
    for name in ("one", "two"):
        (content / f"{name}.md").write_text(markdown_asset(name), encoding="utf-8")
    library = ContentLibrary(tmp_path / "chroma", "content", local_embedder)
    library.index(content)
    (content / "two.md").write_text(markdown_asset("two", body="Changed."), encoding="utf-8")

    report = library.index(content / "two.md")

    assert (report.updated, report.removed) == (["two"], [])
    assert [asset.id for asset in library.assets()] == ["one", "two"]
