"""The evidence behind each account's score, kept with the run for briefs and the agent's tools.

Scores measure how much. Evidence records what happened: who engaged, on which channel, with
what, which topics surged in which weeks, and which deals are open. It is capped per account so
that a run of 100,000 accounts stays small: the newest activities, the most engaged contacts, the
strongest topics, the newest opportunities.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.sql import literal, text_list

TIMELINE_LIMIT = 25
CONTACT_LIMIT = 12
TOPIC_LIMIT = 8
OPPORTUNITY_LIMIT = 5
PRODUCT_LIMIT = 10
ENGAGED_WITH_LIMIT = 3
SEEN_LIMIT = 60
# Activities whose detail names a page or an asset the contact saw.
CONTENT_TYPES = (
    "web_visit",
    "pricing_page_view",
    "content_download",
    "form_fill",
    "email_click",
    "webinar_registered",
    "webinar_attended",
)
# Activities per batch of accounts: the top-n aggregates hold every group in memory at once.
BATCH_TOUCHES = 1_000_000
MIN_BATCH_TOUCHES = 50_000
BATCH_TABLES = (
    ("batch_accounts", "accounts", "account_id"),
    ("batch_touches", "evidence_touches", "bucket"),
    ("batch_people", "people", "account_key"),
    ("batch_intent", "intent", "account_key"),
    ("batch_opportunities", "opportunities", "account_key"),
    ("batch_propensity", "product_propensity", "account_id"),
)
# An unanswered call is our touch, not the contact's response.
UNANSWERED_CALL = (
    r"voice ?mail|\bvm\b|no (answer|pick ?-?up|response|reply)|not (reached|answered)|busy|"
    r"mailbox|left (a )?message|unanswered|missed"
)
# Activity types that only show attention, not a reply: they never count as a response.
PASSIVE_TYPES = ("web_visit", "email_open", "ad_click", "unsubscribe", "other")


def _touches_sql(config: ScoringConfig, as_of: datetime) -> str:
    as_of_sql = f"TIMESTAMP {literal(as_of.isoformat(sep=' '))}"
    lookback = config.engagement.lookback_days
    return f"""
    CREATE OR REPLACE TEMP TABLE evidence_touches AS
    SELECT t.account_key AS account_id, t.occurred_at, t.type, t.detail, t.topic,
           COALESCE(t.channel, 'unknown') AS channel,
           COALESCE(t.contact_id, ce.contact_id) AS contact_id,
           t.type NOT IN ({text_list(list(PASSIVE_TYPES))})
               AND NOT (t.type = 'call' AND regexp_matches(lower(COALESCE(t.detail, '')),
                                                        '{UNANSWERED_CALL}'))
               AS response,
           hash(t.account_key) AS bucket
    FROM activities t
    LEFT JOIN (SELECT lower(email) AS email, min(contact_id) AS contact_id
               FROM contacts WHERE email IS NOT NULL GROUP BY 1) ce
        ON t.contact_id IS NULL AND ce.email = lower(t.email)
    WHERE t.account_key IS NOT NULL AND t.occurred_at < {as_of_sql}
      AND t.occurred_at >= {as_of_sql} - INTERVAL {lookback} DAY
    """


# max_by(value, key, n) keeps the n largest keys per group without sorting whole partitions.
# The keys end in text columns, so ties break the same way in every run.
TIMELINE_SQL = f"""
SELECT account_id,
    max_by(struct_pack(occurred_at := strftime(occurred_at, '%Y-%m-%d %H:%M'), type := type,
                       channel := channel, contact_id := contact_id, detail := detail,
                       topic := topic),
           (occurred_at, type, COALESCE(detail, '')), {TIMELINE_LIMIT}) AS timeline
