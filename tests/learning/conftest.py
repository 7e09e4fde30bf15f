"""A made-up folder of deals whose outcomes follow one known signal, for learning tests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import write_files

LEARNING_CONFIG = "learning:\n  min_outcomes: 10\n"


def deal_folder(folder: Path, future: bool = False) -> Path:
    """120 accounts, one deal each, created on the 15th of January to June 2026.

    A third of the accounts ("hot") viewed the pricing page once, 3 days before the month their
    deal was created in, and won. The others viewed it three times 20 days before, and lost. One
    account in ten has the opposite outcome. A short decay half-life (7 days or less) ranks the
    outcomes; 14 days or more ranks them backwards, because three old views outweigh one recent
    view. `future` adds rows dated in or after April 2026 that must not change earlier features.
    """
    accounts = ["account_id,name,domain,industry,employees,country"]
    deals = ["opportunity_id,account_id,created_at,outcome,closed_at,amount,product,lead_source"]
    activities = ["occurred_at,type,account_id"]
    for index in range(120):
        account = f"A{index:03d}"
        industry = "Software" if index % 2 else "Retail"
        accounts.append(f"{account},Company {index},c{index}.example.com,{industry},500,US")
        month = index % 6 + 1
        snapshot = date(2026, month, 1)
        hot = index % 3 == 0
        won = hot != (index % 10 == 7)
        created = date(2026, month, 15)
        source = "Webinar" if index % 4 else "Partner Referral"
        deals.append(
            f"D{index:03d},{account},{created},{'won' if won else 'lost'},"
            f"{created + timedelta(days=60)},{1000 if won else 0},Core,{source}"
        )
        if hot:
            activities.append(f"{snapshot - timedelta(days=3)},pricing_page_view,{account}")
        else:
            activities.extend(
                f"{snapshot - timedelta(days=20)},pricing_page_view,{account}" for _ in range(3)
            )
        if future and snapshot >= date(2026, 4, 1):
            # A burst of activity on the day of the snapshot and after it.
            activities.extend(f"{snapshot},demo_request,{account}" for _ in range(2))
        if future:
            activities.append(f"2026-04-02,meeting,{account}")
            deals.append(f"F{index:03d},{account},2026-04-20,won,2026-05-01,5000,Core,Webinar")
    return write_files(
        folder,
        {
            "accounts.csv": "\n".join(accounts) + "\n",
            "opportunities.csv": "\n".join(deals) + "\n",
            "activities.csv": "\n".join(activities) + "\n",
        },
    )


@pytest.fixture
def learning_config(tmp_path: Path) -> Path:
    path = tmp_path / "learning.yaml"
    path.write_text(LEARNING_CONFIG, encoding="utf-8")
    return path
