from __future__ import annotations

import copy
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from nextbest.api.cli import app
from nextbest.learning.report import (
    NO_MODEL,
    NO_SCORES,
    NO_VALIDATION,
    build_figures,
    render_html,
    write_html,
)
from nextbest.scoring.evaluation import evaluate

runner = CliRunner()

# Twenty test rows, highest probability first, 6 converted: an overall rate of 0.3.
PROBABILITIES = [round(1 - step * 0.05, 2) for step in range(20)]
OUTCOMES = [1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
TIERS = {
    "tiers": [
        {
            "tier": "A",
            "accounts": 120,
            "converted": 30,
            "rate": 0.25,
            "rate_low": 0.18,
            "rate_high": 0.33,
            "won_value": 125000.0,
        },
        {
            "tier": "B",
            "accounts": 300,
            "converted": 24,
            "rate": 0.08,
            "rate_low": 0.054,
            "rate_high": 0.116,
            "won_value": 40000.0,
        },
        {
            "tier": "C",
            "accounts": 900,
            "converted": 9,
            "rate": 0.01,
            "rate_low": 0.005,
            "rate_high": 0.019,
            "won_value": 3000.0,
        },
    ],
    "warnings": ["tier C has few conversions"],
}
SCORES = [0, 4.9, 5, 12.5, 39.9, 40, 40, 69.9, 70, 99.9, 100]
CUTOFFS = {"B": 40.0, "A": 70.0}
FIGURE_NAMES = [
    "roc",
    "lift_by_decile",
    "calibration",
    "conversion_by_tier",
    "score_distribution",
    "top_weights",
]


def small_model(**changes: Any) -> dict[str, Any]:
    """A model report over the twenty rows, with a baseline that gives every row 0.3."""
    baseline = [0.3] * 20
    weights = [
        {
            "feature": f"feature {index:02d}",
            "coefficient": (-1) ** index * index / 10,
            "odds_ratio": math.exp((-1) ** index * index / 10),
            "text": f"feature {index:02d} multiplies the odds by {math.exp(index / 10):.1f}",
        }
        for index in range(20)
    ]
    report = {
        "model_version": "m-20261205-0315-ab12cd",
        "level": "accounts",
        "label": "won",
        "created_at": "2026-12-05T03:15:00",
        "split": "time",
        "n_train": 46,
        "n_test": 20,
        "chosen": "logistic",
        "auc": 0.8929,
        "auc_low": 0.75,
        "auc_high": 0.98,
        "pr_auc": 0.81,
        "brier": 0.15,
        "lift_top_decile": 3.3333,
        "baseline_auc": 0.6,
        "models": {"logistic": {"auc": 0.8929, "pr_auc": 0.81, "brier": 0.15}},
        "test": {
            "outcomes": OUTCOMES,
            "probabilities": {"logistic": PROBABILITIES, "baseline": baseline},
        },
        "weights": weights,
        "warnings": ["only 20 test rows"],
    }
    return report | changes


def realistic_model(seed: int = 3) -> dict[str, Any]:
    """A model report of real scikit-learn models fitted on 3,000 generated leads."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    features = [
        "Lead Origin = Lead Add Form",
        "Total Time Spent on Website",
        "Last Activity = Email Bounced",
        "Spend $ (USD) last quarter",
        "What is your current occupation = Working Professional",
        "Lead Source = Olark Chat",
        "Page Views Per Visit",
        "Do Not Email = Yes",
        "<script>alert(1)</script>",
        "Country = India",
    ]
    x, y = make_classification(
        n_samples=3000,
        n_features=len(features),
        n_informative=6,
        n_redundant=2,
        weights=[0.7],
        flip_y=0.05,
        random_state=seed,
    )
    x = StandardScaler().fit_transform(x)
    train, test = slice(0, 2000), slice(2000, None)
    logistic = LogisticRegression(max_iter=1000).fit(x[train], y[train])
    boosting = HistGradientBoostingClassifier(max_iter=60, random_state=seed).fit(
        x[train], y[train]
    )
    baseline = LogisticRegression().fit(x[train, :2], y[train])
    probabilities = {
        "logistic": logistic.predict_proba(x[test])[:, 1],
        "boosting": boosting.predict_proba(x[test])[:, 1],
        "baseline": baseline.predict_proba(x[test, :2])[:, 1],
    }
    figures = {
        name: evaluate(y[test], values, samples=200).to_dict()
        for name, values in probabilities.items()
    }
    chosen = max(("logistic", "boosting"), key=lambda name: figures[name]["auc"])
    weights = [
        {
            "feature": feature,
            "coefficient": float(coefficient),
            "odds_ratio": float(np.exp(coefficient)),
            "text": f"{feature} multiplies the odds of converting by {np.exp(coefficient):.2f}",
        }
        for feature, coefficient in zip(features, logistic.coef_[0], strict=True)
    ]
    return {
        "model_version": "m-20261205-0315-ab12cd",
        "level": "leads",
        "label": "won",
        "created_at": "2026-12-05T03:15:00",
        "split": "stratified",
        "n_train": 2000,
        "n_test": 1000,
        "chosen": chosen,
        **{key: figures[chosen][key] for key in ("auc", "auc_low", "auc_high", "pr_auc")},
        "brier": figures[chosen]["brier"],
        "lift_top_decile": figures[chosen]["lift_top_decile"],
        "baseline_auc": figures["baseline"]["auc"],
        "models": figures,
        "test": {
            "outcomes": y[test].tolist(),
            "probabilities": {name: values.tolist() for name, values in probabilities.items()},
        },
        "weights": weights,
        "warnings": ["the time split was not possible: no dates on 12% of leads"],
    }


class _Tags(HTMLParser):
    """Collect the problems of a page's structure: unclosed or stray tags, and the images."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "script":
            self.scripts += 1
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()


def _parsed(page: str) -> _Tags:
    tags = _Tags()
    tags.feed(page)
    tags.close()
    return tags


def _figures_json(page: str) -> Any:
    found = re.search(r'<script type="application/json" id="figures">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return build_figures(small_model(), TIERS, SCORES, CUTOFFS)


@pytest.fixture(scope="module")
def page(figures: dict[str, Any]) -> str:
    return render_html(figures, "Report <for> Acme & Co")


def test_lift_by_decile_of_known_rows(figures: dict[str, Any]) -> None:
    lift = figures["lift_by_decile"]

    assert lift["overall_rate"] == 0.3
    assert [decile["count"] for decile in lift["deciles"]] == [2] * 10
    assert [decile["positives"] for decile in lift["deciles"]] == [2, 1, 1, 1, 0, 1, 0, 0, 0, 0]
    assert [decile["lift"] for decile in lift["deciles"]] == [
        3.3333,
        1.6667,
        1.6667,
        1.6667,
        0.0,
        1.6667,
        0.0,
        0.0,
        0.0,
        0.0,
    ]
    assert lift["deciles"][0]["rate"] == 1.0
    assert lift["deciles"][0]["max_probability"] == 1.0
    assert lift["deciles"][9]["min_probability"] == 0.05


def test_uneven_deciles_put_extra_rows_first() -> None:
    outcomes = [1, 0] * 11 + [1]
    model = small_model(
        test={"outcomes": outcomes, "probabilities": {"logistic": [0.5] * 23}}, chosen="logistic"
    )

    deciles = build_figures(model, None, None, None)["lift_by_decile"]["deciles"]

    assert [decile["count"] for decile in deciles] == [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]
    # Equal probabilities keep the rows in their order, so decile 1 is rows 0 to 2: 1, 0, 1.
    assert deciles[0]["positives"] == 2


def test_top_decile_lift_matches_evaluation() -> None:
    generator = np.random.default_rng(5)
    outcomes = generator.integers(0, 2, 517)
    probabilities = np.round(generator.random(517), 2)
    model = small_model(
        test={"outcomes": outcomes.tolist(), "probabilities": {"logistic": probabilities.tolist()}}
    )

    deciles = build_figures(model, None, None, None)["lift_by_decile"]["deciles"]

    assert deciles[0]["count"] == 52
    assert deciles[0]["lift"] == round(
        evaluate(outcomes, probabilities, samples=10).lift_top_decile, 4
    )


def test_calibration_of_known_rows(figures: dict[str, Any]) -> None:
    bins = figures["calibration"]["bins"]

    assert [point["count"] for point in bins] == [2] * 10
    assert [point["mean_predicted"] for point in bins] == [
        0.075,
        0.175,
        0.275,
        0.375,
        0.475,
        0.575,
        0.675,
        0.775,
        0.875,
        0.975,
    ]
    assert [point["observed"] for point in bins] == [0, 0, 0, 0, 0.5, 0, 0.5, 0.5, 0.5, 1]


def test_calibration_drops_bins_that_ties_empty() -> None:
    model = small_model(
        test={"outcomes": [0, 1] * 10, "probabilities": {"logistic": [0.2] * 10 + [0.6] * 10}}
    )

    bins = build_figures(model, None, None, None)["calibration"]["bins"]

    assert bins == [
        {"mean_predicted": 0.2, "observed": 0.5, "count": 10},
        {"mean_predicted": 0.6, "observed": 0.5, "count": 10},
    ]


def test_roc_of_known_rows(figures: dict[str, Any]) -> None:
    roc = figures["roc"]

    # Of the 6 x 14 converted and unconverted pairs, 75 are ranked the right way round.
    assert roc["chosen"]["auc"] == 0.8929
    assert roc["chosen"]["model"] == "logistic"
    assert roc["chosen"]["false_positive_rate"][0] == 0
    assert roc["chosen"]["true_positive_rate"][0] == 0
    assert roc["chosen"]["false_positive_rate"][-1] == 1
    assert roc["chosen"]["true_positive_rate"][-1] == 1
    assert roc["baseline"]["model"] == "baseline"


def test_roc_is_thinned_to_200_points() -> None:
    generator = np.random.default_rng(1)
    outcomes = generator.integers(0, 2, 5000)
    probabilities = np.clip(outcomes * 0.2 + generator.random(5000) * 0.8, 0, 1)
    model = small_model(
        test={"outcomes": outcomes.tolist(), "probabilities": {"logistic": probabilities.tolist()}}
    )

    curve = build_figures(model, None, None, None)["roc"]["chosen"]

    assert len(curve["false_positive_rate"]) == 200
    assert curve["false_positive_rate"][0] == 0
    assert curve["true_positive_rate"][-1] == 1
    assert curve["false_positive_rate"] == sorted(curve["false_positive_rate"])


def test_score_histogram_counts(figures: dict[str, Any]) -> None:
    distribution = figures["score_distribution"]

    assert distribution["bin_edges"] == list(range(0, 105, 5))
    assert distribution["counts"] == [2, 1, 1, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 2]
    assert distribution["count"] == 11
    assert list(distribution["cutoffs"].items()) == [("A", 70.0), ("B", 40.0)]


def test_top_weights_by_absolute_coefficient(figures: dict[str, Any]) -> None:
    weights = figures["top_weights"]

    assert weights["of"] == 20
    assert [weight["feature"] for weight in weights["weights"]] == [
        f"feature {index:02d}" for index in range(19, 4, -1)
    ]
    assert weights["weights"][0]["coefficient"] == -1.9
    assert weights["weights"][0]["odds_ratio"] == 0.1496


def test_odds_ratio_defaults_to_exp_coefficient() -> None:
    model = small_model(weights=[{"feature": "Country = India", "coefficient": 0.7}])

    weights = build_figures(model, None, None, None)["top_weights"]["weights"]

    assert weights == [
        {"feature": "Country = India", "coefficient": 0.7, "odds_ratio": 2.0138, "text": ""}
    ]


def test_conversion_by_tier_and_warnings(figures: dict[str, Any]) -> None:
    assert figures["conversion_by_tier"]["tiers"] == TIERS["tiers"]
    assert figures["warnings"] == ["only 20 test rows", "tier C has few conversions"]


def test_missing_inputs_give_reasons() -> None:
    figures = build_figures(None, None, None, None)

    for name in ("summary", "roc", "lift_by_decile", "calibration", "top_weights"):
        assert figures[name] == {"available": False, "reason": NO_MODEL}
    assert figures["conversion_by_tier"] == {"available": False, "reason": NO_VALIDATION}
    assert figures["score_distribution"] == {"available": False, "reason": NO_SCORES}
    assert NO_MODEL == "no trained model: run `nextbest train` first"
    assert figures["warnings"] == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"test": {"outcomes": [0, 1, 1], "probabilities": {"logistic": [0.1, 0.9]}}},
            "the model report has 2 test probabilities for 'logistic' but 3 test outcomes",
        ),
        (
            {"test": {"outcomes": [0, 1], "probabilities": {"boosting": [0.1, 0.9]}}},
            "the model report has no test probabilities for the chosen model 'logistic'",
        ),
        (
            {"test": {"outcomes": [0, 2], "probabilities": {"logistic": [0.1, 0.9]}}},
            "the model report's test outcomes must be a list of 0s and 1s",
        ),
        (
            {"test": {"outcomes": [0, 1], "probabilities": {"logistic": [0.1, 1.5]}}},
            "the model report's test probabilities for 'logistic' must be 0 to 1",
        ),
        ({"test": {}}, "the model report has no test outcomes"),
    ],
)
def test_invalid_test_set_gives_reason(changes: dict[str, Any], reason: str) -> None:
    figures = build_figures(small_model(**changes), None, None, None)

    for name in ("roc", "lift_by_decile", "calibration"):
        assert figures[name] == {"available": False, "reason": reason}
    assert figures["top_weights"]["available"]


