"""Ranking figures of scores against outcomes: AUC with a bootstrap interval, PR-AUC, Brier, lift.

Also the leakage check: a single column that predicts the label almost perfectly was most likely
filled in after the outcome was known (a sales stage, a "reason lost", a quality grade), so it
must not become a feature.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import betaln
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

# A column whose values alone reach this AUC is reported as likely leaking the label. 0.9 is a
# judgement: on a public lead-scoring export it flags the sales team's status tags (0.917) and
# none of the columns a lead fills in (at most 0.794). NOTE: a leak that separates only some
# outcomes, such as a lead-quality grade (0.794 there), stays below it; exclude it in the config.
LEAKAGE_AUC = 0.9
BOOTSTRAP_SAMPLES = 1000


@dataclass(frozen=True)
class Evaluation:
    """Ranking and calibration figures of predicted probabilities against 0/1 outcomes."""

    auc: float
    auc_low: float
    auc_high: float
    pr_auc: float
    brier: float
    lift_top_decile: float
    positives: int
    count: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            key: round(value, 4) if isinstance(value, float) else value
            for key, value in asdict(self).items()
        }


def _checked(outcomes: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    outcomes = np.asarray(outcomes, dtype=int)
    scores = np.asarray(scores, dtype=float)
    if outcomes.shape != scores.shape or outcomes.ndim != 1:
        raise ValueError(
            f"outcomes and scores must be 1-D and of one length, got {outcomes.shape} and "
            f"{scores.shape}"
        )
    if not np.isin(outcomes, (0, 1)).all():
        raise ValueError("outcomes must be 0 or 1")
    if outcomes.min(initial=1) == outcomes.max(initial=0):
        raise ValueError("outcomes must contain both 0 and 1 to rank them")
    return outcomes, scores


def lift_top_decile(outcomes: np.ndarray, scores: np.ndarray) -> float:
    """Return the positive rate among the top-scored 10% divided by the overall rate.

    Ties at the cut-off are broken by position, so the top decile has exactly ceil(n / 10)
    rows.
    """
    outcomes, scores = _checked(outcomes, scores)
    top = int(np.ceil(len(scores) / 10))
    order = np.argsort(-scores, kind="stable")[:top]
    return float(outcomes[order].mean() / outcomes.mean())


def bootstrap_auc_interval(
    outcomes: np.ndarray,
    scores: np.ndarray,
    samples: int = BOOTSTRAP_SAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Return a percentile bootstrap interval for the AUC.

    Positives and negatives are resampled separately, so every sample has both classes.
    """
    outcomes, scores = _checked(outcomes, scores)
    generator = np.random.default_rng(seed)
    positives = scores[outcomes == 1]
    negatives = scores[outcomes == 0]
    aucs = np.empty(samples)
    for index in range(samples):
        aucs[index] = _auc(
            generator.choice(positives, len(positives)),
            generator.choice(negatives, len(negatives)),
        )
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(aucs, [tail, 100 - tail])
    return float(low), float(high)


