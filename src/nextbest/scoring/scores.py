"""Turn signals into the four components, the composite, tiers, qualification and reasons."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.loading import LoadReport
from nextbest.scoring.sql import decay, map_case, text_list

COMPONENTS = ("fit", "intent", "relationship", "engagement")
SATURATING = ("intent", "relationship", "engagement")


def saturate(raw: np.ndarray | pd.Series, scale: float) -> np.ndarray:
    """Map raw points of 0 or more onto 0-100: 63 at `scale`, 86 at twice it, never above 100."""
    return 100.0 * (1.0 - np.exp(-np.asarray(raw, dtype=float) / scale))


def component_scales(config: ScoringConfig) -> dict[str, float]:
    return {
        "intent": config.intent.scale,
        "relationship": config.relationship.scale,
        "engagement": config.engagement.scale,
    }


def effective_weights(config: ScoringConfig, available: dict[str, bool]) -> dict[str, float]:
    """Spread the weight of components with no input data over the others, in proportion.

    Without it, a folder with no intent file could never reach tier A, whatever its accounts do.
    """
    return spread_weights(config.composite.weights, available)


def spread_weights(weights: dict[str, float], available: dict[str, bool]) -> dict[str, float]:
    """Return composite weights with those of unavailable components spread over the others."""
    weights = {component: weights.get(component, 0.0) for component in COMPONENTS}
    present = sum(weight for component, weight in weights.items() if available.get(component, True))
    if present <= 0:
        return weights
    return {
        component: (weight / present if available.get(component, True) else 0.0)
        for component, weight in weights.items()
    }


def available_components(report: LoadReport) -> dict[str, bool]:
    """Return which components have an input file at all.

    A component whose file is present but has no rows before the as-of date keeps its weight:
    the absence of activity is evidence, the absence of a data source is not.
    """

    def has_file(table: str) -> bool:
        return bool(report.tables[table].files)

    return {
        "fit": True,
        "intent": has_file("intent"),
        "engagement": has_file("activities"),
        "relationship": has_file("opportunities") or has_file("contacts"),
    }


def compute_components(
    connection: duckdb.DuckDBPyConnection, config: ScoringConfig, weights: dict[str, float]
) -> pd.DataFrame:
    """Return one row per account with raw points, components, negative and composite."""
    raw = connection.execute(
        """
        SELECT a.account_id,
            COALESCE(sum(s.points) FILTER (WHERE s.component = 'fit'), 0) AS fit_raw,
            COALESCE(sum(s.points) FILTER (WHERE s.component = 'intent'), 0) AS intent_raw,
            COALESCE(sum(s.points) FILTER (WHERE s.component = 'relationship'), 0)
                AS relationship_raw,
            COALESCE(sum(s.points) FILTER (WHERE s.component = 'engagement'), 0) AS engagement_raw,
            COALESCE(sum(s.points) FILTER (WHERE s.component = 'negative'), 0) AS negative_raw
        FROM accounts a LEFT JOIN signals s ON s.account_id = a.account_id
        GROUP BY a.account_id ORDER BY a.account_id
        """
    ).df()
    scales = component_scales(config)
    frame = pd.DataFrame({"account_id": raw["account_id"]})
    frame["fit"] = np.clip(raw["fit_raw"].to_numpy(dtype=float), 0, 100)
    for component in SATURATING:
        frame[component] = saturate(raw[f"{component}_raw"], scales[component])
    frame["negative"] = np.clip(raw["negative_raw"].to_numpy(dtype=float), 0, 100)
    blend = sum(weights[component] * frame[component] for component in COMPONENTS)
    frame["composite"] = np.clip(blend - frame["negative"], 0, 100)
    for component in SATURATING:
        frame[f"{component}_raw"] = raw[f"{component}_raw"].to_numpy(dtype=float)
    return frame


def _contributions_sql(weights: dict[str, float]) -> str:
    cases = [f"WHEN s.component = 'fit' THEN {weights.get('fit', 0.0)!r} * s.points"]
    for component in SATURATING:
        cases.append(
            f"WHEN s.component = '{component}' "
            f"THEN {weights.get(component, 0.0)!r} * c.{component} "
            f"* s.points / NULLIF(c.{component}_raw, 0)"
        )
    cases.append("WHEN s.component = 'negative' THEN -s.points")
    return "CASE " + " ".join(cases) + " ELSE 0 END"


def score_accounts(
    connection: duckdb.DuckDBPyConnection, config: ScoringConfig, weights: dict[str, float]
) -> pd.DataFrame:
    """Score every account and return them in rank order with reasons and signals."""
    frame = compute_components(connection, config, weights)
    frame["score"] = frame["composite"].round(1)
    thresholds = config.tiers
    frame["tier"] = np.where(
        frame["score"] >= thresholds.A, "A", np.where(frame["score"] >= thresholds.B, "B", "C")
    )
    connection.register("components_frame", frame)
    connection.execute("CREATE OR REPLACE TEMP TABLE components AS SELECT * FROM components_frame")
    connection.unregister("components_frame")

    contribution = _contributions_sql(weights)
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE contributions AS
        SELECT s.*, CAST({contribution} AS DOUBLE) AS contribution
        FROM signals s JOIN components c ON c.account_id = s.account_id
        """
    )
    max_reasons = config.max_reasons
    explained = connection.execute(
        f"""
        SELECT account_id,
            CAST(to_json(list(text || format(' ({{}}{{:.1f}})',
                                             CASE WHEN contribution >= 0 THEN '+' ELSE '' END,
                                             contribution)
                              ORDER BY abs(contribution) DESC, signal)
                         FILTER (WHERE rank <= {max_reasons}
                                 AND NOT ends_with(signal, ':unknown'))) AS VARCHAR) AS reasons,
            CAST(to_json(list({{'component': component, 'signal': signal,
                                'points': round(points, 2),
                                'contribution': round(contribution, 2), 'text': text}}
                              ORDER BY component, contribution DESC, signal)) AS VARCHAR)
                AS signals
        FROM (SELECT *, row_number() OVER (PARTITION BY account_id
                                           ORDER BY ends_with(signal, ':unknown'),
                                                    abs(contribution) DESC, signal) AS rank
              FROM contributions WHERE abs(contribution) >= 0.05 OR component = 'negative')
        GROUP BY account_id
        """
    ).df()
    qualification = _qualification(connection, config)
    leads = connection.execute(
        """
        SELECT account_id,
               arg_max(contact_id, (lead_score, contact_id)) AS top_lead_id,
               arg_max(lead_name, (lead_score, contact_id)) AS top_lead_name,
               max(lead_score) AS top_lead_score
        FROM leads WHERE account_id IS NOT NULL GROUP BY account_id
        """
    ).df()
    details = connection.execute(
        "SELECT account_id, name, domain, industry, country, owner FROM accounts"
    ).df()

    frame = (
        frame.merge(details, on="account_id", how="left")
        .merge(explained, on="account_id", how="left")
        .merge(qualification, on="account_id", how="left")
        .merge(leads, on="account_id", how="left")
    )
    frame["reasons"] = [
        json.loads(value) if isinstance(value, str) else [] for value in frame["reasons"]
    ]
    frame["signals"] = frame["signals"].fillna("[]")
    frame["qualified"] = frame["disqualified_because"].isna()
    frame = frame.sort_values(["composite", "account_id"], ascending=[False, True], kind="stable")
    frame["rank"] = np.arange(1, len(frame) + 1)
    for component in (*COMPONENTS, "negative"):
        frame[component] = frame[component].round(1)
    frame["top_lead_score"] = frame["top_lead_score"].round(1)
    return frame.reset_index(drop=True)


