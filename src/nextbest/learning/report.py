"""The validation report: a trained model, past conversions and the latest scores as figures.

`build_figures` turns the inputs into plain data (the JSON of `nextbest report --json`), and
`render_html` draws that data into one self-contained HTML page. A figure whose input is
missing stays in the data with `"available": false` and a reason, so the page shows what it can.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score, roc_curve

from nextbest.learning.report_plots import PLOTS, plot_png

FIGURE_TITLES = {
    "roc": "ROC curve",
    "lift_by_decile": "Lift by decile",
    "calibration": "Calibration",
    "conversion_by_tier": "Conversion by tier",
    "score_distribution": "Score distribution",
    "top_weights": "Top weights",
}
MAX_ROC_POINTS = 200
DECILES = 10
CALIBRATION_BINS = 10
SCORE_BIN_WIDTH = 5
TOP_WEIGHTS = 15

NO_MODEL = "no trained model: run `nextbest train` first"
NO_VALIDATION = "no validation of past runs: run `nextbest validate` first"
NO_SCORES = "no scoring run: run `nextbest score DATA_DIR` first"

SUMMARY_KEYS = (
    "model_version",
    "level",
    "label",
    "created_at",
    "split",
    "n_train",
    "n_test",
    "chosen",
    "auc",
    "auc_low",
    "auc_high",
    "pr_auc",
    "brier",
    "lift_top_decile",
    "baseline_auc",
)
MODEL_METRICS = ("auc", "auc_low", "auc_high", "pr_auc", "brier", "lift_top_decile")


def _unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


def _rounded(values: np.ndarray, digits: int = 4) -> list[float]:
    return [round(float(value), digits) for value in values]


@dataclass(frozen=True)
class _TestSet:
    """The model report's held-out outcomes and each model's predicted probabilities."""

    chosen: str
    outcomes: np.ndarray
    probabilities: dict[str, np.ndarray]

    @property
    def has_both_classes(self) -> bool:
        return 0 < int(self.outcomes.sum()) < len(self.outcomes)


def _test_set(model: dict[str, Any] | None) -> _TestSet | str:
    """Return the test set of a model report, or the reason it cannot be plotted."""
    if model is None:
        return NO_MODEL
    test = model.get("test") or {}
    chosen = str(model.get("chosen"))
    probabilities = test.get("probabilities") or {}
    if test.get("outcomes") is None or len(test["outcomes"]) == 0:
        return "the model report has no test outcomes"
    if chosen not in probabilities:
        return f"the model report has no test probabilities for the chosen model {chosen!r}"
    try:
        outcomes = np.asarray(test["outcomes"], dtype=float)
        arrays = {
            str(name): np.asarray(values, dtype=float) for name, values in probabilities.items()
        }
    except (TypeError, ValueError):
        return "the model report's test outcomes and probabilities must be lists of numbers"
    if outcomes.ndim != 1 or not np.isin(outcomes, (0, 1)).all():
        return "the model report's test outcomes must be a list of 0s and 1s"
    for name, values in arrays.items():
        if values.shape != outcomes.shape:
            return (
                f"the model report has {values.size:,} test probabilities for {name!r} "
                f"but {outcomes.size:,} test outcomes"
            )
        if not (np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all()):
            return f"the model report's test probabilities for {name!r} must be 0 to 1"
    return _TestSet(chosen, outcomes.astype(int), arrays)


def check_test_set(model: dict[str, Any]) -> str | None:
    """Return why a model report's test outcomes and probabilities cannot be plotted, or None."""
    found = _test_set(model)
    return found if isinstance(found, str) else None


def _json_value(value: Any) -> Any:
    """Return a NumPy scalar as the Python number it contains, so the summary stays JSON."""
    return value.item() if isinstance(value, np.generic) else value