def paired_auc_gain(
    outcomes: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Return the AUC of `after` minus that of `before` on the same rows, with a 95% interval.

    Each bootstrap sample draws the same rows for both scores, so the interval is of the gain.
    When the two scores rank alike, it is usually much narrower than either AUC's own interval.
    """
    outcomes, before = _checked(outcomes, before)
    after = np.asarray(after, dtype=float)
    positives = np.flatnonzero(outcomes == 1)
    negatives = np.flatnonzero(outcomes == 0)
    generator = np.random.default_rng(seed)
    gains = np.empty(samples)
    for index in range(samples):
        drawn_positives = generator.choice(positives, len(positives))
        drawn_negatives = generator.choice(negatives, len(negatives))
        gains[index] = _auc(after[drawn_positives], after[drawn_negatives]) - _auc(
            before[drawn_positives], before[drawn_negatives]
        )
    gain = _auc(after[positives], after[negatives]) - _auc(before[positives], before[negatives])
    low, high = np.percentile(gains, [2.5, 97.5])
    return gain, float(low), float(high)


def _auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """Return the Mann-Whitney AUC: the chance a positive outranks a negative, ties count half.

    Equal to sklearn's roc_auc_score, with less overhead per call for the bootstrap's thousand
    calls.
    """
    ranks = rankdata(np.r_[positives, negatives])
    count = len(positives)
    return float((ranks[:count].sum() - count * (count + 1) / 2) / (count * len(negatives)))


def within_group_auc(
    outcomes: np.ndarray,
    scores: np.ndarray,
    groups: np.ndarray,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
    clusters: np.ndarray | None = None,
) -> tuple[float, float, float]:
    """Return the AUC over pairs from the same group only, with a bootstrap interval.

    Runs at different dates convert at different rates, so comparing a buyer of one run with a
    non-buyer of another mixes the runs' base rates into the ranking. Without `clusters`,
    positives and negatives are resampled within each group. With `clusters` (an account per
    row, say), whole clusters are resampled with every row they have in every group, because one
    account's rows in runs weeks apart are not independent draws.
    """
    outcomes, scores = _checked(outcomes, scores)
    parts = []
    for group in np.unique(groups):
        member = groups == group
        positive, negative = member & (outcomes == 1), member & (outcomes == 0)
        if positive.any() and negative.any():
            parts.append((positive, negative))
    if not parts:
        raise ValueError("no group has both outcomes to rank")
    generator = np.random.default_rng(seed)
    if clusters is None:
        rows = [(scores[positive], scores[negative]) for positive, negative in parts]
        aucs = [
            _pooled_auc(
                [
                    (generator.choice(pos, len(pos)), generator.choice(neg, len(neg)))
                    for pos, neg in rows
                ]
            )
            for _ in range(samples)
        ]
    else:
        codes = pd.factorize(np.asarray(clusters))[0]
        count = int(codes.max()) + 1
        aucs = []
        for _ in range(samples):
            drawn = np.bincount(generator.integers(0, count, count), minlength=count)[codes]
            aucs.append(
                _pooled_weighted_auc(
                    [
                        (scores[positive], drawn[positive], scores[negative], drawn[negative])
                        for positive, negative in parts
                    ]
                )
            )
    # A resample that drew no pair to compare has no AUC.
    low, high = np.nanpercentile(aucs, [2.5, 97.5])
    full = [(scores[positive], scores[negative]) for positive, negative in parts]
    return _pooled_auc(full), float(low), float(high)


def _pooled_auc(parts: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Return the AUC over the pairs of each part, parts weighted by their number of pairs."""
    pairs = sum(len(pos) * len(neg) for pos, neg in parts)
    return sum(_auc(pos, neg) * len(pos) * len(neg) for pos, neg in parts) / pairs


def _pooled_weighted_auc(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> float:
    """Return `_pooled_auc` with each row counted as many times as its weight; NaN without pairs."""
    wins = pairs = 0.0
    for positives, positive_weights, negatives, negative_weights in parts:
        order = np.argsort(negatives, kind="stable")
        ranked, cumulative = negatives[order], np.r_[0.0, np.cumsum(negative_weights[order])]
        below = cumulative[np.searchsorted(ranked, positives, side="left")]
        tied = cumulative[np.searchsorted(ranked, positives, side="right")] - below
        wins += float(positive_weights @ (below + tied / 2))
        pairs += float(positive_weights.sum() * negative_weights.sum())
    return wins / pairs if pairs else math.nan


def evaluate(
    outcomes: np.ndarray, probabilities: np.ndarray, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> Evaluation:
    """Return the figures of predicted probabilities (0 to 1) against 0/1 outcomes."""
    outcomes, probabilities = _checked(outcomes, probabilities)
    low, high = bootstrap_auc_interval(outcomes, probabilities, samples, seed=seed)
    return Evaluation(
        auc=float(roc_auc_score(outcomes, probabilities)),
        auc_low=low,
        auc_high=high,
        pr_auc=float(average_precision_score(outcomes, probabilities)),
        brier=float(brier_score_loss(outcomes, probabilities)),
        lift_top_decile=lift_top_decile(outcomes, probabilities),
        positives=int(outcomes.sum()),
        count=len(outcomes),
    )


def single_column_auc(column: pd.Series, outcomes: pd.Series, folds: int = 5) -> float:
    """Return how well one column alone ranks the outcomes, as an AUC from 0.5 to 1.

    Numbers rank by value, in whichever direction ranks better. Categories (and missing
    values, as a category of their own) rank by their positive rate, learned on the other
    folds, so that an id-like column with a rate of 0 or 1 per value is not rewarded for
    memorising.
    """
    labels = np.asarray(outcomes, dtype=int)
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.astype(float).fillna(column.astype(float).median()).to_numpy()
        if np.nanstd(values) == 0:
            return 0.5
        auc = roc_auc_score(labels, values)
        return float(max(auc, 1 - auc))
    categories = column.astype("string").fillna("(missing)").to_numpy()
    encoded = np.empty(len(labels))
    prior = labels.mean()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train, test in splitter.split(categories, labels):
        rates = (
            pd.DataFrame({"category": categories[train], "label": labels[train]})
            .groupby("category")["label"]
            .agg(["sum", "count"])
        )
        # Smoothed towards the overall rate, as if each category had 10 more rows at it.
        smoothed = (rates["sum"] + 10 * prior) / (rates["count"] + 10)
        encoded[test] = pd.Series(categories[test]).map(smoothed).fillna(prior).to_numpy()
    return float(roc_auc_score(labels, encoded))


def leaky_columns(
    frame: pd.DataFrame, outcomes: pd.Series, threshold: float = LEAKAGE_AUC
) -> dict[str, float]:
    """Return the columns that alone rank the outcomes with an AUC of `threshold` or more."""
    scores = {name: single_column_auc(frame[name], outcomes) for name in frame.columns}
    return {
        name: round(score, 4)
        for name, score in sorted(scores.items(), key=lambda item: -item[1])
        if score >= threshold
    }


@dataclass(frozen=True)
class SmoothedRate:
    """A group's conversion rate shrunk towards the overall rate by how few outcomes it has."""

    group: str
    successes: int
    total: int
    raw_rate: float
    rate: float


def smoothed_rates(
    successes: pd.Series, totals: pd.Series, minimum_prior: float = 2.0
) -> list[SmoothedRate]:
    """Return each group's empirical-Bayes rate, best first: (successes + a) / (total + a + b).

    The beta prior (a, b) is the one under which the groups' counts are most likely (a
    beta-binomial fit), so a group with 3 leads and 3 conversions, whose count shows little, is
    pulled most of the way back to the overall rate while one with 3,000 keeps its own.
    `minimum_prior` is the least weight, in outcomes, the prior gets.
    """
    frame = pd.DataFrame({"successes": successes, "total": totals}).astype(float)
    if (frame["total"] <= 0).any() or (frame["successes"] > frame["total"]).any():
        raise ValueError("every group needs a positive total and no more successes than total")
    mean = frame["successes"].sum() / frame["total"].sum()
    strength = _prior_strength(frame["successes"].to_numpy(), frame["total"].to_numpy(), mean)
    strength = max(strength, minimum_prior)
    alpha, beta = mean * strength, (1 - mean) * strength
    results = [
        SmoothedRate(
            group=str(group),
            successes=int(row.successes),
            total=int(row.total),
            raw_rate=float(row.successes / row.total),
            rate=float((row.successes + alpha) / (row.total + alpha + beta)),
        )
        for group, row in frame.iterrows()
    ]
    return sorted(results, key=lambda item: (-item.rate, item.group))


# The prior's weight is searched between these many outcomes.
PRIOR_RANGE = (1e-2, 1e6)


def _prior_strength(successes: np.ndarray, totals: np.ndarray, mean: float) -> float:
    """Return the weight a + b of a beta prior centred on `mean` that makes the counts likeliest.

    With every group at the same rate, the likeliest prior is infinitely strong. So the search
    stops at the top of PRIOR_RANGE, which shrinks every group to the overall rate.
    """
    if not 0 < mean < 1:
        return PRIOR_RANGE[0]

    def negative_log_likelihood(log_strength: float) -> float:
        strength = math.exp(log_strength)
        alpha, beta = mean * strength, (1 - mean) * strength
        return -float(
            np.sum(betaln(successes + alpha, totals - successes + beta) - betaln(alpha, beta))
        )

    low, high = (math.log(bound) for bound in PRIOR_RANGE)
    best = minimize_scalar(negative_log_likelihood, bounds=(low, high), method="bounded")
    return float(math.exp(best.x))
