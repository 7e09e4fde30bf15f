"""Matplotlib drawings of the validation report's figures, as PNG images.

Every plot is a `matplotlib.figure.Figure` drawn without pyplot, so no backend is selected and
no global figure state changes. `Figure.savefig` renders PNG with Agg whatever the backend.
Colours are the Okabe-Ito palette, which reads the same with the common colour-vision
deficiencies, and lines also differ by style where colour alone would tell them apart.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
VERMILLION = "#D55E00"
GREEN = "#009E73"
GREY = "#7F7F7F"
TIER_COLOURS = {"A": BLUE, "B": ORANGE, "C": GREY}
OTHER_TIER_COLOURS = (GREEN, SKY, VERMILLION)

# Images are rendered at 150 dots per inch and shown at 100 CSS pixels per inch, so they stay
# sharp on high-density screens and a 7.2-inch figure fills a 720-pixel column.
DPI = 150
CSS_PIXELS_PER_INCH = 100
WIDTH = 7.2
LABEL_SIZE = 11
TICK_SIZE = 10
NOTE_SIZE = 9
MAX_LABEL_CHARACTERS = 45


def plain(text: str, limit: int | None = None) -> str:
    """Return data text safe for a matplotlib label: cut to `limit` and with "$" kept literal.

    Matplotlib reads text between two "$" as mathtext, so a column header like "Spend $ (USD)"
    would otherwise fail to draw or lose its dollar signs.
    """
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def _axes(height: float, width: float = WIDTH) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained", facecolor="white")
    axes = figure.add_subplot()
    axes.set_facecolor("white")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(True, color="#E0E0E0", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=TICK_SIZE)
    return figure, axes


def _percent(value: float, _position: object = None) -> str:
    return f"{value * 100:g}%"


def _label(axes: Any, x: str, y: str) -> None:
    axes.set_xlabel(x, fontsize=LABEL_SIZE)
    axes.set_ylabel(y, fontsize=LABEL_SIZE)


def plot_roc(figure_data: dict[str, Any], noun: str) -> Figure:
    figure, axes = _axes(height=5.4, width=6.4)
    axes.plot([0, 1], [0, 1], color=GREY, linestyle=":", linewidth=1.2, label="Guessing (AUC 0.5)")
    styles = (("baseline", ORANGE, "--"), ("chosen", BLUE, "-"))
    for key, colour, linestyle in styles:
        curve = figure_data.get(key)
        if curve is None:
            continue
        name = "Baseline" if key == "baseline" else f"Model: {curve['model']}"
        axes.plot(
            curve["false_positive_rate"],
            curve["true_positive_rate"],
            color=colour,
            linestyle=linestyle,
            linewidth=2.2,
            label=plain(f"{name} (AUC {curve['auc']:.3f})"),
        )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.01)
    axes.set_aspect("equal")
    axes.xaxis.set_major_formatter(FuncFormatter(_percent))
    axes.yaxis.set_major_formatter(FuncFormatter(_percent))
    _label(
        axes,
        f"False positive rate: share of non-converting {noun} flagged",
        f"True positive rate: share of converting {noun} found",
    )
    handles, labels = axes.get_legend_handles_labels()
    axes.legend(handles[::-1], labels[::-1], loc="lower right", fontsize=TICK_SIZE, frameon=True)
    return figure


def plot_lift(figure_data: dict[str, Any], noun: str) -> Figure:
    figure, axes = _axes(height=4.2)
    deciles = figure_data["deciles"]
    numbers = [decile["decile"] for decile in deciles]
    lifts = [decile["lift"] for decile in deciles]
    bars = axes.bar(numbers, lifts, color=BLUE, width=0.7)
    axes.bar_label(bars, labels=[f"{lift:.1f}×" for lift in lifts], padding=3, fontsize=NOTE_SIZE)
    axes.axhline(1, color="black", linestyle="--", linewidth=1.2)
    axes.annotate(
        f"overall rate ({figure_data['overall_rate']:.1%})",
        xy=(1.0, 1),
        xycoords=("axes fraction", "data"),
        xytext=(0, 4),
        textcoords="offset points",
        ha="right",
        fontsize=NOTE_SIZE,
    )
    axes.set_xticks(numbers)
    axes.set_ylim(0, max(*lifts, 1.0) * 1.15)
    axes.grid(False, axis="x")
    _label(
        axes,
        f"Decile of test {noun} by predicted probability (1 = highest 10%)",
        "Lift: conversion rate ÷ overall rate",
    )
    return figure


def plot_calibration(figure_data: dict[str, Any], noun: str) -> Figure:
    figure, axes = _axes(height=5.4, width=6.4)
    bins = figure_data["bins"]
    predicted = [point["mean_predicted"] for point in bins]
    observed = [point["observed"] for point in bins]

    # Low-rate models put every point near the origin, so the axes zoom to the data.
    upper = min(1.0, max(*predicted, *observed, 0.05) * 1.1)
    axes.plot(
        [0, upper],
        [0, upper],
        color=GREY,
        linestyle=":",
        linewidth=1.2,
        label="Perfectly calibrated",
    )
    axes.plot(
        predicted,
        observed,
        color=BLUE,
        marker="o",
        markersize=6,
        linewidth=2,
        label=plain(f"Model: {figure_data['model']}"),
    )

    axes.set_xlim(0, upper)
    axes.set_ylim(0, upper)
    axes.set_aspect("equal")
    axes.xaxis.set_major_formatter(FuncFormatter(_percent))
    axes.yaxis.set_major_formatter(FuncFormatter(_percent))
    _label(axes, "Mean predicted probability", f"Share of those {noun} that converted")
    axes.legend(loc="upper left", fontsize=TICK_SIZE)
    return figure


def _tier_colour(tier: str, index: int) -> str:
    return TIER_COLOURS.get(tier, OTHER_TIER_COLOURS[index % len(OTHER_TIER_COLOURS)])


def plot_tiers(figure_data: dict[str, Any], noun: str) -> Figure:
    figure, axes = _axes(height=4.2)
    tiers = figure_data["tiers"]
    positions = np.arange(len(tiers))
    rates = np.array([tier["rate"] for tier in tiers])
    lows = np.array(
        [tier["rate"] if tier["rate_low"] is None else tier["rate_low"] for tier in tiers]
    )
    highs = np.array(
        [tier["rate"] if tier["rate_high"] is None else tier["rate_high"] for tier in tiers]
    )
    colours = [_tier_colour(tier["tier"], index) for index, tier in enumerate(tiers)]

    axes.bar(positions, rates, color=colours, width=0.6)
    errors = np.vstack([np.clip(rates - lows, 0, None), np.clip(highs - rates, 0, None)])
    axes.errorbar(
        positions, rates, yerr=errors, fmt="none", ecolor="black", capsize=6, linewidth=1.4
    )
    for position, tier, high in zip(positions, tiers, highs, strict=True):
        axes.annotate(
            f"{tier['rate']:.1%}\n{tier['converted']:,} of {tier['accounts']:,}",
            xy=(position, high),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=NOTE_SIZE,
        )

    axes.set_xticks(
        positions, [plain(f"Tier {tier['tier']}", MAX_LABEL_CHARACTERS) for tier in tiers]
    )
    axes.set_ylim(0, max(float(highs.max()), 0.01) * 1.3)
    axes.yaxis.set_major_formatter(FuncFormatter(_percent))
    axes.grid(False, axis="x")
    _label(axes, "", "Share of accounts that converted")
    return figure


def plot_scores(figure_data: dict[str, Any], noun: str) -> Figure:
    figure, axes = _axes(height=4.2)
    edges = figure_data["bin_edges"]
    axes.bar(
        edges[:-1],
        figure_data["counts"],
        width=np.diff(edges),
        align="edge",
        color=SKY,
        edgecolor="white",
        linewidth=1,
    )
    top = max(figure_data["counts"]) or 1
    axes.set_ylim(0, top * 1.18)
    for index, (tier, cutoff) in enumerate(figure_data["cutoffs"].items()):
        axes.axvline(cutoff, color="black", linestyle="--", linewidth=1.4)
        # The highest cut-off is labelled on its right and the others on their left, one step
        # lower each, so cut-offs a few points apart keep their labels apart.
        right = index == 0 and cutoff <= 85
        axes.annotate(
            plain(f"{tier} ≥ {cutoff:g}", MAX_LABEL_CHARACTERS),
            xy=(cutoff, top * (1.12 - 0.07 * index)),
            xytext=(4 if right else -4, 0),
            textcoords="offset points",
            ha="left" if right else "right",
            va="center",
            fontsize=NOTE_SIZE,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
    axes.set_xlim(0, 100)
    axes.set_xticks(range(0, 101, 10))
    axes.grid(False, axis="x")
    _label(axes, "Score (0 to 100), in bands of 5 points", "Accounts")
    return figure


def _odds_ticks(low: float, high: float) -> list[float]:
    """Return tick positions for a log axis of odds ratios: powers of 10, plus 2 and 5 times
    them when the axis spans few enough decades for those labels not to overlap."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    steps = (1, 2, 5) if math.log10(high / low) <= 2.6 else (1,)
    ticks = [step * 10.0**decade for decade in decades for step in steps]
    return [tick for tick in ticks if low <= tick <= high]


