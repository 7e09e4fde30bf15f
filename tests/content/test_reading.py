from __future__ import annotations

from pathlib import Path

import pytest

from nextbest.content import ContentAsset, read_assets
from nextbest.scoring.errors import InputError
from tests.conftest import write_files
from tests.content.conftest import markdown_asset

CSV_HEADER = "id,title,url,type,stage,topics,personas,industries,body\n"


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_assets(path)
    return [str(problem) for problem in caught.value.problems]


def test_markdown_asset_reads_every_field(tmp_path: Path) -> None:
    write_files(tmp_path, {"a1.md": markdown_asset()})

    assert read_assets(tmp_path) == [
        ContentAsset(
            id="a1",
            title="Zero Trust for banks",
            url="https://example.com/a1",
            type="case_study",
            stage="decision",
            topics=("Zero Trust",),
            personas=("security_leader",),
            industries=("Financial Services",),
            body="# Zero Trust for banks\n\nHarbor Bank replaced its VPN in six weeks.",
            source="a1.md",
        )
    ]


def test_markdown_defaults_and_normalised_values(tmp_path: Path) -> None:
    text = markdown_asset(
        asset_id=None,
        content_type="Case Study",
        stage="Decision",
        topics="Zero Trust; Cloud Security | zero trust",
        personas="[CFO, 2024]",
        industries="",
    )
    write_files(tmp_path / "stories", {"harbor-bank.md": text})

    [asset] = read_assets(tmp_path)

    assert asset.id == "harbor-bank"
    assert asset.type == "case_study"
    assert asset.stage == "decision"
    assert asset.topics == ("Zero Trust", "Cloud Security")
    assert asset.personas == ("CFO", "2024")
    assert asset.industries == ()
    assert asset.source == "stories/harbor-bank.md"


def test_sample_library_reads_all_66_assets(sample_content: Path) -> None:
    assets = read_assets(sample_content)

    assert len(assets) == 66
    assert [asset.id for asset in assets] == sorted(asset.id for asset in assets)
    pricing = next(asset for asset in assets if asset.id == "pricing-sentinel-cloud")
    assert pricing.personas == ("finance", "security_leader", "executive")
    assert pricing.industries == ()


def test_utf8_bom_and_cp1252_files_decode(tmp_path: Path) -> None:
    bom_text = markdown_asset(asset_id="bom", title="Café security")
    cp1252_text = markdown_asset(asset_id="legacy", title="Résumé – “quoted”", body="Naïve café")
    write_files(
        tmp_path,
        {
            "bom.md": b"\xef\xbb\xbf" + bom_text.encode("utf-8"),
            "legacy.md": cp1252_text.encode("cp1252"),
        },
    )

    bom, legacy = read_assets(tmp_path)

    assert bom.title == "Café security"
    assert legacy.title == "Résumé – “quoted”"
    assert legacy.body == "Naïve café"


def test_hidden_and_other_files_skipped(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "a1.md": markdown_asset(),
            "notes.txt": "not content",
            ".draft.md": "no front matter",
        },
    )
    write_files(tmp_path / ".git", {"x.md": "no front matter"})

    assert [asset.id for asset in read_assets(tmp_path)] == ["a1"]


def test_single_file_path(tmp_path: Path) -> None:
    write_files(tmp_path, {"a1.md": markdown_asset(), "other.md": "broken"})

    assert [asset.id for asset in read_assets(tmp_path / "a1.md")] == ["a1"]


def test_csv_lists_and_multiline_body(tmp_path: Path) -> None:
    rows = (
        CSV_HEADER
        + "c1,Ransomware guide,https://example.com/c1,whitepaper,awareness,Ransomware;EDR,"
        + "security_leader|executive,Retail,"
        + '"First line.\n\n## Second section\nMore, with a comma."\n'
        + "c2,SIEM pricing,https://example.com/c2,pricing,decision,,finance,,\n"
    )
    write_files(tmp_path, {"library.csv": rows})

    first, second = read_assets(tmp_path)

    assert first == ContentAsset(
        id="c1",
        title="Ransomware guide",
        url="https://example.com/c1",
        type="whitepaper",
        stage="awareness",
        topics=("Ransomware", "EDR"),
        personas=("security_leader", "executive"),
        industries=("Retail",),
        body="First line.\n\n## Second section\nMore, with a comma.",
        source="library.csv",
    )
    assert second.topics == ()
    assert second.body == ""


def test_missing_title_and_bad_stage(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "no-title.md": markdown_asset(asset_id="t1", title=None),
            "bad-stage.md": markdown_asset(asset_id="t2", stage="evaluation"),
        },
    )

    assert _problems(tmp_path) == [
        "bad-stage.md: invalid front-matter field 'stage': 'evaluation' "
        "(expected awareness, consideration or decision)",
        "no-title.md: missing front-matter field 'title' (expected a non-empty title)",
    ]