FROM batch_touches
GROUP BY account_id
"""

# Pages and assets the account already engaged with, so a brief does not send them again.
SEEN_SQL = f"""
SELECT account_id, list(lower(detail) ORDER BY latest DESC, detail) AS seen
FROM (SELECT account_id, detail, max(occurred_at) AS latest
      FROM batch_touches
      WHERE detail IS NOT NULL AND type IN ({text_list(list(CONTENT_TYPES))})
      GROUP BY account_id, detail
      QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY latest DESC, detail)
          <= {SEEN_LIMIT})
GROUP BY account_id
"""

CONTACTS_SQL = f"""
WITH per_channel AS (
    SELECT contact_id, channel, count(*) AS touches, count(*) FILTER (WHERE response) AS responses,
           strftime(max(occurred_at), '%Y-%m-%d') AS last
    FROM batch_touches WHERE contact_id IS NOT NULL
    GROUP BY contact_id, channel
),
per_contact AS (
    SELECT contact_id, sum(touches)::BIGINT AS touches, sum(responses)::BIGINT AS responses,
           max(last) AS last_touch,
           list(struct_pack(channel := channel, touches := touches, responses := responses,
                            last := last)
                ORDER BY responses DESC, touches DESC, channel) AS channels
    FROM per_channel GROUP BY contact_id
),
engaged AS (
    SELECT contact_id,
           max_by(struct_pack(day := strftime(latest, '%Y-%m-%d'), type := type,
                              detail := detail),
                  (latest, type, detail), {ENGAGED_WITH_LIMIT}) AS engaged_with
    FROM (SELECT contact_id, type, detail, max(occurred_at) AS latest
          FROM batch_touches
          WHERE contact_id IS NOT NULL AND detail IS NOT NULL AND response
          GROUP BY contact_id, type, detail)
    GROUP BY contact_id
)
SELECT p.account_key AS account_id,
    max_by(struct_pack(contact_id := p.contact_id,
                       name := NULLIF(trim(concat_ws(' ', p.first_name, p.last_name)), ''),
                       title := p.title, persona := p.persona_key, seniority := p.seniority_key,
                       email := p.email, phone := p.phone,
                       unsubscribed := COALESCE(p.unsubscribed, false),
                       touches := COALESCE(c.touches, 0), responses := COALESCE(c.responses, 0),
                       last_touch := c.last_touch, channels := c.channels,
                       engaged_with := e.engaged_with),
           (COALESCE(c.responses, 0), COALESCE(c.touches, 0), COALESCE(c.last_touch, ''),
            p.contact_id),
           {CONTACT_LIMIT}) AS contacts
FROM batch_people p
LEFT JOIN per_contact c ON c.contact_id = p.contact_id
LEFT JOIN engaged e ON e.contact_id = p.contact_id
WHERE p.account_key IS NOT NULL
GROUP BY p.account_key
"""


def _intent_sql(config: ScoringConfig, as_of: datetime) -> str:
    as_of_sql = f"TIMESTAMP {literal(as_of.isoformat(sep=' '))}"
    intent = config.intent
    return f"""
    SELECT account_id,
        list(struct_pack(topic := topic, category := category, best_score := best_score,
                         latest_week := latest_week, surging_weeks := surging_weeks,
                         weeks := weeks)
             ORDER BY best_score DESC, topic) AS intent
    FROM (
        SELECT account_key AS account_id, min(topic) AS topic, min(category) AS category,
               max(score) AS best_score,
               strftime(max(week), '%Y-%m-%d') AS latest_week,
               count(DISTINCT week) FILTER (WHERE score >= {intent.surge_threshold!r})
                   AS surging_weeks,
               list(struct_pack(week := strftime(week, '%Y-%m-%d'), score := score)
                    ORDER BY week DESC)
                   AS weeks,
               row_number() OVER (PARTITION BY account_key
                                  ORDER BY max(score) DESC, min(topic)) AS position
        FROM batch_intent
        WHERE account_key IS NOT NULL AND week < {as_of_sql}
          AND week >= {as_of_sql} - INTERVAL {intent.lookback_weeks * 7} DAY
        GROUP BY account_key, lower(trim(topic))
        HAVING max(score) >= {intent.surge_threshold!r}
    )
    WHERE position <= {TOPIC_LIMIT}
    GROUP BY account_id
    """


OPPORTUNITIES_SQL = f"""
SELECT account_id,
    list(struct_pack(opportunity_id := opportunity_id, created_at := created_at,
                     closed_at := closed_at, outcome := outcome, stage := stage,
                     product := product, amount := amount)
         ORDER BY position) AS opportunities
