"""Product propensity: the probability that an account buys each product line.

Learned inside a scoring run from the won opportunities of that run. After the as-of filter the
tables contain only rows dated before the as-of date, so nothing later reaches the model. Each won
opportunity is a training row with its product as the label. Its features are what was known
when it was created: the account's firmographics, its intent topic scores in the intent lookback
window before that day, and its earlier wins by product. Every account is then scored with the
same features as of the as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

import duckdb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import GroupKFold, KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.loading import LoadReport
from nextbest.scoring.sql import literal, text_list

# Below these counts a fitted model would mostly repeat noise, so no account gets a top product.
MIN_WON_OPPORTUNITIES = 30
MIN_PRODUCTS = 2
MIN_WINS_PER_PRODUCT = 5
# Intent topics become features in order of how many training rows saw them, up to this many.
MAX_TOPICS = 50
CATEGORICAL = ("industry", "country", "region")
FIRMOGRAPHIC_NUMBERS = ("log_employees", "log_revenue")
UNKNOWN = "unknown"
# Inverse regularisation strengths tried by cross-validation, strongest first.
DEFAULT_CS = (0.0001, 0.001, 0.01, 0.1, 1.0, 10.0)
OUTPUT_COLUMNS = ["account_id", "top_product", "top_product_probability"]
PROBABILITY_DECIMALS = 3


class ProductPropensity(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression from account features to a product, L2-regularised.

    `X` is a frame with the columns in CATEGORICAL (text, one-hot encoded) and any number of
    numeric columns (missing values imputed with the median and flagged, then standardised).
    The regularisation strength is chosen from `Cs` by the log loss of cross-validation over
    `folds` folds. Each group (account) stays in one fold when there are at least `folds`
    groups, so that an account's other deals in the training folds do not flatter a weak
    regularisation.

    `class_weight` defaults to None, unlike the 'balanced' weighting often used for rare
    classes, because the outputs are read as probabilities of buying: balanced weights would
    inflate a rarely bought product's probability until it tops accounts that will not buy it.
    """

    def __init__(
        self,
        Cs: tuple[float, ...] = DEFAULT_CS,
        folds: int = 5,
        class_weight: dict[str, float] | str | None = None,
        max_iter: int = 1000,
    ) -> None:
        self.Cs = Cs
        self.folds = folds
        self.class_weight = class_weight
        self.max_iter = max_iter

    def fit(
        self, X: pd.DataFrame, y: pd.Series | np.ndarray, groups: np.ndarray | None = None
    ) -> Self:
        """Fit on one row per won opportunity, `y` the product of each, `groups` its account."""
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a pandas DataFrame, got {type(X).__name__}")
        missing = [column for column in CATEGORICAL if column not in X.columns]
        if missing:
            raise ValueError(f"X lacks the categorical columns {missing}; it has {list(X.columns)}")
        labels = np.asarray(y, dtype=object)
        if len(labels) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(labels)} labels")
        if len(set(labels)) < 2:
            raise ValueError(f"y must contain at least 2 products, got {sorted(set(labels))}")
        if self.folds < 2:
            raise ValueError(f"folds must be at least 2, got {self.folds}")

        numbers = [column for column in X.columns if column not in CATEGORICAL]
        features = ColumnTransformer(
            [
                ("categories", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
                (
                    "numbers",
                    make_pipeline(
                        # keep_empty_features keeps a column that is empty in every row (no
                        # revenue in the export, say), so training and prediction agree.
                        SimpleImputer(
                            strategy="median", add_indicator=True, keep_empty_features=True
                        ),
                        StandardScaler(),
                    ),
                    numbers,
                ),
            ]
        )
        model = LogisticRegressionCV(
            Cs=list(self.Cs),
            l1_ratios=(0.0,),
            cv=self._splits(X, labels, groups),
            scoring="neg_log_loss",
            solver="lbfgs",
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            use_legacy_attributes=False,
        )
        self.pipeline_: Pipeline = make_pipeline(features, model).fit(X, labels)
        self.classes_: np.ndarray = self.pipeline_.classes_
        self.C_: float = float(model.C_)
        self.feature_names_in_: np.ndarray = np.asarray(X.columns, dtype=object)
        self.n_features_in_: int = len(X.columns)
        return self

    def _splits(
        self, X: pd.DataFrame, labels: np.ndarray, groups: np.ndarray | None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return the cross-validation folds: whole groups when there are `folds` or more."""
        if groups is not None and len(set(groups)) >= self.folds:
            return list(GroupKFold(n_splits=self.folds).split(X, labels, groups))
        # With fewer groups, holding out a whole group can leave a product out of the training
        # folds entirely, and then every strength scores the same. Shuffled rows mix groups.
        folds = KFold(n_splits=min(self.folds, len(labels)), shuffle=True, random_state=0)
        return list(folds.split(X, labels))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Return one row per account and one column per product in `classes_`, summing to 1."""
        check_is_fitted(self)
        return self.pipeline_.predict_proba(X[list(self.feature_names_in_)])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


@dataclass
class Propensity:
    """Each account's most likely product, and every product's probability per account."""

    # account_id, top_product and top_product_probability, one row per account; the last two
    # are missing when no model was fitted.
    top: pd.DataFrame
    # account_id, product and probability, one row per account and product; empty when no
    # model was fitted.
    probabilities: pd.DataFrame


def _won_opportunities(connection: duckdb.DuckDBPyConnection) -> None:
    # A won deal without a close date counts as won on the day it was created. That may be
    # earlier than it really was, which could let a training row see a win made after it.
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE propensity_wins AS
        SELECT opportunity_id, account_key AS account_id, created_at,
               COALESCE(closed_at, created_at) AS won_at, trim(product) AS product
        FROM opportunities
        WHERE outcome = 'won' AND account_key IS NOT NULL AND NULLIF(trim(product), '') IS NOT NULL
        """
    )


def _too_few_wins(connection: duckdb.DuckDBPyConnection) -> str | None:
    """Return why the won opportunities are too few to learn from, or None when they suffice."""
    counts = dict(
        connection.execute(
            "SELECT product, count(*) FROM propensity_wins GROUP BY product"
        ).fetchall()
    )
    total = sum(counts.values())
    if total < MIN_WON_OPPORTUNITIES:
        return (
            f"product propensity needs at least {MIN_WON_OPPORTUNITIES} won opportunities with "
            f"a product; found {total:,}, so no account has a top product"
        )
    frequent = sorted(product for product, wins in counts.items() if wins >= MIN_WINS_PER_PRODUCT)
    if len(frequent) < MIN_PRODUCTS:
        named = f" ({', '.join(frequent)})" if frequent else ""
        return (
            f"product propensity needs at least {MIN_PRODUCTS} products with "
            f"{MIN_WINS_PER_PRODUCT} or more won opportunities each; found {len(frequent)}"
            f"{named}, so no account has a top product"
        )
    return None


def _moments(connection: duckdb.DuckDBPyConnection, as_of: datetime) -> None:
    """Create the rows to describe: each won opportunity on its day, then each account at as-of.

    `opportunity_id` is NULL on the account rows; `product` is the label of the training rows.
    """
    as_of_sql = f"TIMESTAMP {literal(as_of.isoformat(sep=' '))}"
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE propensity_moments AS
        SELECT row_number() OVER (ORDER BY training DESC, account_id, moment, opportunity_id) - 1
                   AS position,
               *
        FROM (SELECT true AS training, opportunity_id, account_id, created_at AS moment, product
              FROM propensity_wins
              UNION ALL
              SELECT false, NULL, account_id, {as_of_sql}, NULL FROM accounts)
        """
    )


def _topics(connection: duckdb.DuckDBPyConnection, lookback_days: int) -> list[str]:
    """Return the intent topics seen before the most won opportunities, most often seen first."""
    rows = connection.execute(
        f"""
        SELECT lower(trim(i.topic)) AS topic, count(DISTINCT m.position) AS moments
        FROM propensity_moments m
        JOIN intent i ON i.account_key = m.account_id AND i.week < m.moment
            AND i.week >= m.moment - INTERVAL {lookback_days} DAY
        WHERE m.training
        GROUP BY 1 ORDER BY moments DESC, topic LIMIT {MAX_TOPICS}
        """
    ).fetchall()
    return [topic for topic, _ in rows]


def _features(
    connection: duckdb.DuckDBPyConnection,
    topics: list[str],
    products: list[str],
    lookback_days: int,
) -> pd.DataFrame:
    """Return one row per moment, in `position` order: its features, label and account.

    Topic and product columns are named `topic_0`, `won_0` and so on, in the order of `topics`
    and `products`. A topic's value is its best score in the lookback window before the moment,
    or 0 without one. A product's value is log(1 + the account's wins of it before the moment).
    """
    best_scores = ", ".join(
        f"max(i.score) FILTER (WHERE i.topic = {literal(topic)}) AS topic_{index}"
        for index, topic in enumerate(topics)
    )
    won_counts = ", ".join(
        f"count(*) FILTER (WHERE o.product = {literal(product)}) AS won_{index}"
        for index, product in enumerate(products)
    )
    topic_columns = [f"topic_{index}" for index in range(len(topics))]
    won_columns = [f"won_{index}" for index in range(len(products))]
    intent_join = ""
    if topics:
        intent_join = f"""
        LEFT JOIN (
            SELECT m.position, {best_scores}
            FROM propensity_moments m
            JOIN (SELECT account_key, lower(trim(topic)) AS topic, week, score FROM intent
                  WHERE lower(trim(topic)) IN ({text_list(topics)})) i
                ON i.account_key = m.account_id AND i.week < m.moment
                AND i.week >= m.moment - INTERVAL {lookback_days} DAY
            GROUP BY m.position
        ) t USING (position)
        """
    frame = connection.execute(
        f"""
        SELECT m.position, m.training, m.account_id, m.product AS label,
            COALESCE(lower(trim(a.industry)), {literal(UNKNOWN)}) AS industry,
            COALESCE(cc.code, lower(trim(a.country)), {literal(UNKNOWN)}) AS country,
            COALESCE(lower(trim(a.region)), {literal(UNKNOWN)}) AS region,
            ln(1 + a.employees) AS log_employees,
            ln(1 + a.annual_revenue) AS log_revenue,
            {", ".join(f"t.{column}" for column in topic_columns)}{"," if topics else ""}
            {", ".join(f"w.{column}" for column in won_columns)}
        FROM propensity_moments m
        JOIN accounts a ON a.account_id = m.account_id
        LEFT JOIN country_code cc ON cc.raw = a.country
        {intent_join}
        LEFT JOIN (
            SELECT m.position, {won_counts}
            FROM propensity_moments m
            JOIN propensity_wins o ON o.account_id = m.account_id AND o.won_at < m.moment
                AND o.opportunity_id IS DISTINCT FROM m.opportunity_id
            GROUP BY m.position
        ) w USING (position)
        ORDER BY m.position
        """
    ).df()
    frame[topic_columns] = frame[topic_columns].astype(float).fillna(0.0)
    frame[won_columns] = np.log1p(frame[won_columns].astype(float).fillna(0.0))
    frame[list(FIRMOGRAPHIC_NUMBERS)] = frame[list(FIRMOGRAPHIC_NUMBERS)].astype(float)
    return frame


def product_propensity(
    connection: duckdb.DuckDBPyConnection,
    config: ScoringConfig,
    as_of: datetime,
    report: LoadReport,
) -> Propensity:
    """Fit the product model on the run's won opportunities and predict for every account.

    Needs the tables of a scoring run after `prepare`: accounts, opportunities and intent with
    their `account_key`, and `country_code`. Creates the table `product_propensity` with the
    `probabilities` of the result, for the evidence. With too few won opportunities it fits
    nothing, adds a warning to `report`, and leaves every account's top product missing.
    """
    _won_opportunities(connection)
    too_few = _too_few_wins(connection)
    if too_few is not None:
        report.warnings.append(too_few)
        accounts = connection.execute("SELECT account_id FROM accounts ORDER BY account_id").df()
        top = accounts.assign(top_product=None, top_product_probability=np.nan)
        probabilities = pd.DataFrame({"account_id": [], "product": [], "probability": []}).astype(
            {"account_id": object, "product": object, "probability": float}
        )
        result = Propensity(top=top[OUTPUT_COLUMNS], probabilities=probabilities)
    else:
        result = _fit_and_predict(connection, config, as_of)
    connection.register("product_propensity_frame", result.probabilities)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE product_propensity AS "
        "SELECT account_id::VARCHAR AS account_id, product::VARCHAR AS product, "
        "probability::DOUBLE AS probability FROM product_propensity_frame"
    )
    connection.unregister("product_propensity_frame")
    connection.execute("DROP TABLE IF EXISTS propensity_moments")
    connection.execute("DROP TABLE propensity_wins")
    return result


