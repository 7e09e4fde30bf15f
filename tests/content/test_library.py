from __future__ import annotations

from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from nextbest.content import (
    ContentAsset,
    ContentIndexError,
    ContentLibrary,
    EmbedderMismatchError,
    IndexReport,
    LocalEmbedder,
    OpenAIEmbedder,
)
from nextbest.scoring.errors import InputError
from tests.conftest import write_files
from tests.content.conftest import FakeOpenAI, markdown_asset

FINANCE_ASSETS = {
    "pricing-sentinel-access",
    "pricing-sentinel-cloud",
    "pricing-sentinel-data",
    "pricing-sentinel-detect",
    "roi-sentinel-access",
    "roi-sentinel-detect",
}
LONG_BODY = "\n\n".join(
    f"## Part {number}\n" + " ".join([f"Step {number} removes standing VPN access."] * 25)
    for number in range(3)
)


def _chunk_ids(chroma_dir: Path) -> list[str]:
    client = chromadb.PersistentClient(
        str(chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
    )
    return sorted(client.get_collection("content").get(include=[])["ids"])


def _small_library(folder: Path) -> Path:
    return write_files(
        folder,
        {
            "zero-trust.md": markdown_asset(asset_id="zero-trust", body=LONG_BODY),
            "siem.md": markdown_asset(
                asset_id="siem",
                title="Replacing a legacy SIEM",
                topics="SIEM",
                stage="consideration",
                body="Alert volume halved after the move to a cloud SIEM.",
            ),
            "pricing.md": markdown_asset(
                asset_id="pricing",
                title="Sentinel pricing",
                content_type="pricing",
                personas="finance",
                body="Plans start at $48 per user per year.",
            ),
        },
    )


def test_sample_index_report(indexed_sample: tuple[ContentLibrary, IndexReport]) -> None:
    library, report = indexed_sample

    assert report.assets == 66
    assert len(report.added) == 66
    assert report.updated == report.unchanged == report.removed == []
    assert report.chunks_written == len(_chunk_ids(library.chroma_dir))
    assert report.embedder == "sentence-transformers/all-MiniLM-L6-v2"
    assert library.count == 66


def test_search_finds_the_cloud_pricing_page(indexed_library: ContentLibrary) -> None:
    hits = indexed_library.search("pricing for the cloud product")

    assert hits[0].id == "pricing-sentinel-cloud"
    assert hits[0].title == "Sentinel Cloud pricing"
    assert hits[0].url == "https://example.com/pricing/sentinel-cloud"
    assert hits[0].type == "pricing"
    assert hits[0].stage == "decision"
    assert hits[0].personas == ("finance", "security_leader", "executive")
    assert len(hits) == 5
    assert 0 < hits[-1].score <= hits[0].score <= 1
    assert all(len(hit.snippet) <= 241 for hit in hits)


def test_search_fills_limit_with_distinct_assets(indexed_library: ContentLibrary) -> None:
    hits = indexed_library.search("ransomware", limit=30)

    assert len(hits) == 30
    assert len({hit.id for hit in hits}) == 30
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_persona_filter_keeps_only_that_persona(indexed_library: ContentLibrary) -> None:
    hits = indexed_library.search("what does it cost", persona="finance", limit=10)

    assert {hit.id for hit in hits} == FINANCE_ASSETS


def test_persona_filter_ignores_case_and_separators(indexed_library: ContentLibrary) -> None:
    hits = indexed_library.search("zero trust", persona="Security Leader", limit=50)

    assert hits
    assert all("security_leader" in hit.personas for hit in hits)


def test_stage_filter_keeps_only_that_stage(indexed_library: ContentLibrary) -> None:
    hits = indexed_library.search("ransomware", stage="Awareness", limit=50)

    assert {hit.stage for hit in hits} == {"awareness"}
    assert len(hits) == 24


def test_topic_filter_ignores_case(indexed_library: ContentLibrary) -> None:
    spellings = ("Zero Trust", "zero trust", "ZERO-TRUST", "zero_trust")
    results = [
        {hit.id for hit in indexed_library.search("access", topic=topic, limit=50)}
        for topic in spellings
    ]

    assert results[0] == results[1] == results[2] == results[3]
    assert len(results[0]) == 13
    assert all(
        "Zero Trust" in hit.topics
        for hit in indexed_library.search("access", topic="zero trust", limit=50)
    )


def test_filters_combine(indexed_library: ContentLibrary) -> None:
    hits = indexed_library.search(
        "customer story", persona="executive", stage="decision", topic="SIEM", type="Case Study"
    )

    assert {hit.id for hit in hits} == {
        "cs-siem-broadcaster",
        "cs-siem-telco",
        "cs-threat-intelligence-agency",
        "cs-threat-intelligence-hospital",
    }


def test_unknown_filter_value_finds_nothing(indexed_library: ContentLibrary) -> None:
    assert indexed_library.search("pricing", topic="Payroll") == []


def test_invalid_search_arguments(indexed_library: ContentLibrary) -> None:
    with pytest.raises(ValueError, match=r"^the search query is empty$"):
        indexed_library.search("  ")
    with pytest.raises(ValueError, match=r"^limit must be 1 or more, got 0$"):
        indexed_library.search("pricing", limit=0)
    with pytest.raises(ValueError) as caught:
        indexed_library.search("pricing", stage="later")
    assert str(caught.value) == ("stage must be awareness, consideration or decision, got 'later'")


def test_assets_get_and_has(indexed_library: ContentLibrary, sample_content: Path) -> None:
    assets = indexed_library.assets()

    assert len(assets) == 66
    assert [asset.id for asset in assets] == sorted(asset.id for asset in assets)
    stored = indexed_library.get("cs-zero-trust-bank")
    assert stored is not None
    assert stored.source == "cs-zero-trust-bank.md"
    assert stored.body.startswith("# Harbor Ridge Bank retires its VPN with Zero Trust access")
    assert stored.industries == ("Financial Services",)
    assert indexed_library.get("no-such-asset") is None
    assert indexed_library.has("wp-siem")
    assert not indexed_library.has("no-such-asset")


def test_reindex_skips_unchanged_and_applies_edits(
    tmp_path: Path, local_embedder: LocalEmbedder
) -> None:
    folder = _small_library(tmp_path / "content")
    library = ContentLibrary(tmp_path / "chroma", "content", local_embedder)

    first = library.index(folder)
    assert first.added == ["pricing", "siem", "zero-trust"]
    assert first.chunks_written == 5
    again = library.index(folder)
    assert again.unchanged == ["pricing", "siem", "zero-trust"]
    assert again.added == again.updated == again.removed == []
    assert again.chunks_written == 0

    (folder / "siem.md").write_text(
        markdown_asset(
            asset_id="siem",
            title="Replacing a legacy SIEM",
            topics="SIEM",
            body="Costs fell by 40%.",
        )
    )
    (folder / "pricing.md").unlink()
    (folder / "zero-trust.md").write_text(markdown_asset(asset_id="zero-trust", body="Short."))
    write_files(folder / "new", {"webinar.md": markdown_asset(asset_id="webinar")})
    edited = library.index(folder)

    assert edited.added == ["webinar"]
    assert edited.updated == ["siem", "zero-trust"]
    assert edited.unchanged == []
    assert edited.removed == ["pricing"]
    assert edited.chunks_written == 3
    assert edited.chunks_deleted == 3
    assert _chunk_ids(tmp_path / "chroma") == ["siem#0", "webinar#0", "zero-trust#0"]
    assert not library.has("pricing")
    siem = library.get("siem")
    assert siem is not None
    assert siem.body == "Costs fell by 40%."
    [hit] = library.search("cost savings", topic="siem")
    assert hit.snippet == "Costs fell by 40%."


def test_invalid_folder_keeps_index(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    folder = _small_library(tmp_path / "content")
    library = ContentLibrary(tmp_path / "chroma", "content", local_embedder)
    library.index(folder)
    (folder / "siem.md").write_text(markdown_asset(asset_id="siem", stage="later"))
    (folder / "pricing.md").unlink()

    with pytest.raises(InputError):
        library.index(folder)

    assert [asset.id for asset in library.assets()] == ["pricing", "siem", "zero-trust"]


def test_csv_library_indexed_and_searched(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    rows = (
        "id,title,url,type,stage,topics,personas,industries,body\n"
        "c1,Ransomware readiness guide,https://example.com/c1,whitepaper,awareness,"
        'Ransomware|Backups,security_leader,Retail,"Test backups before attackers do."\n'
        "c2,Email security pricing,https://example.com/c2,pricing,decision,Email Security,"
        "finance;executive,,Plans start at $30 per mailbox.\n"
    )
    folder = write_files(tmp_path / "content", {"library.csv": rows})
    library = ContentLibrary(tmp_path / "chroma", "content", local_embedder)

    report = library.index(folder)
    hits = library.search("how much per mailbox")

    assert report.added == ["c1", "c2"]
    assert [hit.id for hit in hits] == ["c2", "c1"]
    assert library.get("c1") == ContentAsset(
        id="c1",
        title="Ransomware readiness guide",
        url="https://example.com/c1",
        type="whitepaper",
        stage="awareness",
        topics=("Ransomware", "Backups"),
        personas=("security_leader",),
        industries=("Retail",),
        body="Test backups before attackers do.",
        source="library.csv",
    )
    assert [hit.id for hit in library.search("backups", persona="EXECUTIVE")] == ["c2"]


def test_missing_or_empty_index_message(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    missing = ContentLibrary(tmp_path / "absent", "content", local_embedder)
    fix = "run `nextbest content index DIR` on the folder of your content files"

    with pytest.raises(ContentIndexError) as caught:
        missing.search("pricing")
    assert str(caught.value) == (
        f"no content index at {tmp_path / 'absent'} (collection 'content'); {fix}"
    )
    assert missing.count == 0
    assert not (tmp_path / "absent").exists()

    library = ContentLibrary(tmp_path / "chroma", "content", local_embedder)
    folder = _small_library(tmp_path / "content")
    library.index(folder)
    other = ContentLibrary(tmp_path / "chroma", "other-collection", local_embedder)
    with pytest.raises(ContentIndexError) as caught:
        other.assets()
    assert str(caught.value) == (
        f"no content index at {tmp_path / 'chroma'} (collection 'other-collection'); {fix}"
    )

    client = chromadb.PersistentClient(
        str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    client.get_collection("content").delete(where={"chunk": {"$gte": 0}})
    with pytest.raises(ContentIndexError) as caught:
        library.has("pricing")
    assert str(caught.value) == (
        f"the content index at {tmp_path / 'chroma'} (collection 'content') is empty; {fix}"
    )


def test_index_of_other_embedder_rejected(
    tmp_path: Path, local_embedder: LocalEmbedder, fake_openai: FakeOpenAI
) -> None:
    folder = _small_library(tmp_path / "content")
    ContentLibrary(tmp_path / "chroma", "content", local_embedder).index(folder)
    openai = OpenAIEmbedder("fake-embed", api_key="test-key", base_url=fake_openai.base_url)
    library = ContentLibrary(tmp_path / "chroma", "content", openai)
    expected = (
        f"the content index at {tmp_path / 'chroma'} was built with the embedding model "
        "'sentence-transformers/all-MiniLM-L6-v2' (384 dimensions), but the configured model is "
        "'openai:fake-embed' (8 dimensions); re-index with "
        "`nextbest content index DIR --rebuild`, or configure the model the index was built with"
    )

    with pytest.raises(EmbedderMismatchError) as caught:
        library.search("pricing")
    assert str(caught.value) == expected
    with pytest.raises(EmbedderMismatchError) as caught:
        library.index(folder)
    assert str(caught.value) == expected

    report = library.index(folder, rebuild=True)
    assert report.rebuilt
    assert report.added == ["pricing", "siem", "zero-trust"]
    assert report.embedder == "openai:fake-embed"
    assert len(library.search("pricing", limit=3)) == 3
    embedded = [text for request in fake_openai.requests for text in request["body"]["input"]]
    assert "Sentinel pricing\n\nPlans start at $48 per user per year." in embedded