def _summary(model: dict[str, Any] | None) -> dict[str, Any]:
    if model is None:
        return _unavailable(NO_MODEL)
    summary: dict[str, Any] = {"available": True}
    summary.update({key: _json_value(model.get(key)) for key in SUMMARY_KEYS})
    summary["models"] = {
        str(name): {key: _json_value(figures.get(key)) for key in MODEL_METRICS}
        for name, figures in (model.get("models") or {}).items()
        if isinstance(figures, dict)
    }
    return summary


def _thinned(count: int, limit: int) -> np.ndarray:
    """Return at most `limit` evenly spread indexes into `count` points, first and last kept."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))


def _roc_points(name: str, outcomes: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    false_positive, true_positive, _ = roc_curve(outcomes, probabilities)
    keep = _thinned(len(false_positive), MAX_ROC_POINTS)
    return {
        "model": name,
        "auc": round(float(roc_auc_score(outcomes, probabilities)), 4),
        "false_positive_rate": _rounded(false_positive[keep]),
        "true_positive_rate": _rounded(true_positive[keep]),
    }


def _roc(test: _TestSet | str) -> dict[str, Any]:
    if isinstance(test, str):
        return _unavailable(test)
    if not test.has_both_classes:
        return _unavailable("the test outcomes are all one class; an ROC curve needs both")
    curves = {"chosen": _roc_points(test.chosen, test.outcomes, test.probabilities[test.chosen])}
    if "baseline" in test.probabilities and test.chosen != "baseline":
        curves["baseline"] = _roc_points("baseline", test.outcomes, test.probabilities["baseline"])
    return {"available": True, **curves}


def _lift_by_decile(test: _TestSet | str) -> dict[str, Any]:
    """Return the test rows cut into ten groups by predicted probability, highest first.

    Ties are broken by position, as in `lift_top_decile`, and the first n % 10 deciles get one
    row more, so decile 1 has ceil(n / 10) rows and its lift equals the model's top-decile lift.
    """
    if isinstance(test, str):
        return _unavailable(test)
    outcomes = test.outcomes
    if len(outcomes) < DECILES:
        return _unavailable(f"the test set has {len(outcomes)} rows; deciles need at least 10")
    if outcomes.sum() == 0:
        return _unavailable("no test row converted, so there is no rate to compare against")
    probabilities = test.probabilities[test.chosen]
    overall = float(outcomes.mean())
    order = np.argsort(-probabilities, kind="stable")
    deciles = []
    for number, rows in enumerate(np.array_split(order, DECILES), start=1):
        positives = int(outcomes[rows].sum())
        rate = positives / len(rows)
        deciles.append(
            {
                "decile": number,
                "count": len(rows),
                "positives": positives,
                "rate": round(rate, 4),
                "lift": round(rate / overall, 4),
                "min_probability": round(float(probabilities[rows].min()), 4),
                "max_probability": round(float(probabilities[rows].max()), 4),
            }
        )
    return {
        "available": True,
        "model": test.chosen,
        "overall_rate": round(overall, 4),
        "deciles": deciles,
    }


def _calibration(test: _TestSet | str) -> dict[str, Any]:
    """Return mean predicted probability against the observed rate in ten quantile bins.

    Bins that ties leave empty are dropped, as `calibration_curve` drops them.
    """
    if isinstance(test, str):
        return _unavailable(test)
    outcomes = test.outcomes
    probabilities = test.probabilities[test.chosen]
    observed, predicted = calibration_curve(
        outcomes, probabilities, n_bins=CALIBRATION_BINS, strategy="quantile"
    )
    # The same bins as calibration_curve draws (scikit-learn 1.9): quantile edges, and a value
    # on an inner edge falls in the lower bin.
    edges = np.percentile(probabilities, np.linspace(0, 100, CALIBRATION_BINS + 1))
    bins = np.searchsorted(edges[1:-1], probabilities)
    counts = np.bincount(bins, minlength=CALIBRATION_BINS)
    counts = counts[counts > 0]
    if len(counts) != len(observed):
        raise RuntimeError(
            f"calibration bins disagree: {len(counts)} counted, {len(observed)} from "
            "calibration_curve; its binning changed in this scikit-learn version"
        )
    points = [
        {
            "mean_predicted": round(float(mean), 4),
            "observed": round(float(rate), 4),
            "count": int(n),
        }
        for mean, rate, n in zip(predicted, observed, counts, strict=True)
    ]
    return {"available": True, "model": test.chosen, "bins": points}


def _conversion_by_tier(validation: dict[str, Any] | None) -> dict[str, Any]:
    if validation is None:
        return _unavailable(NO_VALIDATION)
    if "unavailable" in validation:
        return _unavailable(str(validation["unavailable"]))
    tiers = validation.get("tiers") or []
    if not tiers:
        return _unavailable("the validation found no scored accounts with outcomes")
    rows = []
    # A tier no account fell into has no rate to draw.
    for tier in (tier for tier in tiers if tier.get("rate") is not None):
        rows.append(
            {
                "tier": str(tier["tier"]),
                "accounts": int(tier["accounts"]),
                "converted": int(tier["converted"]),
                "rate": round(float(tier["rate"]), 4),
                "rate_low": _optional_float(tier.get("rate_low")),
                "rate_high": _optional_float(tier.get("rate_high")),
                "won_value": _optional_float(tier.get("won_value"), digits=2),
            }
        )
    if not rows:
        return _unavailable("the validation found no scored accounts with outcomes")
    return {"available": True, "tiers": rows}


def _optional_float(value: Any, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _score_distribution(
    scores: list[float] | None, cutoffs: dict[str, float] | None
) -> dict[str, Any]:
    if scores is None:
        return _unavailable(NO_SCORES)
    if len(scores) == 0:
        return _unavailable("the latest scoring run has no accounts")
    values = np.asarray(scores, dtype=float)
    invalid = values[~(np.isfinite(values) & (values >= 0) & (values <= 100))]
    if invalid.size:
        return _unavailable(
            f"{invalid.size:,} scores are outside 0 to 100, such as {float(invalid[0]):g}"
        )
    edges = np.arange(0, 100 + SCORE_BIN_WIDTH, SCORE_BIN_WIDTH)
    # np.histogram counts a score of exactly 100 in the last bin, 95 to 100.
    counts, _ = np.histogram(values, bins=edges)
    ordered = sorted((cutoffs or {}).items(), key=lambda item: -float(item[1]))
    return {
        "available": True,
        "count": len(values),
        "bin_edges": [int(edge) for edge in edges],
        "counts": [int(count) for count in counts],
        "cutoffs": {str(tier): float(value) for tier, value in ordered},
    }


def _top_weights(model: dict[str, Any] | None) -> dict[str, Any]:
    if model is None:
        return _unavailable(NO_MODEL)
    weights = model.get("weights") or []
    if not weights:
        return _unavailable("the model report lists no weights")
    ranked = sorted(
        weights, key=lambda item: (-abs(float(item["coefficient"])), str(item["feature"]))
    )
    rows = []
    for weight in ranked[:TOP_WEIGHTS]:
        coefficient = float(weight["coefficient"])
        odds_ratio = weight.get("odds_ratio")
        rows.append(
            {
                "feature": str(weight["feature"]),
                "coefficient": round(coefficient, 4),
                "odds_ratio": round(
                    float(math.exp(coefficient) if odds_ratio is None else odds_ratio), 4
                ),
                "text": str(weight.get("text") or ""),
            }
        )
    return {"available": True, "of": len(weights), "weights": rows}


def build_figures(
    model: dict[str, Any] | None,
    validation: dict[str, Any] | None,
    scores: list[float] | None,
    cutoffs: dict[str, float] | None,
) -> dict[str, Any]:
    """Return the report's figures as JSON-ready data, one key per figure plus the summary.

    `model` is a model report from `nextbest train`, `validation` the output of `nextbest
    validate`, `scores` the latest run's scores (0 to 100) and `cutoffs` its tier thresholds.
    Any of them may be None, and the figures built from it are then marked unavailable.
    """
    test = _test_set(model)
    warnings = [str(text) for text in (model or {}).get("warnings") or []]
    warnings += [str(text) for text in (validation or {}).get("warnings") or []]
    return {
        "summary": _summary(model),
        "roc": _roc(test),
        "lift_by_decile": _lift_by_decile(test),
        "calibration": _calibration(test),
        "conversion_by_tier": _conversion_by_tier(validation),
        "score_distribution": _score_distribution(scores, cutoffs),
        "top_weights": _top_weights(model),
        "warnings": warnings,
    }


def unavailable_figures(figures: dict[str, Any]) -> dict[str, str]:
    """Return the reason each unavailable figure is missing, by figure title."""
    return {
        title: figures[name]["reason"]
        for name, title in FIGURE_TITLES.items()
        if not figures[name]["available"]
    }


SPLITS = {
    "time": "by time: trained on the older rows, tested on the newest",
    "stratified": "at random, with the same share of conversions in both parts",
}
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
  background: #fff; margin: 0; line-height: 1.5; }
main { max-width: 760px; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 1.6em; margin: 0 0 16px; }
h2 { font-size: 1.25em; margin: 36px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #eee;
  vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 8px 0; }
img { max-width: 100%; height: auto; display: block; }
figcaption, .note { color: #444; font-size: 0.95em; margin-top: 6px; }
.warnings { background: #fff4d6; border: 2px solid #b8860b; border-radius: 4px;
  padding: 8px 16px; margin: 16px 0; }
.warnings h2 { border: none; margin: 4px 0; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; }
.unavailable { background: #f3f3f3; border-left: 4px solid #7f7f7f; padding: 8px 12px; }
"""


