"""Product propensity: learned inside a scoring run from the wins before its as-of date."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nextbest.learning.propensity import MIN_WON_OPPORTUNITIES, ProductPropensity
from nextbest.scoring.config import load_config
from nextbest.scoring.runs import ScoredRun, score_folder
from tests.conftest import write_files

AS_OF = date(2026, 6, 1)
REPO = Path(__file__).resolve().parents[2]
MAVEN_PRODUCTS = {
    "GTX Basic",
    "GTX Pro",
    "GTX Plus Basic",
    "GTX Plus Pro",
    "GTK 500",
    "MG Special",
    "MG Advanced",
}
PROPENSITY_COLUMNS = ["account_id", "top_product", "top_product_probability"]


def _accounts(industries: dict[str, str]) -> str:
    lines = ["account_id,name,industry,employees,annual_revenue,country"]
    for index, (account_id, industry) in enumerate(industries.items()):
        lines.append(
            f"{account_id},Company {account_id},{industry},{100 + 37 * index},"
            f"{1_000_000 * (index + 1)},{'US' if index % 2 else 'DE'}"
        )
    return "\n".join(lines) + "\n"


def _wins(products: dict[str, str], per_account: int, prefix: str = "") -> list[str]:
    """Return won deals in 2025, `per_account` of them for each account, of its product."""
    rows = []
    for account_id, product in products.items():
        for number in range(per_account):
            created = date(2025, 1, 6) + timedelta(days=40 * number)
            closed = created + timedelta(days=30)
            rows.append(
                f"{prefix}{account_id}-{number},{account_id},{created},won,{closed},1000,{product}"
            )
    return rows


def _opportunities(rows: list[str]) -> str:
    header = "opportunity_id,account_id,created_at,outcome,closed_at,amount,product"
    return "\n".join([header, *rows]) + "\n"


# Retail accounts always buy Basic, banks Premium. R5, R6, B5 and B6 never bought anything.
INDUSTRIES = {
    **{f"R{number}": "Retail" for number in range(1, 7)},
    **{f"B{number}": "Banking" for number in range(1, 7)},
}
BUYERS = {
    **{f"R{number}": "Basic" for number in range(1, 5)},
    **{f"B{number}": "Premium" for number in range(1, 5)},
}


def _score(folder: Path, as_of: date = AS_OF) -> ScoredRun:
    return score_folder(folder, load_config(), as_of)


def _top(run: ScoredRun) -> dict[str, str | None]:
    return dict(zip(run.accounts["account_id"], run.accounts["top_product"], strict=True))


def _by_account(run: ScoredRun) -> pd.DataFrame:
    return run.accounts[PROPENSITY_COLUMNS].sort_values("account_id").reset_index(drop=True)


def _products(run: ScoredRun) -> dict[str, list[dict[str, object]]]:
    assert run.evidence is not None
    return {
        row.account_id: json.loads(row.evidence)["products"]
        for row in run.evidence.itertuples(index=False)
    }


@pytest.fixture
def industry_folder(tmp_path: Path) -> Path:
    return write_files(
        tmp_path / "data",
        {
            "accounts.csv": _accounts(INDUSTRIES),
            "opportunities.csv": _opportunities(_wins(BUYERS, per_account=4)),
        },
    )


def test_industry_decides_top_product(industry_folder: Path) -> None:
    run = _score(industry_folder)

    expected = {
        account_id: "Basic" if industry == "Retail" else "Premium"
        for account_id, industry in INDUSTRIES.items()
    }
    assert _top(run) == expected
    assert (run.accounts["top_product_probability"] > 0.5).all()
    assert not [warning for warning in run.report.warnings if "propensity" in warning]


def test_evidence_keeps_every_product_probability(industry_folder: Path) -> None:
    run = _score(industry_folder)

    products = _products(run)["R5"]
    top = run.accounts.set_index("account_id").loc["R5"]
    assert [item["product"] for item in products] == ["Basic", "Premium"]
    assert products[0]["probability"] == top["top_product_probability"]
    assert sum(item["probability"] for item in products) == pytest.approx(1.0, abs=0.002)


def test_intent_before_each_deal_decides(tmp_path: Path) -> None:
    industries = {f"A{number}": "Software" for number in range(1, 11)}
    buyers = {
        **{f"A{number}": "Access" for number in range(1, 5)},
        **{f"A{number}": "Cloud" for number in range(5, 9)},
    }
    topics = {"Access": "Zero Trust", "Cloud": "Cloud Security"}
    wins = _wins(buyers, per_account=4)
    intent = ["account_id,topic,score,week"]
    for row in wins:
        _, account_id, created, *_rest, product = row.split(",")
        week = date.fromisoformat(created) - timedelta(days=14)
        intent.append(f"{account_id},{topics[product]},85,{week}")
    # A9 and A10 never bought. Each surged on one topic in the two weeks before the as-of date.
    intent.append(f"A9,Zero Trust,90,{AS_OF - timedelta(days=14)}")
    intent.append(f"A10,Cloud Security,90,{AS_OF - timedelta(days=14)}")
    folder = write_files(
        tmp_path / "data",
        {
            "accounts.csv": _accounts(industries),
            "opportunities.csv": _opportunities(wins),
            "intent.csv": "\n".join(intent) + "\n",
        },
    )

    top = _top(_score(folder))

    assert top["A9"] == "Access"
    assert top["A10"] == "Cloud"


def test_future_won_deal_changes_nothing(industry_folder: Path, tmp_path: Path) -> None:
    later = [
        *_wins(BUYERS, per_account=4),
        # Two deals created after the as-of date, and one created before it but won after it.
        f"LATE-1,R5,{AS_OF + timedelta(days=3)},won,{AS_OF + timedelta(days=30)},1000,Premium",
        f"LATE-2,R6,{AS_OF - timedelta(days=20)},won,{AS_OF + timedelta(days=5)},1000,Premium",
        f"LATE-3,B1,{AS_OF + timedelta(days=10)},won,{AS_OF + timedelta(days=40)},1000,Basic",
    ]
    moved = write_files(
        tmp_path / "moved",
        {"accounts.csv": _accounts(INDUSTRIES), "opportunities.csv": _opportunities(later)},
    )

    before = _score(industry_folder)
    after = _score(moved)

    # The deal still open at the as-of date moves R6 in the ranking, so rows are compared by id.
    pd.testing.assert_frame_equal(_by_account(before), _by_account(after))
    assert _products(before) == _products(after)


def test_too_few_wins_warns(small_dir: Path) -> None:
    run = score_folder(small_dir, load_config(), date(2026, 12, 1))

    assert (
        f"product propensity needs at least {MIN_WON_OPPORTUNITIES} won opportunities with a "
        "product; found 1, so no account has a top product"
    ) in run.report.warnings
    assert run.accounts["top_product"].isna().all()
    assert run.accounts["top_product_probability"].isna().all()
    assert all(products == [] or products is None for products in _products(run).values())


def test_one_frequent_product_warns(tmp_path: Path) -> None:
    buyers = {account_id: "Basic" for account_id in INDUSTRIES}
    rows = _wins(buyers, per_account=3) + _wins({"B6": "Premium"}, per_account=4, prefix="P")
    folder = write_files(
        tmp_path / "data",
        {"accounts.csv": _accounts(INDUSTRIES), "opportunities.csv": _opportunities(rows)},
    )

    run = _score(folder)

    assert run.report.warnings[-1] == (
        "product propensity needs at least 2 products with 5 or more won opportunities each; "
        "found 1 (Basic), so no account has a top product"
    )
    assert run.accounts["top_product"].isna().all()


def test_model_rejects_one_product() -> None:
    frame = pd.DataFrame(
        {"industry": ["a", "b"], "country": ["US", "US"], "region": ["x", "x"], "size": [1.0, 2.0]}
    )

    with pytest.raises(ValueError, match=r"y must contain at least 2 products, got \['P'\]"):
        ProductPropensity().fit(frame, ["P", "P"])


def test_model_predicts_unseen_industry() -> None:
    frame = pd.DataFrame(
        {
            "industry": ["retail"] * 10 + ["banking"] * 10,
            "country": ["US"] * 20,
            "region": ["unknown"] * 20,
            "size": np.linspace(1, 2, 20),
        }
    )
    labels = ["Basic"] * 10 + ["Premium"] * 10
    model = ProductPropensity().fit(frame, labels, groups=np.arange(20) % 5)
    unseen = frame.head(1).assign(industry="mining")

    probability = model.predict_proba(unseen)

    assert list(model.classes_) == ["Basic", "Premium"]
    assert probability.shape == (1, 2)
    assert probability.sum() == pytest.approx(1.0)
    assert list(model.predict(frame.iloc[[0, 10]])) == ["Basic", "Premium"]


def test_maven_accounts_get_a_top_product(shared_data: Path) -> None:
    config = load_config(REPO / "examples" / "maven_crm.yaml")

    run = score_folder(shared_data / "maven_crm", config, date(2017, 7, 1))

    assert len(run.accounts) == 85
    assert set(run.accounts["top_product"]) <= MAVEN_PRODUCTS
    assert run.accounts["top_product"].notna().all()
    probabilities = run.accounts["top_product_probability"]
    assert ((probabilities > 1 / len(MAVEN_PRODUCTS)) & (probabilities < 1)).all()
    assert not [warning for warning in run.report.warnings if "propensity" in warning]