def _fit_and_predict(
    connection: duckdb.DuckDBPyConnection, config: ScoringConfig, as_of: datetime
) -> Propensity:
    lookback_days = config.intent.lookback_weeks * 7
    _moments(connection, as_of)
    products = [
        product
        for (product,) in connection.execute(
            "SELECT DISTINCT product FROM propensity_wins ORDER BY product"
        ).fetchall()
    ]
    topics = _topics(connection, lookback_days)
    frame = _features(connection, topics, products, lookback_days)

    columns = [
        *CATEGORICAL,
        *FIRMOGRAPHIC_NUMBERS,
        *(f"topic_{index}" for index in range(len(topics))),
        *(f"won_{index}" for index in range(len(products))),
    ]
    training = frame["training"].to_numpy(dtype=bool)
    # The matrices are small (thousands of rows, tens of columns), so BLAS and OpenMP threads
    # only add overhead. On 2 cores busy with other jobs, fitting the 9,050 deals of the
    # 100,000-account sample took 62 s with their default threads and 1.6 s with one.
    with threadpool_limits(limits=1):
        model = ProductPropensity().fit(
            frame.loc[training, columns],
            frame.loc[training, "label"],
            groups=frame.loc[training, "account_id"].to_numpy(),
        )
        return _predictions(model, frame.loc[~training, ["account_id", *columns]])


def _predictions(model: ProductPropensity, accounts: pd.DataFrame) -> Propensity:
    probability = model.predict_proba(accounts)
    best = np.argmax(probability, axis=1)
    top = pd.DataFrame(
        {
            "account_id": accounts["account_id"].to_numpy(dtype=object),
            "top_product": model.classes_[best].astype(object),
            "top_product_probability": probability[np.arange(len(best)), best].round(
                PROBABILITY_DECIMALS
            ),
        }
    )
    long = pd.DataFrame(
        {
            "account_id": np.repeat(top["account_id"].to_numpy(), len(model.classes_)),
            "product": np.tile(model.classes_.astype(object), len(top)),
            "probability": probability.ravel().round(PROBABILITY_DECIMALS),
        }
    )
    return Propensity(top=top, probabilities=long)