def _qualification(connection: duckdb.DuckDBPyConnection, config: ScoringConfig) -> pd.DataFrame:
    rules = config.qualification
    served = text_list([code.upper() for code in rules.countries])
    country_rule = (
        f"WHEN cc.code IS NULL OR cc.code NOT IN ({served}) THEN "
        f"format('Country {{}} is not served', COALESCE(a.country, 'unknown'))"
        if rules.countries
        else ""
    )
    return connection.execute(
        f"""
        SELECT a.account_id,
            CASE WHEN neg.competitor THEN 'Listed as a competitor'
                 WHEN neg.poor_fit THEN format('Industry {{}} is a poor fit', a.industry)
                 WHEN c.fit < {rules.min_fit!r}
                     THEN format('Fit {{:.1f}} is below the minimum of {{:.0f}}',
                                 c.fit, {rules.min_fit!r})
                 {country_rule}
                 ELSE NULL END AS disqualified_because
        FROM accounts a
        JOIN components c ON c.account_id = a.account_id
        LEFT JOIN country_code cc ON cc.raw = a.country
        LEFT JOIN (SELECT account_id, bool_or(signal = 'competitor') AS competitor,
                          bool_or(signal = 'poor_fit_industry') AS poor_fit
                   FROM signals WHERE component = 'negative' GROUP BY account_id) neg
            ON neg.account_id = a.account_id
        """
    ).df()


def score_leads(connection: duckdb.DuckDBPyConnection, config: ScoringConfig) -> pd.DataFrame:
    """Score every contact as a lead and create the `leads` table."""
    leads = config.leads
    persona_match = map_case("p.persona_key", config.fit.personas, "0.3")
    seniority = map_case(
        "p.seniority_key", leads.seniority, repr(leads.seniority.get("individual", 0.4))
    )
    sources = {key.lower(): value for key, value in leads.sources.items()}
    source_quality = (
        f"CASE WHEN p.lead_source IS NULL THEN {leads.unknown_source!r} ELSE "
        + map_case("lower(trim(p.lead_source))", sources, repr(leads.unknown_source))
        + " END"
    )
    weights = leads.weights
    decayed = f"base_points * {decay('age', 'half_life')}"
    lookback = config.engagement.lookback_days
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE leads AS
        SELECT contact_id, account_id, lead_name, title, persona, lead_source, lead_score,
               engagement, persona_fit, source_quality, penalty
        FROM (
            SELECT p.contact_id, p.account_key AS account_id,
                NULLIF(trim(COALESCE(p.first_name, '') || ' ' || COALESCE(p.last_name, '')), '')
                    AS lead_name,
                p.title, p.persona_key AS persona, p.lead_source,
                100 * (1 - exp(-COALESCE(e.points, 0) / {leads.engagement_scale!r})) AS engagement,
                100 * {persona_match} * {seniority} AS persona_fit,
                100 * {source_quality} AS source_quality,
                (CASE WHEN p.free_mail THEN {leads.free_mail!r} ELSE 0 END
                 + CASE WHEN p.seniority_key = 'student' THEN {leads.student!r} ELSE 0 END
                 + CASE WHEN p.unsubscribed THEN {leads.unsubscribed!r} ELSE 0 END) AS penalty
            FROM people p
            LEFT JOIN (SELECT person, sum({decayed}) AS points FROM touches
                       WHERE age >= 0 AND age <= {lookback} GROUP BY person) e
                ON e.person = p.contact_id
        ), LATERAL (
            SELECT round(greatest(0, least(100,
                {weights.get("engagement", 0.0)!r} * engagement
                + {weights.get("persona", 0.0)!r} * persona_fit
                + {weights.get("source", 0.0)!r} * source_quality - penalty)), 1) AS lead_score
        )
        """
    )
    return connection.execute("SELECT * FROM leads ORDER BY lead_score DESC, contact_id").df()
