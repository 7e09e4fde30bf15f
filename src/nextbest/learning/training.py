"""Fit, compare and explain models on a training set; derive what feeds back into scoring.

Three models see the same split: a plain one-hot logistic regression (the baseline), a
regularised logistic regression whose coefficients are shown per signal, and gradient-boosted
trees with calibrated probabilities. For accounts, a logistic regression on the four
components gives the composite weights that `nextbest score --model` uses, and a grid search
gives each activity type's decay half-life. For leads, empirical-Bayes conversion rates by
lead source give the lead-source quality.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from nextbest.learning.datasets import TrainingSet
from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.errors import NextbestError
from nextbest.scoring.evaluation import (
    LEAKAGE_AUC,
    evaluate,
    leaky_columns,
    paired_auc_gain,
    smoothed_rates,
)
from nextbest.scoring.scores import COMPONENTS, component_scales, saturate, spread_weights

# Categories seen fewer times than this in training share one "infrequent" level.
MIN_CATEGORY_ROWS = 10
# A learned half-life replaces the configured one only when it ranks outcomes this much better.
MIN_AUC_GAIN = 0.005
# Weights shown in reports and on the command line.
SHOWN_WEIGHTS = 15
TEST_POINTS = 5000
# Folds of the weights model's cross-validation; also the fewest outcomes of a kind to train on.
CROSS_VALIDATION_FOLDS = 5
# Smoothed lead-source rates closer together than this carry no usable difference.
SOURCE_SPREAD = 0.01
# No learned fit or relationship setting is more than this many times its configured value.
MAX_SETTING_FACTOR = 3.0
# The settings that a signal's points are directly proportional to, by signal family. A fit
# signal is its weight times a 0-1 match, and each relationship signal is its setting times a
# capped count (open pipeline: two settings). Activity points also feed engagement velocity and
# the buying group, so scaling them would change more than their own signal: they are not here.
SIGNAL_SETTINGS: dict[str, tuple[str, ...]] = {
    "fit:industry": ("fit.weights.industry",),
    "fit:employees": ("fit.weights.employees",),
    "fit:revenue": ("fit.weights.revenue",),
    "fit:geography": ("fit.weights.geography",),
    "fit:personas": ("fit.weights.personas",),
    "relationship:open_pipeline": (
        "relationship.open_opportunity",
        "relationship.open_amount_points",
    ),
    "relationship:won_deals": ("relationship.won_opportunity",),
    "relationship:customer": ("relationship.customer",),
    "relationship:meetings": ("relationship.meeting",),
    "relationship:contacts": ("relationship.contact",),
}


class NotEnoughOutcomesError(NextbestError):
    """Too few outcomes of one kind to learn anything; the configured weights stay in use."""


@dataclass
class Trained:
    """A trained model: its report (JSON-ready) and the scoring settings it replaces."""

    report: dict[str, Any]
    overlay: dict[str, Any]


def split(
    training: TrainingSet, fraction: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, str]:
    """Return train and test row positions: the latest `fraction` when dated, else stratified.

    Rows with the same date stay on one side, so the test set starts at a date boundary.
    """
    positions = np.arange(len(training.labels))
    if training.dates is not None and training.dates.notna().all():
        dates = pd.to_datetime(training.dates).to_numpy()
        order = np.argsort(dates, kind="stable")
        cut = math.floor(len(order) * (1 - fraction))
        boundary = dates[order[cut]]
        train = positions[dates < boundary]
        test = positions[dates >= boundary]
        if len(train) and len(test):
            return train, test, "time"
        if len(np.unique(dates)) > 1:
            raise NotEnoughOutcomesError(
                f"holding out the latest {fraction:.0%} of {len(dates):,} outcomes leaves none "
                "earlier to train on; lower learning.test_fraction"
            )
        training.notes.append("every outcome has the same date, so the split is at random")
    try:
        train, test = train_test_split(
            positions, test_size=fraction, stratify=training.labels, random_state=seed
        )
    except ValueError as error:
        raise NotEnoughOutcomesError(
            f"cannot hold out {fraction:.0%} of {len(positions):,} outcomes with both kinds on "
            f"each side ({error}); add outcomes or change learning.test_fraction"
        ) from None
    return np.sort(train), np.sort(test), "stratified"


def _kinds(features: pd.DataFrame) -> tuple[list[str], list[str]]:
    numeric = [
        column for column in features.columns if pd.api.types.is_numeric_dtype(features[column])
    ]
    categorical = [column for column in features.columns if column not in numeric]
    return numeric, categorical


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), "(missing)")


def baseline_model(features: pd.DataFrame) -> Pipeline:
    """A plain one-hot logistic regression: the figure every learned model must beat."""
    numeric, categorical = _kinds(features)
    prepare = ColumnTransformer(
        [
            (
                "number",
                Pipeline([("fill", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                numeric,
            ),
            (
                "category",
                Pipeline(
                    [
                        ("text", FunctionTransformer(_as_text)),
                        ("onehot", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                categorical,
            ),
        ]
    )
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(C=1.0, max_iter=2000))])


def weights_model(features: pd.DataFrame) -> Pipeline:
    """Build a logistic regression with its L2 strength chosen by cross-validated log loss.

    Numbers are standardised, with a flag for missing. A log scale ranked worse on a public lead
    export, so numbers keep their scale. Rare categories share one level.
    """
    numeric, categorical = _kinds(features)
    prepare = ColumnTransformer(
        [
            (
                "number",
                Pipeline(
                    [
                        ("fill", SimpleImputer(strategy="median", add_indicator=True)),
                        ("scale", StandardScaler()),
                    ]
                ),
                numeric,
            ),
            (
                "category",
                Pipeline(
                    [
                        ("text", FunctionTransformer(_as_text, feature_names_out="one-to-one")),
                        (
                            "onehot",
                            OneHotEncoder(
                                handle_unknown="infrequent_if_exist",
                                min_frequency=MIN_CATEGORY_ROWS,
                            ),
                        ),
                    ]
                ),
                categorical,
            ),
        ],
        verbose_feature_names_out=False,
    )
    model = LogisticRegressionCV(
        Cs=10,
        l1_ratios=(0.0,),
        cv=CROSS_VALIDATION_FOLDS,
        scoring="neg_log_loss",
        max_iter=3000,
        use_legacy_attributes=False,
    )
    return Pipeline([("prepare", prepare), ("model", model)])


def boosting_model(features: pd.DataFrame, seed: int = 0) -> CalibratedClassifierCV:
    """Gradient-boosted trees on native categories, probabilities calibrated by isotonic fits."""
    numeric, categorical = _kinds(features)
    prepare = ColumnTransformer(
        [
            ("number", "passthrough", numeric),
            (
                "category",
                Pipeline(
                    [
                        ("text", FunctionTransformer(_as_text)),
                        (
                            "codes",
                            OrdinalEncoder(
                                handle_unknown="use_encoded_value",
                                unknown_value=np.nan,
                                min_frequency=MIN_CATEGORY_ROWS,
                                max_categories=250,
                            ),
                        ),
                    ]
                ),
                categorical,
            ),
        ]
    )
    trees = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=300,
        max_depth=4,
        # Each split chooses among half the columns, because on a public lead export this ranked
        # better than every depth, rate and L2 setting tried with all columns.
        max_features=0.5,
        l2_regularization=1.0,
        early_stopping=False,
        categorical_features=[False] * len(numeric) + [True] * len(categorical),
        random_state=seed,
    )
    return CalibratedClassifierCV(
        Pipeline([("prepare", prepare), ("model", trees)]), method="isotonic", cv=3
    )


def _odds_text(factor: float, label: str) -> str:
    if factor >= 1:
        return f"multiplies the odds of {label} by {factor:.2f}"
    return f"divides the odds of {label} by {1 / factor:.2f}"


def explain_weights(model: Pipeline, features: pd.DataFrame, label: str) -> list[dict[str, Any]]:
    """Describe each coefficient of the weights model in plain language, largest effect first."""
    prepare: ColumnTransformer = model.named_steps["prepare"]
    names = list(prepare.get_feature_names_out())
    coefficients = model.named_steps["model"].coef_[0]
    numeric, categorical = _kinds(features)
    scales: dict[str, float] = {}
    if numeric:
        scaler = prepare.named_transformers_["number"].named_steps["scale"]
        scales = dict(zip(names, scaler.scale_, strict=False))
    rows = []
    for name, coefficient in zip(names, coefficients, strict=True):
        factor = math.exp(coefficient)
        if name.startswith("missingindicator_"):
            column = name.removeprefix("missingindicator_")
            # A 0/1 flag was standardised too; undo it to compare missing with present.
            factor = math.exp(coefficient / scales.get(name, 1.0))
            text = f"{column} missing {_odds_text(factor, label)}"
        elif name in numeric:
            text = f"{name}: each {scales.get(name, 1.0):,.3g} more {_odds_text(factor, label)}"
        else:
            column = next((column for column in categorical if name.startswith(f"{column}_")), name)
            value = name[len(column) + 1 :]
            if value == "infrequent_sklearn":
                value = "a rare value"
            text = f"{column} = {value} {_odds_text(factor, label)}"
            name = f"{column} = {value}"
        rows.append(
            {
                "feature": name,
                "coefficient": round(float(coefficient), 4),
                "odds_ratio": round(factor, 3),
                "text": text,
            }
        )
    return sorted(rows, key=lambda row: (-abs(row["coefficient"]), row["feature"]))


def _probabilities(model: Any, features: pd.DataFrame) -> np.ndarray:
    return np.asarray(model.predict_proba(features)[:, 1], dtype=float)


def composite_weights(
    training: TrainingSet, train: np.ndarray, test: np.ndarray, config: ScoringConfig
) -> dict[str, Any]:
    """Learn the four components' weights; compare them with the configured ones on the test."""
    assert training.components is not None
    components = training.components
    configured = {name: config.composite.weights.get(name, 0.0) for name in COMPONENTS}
    varying = [name for name in COMPONENTS if components[name].iloc[train].std() > 0]
    result: dict[str, Any] = {"configured": configured, "learned": None, "reason": None}
    if not varying:
        result["reason"] = "no component varies across the training rows"
        return result
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(components[varying].iloc[train] / 100, training.labels[train])
    coefficients = dict(zip(varying, model.coef_[0], strict=True))
    positive = {name: max(float(value), 0.0) for name, value in coefficients.items()}
    if sum(positive.values()) <= 0:
        result["reason"] = "no component raises the odds of winning; the data do not support any"
        return result
    fixed_share = sum(configured[name] for name in COMPONENTS if name not in varying)
    learned = {
        name: (
            (1 - fixed_share) * positive[name] / sum(positive.values())
            if name in varying
            else configured[name]
        )
        for name in COMPONENTS
    }
    learned = {name: round(value, 4) for name, value in learned.items()}
    # Rounding must still add up to 1 for the config's check.
    largest = max(learned, key=lambda name: learned[name])
    learned[largest] = round(learned[largest] + 1 - sum(learned.values()), 4)
    result["learned"] = learned
    result["coefficients"] = {name: round(float(value), 4) for name, value in coefficients.items()}
    # Coefficients are per 100 points of a component; a tenth of one reads as 10 points.
    result["texts"] = [
        f"{name}: each 10 points {_odds_text(math.exp(value / 10), 'winning')}"
        for name, value in sorted(coefficients.items(), key=lambda item: -abs(item[1]))
    ]

    def composite(weights: dict[str, float]) -> np.ndarray:
        rows = components.iloc[test]
        # As scoring does, a component without an input file passes its weight to the others.
        spread = spread_weights(weights, training.available)
        blend = sum(spread[name] * rows[name] for name in COMPONENTS) - rows["negative"]
        return np.clip(blend.to_numpy(dtype=float), 0, 100) / 100

    outcomes = training.labels[test]
    if 0 < outcomes.sum() < len(outcomes):
        result["test_auc_configured"] = round(
            float(roc_auc_score(outcomes, composite(configured))), 4
        )
        result["test_auc_learned"] = round(float(roc_auc_score(outcomes, composite(learned))), 4)
    return result