def _text(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _marked(text: str) -> str:
    """Return text escaped for HTML, with each `command` in backticks set as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _text(text))


def _unavailable_html(reason: str) -> str:
    return f'<p class="unavailable">Not available: {_marked(reason)}.</p>'


def _number(value: Any, digits: int = 3) -> str:
    """Format a figure for a table cell, with an en dash for a missing one."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _text(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def _auc_text(figures: dict[str, Any]) -> str:
    auc = _number(figures.get("auc"))
    if figures.get("auc_low") is None or figures.get("auc_high") is None:
        return auc
    return f"{auc} ({_number(figures['auc_low'])} to {_number(figures['auc_high'])})"


def _noun(figures: dict[str, Any]) -> str:
    # An account-level model learns from each won or lost deal, so its test rows are deals.
    level = figures["summary"].get("level")
    return {"accounts": "deals", "leads": "leads"}.get(level, "rows")


def _summary_html(summary: dict[str, Any]) -> str:
    if not summary["available"]:
        return _unavailable_html(summary["reason"])
    split = summary.get("split")
    lift = summary.get("lift_top_decile")
    rows = [
        ("Model version", _number(summary.get("model_version"))),
        ("Predicts", f"{_number(summary.get('label'))} for {_number(summary.get('level'))}"),
        ("Trained", _number(summary.get("created_at"))),
        ("Chosen model", _number(summary.get("chosen"))),
        ("Split", _text(f"{split}, {SPLITS[split]}") if split in SPLITS else _number(split)),
        ("Training rows", _number(summary.get("n_train"))),
        ("Test rows", _number(summary.get("n_test"))),
        ("AUC (interval)", _auc_text(summary)),
        ("Baseline AUC", _number(summary.get("baseline_auc"))),
        ("PR-AUC", _number(summary.get("pr_auc"))),
        ("Brier score (lower is better)", _number(summary.get("brier"))),
        ("Lift in the top decile", "–" if lift is None else f"{_number(lift, 2)}×"),
    ]
    body = "".join(
        f'<tr><th scope="row">{label}</th><td>{value}</td></tr>' for label, value in rows
    )
    parts = [f"<table>{body}</table>"]
    if summary["models"]:
        parts.append(_models_html(summary["models"], summary.get("chosen")))
    return "\n".join(parts)


def _models_html(models: dict[str, dict[str, Any]], chosen: Any) -> str:
    header = (
        '<tr><th scope="col">Model</th><th scope="col">AUC (interval)</th>'
        '<th scope="col">PR-AUC</th><th scope="col">Brier</th>'
        '<th scope="col">Top-decile lift</th></tr>'
    )
    rows = []
    for name, figures in models.items():
        label = _text(name) + (" (chosen)" if name == chosen else "")
        lift = figures.get("lift_top_decile")
        rows.append(
            f'<tr><td>{label}</td><td class="number">{_auc_text(figures)}</td>'
            f'<td class="number">{_number(figures.get("pr_auc"))}</td>'
            f'<td class="number">{_number(figures.get("brier"))}</td>'
            f'<td class="number">{"–" if lift is None else _number(lift, 2) + "×"}</td></tr>'
        )
    return (
        '<p class="note">Every model fitted, on the same test rows:</p>'
        f"<table>{header}{''.join(rows)}</table>"
    )


def _caption(name: str, figure: dict[str, Any], noun: str) -> str:
    """Return the plain-language text under a plot: how to read it, then what it shows here."""
    if name == "roc":
        chosen = figure["chosen"]
        text = (
            f"Each point is one cut-off on the predicted probability: the share of converting "
            f"{noun} it finds (up) against the share of the others it flags too (right). A curve "
            "nearer the top-left corner ranks better, and the dotted diagonal is guessing. The "
            f"AUC is the chance that a converting {noun[:-1]} is ranked above one that did not "
            f"convert. Here the {chosen['model']} model reaches {chosen['auc']:.3f}"
        )
        if "baseline" in figure:
            text += f", against {figure['baseline']['auc']:.3f} for the baseline"
        return text + "."
    if name == "lift_by_decile":
        top = figure["deciles"][0]
        return (
            f"The test {noun} sorted by predicted probability and cut into ten equal groups, "
            "highest first. Each bar is a group's conversion rate divided by the overall rate, "
            "so 2× means twice as likely to convert as average. A good model's bars fall from "
            f"left to right. Here the top 10% converted at {top['lift']:.1f} times the overall "
            f"rate of {figure['overall_rate']:.1%}."
        )
    if name == "calibration":
        counts = sorted(point["count"] for point in figure["bins"])
        sizes = f"{counts[0]:,}" if counts[0] == counts[-1] else f"{counts[0]:,} to {counts[-1]:,}"
        return (
            f"The test {noun} cut into {len(counts)} groups by predicted probability, of about "
            "equal size where tied probabilities allow (at most ten). "
            "Each point is a group's average predicted probability (across) against the share "
            "that converted (up). On the diagonal, a predicted 30% means 30 in 100 convert. "
            "Below it the model promises too much, above it too little. Each point here "
            f"averages {sizes} {noun}."
        )
    if name == "conversion_by_tier":
        return (
            "The share of accounts in each tier that converted in the validation, with a line for "
            "the range the true rate is likely in, given how many accounts a tier has. Tier A "
            "should convert most often; overlapping lines mean the difference may be chance."
        )
    if name == "score_distribution":
        return (
            f"How the {figure['count']:,} scored accounts of the latest run spread over the "
            "score, in bands of 5 points. A dashed line is a tier's cut-off: an account is in the "
            "highest tier whose line is at or below its score, and in tier C below every line."
        )
    shown_count = len(figure["weights"])
    if shown_count == figure["of"]:
        opening = f"All {shown_count}"
    else:
        opening = f"The {shown_count} largest of {figure['of']:,}"
    return (
        f"{opening} weights of the logistic model. A bar ends at the factor by which the feature "
        "multiplies the odds of converting: right of ×1 it raises them, left of ×1 it lowers "
        "them. Each effect holds the other features fixed, and none proves a cause."
    )


def _alt_text(name: str, figure: dict[str, Any]) -> str:
    title = FIGURE_TITLES[name]
    if name == "roc":
        curves = [figure["chosen"], *([figure["baseline"]] if "baseline" in figure else [])]
        return f"{title}: " + "; ".join(
            f"{curve['model']} AUC {curve['auc']:.3f}" for curve in curves
        )
    if name == "lift_by_decile":
        lifts = ", ".join(f"{decile['lift']:.1f}" for decile in figure["deciles"])
        return f"{title}, deciles 1 to 10: {lifts}"
    if name == "conversion_by_tier":
        rates = ", ".join(f"tier {tier['tier']} {tier['rate']:.1%}" for tier in figure["tiers"])
        return f"{title}: {rates}"
    return title


def _weights_html(figure: dict[str, Any]) -> str:
    items = []
    for weight in figure["weights"]:
        text = weight["text"] or f"{weight['feature']}: odds ×{weight['odds_ratio']:g}"
        items.append(f"<li>{_text(text)}</li>")
    return f"<details><summary>The weights in words</summary><ul>{''.join(items)}</ul></details>"


def _section_html(name: str, figure: dict[str, Any], noun: str) -> str:
    heading = f'<section id="{name}"><h2>{FIGURE_TITLES[name]}</h2>'
    if not figure["available"]:
        return f"{heading}{_unavailable_html(figure['reason'])}</section>"
    drawing = PLOTS[name](figure, noun)
    png, width, height = plot_png(drawing)
    source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    alt = _text(_alt_text(name, figure))
    parts = [
        heading,
        "<figure>",
        f'<img src="{source}" width="{width}" height="{height}" alt="{alt}">',
        f"<figcaption>{_text(_caption(name, figure, noun))}</figcaption>",
        "</figure>",
    ]
    if name == "top_weights":
        parts.append(_weights_html(figure))
    parts.append("</section>")
    return "\n".join(parts)


def _warnings_html(warnings: list[str], missing: dict[str, str]) -> str:
    if not warnings and not missing:
        return ""
    items = [f"<li>{_marked(text)}</li>" for text in warnings]
    items += [
        f"<li>{_text(title)} not shown: {_marked(reason)}.</li>"
        for title, reason in missing.items()
    ]
    return (
        '<section class="warnings" role="alert"><h2>Warnings</h2>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def figures_json(figures: dict[str, Any]) -> str:
    """Return the figures as JSON safe inside a <script> element.

    "<", ">" and "&" are written as \\u escapes, so no text can close the element early, and
    the JSON parses back to the same figures.
    """
    text = json.dumps(figures, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(figures: dict[str, Any], title: str) -> str:
    """Return one self-contained HTML5 page: plots as embedded PNGs, tables, the figures' JSON.

    The page loads nothing from elsewhere (its content security policy blocks it, too), and
    every text from the data is escaped. The same figures give the same bytes.
    """
    noun = _noun(figures)
    sections = [_section_html(name, figures[name], noun) for name in FIGURE_TITLES]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
            f"<title>{_text(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            "<main>",
            f"<h1>{_text(title)}</h1>",
            _warnings_html(figures["warnings"], unavailable_figures(figures)),
            '<section id="summary"><h2>Summary</h2>',
            _summary_html(figures["summary"]),
            "</section>",
            *sections,
            "</main>",
            f'<script type="application/json" id="figures">{figures_json(figures)}</script>',
            "</body>",
            "</html>",
            "",
        ]
    )


def write_html(page: str, path: Path) -> None:
    """Write the page to `path` through a temporary file beside it, renamed into place.

    So `path` contains the old file or the complete new one at every moment, never a part.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as sink:
            sink.write(page)
        # mkstemp creates the file readable by its owner only; give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        temporary.chmod(0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
