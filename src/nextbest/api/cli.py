"""The `nextbest` command line."""

from __future__ import annotations

import math
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from nextbest.api import cli_validate
from nextbest.api.cli_content import content_app
from nextbest.api.cli_learning import model_app, train
from nextbest.api.cli_report import report
from nextbest.api.console import (
    ChromaOption,
    DbOption,
    counted,
    err,
    fail,
    load_settings,
    out,
    print_json,
    progress_bar,
    setting_problems,
    usage_error,
)
from nextbest.scoring.config import defaults_text, load_config
from nextbest.scoring.errors import (
    NextbestError,
    StoreError,
)

if TYPE_CHECKING:
    from rich.console import Console

    from nextbest.scoring.store import RunStore

app = typer.Typer(
    help=(
        "Rank B2B accounts and leads by how likely they are to buy now, "
        "and explain every score.\n\n"
        "Start with `nextbest sample-data demo-data` and `nextbest score demo-data`, then "
        "`nextbest top` and `nextbest explain ACCOUNT_ID`."
    ),
    no_args_is_help=True,
    # Markdown joins the lines of a docstring paragraph, so help text wraps at the terminal.
    rich_markup_mode="markdown",
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(
    help="Show and check the scoring configuration.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(config_app, name="config")
app.add_typer(content_app, name="content")
app.add_typer(model_app, name="model")
app.command()(train)
app.command("validate")(cli_validate.validate)
app.command("thresholds")(cli_validate.thresholds)
app.command("report")(report)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RunOption = Annotated[
    str | None, typer.Option("--run", help="Read this run id instead of the latest run.")
]


# Dates further out overflow the date arithmetic of decay and timing.
FIRST_AS_OF = date(1970, 1, 1)
LAST_AS_OF = date(2099, 12, 31)


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        parsed = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        usage_error(option, f"invalid date {value!r}; expected a date as YYYY-MM-DD")
    if not FIRST_AS_OF <= parsed <= LAST_AS_OF:
        usage_error(option, f"{value} is out of range; expected {FIRST_AS_OF} to {LAST_AS_OF}")
    return parsed


class _Steps:
    """Show each step of a long job on standard error: a bar when its size is known, else a spinner.

    Nothing is drawn when standard error is not a terminal, so logs stay clean.
    """

    def __init__(self) -> None:
        self.progress = progress_bar()
        self.task: Any = None

    def __enter__(self) -> _Steps:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.step(None)
        self.progress.__exit__(*exc_info)

    def step(self, description: str | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, total=1, completed=1)
        self.task = None if description is None else self.progress.add_task(description, total=None)

    def advance(self, done: int, total: int) -> None:
        """Set the current step's progress, in whatever unit the step counts."""
        if self.task is not None and total > 0:
            self.progress.update(self.task, completed=done, total=total)


def _tier_style(tier: str) -> str:
    return {"A": "bold green", "B": "yellow", "C": "dim"}.get(tier, "")


def _short(value: object, limit: int = 80) -> str:
    """Return text cut to `limit` characters for a table cell, escaped for Rich markup."""
    text = str(value)
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def _account_label(row: dict[str, Any]) -> str:
    if str(row["name"]) == str(row["account_id"]):
        return _short(row["name"])
    return f"{_short(row['name'])} [dim]({_short(row['account_id'], 40)})[/dim]"


def _top_product(row: dict[str, Any]) -> str | None:
    """Return `GTX Pro (34%)` for an account with a learned top product, else None."""
    product, probability = row.get("top_product"), row.get("top_product_probability")
    if not isinstance(product, str) or probability is None or math.isnan(probability):
        return None
    return f"{product} ({probability:.0%})"


def _accounts_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, title_justify="left", expand=False)
    # Runs with too few won deals, and runs made before propensity existed, have no top product.
    products = any(_top_product(row) for row in rows)
    for header, justify in (
        ("#", "right"),
        ("account", "left"),
        ("score", "right"),
        ("tier", "center"),
        ("qualified", "center"),
        ("fit", "right"),
        ("int", "right"),
        ("rel", "right"),
        ("eng", "right"),
        ("neg", "right"),
        *((("top product", "left"),) if products else ()),
        ("top reason", "left"),
    ):
        table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        product = [_short(_top_product(row) or "", 40)] if products else []
        table.add_row(
            str(row["rank"]),
            _account_label(row),
            f"{row['score']:.1f}",
            f"[{_tier_style(row['tier'])}]{row['tier']}[/]",
            "yes" if row["qualified"] else "[red]no[/red]",
            f"{row['fit']:.0f}",
            f"{row['intent']:.0f}",
            f"{row['relationship']:.0f}",
            f"{row['engagement']:.0f}",
            f"{row['negative']:.0f}" if row["negative"] else "",
            *product,
            _short(row["reasons"][0], 160) if row["reasons"] else "",
        )
    return table


def _report_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    for name, table in report["tables"].items():
        if not table["files"]:
            continue
        parts = [f"{table['rows_loaded']:,} of {table['rows_read']:,} rows loaded"]
        if table["after_as_of"]:
            parts.append(f"{table['after_as_of']:,} dated on or after as-of")
        if table["unmatched"]:
            parts.append(f"{table['unmatched']:,} unmatched")
        rejected = sum(table["rejected"].values())
        if rejected:
            detail = ", ".join(f"{count:,} {why}" for why, count in table["rejected"].items())
            parts.append(f"{rejected:,} rejected ({detail})")
        if table["normalised"]:
            detail = ", ".join(f"{count:,} {what}" for what, count in table["normalised"].items())
            parts.append(f"normalised: {detail}")
        lines.append(f"  {name}: " + "; ".join(parts))
    lines.extend(f"  warning: {warning}" for warning in report["warnings"])
    return lines


@app.command()
def score(
    data_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder of CSV or Parquet exports: accounts, contacts, activities, "
            "intent, opportunities, or exports mapped in the config."
        ),
    ],
    config: Annotated[
        Path | None, typer.Option("--config", help="YAML file merged over the shipped defaults.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Score as of this date (YYYY-MM-DD), using only rows dated "
            "before it. Default: today.",
            show_default=False,
        ),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write every account in rank order to a .csv, .parquet or .json file.",
        ),
    ] = None,
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Accounts shown in the table.")] = 15,
    keep_details: Annotated[
        int,
        typer.Option(
            "--keep-details",
            min=1,
            help="Runs whose signal lists and leads stay in the store; older runs keep scores, "
            "tiers and reasons.",
        ),
    ] = 5,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Score with this learned model's weights, decay and lead-source quality in "
            "place of the config's (`nextbest model list`); `none` for the config alone. "
            "Default: the active model, if it was trained on this folder.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run record as JSON.")] = False,
) -> None:
    """Load a folder of exports, score and rank every account, and store the run.

    Example: nextbest score exports/ --config mapping.yaml --as-of 2026-06-30 --out ranked.csv
    """
    from nextbest.learning.models import config_with_model
    from nextbest.scoring.export import check_output, publish, stage_accounts
    from nextbest.scoring.runs import score_folder
    from nextbest.scoring.store import RunStore, sqlite_path

    as_of_date = _parse_date(as_of, "--as-of")
    if out_path is not None:
        try:
            check_output(out_path, data_dir)
        except NextbestError as error:
            usage_error("--out", str(error))
        store_file = sqlite_path(db)
        if store_file is not None and out_path.absolute() == store_file.absolute():
            usage_error("--out", f"{out_path} is the run store; write the output elsewhere")
    staged: Path | None = None
    try:
        settings = load_config(config)
        store = RunStore(db, keep_details=keep_details)
        settings, model_version, model_note = config_with_model(settings, store, model, data_dir)
        started = time.perf_counter()
        with _Steps() as steps:
            run = score_folder(data_dir, settings, as_of_date, progress=steps.step)
            # The output is written first and moved into place only after the run is stored,
            # so a failure leaves neither the store nor the output half-written.
            if out_path is not None:
                steps.step(f"Writing {out_path}")
                staged = stage_accounts(run.accounts, out_path)
            steps.step("Saving the run")
            info = store.save(run, model_version=model_version)
            if staged is not None and out_path is not None:
                publish(staged, out_path)
                staged = None
        elapsed = time.perf_counter() - started
    except NextbestError as error:
        fail(error)
    except OSError as error:
        usage_error("--out", f"cannot write {out_path}: {error.strerror or error}")
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)

    if model_note is not None:
        err.print(f"[yellow]note:[/yellow] {escape(model_note)}", markup=True)
    if as_json:
        print_json(info.to_dict())
        _announce_tier_a(store, info.run_id, err)
        return
    tiers = run.accounts["tier"].value_counts()
    qualified = int(run.accounts["qualified"].sum())
    if model_version is not None:
        out.print(f"Using the learned settings of model {model_version}.", markup=False)
    out.print(
        f"Scored {counted(len(run.accounts), 'account')} as of {run.as_of} in {elapsed:.1f}s, "
        f"run {info.run_id}: "
        f"tier A {tiers.get('A', 0):,}, B {tiers.get('B', 0):,}, C {tiers.get('C', 0):,}; "
        f"{qualified:,} qualified."
    )
    top_rows = run.accounts.head(limit).to_dict("records")
    if top_rows:
        out.print(_accounts_table(top_rows, f"Top {counted(len(top_rows), 'account')}"))
    out.print("Input report:")
    for line in _report_lines(info.report):
        out.print(line, markup=False)
    if out_path is not None:
        out.print(f"Wrote {len(run.accounts):,} accounts to {out_path}", markup=False)
    _announce_tier_a(store, info.run_id, out)
    out.print("Next: `nextbest explain ACCOUNT_ID` shows how a score was built.", markup=False)