def test_numpy_model_report_gives_json_figures() -> None:
    model = small_model(
        auc=np.float64(0.8929),
        n_test=np.int64(20),
        test={
            "outcomes": np.array(OUTCOMES),
            "probabilities": {"logistic": np.array(PROBABILITIES)},
        },
    )

    figures = build_figures(model, None, None, None)

    assert json.loads(json.dumps(figures))["summary"]["n_test"] == 20
    assert figures["lift_by_decile"]["deciles"][0]["lift"] == 3.3333


def test_one_class_outcomes_give_reasons() -> None:
    model = small_model(test={"outcomes": [0] * 12, "probabilities": {"logistic": [0.1] * 12}})

    figures = build_figures(model, None, None, None)

    assert figures["roc"]["reason"] == (
        "the test outcomes are all one class; an ROC curve needs both"
    )
    assert figures["lift_by_decile"]["reason"] == (
        "no test row converted, so there is no rate to compare against"
    )
    assert figures["calibration"]["bins"] == [{"mean_predicted": 0.1, "observed": 0.0, "count": 12}]


def test_scores_out_of_range_give_reason() -> None:
    figures = build_figures(None, None, [10, 130.5, float("nan")], CUTOFFS)

    assert figures["score_distribution"] == {
        "available": False,
        "reason": "2 scores are outside 0 to 100, such as 130.5",
    }