FROM (SELECT account_key AS account_id, opportunity_id,
             strftime(created_at, '%Y-%m-%d') AS created_at,
             strftime(closed_at, '%Y-%m-%d') AS closed_at, outcome, stage, product, amount,
             row_number() OVER (PARTITION BY account_key
                                ORDER BY outcome = 'open' DESC, created_at DESC, opportunity_id)
                 AS position
      FROM batch_opportunities WHERE account_key IS NOT NULL)
WHERE position <= {OPPORTUNITY_LIMIT}
GROUP BY account_id
"""


# The product propensity of each account, most likely first.
PRODUCTS_SQL = f"""
SELECT account_id,
    max_by(struct_pack(product := product, probability := probability),
           (probability, product), {PRODUCT_LIMIT}) AS products
FROM batch_propensity
GROUP BY account_id
"""


def build_evidence(
    connection: duckdb.DuckDBPyConnection, config: ScoringConfig, as_of: datetime
) -> pd.DataFrame:
    """Return one row per account: `account_id` and `evidence`, a JSON object of six lists.

    Needs the tables `prepare` makes, and reads `product_propensity` when a run has made it.
    Lists are empty when an account has nothing of that kind.
    Large inputs are done in batches of accounts, so that memory stays within DuckDB's limit.
    """
    connection.execute(
        "CREATE TEMP TABLE IF NOT EXISTS product_propensity "
        "(account_id VARCHAR, product VARCHAR, probability DOUBLE)"
    )
    connection.execute(_touches_sql(config, as_of))
    (touches,) = connection.execute("SELECT count(*) FROM evidence_touches").fetchone()
    batches = max(1, -(-touches // BATCH_TOUCHES))
    query = f"""
        WITH timeline AS ({TIMELINE_SQL}), seen AS ({SEEN_SQL}), contacts AS ({CONTACTS_SQL}),
             intent AS ({_intent_sql(config, as_of)}), opportunities AS ({OPPORTUNITIES_SQL}),
             products AS ({PRODUCTS_SQL})
        SELECT a.account_id,
            to_json(struct_pack(contacts := c.contacts, timeline := t.timeline,
                                seen := s.seen, intent := i.intent,
                                opportunities := o.opportunities,
                                products := p.products))::VARCHAR
                AS evidence
        FROM batch_accounts a
        LEFT JOIN timeline t ON t.account_id = a.account_id
        LEFT JOIN seen s ON s.account_id = a.account_id
        LEFT JOIN contacts c ON c.account_id = a.account_id
        LEFT JOIN intent i ON i.account_id = a.account_id
        LEFT JOIN opportunities o ON o.account_id = a.account_id
        LEFT JOIN products p ON p.account_id = a.account_id
        """
    while True:
        try:
            frames = [_batch(connection, query, batch, batches) for batch in range(batches)]
            break
        except duckdb.OutOfMemoryException:
            # Long details or large buying groups: smaller batches fit.
            if batches * 2 > max(1, touches // MIN_BATCH_TOUCHES):
                raise
            batches *= 2
    for name, _source, _key in BATCH_TABLES:
        connection.execute(f"DROP TABLE IF EXISTS {name}")
    connection.execute("DROP TABLE evidence_touches")
    return pd.concat(frames, ignore_index=True)


def _batch(
    connection: duckdb.DuckDBPyConnection, query: str, batch: int, batches: int
) -> pd.DataFrame:
    for name, source, key in BATCH_TABLES:
        bucket = key if key == "bucket" else f"hash({key})"
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {source} "
            f"WHERE {bucket} % {batches} = {batch}"
        )
    return connection.execute(query).df()
