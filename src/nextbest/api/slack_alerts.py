"""Tier-A alerts: after a scoring run, post the accounts that newly crossed into tier A.

Used by `nextbest score` and by any route that stores a run. Slack errors are raised to the
caller, which decides whether a failed post matters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient

from nextbest.api.slack_blocks import (
    SlackMessage,
    bullets,
    context,
    escape,
    header,
    section,
)
from nextbest.scoring.store import RunInfo, RunStore

logger = logging.getLogger("nextbest.slack")

REASONS_SHOWN = 3
# At most this many accounts are listed, which keeps the message within Slack's 50 blocks.
ACCOUNTS_SHOWN = 20


@dataclass(frozen=True)
class Crossing:
    """An account in tier A in the new run that was not in the previous one."""

    account_id: str
    name: str
    score: float
    rank: int
    owner: str | None
    reasons: list[str]
    previous_tier: str | None = None  # None: the account is new in this run
    previous_score: float | None = None


@dataclass(frozen=True)
class TierAlert:
    """The outcome of an announcement: the runs compared, the crossings and the posted message."""

    run: RunInfo
    previous: RunInfo | None
    crossings: list[Crossing]
    channel: str
    ts: str | None = None  # the posted message's timestamp; None when nothing was posted

    def summary(self) -> str:
        """Describe the outcome in one line, for a log or a command's output."""
        if self.previous is None:
            return (
                f"No earlier run to compare run {self.run.run_id} with (it is the first as of "
                f"{self.run.as_of} or before, or a backtest); no tier-A alert posted."
            )
        if not self.crossings:
            return (
                f"No account crossed into tier A since run {self.previous.run_id}; "
                "nothing posted to Slack."
            )
        return (
            f"Posted {_accounts(len(self.crossings))} that crossed into tier A since run "
            f"{self.previous.run_id} to Slack channel {self.channel}."
        )


def _accounts(count: int) -> str:
    return "1 account" if count == 1 else f"{count:,} accounts"


def new_tier_a(
    store: RunStore, run_id: str, previous_run_id: str | None = None
) -> tuple[RunInfo, RunInfo | None, list[Crossing]]:
    """Find the accounts in tier A in `run_id` but not in the previous run, in rank order.

    The previous run defaults to the one stored just before. Accounts missing from it count as
    crossings. Without a previous run there is nothing to compare, so the list is empty.
    """
    run = store.run(run_id)
    if previous_run_id:
        previous = store.run(previous_run_id)
    else:
        stored_before = store.previous_run(run.run_id)
        if stored_before is not None and stored_before.as_of > run.as_of:
            # A backtest: its accounts are not news, so there is nothing to announce.
            return run, None, []
        previous = store.previous_run(run.run_id, backtests=False)
    if previous is None:
        return run, None, []
    before = store.tiers(previous.run_id)
    crossings = []
    for row in store.accounts(run.run_id, tier="A"):
        old_tier, old_score = before.get(row["account_id"], (None, None))
        if old_tier == "A":
            continue
        crossings.append(
            Crossing(
                account_id=row["account_id"],
                name=row["name"],
                score=row["score"],
                rank=row["rank"],
                owner=row["owner"],
                reasons=row["reasons"][:REASONS_SHOWN],
                previous_tier=old_tier,
                previous_score=old_score,
            )
        )
    return run, previous, crossings


def _before(crossing: Crossing) -> str:
    if crossing.previous_tier is None:
        return "new in this run"
    return f"was tier {crossing.previous_tier} ({crossing.previous_score:g})"


def tier_a_message(run: RunInfo, previous: RunInfo, crossings: list[Crossing]) -> SlackMessage:
    """Render the alert: one section per account with its score, former tier and top reasons."""
    title = f"{_accounts(len(crossings))} crossed into tier A"
    blocks = [
        header(title),
        context(
            f"Run `{escape(run.run_id)}` as of {run.as_of}, compared with run "
            f"`{escape(previous.run_id)}` as of {previous.as_of}."
        ),
    ]
    lines = []
    for crossing in crossings[:ACCOUNTS_SHOWN]:
        owner = f" · owner {escape(crossing.owner)}" if crossing.owner else ""
        reasons = [escape(reason) for reason in crossing.reasons]
        blocks.append(
            section(
                f"*{escape(crossing.name)}* ({escape(crossing.account_id)}) · score "
                f"*{crossing.score:g}*, rank {crossing.rank} · {_before(crossing)}{owner}\n"
                f"{bullets(reasons)}"
            )
        )
        lines.append(
            f"• {escape(crossing.name)} ({escape(crossing.account_id)}), score "
            f"{crossing.score:g}, {_before(crossing)}: {'; '.join(reasons) or 'no reasons'}"
        )
    hidden = len(crossings) - ACCOUNTS_SHOWN
    if hidden > 0:
        more = f"… and {_accounts(hidden)} more: `/nextbest top A` lists every tier A account."
        blocks.append(context(more))
        lines.append(more)
    text = f"{title} in the run of {run.as_of}:\n" + "\n".join(lines)
    return SlackMessage(text, blocks)


def announce_new_tier_a(
    store: RunStore,
    client: WebClient,
    channel: str,
    run_id: str,
    previous_run_id: str | None = None,
) -> TierAlert:
    """Post the accounts that newly crossed into tier A to `channel` as one message.

    Nothing is posted when no account crossed or when there is no previous run. Raises
    slack_sdk's SlackApiError or SlackClientError when the post fails, and StoreError when the
    runs cannot be read.
    """
    run, previous, crossings = new_tier_a(store, run_id, previous_run_id)
    if previous is None or not crossings:
        return TierAlert(run, previous, crossings, channel)
    message = tier_a_message(run, previous, crossings)
    response = client.chat_postMessage(channel=channel, unfurl_links=False, **message.as_kwargs())
    logger.info(
        "posted the tier-A alert of run %s to %s: %d accounts", run.run_id, channel, len(crossings)
    )
    return TierAlert(run, previous, crossings, channel, ts=response.get("ts"))