def test_page_is_self_contained(page: str) -> None:
    tags = _parsed(page)

    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert tags.problems == []
    assert tags.open == []
    assert len(tags.images) == 6
    assert all(str(image["src"]).startswith("data:image/png;base64,") for image in tags.images)
    assert all(image["alt"] for image in tags.images)
    assert "http://" not in page
    assert "https://" not in page
    assert re.search(r"\b(src|href)=\"(?!data:)", page) is None
    assert tags.scripts == 1
    for name in FIGURE_NAMES:
        section = page.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]
        assert section.count("<img ") == 1, name


def test_page_embeds_figures_json(page: str, figures: dict[str, Any]) -> None:
    assert _figures_json(page) == figures


def test_page_shows_summary_captions_and_warnings(page: str) -> None:
    assert "<title>Report &lt;for&gt; Acme &amp; Co</title>" in page
    assert "<h1>Report &lt;for&gt; Acme &amp; Co</h1>" in page
    assert '<section class="warnings" role="alert"><h2>Warnings</h2>' in page
    assert "<li>only 20 test rows</li><li>tier C has few conversions</li>" in page
    assert "<td>0.893 (0.750 to 0.980)</td>" in page
    assert "<td>3.33×</td>" in page
    assert "Here the top 10% converted at 3.3 times the overall rate of 30.0%." in page
    assert "Here the logistic model reaches 0.893, against 0.500 for the baseline." in page
    assert page.count("<figcaption>") == 6