def _odds_label(value: float, _position: object = None) -> str:
    return f"×{value:g}"


def plot_weights(figure_data: dict[str, Any], noun: str) -> Figure:
    weights = figure_data["weights"][::-1]
    figure, axes = _axes(height=1.5 + 0.34 * len(weights))
    odds = np.clip([weight["odds_ratio"] for weight in weights], 1e-6, 1e6)
    positions = np.arange(len(weights))
    colours = [BLUE if value >= 1 else VERMILLION for value in odds]

    # Odds ratios multiply, so they are drawn on a log scale from 1, where a feature has no
    # effect, and an axis symmetric about 1 shows ×2 and ×0.5 as equally long bars.
    axes.barh(positions, odds - 1, left=1, color=colours, height=0.65)
    axes.set_xscale("log")
    reach = max(max(abs(math.log(value)) for value in odds), math.log(2))
    axes.set_xlim(math.exp(-reach * 1.6), math.exp(reach * 1.6))
    for position, value in zip(positions, odds, strict=True):
        axes.annotate(
            f"×{value:.3g}",
            xy=(value, position),
            xytext=(4 if value >= 1 else -4, 0),
            textcoords="offset points",
            ha="left" if value >= 1 else "right",
            va="center",
            fontsize=NOTE_SIZE,
        )

    axes.axvline(1, color="black", linewidth=1)
    labels = [plain(weight["feature"], MAX_LABEL_CHARACTERS) for weight in weights]
    axes.set_yticks(positions, labels)
    axes.set_ylim(-0.6, len(weights) - 0.4)
    low, high = axes.get_xlim()
    axes.xaxis.set_major_locator(FixedLocator(_odds_ticks(low, high)))
    axes.xaxis.set_major_formatter(FuncFormatter(_odds_label))
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.grid(False, axis="y")
    axes.set_xlabel("Odds ratio (log scale)", fontsize=LABEL_SIZE)

    figure.legend(
        handles=[
            Patch(color=BLUE, label="raises the odds of converting"),
            Patch(color=VERMILLION, label="lowers the odds of converting"),
        ],
        loc="outside upper center",
        ncols=2,
        fontsize=NOTE_SIZE,
        frameon=False,
    )
    return figure


PLOTS: dict[str, Callable[[dict[str, Any], str], Figure]] = {
    "roc": plot_roc,
    "lift_by_decile": plot_lift,
    "calibration": plot_calibration,
    "conversion_by_tier": plot_tiers,
    "score_distribution": plot_scores,
    "top_weights": plot_weights,
}


def plot_png(figure: Figure) -> tuple[bytes, int, int]:
    """Render a figure to PNG and return it with its display width and height in CSS pixels.

    The PNG carries no software or time metadata, so the same figure gives the same bytes.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = figure.get_size_inches() * CSS_PIXELS_PER_INCH
    return buffer.getvalue(), round(width), round(height)