def _setting(config: ScoringConfig, path: str) -> float:
    value: Any = config
    for part in path.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return float(value)


def recomposed(
    features: pd.DataFrame,
    config: ScoringConfig,
    weights: dict[str, float],
    factors: dict[str, float] | None = None,
) -> np.ndarray:
    """Return each row's score (0 to 1) from its signal families' points, each times its factor.

    The components are the scoring core's: fit and negative points clipped at 100, the others
    saturated at their scale. `weights` are the composite weights after `spread_weights`.
    """
    factors = factors or {}
    blend = np.zeros(len(features))
    negative = np.zeros(len(features))
    for component in (*COMPONENTS, "negative"):
        columns = [column for column in features.columns if column.startswith(f"{component}:")]
        raw = np.zeros(len(features))
        for column in columns:
            raw += features[column].to_numpy(dtype=float) * factors.get(column, 1.0)
        if component == "negative":
            negative = np.clip(raw, 0, 100)
        elif component == "fit":
            blend += weights.get(component, 0.0) * np.clip(raw, 0, 100)
        else:
            blend += weights.get(component, 0.0) * saturate(
                raw, component_scales(config)[component]
            )
    return np.clip(blend - negative, 0, 100) / 100


def signal_weights(
    training: TrainingSet,
    model: Pipeline,
    train: np.ndarray,
    test: np.ndarray,
    config: ScoringConfig,
    composite: dict[str, float],
) -> dict[str, Any]:
    """Turn the weights model's coefficients into fit weights and relationship points.

    Within a component, each signal's new settings are proportional to its effect at its
    configured settings (coefficient per point times points), scaled so that the component's
    settings add up to what they did: a full fit match stays 100 points. A signal that lowers
    the odds gets 0, and no setting grows more than MAX_SETTING_FACTOR times in one training.
    A signal with points on fewer than MIN_CATEGORY_ROWS training rows keeps its settings. The
    held-out rows compare the score with both sets of settings.
    """
    numeric, _ = _kinds(training.features)
    result: dict[str, Any] = {"signals": [], "learned": None, "reason": None, "notes": []}
    if not numeric:
        result["reason"] = "no signal's points are among the features"
        return result
    prepare: ColumnTransformer = model.named_steps["prepare"]
    names = list(prepare.get_feature_names_out())
    coefficients = dict(zip(names, model.named_steps["model"].coef_[0], strict=True))
    scaler = prepare.named_transformers_["number"].named_steps["scale"]
    scales = dict(zip(numeric, scaler.scale_, strict=False))
    rows = training.features.iloc[train]
    factors: dict[str, float] = {}
    for component in ("fit", "relationship"):
        families = [
            family
            for family in SIGNAL_SETTINGS
            if family.startswith(f"{component}:")
            and family in coefficients
            and int((rows[family] != 0).sum()) >= MIN_CATEGORY_ROWS
        ]
        if not families:
            continue
        per_point = {family: coefficients[family] / scales[family] for family in families}
        sizes = {
            family: sum(_setting(config, path) for path in SIGNAL_SETTINGS[family])
            for family in families
        }
        total = sum(sizes.values())
        # A signal's effect at its configured settings: coefficient per point times its points.
        effect = sum(max(per_point[family], 0.0) * sizes[family] for family in families)
        if total <= 0 or min(sizes.values()) < 0:
            result["notes"].append(f"{component} settings are not learned: one is negative")
            continue
        if effect <= 0:
            result["notes"].append(
                f"{component} settings are not learned: no {component} signal raises the odds"
            )
            continue
        for family in families:
            # New settings in proportion to the effect, adding up to the configured total.
            factors[family] = min(MAX_SETTING_FACTOR, max(per_point[family], 0.0) * total / effect)
            settings = {path: _setting(config, path) for path in SIGNAL_SETTINGS[family]}
            # Odds read per the signal's first setting: a full fit match, one won deal.
            unit = next(iter(settings.values())) or 1.0
            result["signals"].append(
                {
                    "signal": family,
                    "coefficient_per_point": round(float(per_point[family]), 6),
                    "factor": round(factors[family], 4),
                    "configured": settings,
                    "learned": {
                        path: round(value * factors[family], 2) for path, value in settings.items()
                    },
                    "text": f"{family}: each {unit:g} points "
                    f"{_odds_text(math.exp(per_point[family] * unit), _label_phrase(training))}",
                }
            )
    if not factors:
        result["reason"] = (
            "no fit or relationship signal has points on enough training rows and raises the "
            "odds of winning"
        )
        return result
    outcomes = training.labels[test]
    if 0 < outcomes.sum() < len(outcomes):
        points = training.features if training.points is None else training.points
        held_out = points.iloc[test]
        before = recomposed(held_out, config, composite)
        after = recomposed(held_out, config, composite, factors)
        result["test_auc_configured"] = round(float(roc_auc_score(outcomes, before)), 4)
        result["test_auc_learned"] = round(float(roc_auc_score(outcomes, after)), 4)
        _, low, high = paired_auc_gain(outcomes, before, after)
        result["test_gain_low"], result["test_gain_high"] = round(low, 4), round(high, 4)
    result["learned"] = {
        path: value for row in result["signals"] for path, value in row["learned"].items()
    }
    return result