def test_every_invalid_field_of_a_file_is_reported(tmp_path: Path) -> None:
    text = markdown_asset(url="example.com/page", content_type="case/study", topics="{a: 1}")
    write_files(tmp_path, {"a1.md": text})

    assert _problems(tmp_path) == [
        "a1.md: invalid front-matter field 'url': 'example.com/page' "
        "(expected an absolute http or https URL)",
        "a1.md: invalid front-matter field 'type': 'case/study' "
        "(expected a content type such as case_study, whitepaper or webinar)",
        "a1.md: invalid front-matter field 'topics': \"{'a': 1}\" "
        "(expected a list of names, or names separated by ';' or '|')",
    ]


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    write_files(tmp_path / "2025", {"story.md": markdown_asset(asset_id="dup")})
    write_files(tmp_path / "2026", {"story.md": markdown_asset(asset_id="dup")})

    assert _problems(tmp_path) == [
        "2026/story.md: duplicate asset id (first seen in 2025/story.md): 'dup' "
        "(expected each asset id once in the library)"
    ]


def test_duplicate_id_across_markdown_and_csv(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "a1.md": markdown_asset(asset_id="a1"),
            "more.csv": CSV_HEADER + "a1,Copy,https://example.com/x,blog,awareness,,,,\n",
        },
    )

    assert _problems(tmp_path) == [
        "more.csv, row 2, column 'id': duplicate asset id (first seen in a1.md): 'a1' "
        "(expected each asset id once in the library)"
    ]


def test_bad_csv_rows_name_row_and_column(tmp_path: Path) -> None:
    rows = (
        CSV_HEADER
        + "c1,Guide,https://example.com/c1,whitepaper,awareness,,,,\n"
        + "c2,Guide,https://example.com/c2,whitepaper,awareness,,,\n"
        + ",Guide,ftp://example.com/c3,whitepaper,Later,,,,\n"
    )
    write_files(tmp_path, {"library.csv": rows})

    assert _problems(tmp_path) == [
        "library.csv, row 3: the row has 8 fields but the header has 9 "
        "(expected one field per column; quote fields that contain commas or line breaks)",
        "library.csv, row 4, column 'id': missing value (expected a non-empty asset id)",
        "library.csv, row 4, column 'url': invalid value: 'ftp://example.com/c3' "
        "(expected an absolute http or https URL)",
        "library.csv, row 4, column 'stage': invalid value: 'Later' "
        "(expected awareness, consideration or decision)",
    ]


def test_csv_without_required_columns(tmp_path: Path) -> None:
    write_files(tmp_path, {"library.csv": "id;title;url;type;stage\nc1;Guide;x;blog;awareness\n"})

    expected = (
        "(expected a header row with the columns "
        "id, title, url, type, stage, topics, personas, industries, body)"
    )
    assert _problems(tmp_path) == [
        f"library.csv, column '{column}': missing required column {expected}"
        for column in ("id", "title", "url", "type", "stage")
    ]


def test_all_file_problems_reported_together(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "a.md": "Just text, no front matter.\n",
            "b.md": "---\ntitle: Zero Trust: a guide\n---\nBody\n",
            "c.md": "---\ntitle: Open\n",
            "d.md": markdown_asset(asset_id="d", stage="decision"),
            "e.csv": "",
        },
    )

    front_matter = "a first line '---', then one 'field: value' per line, then a line '---'"
    assert _problems(tmp_path) == [
        f"a.md: missing YAML front matter (expected {front_matter})",
        "b.md: invalid YAML in the front matter at line 2: mapping values are not allowed here "
        "(expected one 'field: value' per line; quote values that contain ': ')",
        f"c.md: the front matter has no closing '---' line (expected {front_matter})",
        "e.csv: the file is empty (expected a header row with the columns "
        "id, title, url, type, stage, topics, personas, industries, body)",
    ]


def test_problems_per_file_capped(tmp_path: Path) -> None:
    rows = CSV_HEADER + "".join(
        f"c{number},Guide,https://example.com,blog,someday,,,,\n" for number in range(25)
    )
    write_files(tmp_path, {"library.csv": rows})

    problems = _problems(tmp_path)

    assert len(problems) == 21
    assert problems[-1] == "library.csv: 5 more problems not listed"


def test_missing_and_empty_folders(tmp_path: Path) -> None:
    expected = "(expected a folder of Markdown (.md) or CSV (.csv) content files)"
    write_files(tmp_path / "empty", {"readme.txt": "nothing here"})

    assert _problems(tmp_path / "absent") == [f"{tmp_path / 'absent'}: not found {expected}"]
    assert _problems(tmp_path / "empty") == [
        f"{tmp_path / 'empty'}: contains no Markdown (.md) or CSV (.csv) files {expected}"
    ]
