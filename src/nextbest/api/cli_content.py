"""The `nextbest content` commands: index, search and list the marketing content library."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from nextbest.api.console import (
    ChromaOption,
    counted,
    fail,
    load_settings,
    out,
    print_json,
    progress_bar,
    usage_error,
)
from nextbest.scoring.errors import NextbestError

if TYPE_CHECKING:
    from nextbest.content import ContentLibrary

content_app = typer.Typer(
    help=(
        "Index and search the marketing content library: case studies, whitepapers, "
        "webinars, pricing pages.\n\n"
        "Start with `nextbest content index CONTENT_DIR`, then `nextbest content search "
        '"case study for a bank"`.'
    ),
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
STAGE_NAMES = ("awareness", "consideration", "decision")


def _library(chroma: Path | None) -> ContentLibrary:
    """Build the library from the settings, with `--chroma` over the configured folder."""
    from nextbest.content import ContentLibrary, embedder_from_settings

    settings = load_settings()
    try:
        embedder = embedder_from_settings(settings)
    except NextbestError as error:
        fail(error, "the content files")
    return ContentLibrary(chroma or settings.chroma_dir, settings.content_collection, embedder)


@content_app.command("index")
def index(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Folder of Markdown (.md) and CSV (.csv) content files, read recursively, "
            "or one such file."
        ),
    ],
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Delete the index and embed every asset again; needed after a change of "
            "embedding model.",
        ),
    ] = False,
    as_json: JsonOption = False,
    chroma: ChromaOption = None,
) -> None:
    """Index a content folder: embed new and changed assets, drop removed ones.

    Example: nextbest content index content/
    """
    library = _library(chroma)
    progress = progress_bar()
    started = time.perf_counter()
    try:
        with progress:
            task = progress.add_task(f"Reading {folder}", total=None)

            def advance(done: int, total: int) -> None:
                description = f"Embedding {counted(total, 'chunk')}"
                progress.update(task, description=description, completed=done, total=total)

            report = library.index(folder, progress=advance, rebuild=rebuild)
    except NextbestError as error:
        fail(error, "the content files")
    elapsed = time.perf_counter() - started

    if as_json:
        print_json(report.to_dict() | {"seconds": round(elapsed, 2)})
        return
    out.print(
        f"Indexed {counted(report.assets, 'asset')} from {folder} in {elapsed:.1f}s "
        f"with {report.embedder}: {len(report.added):,} added, {len(report.updated):,} updated, "
        f"{len(report.unchanged):,} unchanged, {len(report.removed):,} removed; "
        f"{counted(report.chunks_written, 'chunk')} written.",
        markup=False,
    )
    out.print('Next: nextbest content search "what a rep is looking for"', markup=False)


@content_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    persona: Annotated[
        str | None, typer.Option("--persona", help="Only assets for this persona, e.g. finance.")
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            help="Only assets of this funnel stage: awareness, consideration or decision.",
        ),
    ] = None,
    topic: Annotated[
        str | None, typer.Option("--topic", help="Only assets on this topic, e.g. 'Zero Trust'.")
    ] = None,
    content_type: Annotated[
        str | None,
        typer.Option("--type", help="Only assets of this type, e.g. case_study or whitepaper."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Number of assets.")] = 5,
    as_json: JsonOption = False,
    chroma: ChromaOption = None,
) -> None:
    """Find the assets closest in meaning to a question, best first, one per asset.

    Example: nextbest content search "case study for a bank worried about ransomware"
    """
    if not query.strip():
        usage_error("QUERY", "the search query is empty")
    if stage is not None and stage.strip().lower() not in STAGE_NAMES:
        usage_error("--stage", f"expected awareness, consideration or decision, got {stage!r}")
    library = _library(chroma)
    try:
        hits = library.search(
            query, persona=persona, stage=stage, topic=topic, type=content_type, limit=limit
        )
    except NextbestError as error:
        fail(error, "the content files")

    if as_json:
        print_json([hit.to_dict() for hit in hits])
        return
    if not hits:
        out.print("No assets match these filters; try fewer filters.", markup=False)
        return
    for rank, hit in enumerate(hits, start=1):
        out.print(
            f"[bold]{rank:2d}. {escape(hit.title)}[/bold]  "
            f"[dim]{escape(hit.id)} · {escape(hit.type)} · {hit.stage} · "
            f"score {hit.score:.2f}[/dim]"
        )
        out.print(f"    {hit.url}", markup=False)
        out.print(f"    {hit.snippet}", markup=False, style="italic")


@content_app.command("list")
def list_assets(
    as_json: JsonOption = False,
    chroma: ChromaOption = None,
) -> None:
    """List the indexed assets, sorted by id."""
    library = _library(chroma)
    try:
        assets = library.assets()
    except NextbestError as error:
        fail(error, "the content files")

    if as_json:
        print_json([asset.to_dict(include_body=False) for asset in assets])
        return
    table = Table(title=f"{counted(len(assets), 'asset')}", title_justify="left")
    for header in ("id", "type", "stage", "title", "topics", "personas"):
        table.add_column(header, overflow="fold")
    for asset in assets:
        table.add_row(
            escape(asset.id),
            escape(asset.type),
            asset.stage,
            escape(asset.title),
            escape(", ".join(asset.topics)),
            escape(", ".join(asset.personas)),
        )
    out.print(table)