def settings_overlay(settings: dict[str, float]) -> dict[str, Any]:
    """Nest dotted settings into an overlay: {"fit.weights.industry": 20} → {"fit": {...}}."""
    overlay: dict[str, Any] = {}
    for path, value in settings.items():
        *parents, name = path.split(".")
        level = overlay
        for parent in parents:
            level = level.setdefault(parent, {})
        level[name] = value
    return overlay


def learn_half_lives(
    training: TrainingSet, train: np.ndarray, config: ScoringConfig
) -> list[dict[str, Any]]:
    """For each activity type, the half-life on the grid whose decayed count ranks outcomes best."""
    results = []
    outcomes = training.labels[train]
    if outcomes.min(initial=1) == outcomes.max(initial=0):
        return results
    minimum = config.learning.min_outcomes
    for activity_type, by_half_life in sorted(training.decay.items()):
        configured = config.engagement.half_life(activity_type)
        sample = next(iter(by_half_life.values()))[train]
        touched = int((sample > 0).sum())
        row: dict[str, Any] = {
            "type": activity_type,
            "configured": configured,
            "rows_with_activity": touched,
            "learned": None,
        }
        if touched < minimum:
            row["reason"] = f"only {touched} training rows have this activity; need {minimum}"
            results.append(row)
            continue
        aucs = {
            half_life: float(roc_auc_score(outcomes, values[train]))
            for half_life, values in by_half_life.items()
        }
        best = max(aucs, key=lambda half_life: (aucs[half_life], -abs(half_life - configured)))
        nearest = min(aucs, key=lambda half_life: abs(half_life - configured))
        row["auc_by_half_life"] = {f"{key:g}": round(value, 4) for key, value in aucs.items()}
        row["auc_best"] = round(aucs[best], 4)
        row["auc_configured"] = round(aucs[nearest], 4)
        if aucs[best] - aucs[nearest] >= MIN_AUC_GAIN:
            row["learned"] = best
        else:
            row["reason"] = (
                f"{best:g} days ranks outcomes no better than the configured {configured:g} "
                f"(AUC {aucs[best]:.3f} against {aucs[nearest]:.3f})"
            )
        results.append(row)
    return results


