from __future__ import annotations

import itertools

import pytest

from nextbest.content import ContentAsset, chunk_asset
from nextbest.content.chunking import split_by_size, split_sections


def _asset(body: str, title: str = "Zero Trust guide") -> ContentAsset:
    return ContentAsset(
        id="a1", title=title, url="https://example.com", type="whitepaper", stage="awareness",
        body=body,
    )  # fmt: skip


def test_sections_start_at_each_heading() -> None:
    markdown = (
        "Intro text.\n\n## Challenge\nFlat networks.\n\n### Detail\nVPNs.\n\n## Results\nFewer."
    )

    assert split_sections(markdown) == [
        "Intro text.",
        "## Challenge\nFlat networks.",
        "### Detail\nVPNs.",
        "## Results\nFewer.",
    ]


def test_heading_without_text_joins_the_next_section() -> None:
    assert split_sections("## Part one\n## Summary\nText.") == ["## Part one\n## Summary\nText."]


def test_headings_inside_code_fences_do_not_split() -> None:
    markdown = "## Setup\n```sh\n# install the agent\nrun it\n```\nDone.\n## Next\nMore."

    assert split_sections(markdown) == [
        "## Setup\n```sh\n# install the agent\nrun it\n```\nDone.",
        "## Next\nMore.",
    ]


def test_long_text_is_cut_at_sentences_with_overlap() -> None:
    sentences = [
        f"Sentence number {number} talks about ransomware defence." for number in range(60)
    ]
    text = " ".join(sentences)

    pieces = split_by_size(text, max_chars=500, overlap=100)

    assert len(pieces) == 8
    assert all(len(piece) <= 500 for piece in pieces)
    assert all(piece.startswith("Sentence number ") for piece in pieces)
    assert all(piece.endswith(".") for piece in pieces)
    # Each piece starts by repeating the last sentence of the piece before.
    for previous, following in itertools.pairwise(pieces):
        last_sentence = previous[previous.rfind(". ") + 2 :]
        assert following.startswith(last_sentence)
    # Every sentence survives the cuts.
    joined = " ".join(pieces)
    assert all(sentence in joined for sentence in sentences)


def test_text_without_spaces_is_cut_hard() -> None:
    assert split_by_size("x" * 250, max_chars=100, overlap=0) == ["x" * 100, "x" * 100, "x" * 50]


def test_overlap_must_stay_below_half_the_size() -> None:
    with pytest.raises(ValueError, match="overlap must be 0 or more and below 50, got 50"):
        split_by_size("text", max_chars=100, overlap=50)


def test_chunks_carry_title_once() -> None:
    asset = _asset("# Zero Trust Guide\n\nWhy VPNs fail.\n\n## Steps\nStart small.")

    chunks = chunk_asset(asset)

    assert [chunk.text for chunk in chunks] == ["Why VPNs fail.", "## Steps\nStart small."]
    assert [chunk.embedded_text for chunk in chunks] == [
        "Zero Trust guide\n\nWhy VPNs fail.",
        "Zero Trust guide\n\n## Steps\nStart small.",
    ]


def test_empty_body_gives_one_title_chunk() -> None:
    [chunk] = chunk_asset(_asset(""))

    assert chunk.text == ""
    assert chunk.embedded_text == "Zero Trust guide"


def test_long_section_is_split_by_size() -> None:
    body = "## Results\n" + " ".join(["Alerts fell by half after the rollout."] * 80)

    chunks = chunk_asset(_asset(body))

    assert len(chunks) == 4
    assert all(len(chunk.text) <= 1000 for chunk in chunks)
    assert chunks[0].text.startswith("## Results\nAlerts fell")
