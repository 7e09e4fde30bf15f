"""The evidence behind each account's score, kept with the run for briefs and the agent's tools.

Scores say how much; evidence says what happened: who engaged, on which channel, with what, which
topics surged in which weeks, and which deals are open. It is capped per account so that a run
of 100,000 accounts stays small: the newest activities, the most engaged contacts, the strongest
topics, the newest opportunities.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.sql import literal, text_list

TIMELINE_LIMIT = 40
CONTACT_LIMIT = 25
TOPIC_LIMIT = 10
OPPORTUNITY_LIMIT = 5
ENGAGED_WITH_LIMIT = 5
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
           t.type NOT IN ({text_list(list(PASSIVE_TYPES))}) AS response
    FROM activities t
    LEFT JOIN (SELECT lower(email) AS email, min(contact_id) AS contact_id
               FROM contacts WHERE email IS NOT NULL GROUP BY 1) ce
        ON t.contact_id IS NULL AND ce.email = lower(t.email)
    WHERE t.account_key IS NOT NULL AND t.occurred_at < {as_of_sql}
      AND t.occurred_at >= {as_of_sql} - INTERVAL {lookback} DAY
    """


TIMELINE_SQL = f"""
SELECT account_id,
    list(struct_pack(occurred_at := strftime(occurred_at, '%Y-%m-%d %H:%M'), type := type,
                     channel := channel, contact_id := contact_id, detail := detail,
                     topic := topic)
         ORDER BY occurred_at DESC, type, detail) AS timeline
FROM (SELECT *, row_number() OVER (PARTITION BY account_id
                                   ORDER BY occurred_at DESC, type, detail) AS position
      FROM evidence_touches)
WHERE position <= {TIMELINE_LIMIT}
GROUP BY account_id
"""

CONTACTS_SQL = f"""
WITH per_channel AS (
    SELECT contact_id, channel, count(*) AS touches, count(*) FILTER (WHERE response) AS responses,
           strftime(max(occurred_at), '%Y-%m-%d') AS last
    FROM evidence_touches WHERE contact_id IS NOT NULL
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
           list(struct_pack(day := strftime(latest, '%Y-%m-%d'), type := type, detail := detail)
                ORDER BY latest DESC, type)
               AS engaged_with
    FROM (SELECT contact_id, type, detail, max(occurred_at) AS latest,
                 row_number() OVER (PARTITION BY contact_id
                                    ORDER BY max(occurred_at) DESC, type, detail) AS position
          FROM evidence_touches
          WHERE contact_id IS NOT NULL AND detail IS NOT NULL AND response
          GROUP BY contact_id, type, detail)
    WHERE position <= {ENGAGED_WITH_LIMIT}
    GROUP BY contact_id
),
ranked AS (
    SELECT p.account_key AS account_id, p.contact_id,
           NULLIF(trim(concat_ws(' ', p.first_name, p.last_name)), '') AS name,
           p.title, p.persona_key AS persona, p.seniority_key AS seniority, p.email, p.phone,
           COALESCE(p.unsubscribed, false) AS unsubscribed,
           COALESCE(c.touches, 0) AS touches, COALESCE(c.responses, 0) AS responses,
           c.last_touch, c.channels, e.engaged_with,
           row_number() OVER (PARTITION BY p.account_key
                              ORDER BY COALESCE(c.responses, 0) DESC, COALESCE(c.touches, 0) DESC,
                                       c.last_touch DESC NULLS LAST, p.contact_id) AS position
    FROM people p
    LEFT JOIN per_contact c ON c.contact_id = p.contact_id
    LEFT JOIN engaged e ON e.contact_id = p.contact_id
    WHERE p.account_key IS NOT NULL
)
SELECT account_id,
    list(struct_pack(contact_id := contact_id, name := name, title := title, persona := persona,
                     seniority := seniority, email := email, phone := phone,
                     unsubscribed := unsubscribed, touches := touches, responses := responses,
                     last_touch := last_touch, channels := channels,
                     engaged_with := engaged_with)
         ORDER BY position) AS contacts
FROM ranked WHERE position <= {CONTACT_LIMIT}
GROUP BY account_id
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
        FROM intent
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
      FROM opportunities WHERE account_key IS NOT NULL)
WHERE position <= {OPPORTUNITY_LIMIT}
GROUP BY account_id
"""


def build_evidence(
    connection: duckdb.DuckDBPyConnection, config: ScoringConfig, as_of: datetime
) -> pd.DataFrame:
    """One row per account: `account_id` and `evidence`, a JSON object of four lists.

    Needs the tables `prepare` makes. Lists are empty when an account has nothing of that kind.
    """
    connection.execute(_touches_sql(config, as_of))
    frame = connection.execute(
        f"""
        WITH timeline AS ({TIMELINE_SQL}), contacts AS ({CONTACTS_SQL}),
             intent AS ({_intent_sql(config, as_of)}), opportunities AS ({OPPORTUNITIES_SQL})
        SELECT a.account_id,
            to_json(struct_pack(contacts := c.contacts, timeline := t.timeline,
                                intent := i.intent, opportunities := o.opportunities))::VARCHAR
                AS evidence
        FROM accounts a
        LEFT JOIN timeline t ON t.account_id = a.account_id
        LEFT JOIN contacts c ON c.account_id = a.account_id
        LEFT JOIN intent i ON i.account_id = a.account_id
        LEFT JOIN opportunities o ON o.account_id = a.account_id
        """
    ).df()
    connection.execute("DROP TABLE evidence_touches")
    return frame