def source_quality(
    training: TrainingSet, config: ScoringConfig
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Empirical-Bayes conversion rate per lead source, and the quality (0-1) scoring uses."""
    if training.sources is None:
        return [], {}
    frame = pd.DataFrame(
        {
            "source": training.sources.astype("string").str.strip(),
            "label": training.labels,
        }
    ).dropna()
    frame["key"] = frame["source"].str.lower()
    if frame.empty or frame["key"].nunique() < 2:
        return [], {}
    grouped = frame.groupby("key").agg(
        successes=("label", "sum"), total=("label", "count"), name=("source", "first")
    )
    rates = smoothed_rates(grouped["successes"], grouped["total"])
    best = rates[0].rate
    rows = [
        {
            "source": grouped.loc[rate.group, "name"],
            "outcomes": rate.total,
            "converted": rate.successes,
            "raw_rate": round(rate.raw_rate, 4),
            "rate": round(rate.rate, 4),
            "quality": round(rate.rate / best, 3) if best > 0 else 0.0,
        }
        for rate in rates
    ]
    if rates[0].rate - rates[-1].rate < SOURCE_SPREAD:
        # The sources differ no more than chance explains, so every smoothed rate is the overall
        # rate. Flattening the configured quality to that one value would discard knowledge.
        return rows, {}
    quality = {str(row["source"]).lower(): float(row["quality"]) for row in rows}
    merged = {key.lower(): value for key, value in config.leads.sources.items()}
    merged.update(quality)
    return rows, merged


def _check_outcomes(training: TrainingSet, config: ScoringConfig) -> None:
    minimum = config.learning.min_outcomes
    kind = ("won", "lost") if training.level == "accounts" else ("converted", "not converted")
    if training.positives < minimum or training.negatives < minimum:
        raise NotEnoughOutcomesError(
            f"not enough outcomes to learn from: {training.positives:,} {kind[0]} and "
            f"{training.negatives:,} {kind[1]}, need at least {minimum} of each "
            "(learning.min_outcomes); the configured weights stay in use"
        )


def train(
    training: TrainingSet,
    config: ScoringConfig,
    seed: int = 0,
    version: str | None = None,
    progress: Any = None,
) -> Trained:
    """Fit the three models on one split, evaluate them on the held-out rows, explain them."""
    # OpenMP threads of the boosted trees spin while they wait, so on 2 cores that another job
    # keeps busy, 600 deals took 203 s with the default threads and 1.3 s with one.
    with threadpool_limits(limits=1):
        return _train(training, config, seed, version, progress)


def _train(
    training: TrainingSet, config: ScoringConfig, seed: int, version: str | None, progress: Any
) -> Trained:
    _check_outcomes(training, config)

    def step(message: str) -> None:
        if progress:
            progress(message)

    train_rows, test_rows, kind = split(training, config.learning.test_fraction, seed)
    labels = training.labels
    fewest = min(int(labels[train_rows].sum()), int(len(train_rows) - labels[train_rows].sum()))
    if fewest < CROSS_VALIDATION_FOLDS:
        raise NotEnoughOutcomesError(
            f"the {len(train_rows):,} training rows have only {fewest} outcome(s) of one kind; "
            f"cross-validation needs at least {CROSS_VALIDATION_FOLDS} of each: add outcomes or "
            "lower learning.test_fraction"
        )
    if labels[test_rows].min() == labels[test_rows].max():
        raise NotEnoughOutcomesError(
            f"the held-out {len(test_rows):,} rows have only one outcome; "
            "add outcomes or raise learning.test_fraction"
        )
    features = training.features
    if features.shape[1] == 0:
        raise NotEnoughOutcomesError("no column is left to learn from; see the columns left out")
    x_train, x_test = features.iloc[train_rows], features.iloc[test_rows]
    y_train, y_test = labels[train_rows], labels[test_rows]

    step("Checking each column for leaks")
    leaks = leaky_columns(x_train, pd.Series(y_train))
    warnings_list = [
        f"{column} alone ranks the outcomes with AUC {auc:.3f}: it was probably filled in "
        f"after the outcome was known; add it to learning.exclude or pass --exclude "
        f"{column!r}"
        for column, auc in leaks.items()
    ]

    models: dict[str, Any] = {}
    probabilities: dict[str, np.ndarray] = {}
    with warnings.catch_warnings():
        # Categories first seen in the test rows are expected; they are treated as unknown.
        warnings.filterwarnings("ignore", message="Found unknown categories")
        for name, build in (
            ("baseline", baseline_model),
            ("logistic", weights_model),
            ("boosting", lambda frame: boosting_model(frame, seed)),
        ):
            step(f"Fitting the {name} model")
            model = build(x_train)
            model.fit(x_train, y_train)
            models[name] = model
            probabilities[name] = _probabilities(model, x_test)
    step("Evaluating on the held-out rows")
    evaluations = {
        name: evaluate(y_test, values, seed=seed).to_dict()
        for name, values in probabilities.items()
    }
    step("Choosing the model by cross-validation on the training rows")
    validated = _cross_validated_auc(x_train, y_train, seed)
    # The held-out rows judge the chosen model; they do not choose it.
    chosen = max(validated, key=lambda name: (validated[name], name == "boosting"))
    headline = evaluations[chosen]
    created = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    weights = explain_weights(models["logistic"], x_train, _label_phrase(training))
    report: dict[str, Any] = {
        "model_version": version,
        "level": training.level,
        "label": training.label,
        "created_at": created.isoformat(),
        "split": kind,
        "n_train": len(train_rows),
        "n_test": len(test_rows),
        "chosen": chosen,
        "cross_validated_auc": validated,
        "auc": headline["auc"],
        "auc_low": headline["auc_low"],
        "auc_high": headline["auc_high"],
        "pr_auc": headline["pr_auc"],
        "brier": headline["brier"],
        "lift_top_decile": headline["lift_top_decile"],
        "baseline_auc": evaluations["baseline"]["auc"],
        "positives": training.positives,
        "negatives": training.negatives,
        "models": evaluations,
        "features": list(features.columns),
        "left_out": training.left_out,
        "leaks": leaks,
        "leak_threshold": LEAKAGE_AUC,
        "weights": weights,
        "notes": list(training.notes),
        "warnings": warnings_list,
    }
    if kind == "time" and training.dates is not None:
        dates = pd.to_datetime(training.dates)
        report["test_from"] = dates.iloc[test_rows].min().date().isoformat()
        report["train_until"] = dates.iloc[train_rows].max().date().isoformat()
    report["test"] = _test_sample(y_test, probabilities, seed)
    if evaluations[chosen]["auc"] <= evaluations["baseline"]["auc"]:
        report["warnings"].append(
            f"the chosen {MODEL_NAMES[chosen]} (AUC {evaluations[chosen]['auc']:.3f}) does not "
            f"beat the plain baseline ({evaluations['baseline']['auc']:.3f}) on the held-out rows"
        )

    overlay: dict[str, Any] = {}
    if training.level == "accounts":
        step("Learning composite weights and decay")
        composite = composite_weights(training, train_rows, test_rows, config)
        report["composite"] = composite
        supported = _supported(composite, headline)
        if composite["learned"] is not None and supported is None:
            overlay["composite"] = {"weights": composite["learned"]}
        elif composite["learned"] is not None:
            composite["reason"] = supported
            report["warnings"].append(f"the configured composite weights stay: {supported}")
        blend = spread_weights(
            overlay.get("composite", {}).get("weights", dict(config.composite.weights)),
            training.available,
        )
        signals = signal_weights(training, models["logistic"], train_rows, test_rows, config, blend)
        report["signal_weights"] = signals
        report["notes"].extend(signals["notes"])
        if signals["learned"] is not None:
            signals["reason"] = _supported(signals, headline)
            gain_low = signals.get("test_gain_low")
            if signals["reason"] is None and gain_low is not None and gain_low <= 0:
                signals["reason"] = (
                    f"the learned settings raise the held-out AUC from "
                    f"{signals['test_auc_configured']:.3f} to {signals['test_auc_learned']:.3f}, "
                    f"but the gain's 95% interval ({gain_low:.3f} to "
                    f"{signals['test_gain_high']:.3f}) includes no gain"
                )
            if signals["reason"] is None:
                overlay |= settings_overlay(signals["learned"])
            else:
                report["warnings"].append(
                    f"the configured fit and relationship settings stay: {signals['reason']}"
                )
        half_lives = learn_half_lives(training, train_rows, config)
        report["half_lives"] = half_lives
        learned = {row["type"]: row["learned"] for row in half_lives if row["learned"]}
        if learned:
            overlay["engagement"] = {
                "half_life_days": dict(config.engagement.half_life_days) | learned
            }
    rows, quality = source_quality(training, config) if training.conversion_label else ([], {})
    report["sources"] = rows
    if not training.conversion_label:
        report["notes"].append(
            f"the label {training.label} is not the conversion outcome, so lead-source "
            "quality is not learned from it"
        )
    if quality:
        overlay["leads"] = {"sources": quality}
    elif rows:
        report["notes"].append(
            "lead sources convert at rates no further apart than chance explains; the "
            "configured lead-source quality stays"
        )
    report["inputs"] = _input_sample(training, seed)
    return Trained(report=report, overlay=overlay)


MODEL_NAMES = {"logistic": "logistic regression", "boosting": "boosted model"}


def _cross_validated_auc(features: pd.DataFrame, labels: np.ndarray, seed: int) -> dict[str, float]:
    """Return the 5-fold AUC of the logistic regression and of the (uncalibrated) trees.

    Isotonic calibration barely moves a ranking, so the trees are validated without it, which
    saves two thirds of the fits.
    """
    folds = StratifiedKFold(n_splits=CROSS_VALIDATION_FOLDS, shuffle=True, random_state=seed)
    builders = {
        "logistic": weights_model(features),
        "boosting": boosting_model(features, seed).estimator,
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Found unknown categories")
        return {
            name: round(
                float(
                    np.mean(cross_val_score(model, features, labels, cv=folds, scoring="roc_auc"))
                ),
                4,
            )
            for name, model in builders.items()
        }


def _supported(composite: dict[str, Any], headline: dict[str, Any]) -> str | None:
    """Return why learned weights should not replace the configured ones, or None.

    Some model must beat chance, and the learned weights must rank the held-out outcomes better
    than the configured ones.
    """
    if headline["auc_low"] <= 0.5:
        return (
            f"no model ranks the held-out outcomes better than chance (AUC {headline['auc']:.3f}, "
            f"95% interval {headline['auc_low']:.3f} to {headline['auc_high']:.3f})"
        )
    learned = composite.get("test_auc_learned")
    configured = composite.get("test_auc_configured")
    if learned is not None and configured is not None and learned <= configured:
        return (
            f"the learned weights rank the held-out outcomes no better (AUC {learned:.3f}) "
            f"than the configured ones ({configured:.3f})"
        )
    return None


def _label_phrase(training: TrainingSet) -> str:
    return "winning" if training.level == "accounts" else "converting"


def _test_sample(
    outcomes: np.ndarray, probabilities: dict[str, np.ndarray], seed: int
) -> dict[str, Any]:
    """Return the held-out outcomes and probabilities for plots, at most TEST_POINTS of them."""
    rows = np.arange(len(outcomes))
    if len(rows) > TEST_POINTS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, TEST_POINTS, replace=False))
    return {
        "outcomes": [int(value) for value in outcomes[rows]],
        "probabilities": {
            name: [round(float(value), 5) for value in values[rows]]
            for name, values in probabilities.items()
        },
    }


def _input_sample(training: TrainingSet, seed: int) -> dict[str, list[float]]:
    """Return training values of each scoring input, kept so drift can be measured later."""
    if training.components is None:
        return {}
    # A run's score is its composite, rounded, so drift compares the two.
    frame = training.components.rename(columns={"composite": "score"})
    rows = np.arange(len(frame))
    if len(rows) > TEST_POINTS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, TEST_POINTS, replace=False))
    return {
        column: [round(float(value), 2) for value in frame[column].to_numpy()[rows]]
        for column in frame.columns
    }
