"""Signals: the per-account evidence behind each component, computed in DuckDB.

Every signal is one row of the `signals` table: the account, its component (fit, intent,
relationship, engagement or negative), a signal name, its points in that component's raw units,
and a sentence with the numbers behind it. The components and reasons are built from these rows.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

import duckdb
import pandas as pd
import pycountry

from nextbest.scoring.config import Band, ScoringConfig
from nextbest.scoring.identity import normalize_company_name, normalize_domain
from nextbest.scoring.sql import decay, literal, map_case, text_list

COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "great britain": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "korea": "KR",
    "south korea": "KR",
    "russia": "RU",
    "uae": "AE",
    "philipines": "PH",
    "viet nam": "VN",
}


@cache
def country_code(value: str) -> str | None:
    """Convert a country name, alpha-2 or alpha-3 code to an ISO 3166 alpha-2 code."""
    text = value.strip()
    alias = COUNTRY_ALIASES.get(text.lower())
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        pass
    if len(text) <= 3:
        # A two- or three-letter code is exact or unknown: fuzzy search maps "XX" to Malta.
        return None
    try:
        return pycountry.countries.search_fuzzy(text)[0].alpha_2
    except LookupError:
        return None


def _days_before(as_of: datetime, column: str) -> str:
    return f"(epoch(TIMESTAMP {literal(as_of.isoformat(sep=' '))} - {column}) / 86400.0)"


def _band_case(column: str, bands: list[Band], unknown: float) -> str:
    cases = " ".join(
        f"WHEN {column} >= {band.min!r}"
        + (f" AND {column} <= {band.max!r}" if band.max is not None else "")
        + f" THEN {band.match!r}"
        for band in bands
    )
    return f"CASE WHEN {column} IS NULL THEN {unknown!r} {cases} ELSE 0.0 END"


ACTIVITY_LABELS: dict[str, tuple[str, str]] = {
    "web_visit": ("web visit", "web visits"),
    "pricing_page_view": ("pricing page view", "pricing page views"),
    "content_download": ("content download", "content downloads"),
    "email_open": ("email open", "email opens"),
    "email_click": ("email click", "email clicks"),
    "email_reply": ("email reply", "email replies"),
    "webinar_registered": ("webinar registration", "webinar registrations"),
    "webinar_attended": ("webinar attended", "webinars attended"),
    "event_attended": ("event attended", "events attended"),
    "form_fill": ("form fill", "form fills"),
    "demo_request": ("demo request", "demo requests"),
    "trial_signup": ("trial signup", "trial signups"),
    "meeting": ("meeting", "meetings"),
    "call": ("call", "calls"),
    "social_engagement": ("social engagement", "social engagements"),
    "ad_click": ("ad click", "ad clicks"),
    "unsubscribe": ("unsubscribe", "unsubscribes"),
    "other": ("other activity", "other activities"),
}


def _counted(count: str, singular: str, plural: str) -> str:
    """SQL for '1 contact' or '3,204 contacts'."""
    return (
        f"CASE WHEN {count} = 1 THEN {literal('1 ' + singular)} "
        f"ELSE format('{{:,}} {plural}', {count}) END"
    )


def _ago(age: str) -> str:
    """SQL for 'today', '1 day ago' or '12 days ago' from an age in fractional days."""
    return (
        f"CASE WHEN {age} < 1 THEN 'less than a day ago' WHEN {age} < 2 THEN '1 day ago' "
        f"ELSE format('{{}} days ago', CAST(floor({age}) AS BIGINT)) END"
    )


def _activity_counted(count: str) -> str:
    singular = " ".join(
        f"WHEN {literal(key)} THEN {literal(one)}" for key, (one, _) in ACTIVITY_LABELS.items()
    )
    plural = " ".join(
        f"WHEN {literal(key)} THEN {literal(many)}" for key, (_, many) in ACTIVITY_LABELS.items()
    )
    return (
        f"CASE WHEN {count} = 1 THEN '1 ' || CASE type {singular} END "
        f"ELSE format('{{:,}} ', {count}) || CASE type {plural} END END"
    )


def prepare(connection: duckdb.DuckDBPyConnection, config: ScoringConfig, as_of: datetime) -> None:
    """Derive the columns signals need: personas from titles, country codes, activity ages."""
    countries = [
        value
        for (value,) in connection.execute(
            "SELECT DISTINCT country FROM accounts WHERE country IS NOT NULL"
        ).fetchall()
    ]
    frame = pd.DataFrame(
        {"raw": countries, "code": [country_code(value) for value in countries]},
        columns=["raw", "code"],
    ).astype("object")
    connection.register("country_frame", frame)
    connection.execute("CREATE OR REPLACE TEMP TABLE country_code AS SELECT * FROM country_frame")
    connection.unregister("country_frame")

    persona = " ".join(
        f"WHEN regexp_matches(lower(title), {literal(rule.pattern)}) THEN {literal(rule.persona)}"
        for rule in config.personas
    )
    seniority = " ".join(
        f"WHEN regexp_matches(lower(title), {literal(rule.pattern)}) THEN {literal(rule.seniority)}"
        for rule in config.seniority
    )
    free_mail = text_list([domain.lower() for domain in config.identity.free_mail_domains])
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE people AS
        SELECT *,
            COALESCE(regexp_replace(lower(trim(persona)), '[^a-z0-9]+', '_', 'g'),
                     CASE {persona} ELSE NULL END) AS persona_key,
            COALESCE(regexp_replace(lower(trim(seniority)), '[^a-z0-9]+', '_', 'g'),
                     CASE {seniority} ELSE 'individual' END) AS seniority_key,
            lower(split_part(email, '@', 2)) IN ({free_mail}) AS free_mail
        FROM contacts
        """
    )
    age = _days_before(as_of, "occurred_at")
    half_lives = map_case(
        "type",
        {key: value for key, value in config.engagement.half_life_days.items() if key != "default"},
        repr(config.engagement.half_life("default")),
    )
    points = map_case("type", config.engagement.points, "0.0")
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE touches AS
        SELECT t.account_key AS account_id, t.type, t.topic,
               COALESCE(t.contact_id, ce.contact_id, lower(t.email)) AS person,
               {age} AS age, {points} AS base_points, {half_lives} AS half_life
        FROM activities t
        LEFT JOIN (SELECT lower(email) AS email, min(contact_id) AS contact_id
                   FROM contacts WHERE email IS NOT NULL GROUP BY 1) ce
            ON t.contact_id IS NULL AND ce.email = lower(t.email)
        WHERE t.account_key IS NOT NULL
        """
    )


def _unknown_if(column: str, signal: str | None = None) -> str:
    """SQL for a fit signal's name, ending in ':unknown' when the firmographic is missing.

    Missing values get the configured partial credit, but reasons never cite them.
    """
    name = signal or column
    return f"CASE WHEN {column} IS NULL THEN '{name}:unknown' ELSE '{name}' END"


def _fit_sql(config: ScoringConfig) -> str:
    fit = config.fit
    industries = {key.lower(): value for key, value in fit.industries.items()}
    industry_match = (
        f"CASE WHEN industry IS NULL THEN {fit.unknown!r} ELSE "
        + map_case("lower(trim(industry))", industries, repr(fit.other_industry))
        + " END"
    )
    countries = {key.upper(): value for key, value in fit.countries.items()}
    country_match = (
        f"CASE WHEN a.country IS NULL THEN {fit.unknown!r} ELSE "
        + map_case("cc.code", countries, repr(fit.other_country))
        + " END"
    )
    persona_match = map_case("persona_key", fit.personas, "0.0")
    weights = fit.weights
    return f"""
    SELECT account_id, 'fit' AS component, {_unknown_if("industry")} AS signal,
        {weights.get("industry", 0)!r} * {industry_match} AS points,
        CASE WHEN industry IS NULL THEN 'Industry unknown'
             ELSE format('Industry {{}} is a {{:.0f}}% ICP match', industry, 100 * {industry_match})
        END AS text
    FROM accounts
    UNION ALL
    SELECT account_id, 'fit', {_unknown_if("employees")},
        {weights.get("employees", 0)!r}
            * {_band_case("employees", fit.employee_bands, fit.unknown)},
        CASE WHEN employees IS NULL THEN 'Employee count unknown'
             ELSE format('{{:,}} employees is a {{:.0f}}% ICP match', employees,
                         100 * {_band_case("employees", fit.employee_bands, fit.unknown)}) END
    FROM accounts
    UNION ALL
    SELECT account_id, 'fit', {_unknown_if("annual_revenue", "revenue")},
        {weights.get("revenue", 0)!r}
            * {_band_case("annual_revenue", fit.revenue_bands, fit.unknown)},
        CASE WHEN annual_revenue IS NULL THEN 'Annual revenue unknown'
             ELSE format('Annual revenue ${{:,.0f}} is a {{:.0f}}% ICP match', annual_revenue,
                         100 * {_band_case("annual_revenue", fit.revenue_bands, fit.unknown)}) END
    FROM accounts
    UNION ALL
    SELECT a.account_id, 'fit', {_unknown_if("a.country", "geography")},
        {weights.get("geography", 0)!r} * {country_match},
        CASE WHEN a.country IS NULL THEN 'Country unknown'
             ELSE format('Based in {{}}, a {{:.0f}}% ICP match', COALESCE(cc.code, a.country),
                         100 * {country_match}) END
    FROM accounts a LEFT JOIN country_code cc ON cc.raw = a.country
    UNION ALL
    SELECT account_key, 'fit', 'personas', {weights.get("personas", 0)!r} * max({persona_match}),
        format('Best persona among contacts: {{}} ({{}} known, {{}})',
               replace(arg_max(persona_key, ({persona_match}, persona_key)), '_', ' '),
               {_counted("count(DISTINCT persona_key)", "persona", "personas")},
               {_counted("count(*)", "contact", "contacts")})
    FROM people WHERE account_key IS NOT NULL AND persona_key IS NOT NULL
    GROUP BY account_key HAVING max({persona_match}) > 0
    """


def _intent_sql(config: ScoringConfig, as_of: datetime) -> str:
    intent = config.intent
    topics = {key.lower(): value for key, value in intent.topics.items()}
    weight = map_case("lower(trim(topic))", topics, "0.0")
    age = _days_before(as_of, "week")
    threshold = intent.surge_threshold
    strength = f"(1 + (score - {threshold!r}) / (100 - {threshold!r}))"
    weekly_decay = decay(age, repr(intent.half_life_days))
    points = f"{weight} * {intent.points_per_surge!r} * {strength} * {weekly_decay}"
    as_of_sql = f"TIMESTAMP {literal(as_of.isoformat(sep=' '))}"
    return f"""
    SELECT account_id, 'intent' AS component, 'topic:' || topic AS signal, points,
        format('Surging on {{}}: score {{:.0f}} in the week of {{}} '
               || '({{}} of the last {{}} weeks at {{:.0f}}+)',
               topic, best_score, strftime(best_week, '%Y-%m-%d'), weeks, {intent.lookback_weeks},
               {threshold!r}) AS text
    FROM (
        SELECT account_key AS account_id, min(topic) AS topic, max(points) AS points,
               arg_max(score, (points, week)) AS best_score,
               arg_max(week, (points, week)) AS best_week,
               count(DISTINCT week) AS weeks
        FROM (SELECT *, {points} AS points FROM intent
              WHERE account_key IS NOT NULL AND score >= {threshold!r}
                AND week < {as_of_sql}
                AND week >= {as_of_sql} - INTERVAL {intent.lookback_weeks * 7} DAY)
        WHERE points > 0
        GROUP BY account_key, lower(trim(topic))
    )
    """


def _engagement_sql(config: ScoringConfig) -> str:
    engagement = config.engagement
    lookback = engagement.lookback_days
    group = engagement.buying_group
    velocity = engagement.velocity
    prior_windows = velocity.prior_days / velocity.recent_days
    decayed = f"base_points * {decay('age', 'half_life')}"
    recent = f"sum({decayed}) FILTER (WHERE age <= {velocity.recent_days})"
    prior = (
        f"sum({decayed}) FILTER (WHERE age > {velocity.recent_days} "
        f"AND age <= {velocity.recent_days + velocity.prior_days})"
    )
    return f"""
    SELECT account_id, 'engagement' AS component, 'activity:' || type AS signal,
        sum({decayed}) AS points,
        {_activity_counted("count(*)")} || ', latest ' || {_ago("min(age)")}
    FROM touches WHERE age >= 0 AND age <= {lookback} AND base_points > 0
    GROUP BY account_id, type
    UNION ALL
    SELECT t.account_id, 'engagement', 'buying_group',
        least({group.max_points!r}, {group.points_per_contact!r} * count(DISTINCT t.person)
              + {group.points_per_persona!r} * count(DISTINCT p.persona_key)),
        {_counted("count(DISTINCT t.person)", "contact", "contacts")} || ' across '
            || {_counted("count(DISTINCT p.persona_key)", "persona", "personas")}
            || ' engaged in the last {group.window_days} days'
    FROM touches t LEFT JOIN people p ON p.contact_id = t.person
    WHERE t.age >= 0 AND t.age <= {group.window_days} AND t.base_points > 0 AND t.person IS NOT NULL
    GROUP BY t.account_id
    UNION ALL
    SELECT account_id, 'engagement', 'velocity',
        least({velocity.max_points!r},
              {velocity.weight!r} * greatest(0, recent - prior / {prior_windows!r})),
        CASE WHEN prior > 0 AND recent / (prior / {prior_windows!r}) > 10
             THEN format('Engagement in the last {{}} days is over 10× the rate '
                         || 'of the {{}} days before',
                         {velocity.recent_days}, {velocity.prior_days})
             WHEN prior > 0
             THEN format('Engagement in the last {{}} days is {{:.1f}}× the rate '
                         || 'of the {{}} days before', {velocity.recent_days},
                         recent / (prior / {prior_windows!r}), {velocity.prior_days})
             ELSE format('New engagement in the last {{}} days after none in the {{}} days before',
                         {velocity.recent_days}, {velocity.prior_days}) END
    FROM (SELECT account_id, COALESCE({recent}, 0) AS recent, COALESCE({prior}, 0) AS prior
          FROM touches WHERE age >= 0 AND base_points > 0 GROUP BY account_id)
    WHERE recent - prior / {prior_windows!r} > 0
    """


def _relationship_sql(config: ScoringConfig, as_of: datetime) -> str:
    rel = config.relationship
    meeting_window = rel.meeting_window_days
    return f"""
    SELECT account_key AS account_id, 'relationship' AS component, 'open_pipeline' AS signal,
        {rel.open_opportunity!r}
        + {rel.open_amount_points!r}
            * (1 - exp(-COALESCE(sum(amount), 0) / {rel.open_amount_scale!r})),
        {_counted("count(*)", "open opportunity", "open opportunities")}
            || CASE WHEN count(amount) = 0 THEN ', amount unknown'
                    WHEN count(amount) < count(*)
                    THEN format(' worth ${{:,.0f}} ({{}} without an amount)', sum(amount),
                                count(*) - count(amount))
                    ELSE format(' worth ${{:,.0f}}', sum(amount)) END
            || format('{{}}', CASE WHEN count(product) > 0
                    THEN ' (' || string_agg(DISTINCT product, ', ' ORDER BY product) || ')'
                    ELSE '' END)
    FROM opportunities WHERE account_key IS NOT NULL AND outcome = 'open'
    GROUP BY account_key
    UNION ALL
    SELECT account_key, 'relationship', 'won_deals',
        {rel.won_opportunity!r} * least(count(*), {rel.max_won_opportunities}),
        {_counted("count(*)", "won deal", "won deals")}
            || COALESCE(', latest closed ' || strftime(max(closed_at), '%Y-%m-%d'), '')
    FROM opportunities WHERE account_key IS NOT NULL AND outcome = 'won'
    GROUP BY account_key
    UNION ALL
    SELECT account_id, 'relationship', 'customer', {rel.customer!r}, 'Existing customer'
    FROM accounts WHERE is_customer
    UNION ALL
    SELECT account_id, 'relationship', 'meetings',
        {rel.meeting!r} * least(count(*), {rel.max_meetings}),
        {_counted("count(*)", "meeting", "meetings")} || ' in the last {meeting_window} days'
    FROM touches WHERE type = 'meeting' AND age >= 0 AND age <= {meeting_window}
    GROUP BY account_id
    UNION ALL
    SELECT account_key, 'relationship', 'contacts',
        {rel.contact!r} * least(count(*), {rel.max_contacts}),
        {_counted("count(*)", "contact", "contacts")} || ' known'
    FROM people WHERE account_key IS NOT NULL
    GROUP BY account_key
    """


def _negative_sql(config: ScoringConfig, as_of: datetime) -> str:
    neg = config.negative
    poor = text_list([industry.lower() for industry in neg.poor_fit_industries])
    competitor_names = [normalize_company_name(value) for value in neg.competitors]
    competitor_domains = [normalize_domain(value) for value in neg.competitors]
    competitors = text_list(
        sorted({value for value in competitor_names + competitor_domains if value})
    )
    as_of_sql = f"TIMESTAMP {literal(as_of.isoformat(sep=' '))}"
    lost_age = _days_before(as_of, "max(closed_at)")
    return f"""
    SELECT account_id, 'negative' AS component, 'poor_fit_industry' AS signal,
        {neg.poor_fit_industry!r} AS points, format('Industry {{}} is a poor fit', industry) AS text
    FROM accounts WHERE lower(trim(industry)) IN ({poor})
    UNION ALL
    SELECT a.account_id, 'negative', 'competitor', {neg.competitor!r}, 'Listed as a competitor'
    FROM accounts a
    LEFT JOIN name_norm n ON n.raw = a.name LEFT JOIN domain_norm d ON d.raw = a.domain
    WHERE n.norm IN ({competitors}) OR d.norm IN ({competitors})
    UNION ALL
    SELECT account_id, 'negative', 'unsubscribed',
        least({neg.max_unsubscribed!r}, {neg.unsubscribed_contact!r} * count(DISTINCT person)),
        {_counted("count(DISTINCT person)", "contact", "contacts")} || ' unsubscribed'
    FROM (SELECT account_key AS account_id, contact_id AS person FROM people
          WHERE unsubscribed AND account_key IS NOT NULL
          UNION ALL
          SELECT account_id, COALESCE(person, 'activity') FROM touches
          WHERE type = 'unsubscribe' AND age >= 0)
    GROUP BY account_id
    UNION ALL
    SELECT a.account_id, 'negative', 'inactive', {neg.inactive!r},
        CASE WHEN last.age IS NULL THEN 'No recorded activity'
             ELSE format('No activity in {{:.0f}} days', last.age) END
    FROM accounts a
    LEFT JOIN (SELECT account_id, min(age) AS age FROM touches
               WHERE age >= 0 AND type <> 'unsubscribe' GROUP BY account_id) last
        ON last.account_id = a.account_id
    WHERE (last.age IS NULL OR last.age > {neg.inactive_days})
      AND EXISTS (SELECT 1 FROM touches)
    UNION ALL
    SELECT account_key, 'negative', 'recent_loss', {neg.recent_loss!r},
        'Lost a deal ' || {_ago(lost_age)}
    FROM opportunities
    WHERE account_key IS NOT NULL AND outcome = 'lost' AND closed_at < {as_of_sql}
    GROUP BY account_key HAVING {lost_age} <= {neg.recent_loss_days}
    UNION ALL
    SELECT account_key, 'negative', 'free_mail',
        least({neg.max_free_mail!r}, {neg.free_mail_contact!r} * count(*)),
        {_counted("count(*)", "contact uses", "contacts use")} || ' free-mail addresses'
    FROM people WHERE free_mail AND account_key IS NOT NULL
    GROUP BY account_key
    """


def build_signals(
    connection: duckdb.DuckDBPyConnection, config: ScoringConfig, as_of: datetime
) -> None:
    """Create the `signals` table from the resolved tables."""
    parts = [
        _fit_sql(config),
        _intent_sql(config, as_of),
        _engagement_sql(config),
        _relationship_sql(config, as_of),
        _negative_sql(config, as_of),
    ]
    union = "\nUNION ALL\n".join(f"SELECT * FROM ({part})" for part in parts)
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE signals AS
        SELECT s.account_id, s.component, s.signal, CAST(s.points AS DOUBLE) AS points, s.text
        FROM ({union}) s
        JOIN accounts a ON a.account_id = s.account_id
        WHERE s.points IS NOT NULL
        """
    )