def _announce_tier_a(store: RunStore, run_id: str, console: Console) -> None:
    """Post the accounts that newly crossed into tier A to Slack, when an alert channel is set.

    A failure is printed as a warning: the run is stored whether or not the post succeeds.
    """
    from pydantic import ValidationError

    from nextbest.settings import get_settings

    try:
        settings = get_settings()
    except ValidationError as error:
        problems = setting_problems(error)
        err.print(f"warning: tier-A alert skipped, invalid setting: {problems}", markup=False)
        return
    channel = settings.slack_alert_channel
    if channel is None or not settings.slack_alerts_enabled:
        return
    from slack_sdk.errors import SlackApiError, SlackClientError

    from nextbest.api.slack import slack_client
    from nextbest.api.slack_alerts import announce_new_tier_a

    try:
        alert = announce_new_tier_a(store, slack_client(settings), channel, run_id)
    except SlackApiError as error:
        reason = error.response.get("error") or f"HTTP {error.response.status_code}"
        err.print(f"warning: failed to post the tier-A alert to {channel}: {reason}", markup=False)
    except (SlackClientError, OSError, NextbestError) as error:
        err.print(f"warning: failed to post the tier-A alert to {channel}: {error}", markup=False)
    else:
        console.print(alert.summary(), markup=False)