def test_data_text_is_escaped() -> None:
    attack = "<script>alert(1)</script>"
    model = small_model(
        weights=[{"feature": attack, "coefficient": 1.2, "text": f"{attack} raises the odds"}],
        warnings=[f'"{attack}"', "`<b>bold</b>`"],
        chosen=attack,
        test={"outcomes": OUTCOMES, "probabilities": {attack: PROBABILITIES}},
    )
    validation = {"tiers": [dict(TIERS["tiers"][0], tier=attack)], "warnings": []}
    figures = build_figures(model, validation, SCORES, {attack: 50.0})

    page = render_html(figures, attack)

    assert page.count("<script") == 1
    assert "</script>" not in page.split('id="figures">')[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; raises the odds" in page
    assert "<li>&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;</li>" in page
    assert "<li><code>&lt;b&gt;bold&lt;/b&gt;</code></li>" in page
    assert _figures_json(page) == figures
    assert _parsed(page).problems == []


def test_dollar_signs_in_features_draw() -> None:
    model = small_model(
        weights=[
            {"feature": "Spend $ (USD) $ last", "coefficient": 0.4},
            {"feature": "$\\frac{1}{0", "coefficient": -0.3},
        ]
    )

    page = render_html(build_figures(model, None, None, None), "Dollars")

    assert page.count("<img ") == 4


def test_same_figures_give_same_bytes(figures: dict[str, Any], page: str) -> None:
    again = render_html(
        build_figures(small_model(), TIERS, SCORES, CUTOFFS), "Report <for> Acme & Co"
    )

    assert again == page


def test_page_without_inputs_lists_reasons() -> None:
    page = render_html(build_figures(None, None, None, None), "Empty")

    assert "<img" not in page
    assert page.count('<p class="unavailable">') == 7
    assert (
        "<li>ROC curve not shown: no trained model: run <code>nextbest train</code> first.</li>"
        in page
    )
    assert (
        "<li>Conversion by tier not shown: no validation of past runs: run "
        "<code>nextbest validate</code> first.</li>" in page
    )
    assert (
        '<p class="unavailable">Not available: no scoring run: run '
        "<code>nextbest score DATA_DIR</code> first.</p>" in page
    )
    assert _parsed(page).problems == []


def test_realistic_model_report(tmp_path: Path) -> None:
    model = realistic_model()

    figures = build_figures(model, TIERS, SCORES * 40, CUTOFFS)
    page = render_html(figures, "nextbest validation report")

    assert figures["roc"]["chosen"]["auc"] == round(model["auc"], 4)
    assert figures["lift_by_decile"]["deciles"][0]["lift"] == round(model["lift_top_decile"], 4)
    assert figures["lift_by_decile"]["deciles"][0]["lift"] > 2
    assert figures["lift_by_decile"]["deciles"][9]["lift"] < 0.5
    assert len(figures["top_weights"]["weights"]) == 10
    assert len(_parsed(page).images) == 6
    write_html(page, tmp_path / "report.html")
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == page


def test_write_html_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.html"
    write_html("<p>old</p>", path)

    write_html("<p>new</p>", path)

    assert path.read_text(encoding="utf-8") == "<p>new</p>"
    assert [item.name for item in path.parent.iterdir()] == ["report.html"]


def test_write_html_onto_folder_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "report.html").mkdir()

    with pytest.raises(IsADirectoryError):
        write_html("<p>page</p>", tmp_path / "report.html")

    assert [item.name for item in tmp_path.iterdir()] == ["report.html"]


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def scored_db(small_dir: Path, tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    result = _invoke("score", str(small_dir), "--as-of", "2026-12-01", "--db", db)
    assert result.exit_code == 0, result.output
    return db


def test_cli_writes_report(scored_db: str, tmp_path: Path) -> None:
    model_file = tmp_path / "model.json"
    model_file.write_text(json.dumps(small_model()), encoding="utf-8")
    out = tmp_path / "reports" / "report.html"

    result = _invoke(
        "report", "--db", scored_db, "--model-file", str(model_file), "--out", str(out)
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Wrote the report to {out}: 5 of 6 figures.",
        "  Conversion by tier not shown: past runs could not be checked against outcomes: no "
        "stored run is old enough to validate: a run needs 90 days of outcomes after its as-of "
        "date, and the latest outcome in the data is on 2026-09-01. Score the folder as of "
        "2026-06-04 or earlier, such as `nextbest score DATA_DIR --as-of 2026-06-04`, or "
        "shorten the horizon",
        "  warning: only 20 test rows",
    ]
    page = out.read_text(encoding="utf-8")
    assert len(_parsed(page).images) == 5
    figures = _figures_json(page)
    assert figures["score_distribution"]["count"] == 3
    assert figures["score_distribution"]["cutoffs"] == {"A": 60.0, "B": 40.0}
    assert "<h1>nextbest validation report: model m-20261205-0315-ab12cd (accounts), run " in page


def test_cli_json_prints_figures(scored_db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"

    result = _invoke("report", "--db", scored_db, "--out", str(out), "--json")

    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures == _figures_json(out.read_text(encoding="utf-8"))
    assert figures["roc"] == {"available": False, "reason": NO_MODEL}
    assert f"Wrote the report to {out}: 1 of 6 figures." in result.stderr


def test_cli_without_run_reports_missing_scores(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    out = tmp_path / "report.html"

    result = _invoke("report", "--db", db, "--out", str(out))

    assert result.exit_code == 0, result.output
    assert "  Score distribution not shown: " + NO_SCORES in result.stdout.splitlines()
    assert out.is_file()


def test_cli_rejects_bad_model_file(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    broken = tmp_path / "model.json"
    broken.write_text('{"model_version": ', encoding="utf-8")

    missing = _invoke("report", "--db", db, "--model-file", str(tmp_path / "none.json"))
    invalid = _invoke("report", "--db", db, "--model-file", str(broken))
    other = _invoke("report", "--db", db, "--model", "m-1", "--model-file", str(broken))

    assert missing.exit_code == 2
    assert f"{tmp_path / 'none.json'}: file not found" in missing.stderr
    assert invalid.exit_code == 2
    assert "invalid JSON at line 1, column 19: Expecting value" in invalid.stderr
    assert other.exit_code == 2
    assert not (tmp_path / "report.html").exists()


def test_cli_rejects_invalid_model_fields(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    model = small_model() | {"auc": "high"}
    del model["n_test"]
    model_file = tmp_path / "model.json"
    model_file.write_text(json.dumps(model), encoding="utf-8")
    outside = copy.deepcopy(small_model())
    outside["test"]["probabilities"][outside["chosen"]][0] = 1.5
    outside_file = tmp_path / "outside.json"
    outside_file.write_text(json.dumps(outside), encoding="utf-8")
    out = tmp_path / "report.html"

    result = _invoke("report", "--db", db, "--model-file", str(model_file), "--out", str(out))
    beyond = _invoke("report", "--db", db, "--model-file", str(outside_file), "--out", str(out))

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: 2 problems in the model report:",
        f"  {model_file}, column 'auc': invalid field: '\"high\"' (expected a number from 0 to 1)",
        f"  {model_file}, column 'n_test': missing field (expected a whole number of 0 or more)",
    ]
    assert beyond.exit_code == 2
    assert beyond.stderr.strip() == (
        f"error: {outside_file}, column 'test': the model report's test probabilities for "
        f"{outside['chosen']!r} must be 0 to 1 (expected the test section `train` writes)"
    )
    assert not out.exists()


def test_cli_rejects_other_model_version(tmp_path: Path) -> None:
    model_file = tmp_path / "model.json"
    model_file.write_text(json.dumps(small_model()), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'runs.db'}"

    result = _invoke("report", "--db", db, "--model", "m-1", "--model-file", str(model_file))

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {model_file}, column 'model_version': the model report is of another model "
        "version: 'm-20261205-0315-ab12cd' (expected m-1)"
    )


def test_cli_unknown_model_version(tmp_path: Path) -> None:
    result = _invoke("report", "--db", f"sqlite:///{tmp_path / 'runs.db'}", "--model", "m-1")

    assert result.exit_code == 1
    assert result.stderr == (
        "error: no model 'm-1' in the store; `nextbest model list` shows the versions\n"
    )


def test_cli_rejects_folder_as_out(tmp_path: Path) -> None:
    result = _invoke("report", "--db", f"sqlite:///{tmp_path / 'runs.db'}", "--out", str(tmp_path))

    assert result.exit_code == 2
    assert "is a folder; expected a file name such as report.html" in result.stderr


def test_tier_without_accounts_is_left_out() -> None:
    empty = {
        "tier": "A",
        "accounts": 0,
        "converted": 0,
        "rate": None,
        "rate_low": None,
        "rate_high": None,
        "won_value": 0.0,
    }
    filled = {
        "tier": "B",
        "accounts": 10,
        "converted": 2,
        "rate": 0.2,
        "rate_low": 0.06,
        "rate_high": 0.51,
        "won_value": 300.0,
    }

    figures = build_figures(None, {"tiers": [empty, filled], "warnings": []}, None, None)

    assert [row["tier"] for row in figures["conversion_by_tier"]["tiers"]] == ["B"]


def test_cli_refuses_outputs_it_must_not_replace(scored_db: str, tmp_path: Path) -> None:
    store = Path(scored_db.removeprefix("sqlite:///"))
    link = tmp_path / "link.html"
    link.symlink_to(tmp_path / "elsewhere.html")
    cases = {
        str(store): f"error: --out: {store} does not end in .html; expected a name like "
        "report.html\n",
        str(link): f"error: --out: {link} is not a regular file; expected a new or HTML file\n",
    }
    for target, message in cases.items():
        result = _invoke("report", "--db", scored_db, "--out", target)
        assert result.exit_code == 2
        assert result.stderr == message
    html_store = tmp_path / "runs.html"
    result = _invoke("report", "--db", f"sqlite:///{html_store}", "--out", str(html_store))
    assert result.stderr == (
        f"error: --out: {html_store} is the run store; write the report elsewhere\n"
    )
    assert store.read_bytes().startswith(b"SQLite format 3")


def test_cli_rejects_malformed_weights(tmp_path: Path) -> None:
    model_file = tmp_path / "model.json"
    model_file.write_text(json.dumps(small_model() | {"weights": [1, 2]}), encoding="utf-8")

    result = _invoke(
        "report", "--db", f"sqlite:///{tmp_path / 'runs.db'}", "--model-file", str(model_file)
    )

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {model_file}, column 'weights': invalid field: '[1, 2]' (expected a list of "
        "weights, each with a feature and a numeric coefficient)"
    )
