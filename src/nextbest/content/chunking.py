"""Split an asset into chunks for embedding: by Markdown heading, then by size.

all-MiniLM-L6-v2 reads at most 256 word pieces (max_seq_length in its sentence_bert_config.json).
At an estimated four characters per word piece of English, that is about 1,000 characters, so a
chunk of `CHUNK_CHARS` with the title in front fits with little or nothing cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nextbest.content.models import ContentAsset

CHUNK_CHARS = 1000
OVERLAP_CHARS = 150

_HEADING = re.compile(r"#{1,6}\s+\S")
_FENCE = re.compile(r"(`{3,}|~{3,})")
# Places to end a chunk, best first: a paragraph break, a line break, a sentence end, a space.
_BREAKS = ("\n\n", "\n", ". ", " ")


@dataclass(frozen=True)
class Chunk:
    """One piece of an asset's body."""

    # The piece of the body, as stored in the index and shown in search results.
    text: str
    # Text the embedder reads: the asset title, a blank line, then `text`.
    embedded_text: str


def chunk_asset(
    asset: ContentAsset, max_chars: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Chunk]:
    """Split the body into heading sections and long sections into overlapping pieces.

    A body whose first line is a heading with the asset's title loses that line, because every
    chunk carries the title anyway. An empty body gives one chunk with the title alone.
    """
    body = _without_title_heading(asset.body, asset.title)
    pieces = [
        piece
        for section in split_sections(body)
        for piece in split_by_size(section, max_chars, overlap)
    ]
    if not pieces:
        pieces = [""]
    return [Chunk(piece, f"{asset.title}\n\n{piece}".strip()) for piece in pieces]


def split_sections(markdown: str) -> list[str]:
    """Split Markdown before each heading outside fenced code blocks.

    A section with a heading and no text is joined to the next one, so that no chunk is a bare
    heading.
    """
    sections: list[list[str]] = [[]]
    fence: str | None = None
    for line in markdown.splitlines():
        stripped = line.strip()
        fence_match = _FENCE.match(stripped)
        if fence_match:
            marker = fence_match.group(1)[0] * 3
            if fence is None:
                fence = marker
            elif marker == fence:
                fence = None
        starts_section = fence is None and _HEADING.match(line) is not None
        if starts_section and any(
            text.strip() and not _HEADING.match(text) for text in sections[-1]
        ):
            sections.append([])
        sections[-1].append(line)
    return [text for text in ("\n".join(lines).strip() for lines in sections) if text]


def split_by_size(text: str, max_chars: int, overlap: int) -> list[str]:
    """Cut text into pieces of at most max_chars, each repeating about `overlap` characters.

    Pieces end at a paragraph break, a line break, a sentence end or a space, the best one found
    in the second half of the window, and only mid-word when the window has no space.

    Raises:
        ValueError: overlap is negative or not below half of max_chars.
    """
    if not 0 <= overlap < max_chars // 2:
        raise ValueError(f"overlap must be 0 or more and below {max_chars // 2}, got {overlap}")
    text = text.strip()
    pieces = []
    start = 0
    while len(text) - start > max_chars:
        end = start + max_chars
        cut = _break_before(text, start + max_chars // 2, end)
        pieces.append(text[start:cut].strip())
        start = _overlap_start(text, cut - overlap, cut) if overlap else cut
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def _break_before(text: str, lowest: int, end: int) -> int:
    for separator in _BREAKS:
        position = text.rfind(separator, lowest, end)
        if position != -1:
            return position + len(separator)
    return end


def _overlap_start(text: str, lowest: int, cut: int) -> int:
    """Return where the next piece starts: a sentence start after `lowest`, else a word start."""
    for separator in (". ", " "):
        position = text.find(separator, lowest, cut)
        if position != -1:
            return position + len(separator)
    return lowest


def _without_title_heading(body: str, title: str) -> str:
    lines = body.strip().splitlines()
    if lines and _HEADING.match(lines[0]):
        heading = lines[0].lstrip("#").strip()
        if heading.casefold() == title.strip().casefold():
            return "\n".join(lines[1:]).strip()
    return body.strip()