@app.command()
def top(
    tier: Annotated[
        str | None, typer.Option("--tier", help="Only this tier: A, B or C.", case_sensitive=False)
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Number of accounts.")] = 20,
    as_json: JsonOption = False,
    db: DbOption = None,
    run_id: RunOption = None,
) -> None:
    """List the top accounts of the latest scoring run."""
    from nextbest.scoring.store import RunStore

    if tier is not None and tier.upper() not in {"A", "B", "C"}:
        usage_error("--tier", f"expected A, B or C, got {tier!r}")
    try:
        store = RunStore(db)
        info = store.run(run_id)
        rows = store.accounts(info.run_id, tier=tier.upper() if tier else None, limit=limit)
    except NextbestError as error:
        fail(error)
    if as_json:
        print_json([{key: value for key, value in row.items() if key != "signals"} for row in rows])
        return
    tier_label = f"tier {tier.upper()}: " if tier else ""
    title = f"Top {tier_label}{counted(len(rows), 'account')}, run {info.run_id} as of {info.as_of}"
    out.print(_accounts_table(rows, title))


@app.command()
def explain(
    account_id: Annotated[str, typer.Argument(help="The account_id to explain.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    run_id: RunOption = None,
) -> None:
    """Show how an account's score was built: components, their signals and contributions."""
    from nextbest.scoring.store import RunStore

    try:
        store = RunStore(db)
        info = store.run(run_id)
        rows = store.accounts(info.run_id, account_id=account_id)
        if not rows:
            raise StoreError(
                f"account {account_id!r} not found in run {info.run_id}; "
                "`nextbest top` lists the scored accounts"
            )
        leads = store.leads(info.run_id, account_id=account_id, limit=5)
        evidence = store.evidence(info.run_id, rows[0]["account_id"])
    except NextbestError as error:
        fail(error)
    account = rows[0] | {
        "run_id": info.run_id,
        "as_of": info.as_of.isoformat(),
        "details_kept": info.details_kept,
        "top_leads": leads,
        "products": evidence["products"] if evidence else [],
    }
    if as_json:
        print_json(account)
        return

    out.print(
        f"[bold]{_account_label(account)}[/bold]: "
        f"score {account['score']:.1f}, "
        f"tier [{_tier_style(account['tier'])}]{account['tier']}[/], rank {account['rank']}, "
        + (
            "qualified"
            if account["qualified"]
            else f"not qualified: {escape(str(account['disqualified_because']))}"
        )
    )
    if not info.details_kept:
        out.print(
            "This run is older than the runs the store keeps signals for; "
            "its reasons are below, and `nextbest runs` lists newer runs.",
            style="yellow",
        )
    out.print(f"Run {info.run_id} as of {info.as_of}", style="dim")
    _print_products(account, info.report["warnings"])
    weights = info.report.get("weights") or info.config["composite"]["weights"]
    for component in ("fit", "intent", "relationship", "engagement", "negative"):
        signals = [signal for signal in account["signals"] if signal["component"] == component]
        if component == "negative":
            header = f"negative: {-account['negative'] or 0.0:.1f} points"
        else:
            header = f"{component}: {account[component]:.1f} / 100"
            if component in weights:
                header += f", weight {weights[component]:g} in the composite"
        out.print(f"\n[bold]{header}[/bold]")
        if not signals:
            out.print("  no signals", style="dim")
        for signal in signals:
            out.print(f"  {signal['contribution']:+6.1f}  {signal['text']}", markup=False)
    out.print("\n[bold]Reasons, by contribution to the score[/bold]")
    for reason in account["reasons"]:
        out.print(f"  - {reason}", markup=False)
    if leads:
        out.print("\n[bold]Top leads[/bold]")
        for lead in leads:
            out.print(
                f"  {lead['lead_score']:5.1f}  {lead['lead_name'] or lead['contact_id']}"
                f" — {lead['title'] or 'no title'} ({lead['persona'] or 'persona unknown'})",
                markup=False,
            )


def _print_products(account: dict[str, Any], warnings: list[str]) -> None:
    """Print the account's most likely products, or why the run learned none."""
    top = _top_product(account)
    if top is None:
        reason = next((text for text in warnings if text.startswith("product propensity")), None)
        if reason:
            out.print(f"No top product: {reason}", style="dim", markup=False)
        return
    others = [
        f"{item['product']} ({item['probability']:.0%})"
        for item in account["products"]
        if item["product"] != account["top_product"]
    ][:3]
    text = f"Most likely product: {top}"
    if others:
        text += f"; then {', '.join(others)}"
    out.print(text, markup=False)


@app.command()
def leads(
    account_id: Annotated[
        str | None, typer.Option("--account", help="Only leads of this account_id.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Number of leads.")] = 20,
    as_json: JsonOption = False,
    db: DbOption = None,
    run_id: RunOption = None,
) -> None:
    """List the best leads (contacts) of the latest run, by lead score."""
    from nextbest.scoring.store import RunStore

    try:
        store = RunStore(db)
        info = store.run(run_id)
        rows = store.leads(info.run_id, account_id=account_id, limit=limit)
        if account_id is not None and not store.accounts(info.run_id, account_id=account_id):
            raise StoreError(
                f"account {account_id!r} not found in run {info.run_id}; "
                "`nextbest top` lists the scored accounts"
            )
    except NextbestError as error:
        fail(error)
    if as_json:
        print_json(rows)
        return
    title = f"Top {counted(len(rows), 'lead')}, run {info.run_id}"
    table = Table(title=title, title_justify="left")
    for header in ("lead score", "contact", "account", "title", "persona", "source"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            f"{row['lead_score']:.1f}",
            escape(f"{row['lead_name'] or ''} ({row['contact_id']})"),
            escape(str(row["account_id"] or "unmatched")),
            escape(row["title"] or ""),
            escape(row["persona"] or ""),
            escape(row["lead_source"] or ""),
        )
    out.print(table)


@app.command()
def runs(
    limit: Annotated[int, typer.Option("--limit", min=1, help="Number of runs.")] = 10,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List stored scoring runs, newest first, with their input reports."""
    from nextbest.scoring.store import RunStore

    try:
        records = RunStore(db).runs(limit)
    except NextbestError as error:
        fail(error)
    if as_json:
        print_json([record.to_dict() for record in records])
        return
    if not records:
        out.print("No runs yet; `nextbest score DATA_DIR` creates one.")
    for record in records:
        out.print(
            f"[bold]{record.run_id}[/bold] as of {record.as_of}: {record.accounts:,} accounts "
            f"from {escape(record.data_dir)} (config {record.config_hash}, "
            f"inputs {record.input_fingerprint}"
            + (f", model {escape(record.model_version)}" if record.model_version else "")
            + ")"
        )
        for line in _report_lines(record.report):
            out.print(line, markup=False)


LlmOption = Annotated[
    bool | None,
    typer.Option(
        "--llm/--no-llm",
        help="Use the language model (needs OPENAI_API_KEY), or rules only. "
        "Default: the model when a key is set.",
        show_default=False,
    ),
]


def _agent_setup(db: str | None, run_id: str | None, chroma: Path | None) -> tuple[Any, Any]:
    """Load the settings and the tool dependencies: the store and, if indexed, the library."""
    from nextbest.content import ContentLibrary
    from nextbest.scoring.store import RunStore
    from nextbest.tools import ToolDeps

    settings = load_settings()
    if chroma is not None:
        settings = settings.model_copy(update={"chroma_path": chroma})
    library = ContentLibrary.from_settings(settings) if settings.chroma_dir.is_dir() else None
    deps = ToolDeps.latest(RunStore(db or settings.db), library, run_id=run_id)
    return settings, deps


@app.command()
def brief(
    account: Annotated[
        str | None,
        typer.Argument(help="Account id, or a name or part of one. Default: the top account."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the brief as JSON.")] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print plain Markdown (for a CRM note or a file).")
    ] = False,
    llm: LlmOption = None,
    db: DbOption = None,
    run_id: RunOption = None,
    chroma: ChromaOption = None,
) -> None:
    """Tell a rep what to do next about one account: whom, which channel, when, what to send.

    Built from the latest scoring run and the content index (`nextbest content index DIR`).
    Without a model the brief comes from rules and templates; with one, the agent writes it
    and the guardrails check it.
    """
    from rich.markdown import Markdown

    from nextbest.agent.llm import make_brief
    from nextbest.api.render import brief_markdown

    if account is not None and not account.strip():
        usage_error("ACCOUNT", "the account is empty; give an id or a name, or leave it out")
    if run_id is not None and not run_id.strip():
        usage_error("--run", "the run id is empty; `nextbest runs` lists them")
    try:
        settings, deps = _agent_setup(db, run_id, chroma)
        if account is None:
            top = deps.store.accounts(deps.run.run_id, limit=1)
            if not top:
                raise StoreError(f"run {deps.run.run_id} has no accounts")
            account = top[0]["account_id"]
        result = make_brief(deps, account, settings, use_llm=llm)
    except NextbestError as error:
        fail(error)
    if as_json:
        print_json(result.model_dump(mode="json"))
    elif markdown or not out.is_terminal:
        out.print(brief_markdown(result), markup=False, end="")
    else:
        out.print(Markdown(brief_markdown(result)))


@app.command()
def chat(
    message: Annotated[
        list[str] | None,
        typer.Option("--message", "-m", help="Ask this and exit; repeat for several turns."),
    ] = None,
    llm: LlmOption = None,
    db: DbOption = None,
    run_id: RunOption = None,
    chroma: ChromaOption = None,
) -> None:
    """Ask about your accounts in plain words: "who should I call today?", "why is ACC-1 tier A?".

    With a language model, the agent handles any question the tools can support and keeps the
    conversation. Without one, it lists top accounts, explains a rank and writes briefs.
    Type `exit` or press Ctrl-D to leave.
    """
    from rich.markdown import Markdown

    from nextbest.agent.chat import open_chat
    from nextbest.api.render import brief_markdown

    try:
        settings, deps = _agent_setup(db, run_id, chroma)
        session = open_chat(deps, settings, use_llm=llm)
    except NextbestError as error:
        fail(error)
    mode = "the language model" if settings.llm_enabled and llm is not False else "rules only"
    turns = iter(message) if message else None
    if turns is None:
        err.print(f"nextbest chat ({mode}, run {deps.run.run_id}). Type `help` or `exit`.")
    while True:
        if turns is not None:
            question = next(turns, None)
            if question is None:
                return
        else:
            try:
                question = input("you> ")
            except (EOFError, KeyboardInterrupt):
                err.print()
                return
        if question.strip().lower() in {"exit", "quit"}:
            return
        try:
            reply = session.ask(question)
        except NextbestError as error:
            err.print(f"error: {error}", markup=False)
            continue
        text = reply.text
        if reply.brief is not None:
            text += "\n\n" + brief_markdown(reply.brief)
        if out.is_terminal:
            out.print(Markdown(text))
        else:
            out.print(text, markup=False)


@app.command()
def mcp(db: DbOption = None, chroma: ChromaOption = None, run_id: RunOption = None) -> None:
    """Serve the tools to a desktop assistant over MCP, the Model Context Protocol.

    The assistant starts this command itself and talks to it on stdin and
    stdout. It gets account_score, top_accounts, surging_topics,
    engagement_timeline, buying_group, search_content (when a content index
    exists) and outreach_brief. Add the server to the assistant's JSON config
    (for Claude Desktop, claude_desktop_config.json) with absolute paths,
    because the assistant does not start in your project folder:

    ```json
    {
      "mcpServers": {
        "nextbest": {
          "command": "/path/to/project/.venv/bin/nextbest",
          "args": ["mcp",
            "--db", "sqlite:////path/to/project/.nextbest/nextbest.db",
            "--chroma", "/path/to/project/.nextbest/chroma"],
          "env": {"NEXTBEST_SHARE_CONTACT_DETAILS": "false"}
        }
      }
    }
    ```

    Contact emails and phone numbers are redacted unless "env" sets
    NEXTBEST_SHARE_CONTACT_DETAILS to true. With OPENAI_API_KEY in "env",
    outreach_brief uses the language model when a call sets llm to true.
    Standard output carries only the protocol; logs and errors go to
    standard error.
    """
    import logging
    from contextlib import redirect_stdout

    from nextbest.api.mcp_server import open_services, serve_stdio

    if run_id is not None and not run_id.strip():
        usage_error("--run", "the run id is empty; `nextbest runs` lists them")
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("nextbest").setLevel(logging.INFO)
    settings = load_settings()
    if chroma is not None:
        settings = settings.model_copy(update={"chroma_path": chroma})
    try:
        # Anything printed while the store, the index and the model open goes to standard
        # error, because standard output belongs to the protocol.
        with redirect_stdout(sys.stderr):
            services = open_services(settings, db, run_id, need_index=chroma is not None)
    except NextbestError as error:
        fail(error)
    try:
        serve_stdio(services)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


api_key_app = typer.Typer(
    help="Create API keys for `nextbest serve`.", no_args_is_help=True, rich_markup_mode="markdown"
)
app.add_typer(api_key_app, name="api-key")


@api_key_app.command("create")
def api_key_create(
    scope: Annotated[
        str, typer.Option("--scope", help="read: look up; write: briefs and chat; admin: runs.")
    ] = "read",
    name: Annotated[str, typer.Option("--name", help="A label to recognise the key by.")] = "",
    db: DbOption = None,
) -> None:
    """Create an API key. It is printed once, alone on the last line, and stored only hashed."""
    from nextbest.api.keys import SCOPES, KeyStore
    from nextbest.scoring.store import RunStore

    if scope not in SCOPES:
        usage_error("--scope", f"expected read, write or admin, got {scope!r}")
    if not name.isprintable() or len(name) > 100:
        usage_error("--name", "expected up to 100 printable characters, without line breaks")
    try:
        key, token = KeyStore(RunStore(db or load_settings().db)).create(scope, name)  # type: ignore[arg-type]
    except NextbestError as error:
        fail(error)
    err.print(
        f"Created API key {key.key_id} ({key.name}, scope {key.scope}). Send it as "
        "`Authorization: Bearer KEY`; it cannot be shown again.",
        markup=False,
    )
    print(token)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    db: DbOption = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Folder of exports that `POST /v1/runs` scores (or NEXTBEST_DATA_DIR).",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Scoring config for those runs (or NEXTBEST_CONFIG).",
            show_default=False,
        ),
    ] = None,
    chroma: ChromaOption = None,
) -> None:
    """Serve the chat page at /, the HTTP API under /v1 and the Slack bot at /slack/events.

    The API is documented at /docs. Every route but the page and the health checks needs an
    API key, made with `nextbest api-key create --scope read|write|admin`.

    Browsers on other origins are refused unless listed, as in
    NEXTBEST_CORS_ORIGINS='["https://crm.example.com"]'. The Slack bot runs when
    NEXTBEST_SLACK_BOT_TOKEN and NEXTBEST_SLACK_SIGNING_SECRET are set.
    """
    import uvicorn

    from nextbest.api.main import create_app

    settings = load_settings()
    updates = {
        key: value
        for key, value in (("data_dir", data_dir), ("config", config), ("chroma_path", chroma))
        if value is not None
    }
    settings = settings.model_copy(update=updates)
    # Checked at start, whether set by option or environment, so a typo is not found later.
    if settings.data_dir is not None and not settings.data_dir.is_dir():
        source = "--data" if data_dir is not None else "NEXTBEST_DATA_DIR"
        usage_error(source, f"{settings.data_dir} is not a folder")
    if settings.config is not None:
        source = "--config" if config is not None else "NEXTBEST_CONFIG"
        try:
            load_config(settings.config)
        except NextbestError as error:
            usage_error(source, str(error))
    if chroma is not None and not chroma.is_dir():
        usage_error("--chroma", f"{chroma} is not a folder; build it with `nextbest content index`")
    out.print(f"Serving on http://{host}:{port}/ (API documentation at /docs); Ctrl+C stops.")
    # The app logs one line per request with its id; uvicorn's access log would repeat it
    # with the query string, which can carry names.
    # No route takes a WebSocket, and uvicorn would log refused upgrades with the query string.
    uvicorn.run(
        create_app(settings, db),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        ws="none",
    )


@app.command()
def slack(
    socket: Annotated[
        bool,
        typer.Option(
            "--socket",
            help="Connect to Slack over Socket Mode (needs NEXTBEST_SLACK_APP_TOKEN), for a "
            "workspace that cannot reach this service over HTTP.",
        ),
    ] = False,
    db: DbOption = None,
    chroma: ChromaOption = None,
) -> None:
    """Run the Slack bot over Socket Mode until interrupted.

    Over HTTP the bot needs no command of its own: `nextbest serve` serves it at
    /slack/events when NEXTBEST_SLACK_BOT_TOKEN and NEXTBEST_SLACK_SIGNING_SECRET are set.
    """
    from nextbest.api.deps import Services
    from nextbest.api.jobs import ScoringJobs
    from nextbest.api.keys import KeyStore
    from nextbest.api.slack import check_socket_mode, run_socket_mode
    from nextbest.content import ContentLibrary
    from nextbest.scoring.store import RunStore

    if not socket:
        usage_error(
            "--socket",
            "missing; over HTTP the bot runs inside `nextbest serve` at /slack/events, and "
            "`nextbest slack --socket` connects over Socket Mode instead",
        )
    settings = load_settings()
    if chroma is not None:
        settings = settings.model_copy(update={"chroma_path": chroma})
    try:
        check_socket_mode(settings)
        store = RunStore(db or settings.db)
        library = ContentLibrary.from_settings(settings) if settings.chroma_dir.is_dir() else None
    except NextbestError as error:
        fail(error)
    err.print("Connecting to Slack over Socket Mode; press Ctrl-C to stop.", markup=False)
    jobs = ScoringJobs(settings, store)
    run_socket_mode(settings, Services(settings, store, KeyStore(store), library, jobs))


@app.command("sample-data")
def sample_data(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the sample tables into.")],
    accounts: Annotated[int, typer.Option("--accounts", min=1, help="Number of accounts.")] = 500,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; the same seed gives the same files.")
    ] = 7,
    end_date: Annotated[
        str | None,
        typer.Option(
            "--end-date",
            help="Last day of generated history (YYYY-MM-DD). Default: today.",
            show_default=False,
        ),
    ] = None,
    file_format: Annotated[
        str, typer.Option("--format", help="csv or parquet.", case_sensitive=False)
    ] = "csv",
) -> None:
    """Write a realistic sample: accounts, contacts, activities, intent, opportunities, content.

    A hidden "in market" propensity drives the behaviour. It is written to truth/in_market.csv,
    which scoring never reads, so you can check how well the score recovers it.
    """
    from nextbest.samples.generator import generate_sample

    if file_format.lower() not in {"csv", "parquet"}:
        usage_error("--format", f"expected csv or parquet, got {file_format!r}")
    end = _parse_date(end_date, "--end-date")
    try:
        with _Steps() as steps:
            last: list[str] = []

            def report(step: str, done: int, total: int) -> None:
                if not last or last[0] != step:
                    steps.step("Building the tables" if step == "generate" else f"Writing {step}")
                    last[:] = [step]
                steps.advance(done, total)

            summary = generate_sample(
                out_dir,
                accounts=accounts,
                seed=seed,
                end_date=end,
                file_format=file_format.lower(),
                progress=report,  # type: ignore[arg-type]
            )
    except ValueError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    except OSError as error:
        err.print(f"[red]error:[/red] cannot write {escape(str(out_dir))}: {error.strerror}")
        raise typer.Exit(2) from None
    rows = ", ".join(f"{count:,} {table}" for table, count in summary.rows.items())
    out.print(
        f"Wrote {rows} and {summary.content_assets} content assets to {out_dir}", markup=False
    )
    out.print(f"Next: nextbest score {out_dir}", markup=False)


@config_app.command("defaults")
def config_defaults() -> None:
    """Print the shipped defaults, with comments: weights, bands, half-lives, thresholds, topics."""
    sys.stdout.write(defaults_text())


@config_app.command("check")
def config_check(
    path: Annotated[Path, typer.Argument(help="Config file to validate.")],
) -> None:
    """Validate a config file merged over the defaults and print its hash."""
    try:
        settings = load_config(path)
    except NextbestError as error:
        fail(error)
    out.print(f"{path}: valid, config hash {settings.config_hash()}", markup=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
