"""Fixtures of the content tests: handwritten assets and the generated sample library."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextbest.samples.generator import generate_sample


def markdown_asset(
    asset_id: str | None = "a1",
    title: str | None = "Zero Trust for banks",
    url: str = "https://example.com/a1",
    content_type: str = "case_study",
    stage: str = "decision",
    topics: str = '["Zero Trust"]',
    personas: str = '["security_leader"]',
    industries: str = '["Financial Services"]',
    body: str = "# Zero Trust for banks\n\nHarbor Bank replaced its VPN in six weeks.\n",
) -> str:
    """Return a Markdown asset; a field given as None is left out of the front matter."""
    lines = ["---"]
    if asset_id is not None:
        lines.append(f"id: {asset_id}")
    if title is not None:
        lines.append(f"title: {title}")
    lines += [
        f"url: {url}",
        f"type: {content_type}",
        f"stage: {stage}",
        f"topics: {topics}",
        f"personas: {personas}",
        f"industries: {industries}",
        "---",
        "",
        body,
    ]
    return "\n".join(lines)


@pytest.fixture(scope="session")
def sample_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated sample library: 66 Markdown assets."""
    out_dir = tmp_path_factory.mktemp("sample")
    generate_sample(out_dir, accounts=5, seed=7)
    return out_dir / "content"
