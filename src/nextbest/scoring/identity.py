"""Identity resolution: attach every contact, activity, intent and opportunity row to an account.

Evidence is tried in this order, and the first that finds an account wins:
1. the account id;
2. for activities, a contact id, then the email address of a known contact;
3. the normalised web domain, then the email's domain unless it is free mail;
4. the company name without legal suffixes and punctuation, exactly, then fuzzily.

Normalisation runs in Python once per distinct value, and the matching runs as joins in DuckDB.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import cache

import duckdb
import numpy as np
import pandas as pd
from publicsuffixlist import PublicSuffixList
from rapidfuzz import fuzz, process

from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.loading import CLEAN_PREFIX, LoadReport
from nextbest.scoring.sql import quote

LEGAL_SUFFIXES = frozenset(
    [
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "llc",
        "llp",
        "lp",
        "ltd",
        "limited",
        "plc",
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "oyj",
        "ab",
        "as",
        "asa",
        "aps",
        "pty",
        "pvt",
        "kk",
        "sl",
        "sc",
        "se",
        "sro",
        "holding",
        "holdings",
        "group",
        "the",
    ]
)

FUZZY_CHUNK = 2_000
ACTIVITY_COLUMNS_SCORED = (
    "occurred_at",
    "type",
    "topic",
    "contact_id",
    "email",
    "channel",
    "detail",
)

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


@cache
def _public_suffixes() -> PublicSuffixList:
    # The list ships inside the publicsuffixlist package, so nothing is downloaded.
    return PublicSuffixList()


def normalize_domain(value: str | None) -> str | None:
    """Reduce a URL, host name or email address to its registrable domain.

    `https://www.shop.acme.co.uk/pricing` and `jane@acme.co.uk` both become `acme.co.uk`.
    Returns None for values that are not host names.
    """
    if value is None:
        return None
    text = value.strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = _SCHEME.sub("", text)
    text = re.split(r"[/?#\s]", text, maxsplit=1)[0]
    text = text.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if not _HOST.match(text):
        return None
    return _public_suffixes().privatesuffix(text)


def normalize_company_name(value: str | None) -> str | None:
    """Lower-case a company name and drop accents, punctuation and legal suffixes.

    `Acme Holdings, Inc.` becomes `acme`; `Société Générale S.A.` becomes `societe generale`.
    """
    if value is None:
        return None
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.replace("&", " and ").replace(".", "").replace("'", "")
    tokens = re.sub(r"[^\w]+", " ", text).split()
    # "and" goes only with a suffix after it, as in "GmbH & Co. KG".
    while len(tokens) > 1 and (tokens[-1] in LEGAL_SUFFIXES or tokens[-1] == "and"):
        tokens.pop()
    while len(tokens) > 1 and tokens[0] == "the":
        tokens.pop(0)
    if len(tokens) == 1 and tokens[0] in LEGAL_SUFFIXES:
        return None
    return " ".join(tokens) or None


def _fuzzy_matches(
    names: list[str], account_names: pd.DataFrame, threshold: float
) -> dict[str, str]:
    """Match names to account names by token_sort_ratio, comparing names with the same initial.

    Blocking on the first character keeps the work near names x accounts / 36, at the cost of
    missing a typo in the first letter.
    """
    if threshold >= 100 or not names or account_names.empty:
        return {}
    blocks: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for norm, account_id in zip(account_names["norm"], account_names["account_id"], strict=True):
        blocks[norm[0]].append((norm, account_id))
    queries: dict[str, list[str]] = defaultdict(list)
    for name in names:
        if name[0] in blocks:
            queries[name[0]].append(name)

    matches: dict[str, str] = {}
    for initial, block_names in queries.items():
        choices = [norm for norm, _ in blocks[initial]]
        for start in range(0, len(block_names), FUZZY_CHUNK):
            chunk = block_names[start : start + FUZZY_CHUNK]
            scores = process.cdist(
                chunk,
                choices,
                scorer=fuzz.token_sort_ratio,
                score_cutoff=threshold,
                dtype=np.uint8,
                workers=-1,
            )
            best = scores.argmax(axis=1)
            for row, name in enumerate(chunk):
                if scores[row, best[row]] >= threshold:
                    matches[name] = blocks[initial][best[row]][1]
    return matches


def _distinct(connection: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [value for (value,) in connection.execute(sql).fetchall()]


def _register(connection: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    connection.register(f"{name}_frame", frame)
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_frame")
    connection.unregister(f"{name}_frame")


def _build_lookups(connection: duckdb.DuckDBPyConnection, config: ScoringConfig) -> None:
    raw_domains = _distinct(
        connection,
        """
        SELECT DISTINCT d FROM (
            SELECT domain AS d FROM accounts UNION ALL SELECT domain FROM activities
            UNION ALL SELECT domain FROM intent
            UNION ALL SELECT lower(split_part(email, '@', 2)) FROM contacts WHERE email LIKE '%@%'
            UNION ALL SELECT lower(split_part(email, '@', 2)) FROM activities WHERE email LIKE '%@%'
        ) WHERE d IS NOT NULL
        """,
    )
    domains = pd.DataFrame(
        {"raw": raw_domains, "norm": [normalize_domain(value) for value in raw_domains]},
        columns=["raw", "norm"],
    ).astype("object")
    _register(connection, "domain_norm", domains)
    free_mail = pd.DataFrame({"norm": [d.lower() for d in config.identity.free_mail_domains]})
    _register(connection, "free_mail", free_mail)
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE account_by_domain AS
        SELECT n.norm, min(a.account_id) AS account_id, count(*) AS accounts
        FROM accounts a JOIN domain_norm n ON n.raw = a.domain
        WHERE n.norm IS NOT NULL GROUP BY n.norm
        """
    )

    raw_names = _distinct(
        connection,
        """
        SELECT DISTINCT n FROM (
            SELECT name AS n FROM accounts
            UNION ALL SELECT company FROM contacts
            WHERE account_id IS NULL OR account_id NOT IN (SELECT account_id FROM accounts)
            UNION ALL SELECT company FROM activities
            WHERE account_id IS NULL OR account_id NOT IN (SELECT account_id FROM accounts)
            UNION ALL SELECT company FROM intent
            WHERE account_id IS NULL OR account_id NOT IN (SELECT account_id FROM accounts)
            UNION ALL SELECT account_id FROM opportunities
            WHERE account_id NOT IN (SELECT account_id FROM accounts)
        ) WHERE n IS NOT NULL
        """,
    )
    names = pd.DataFrame(
        {"raw": raw_names, "norm": [normalize_company_name(value) for value in raw_names]},
        columns=["raw", "norm"],
    ).astype("object")
    _register(connection, "name_norm", names)
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE account_by_name AS
        SELECT n.norm, min(a.account_id) AS account_id
        FROM accounts a JOIN name_norm n ON n.raw = a.name
        WHERE n.norm IS NOT NULL GROUP BY n.norm
        """
    )
    unmatched = _distinct(
        connection,
        """
        SELECT DISTINCT n.norm FROM name_norm n
        WHERE n.norm IS NOT NULL AND n.norm NOT IN (SELECT norm FROM account_by_name)
        ORDER BY 1
        """,
    )
    account_names = connection.execute("SELECT norm, account_id FROM account_by_name").df()
    fuzzy = _fuzzy_matches(unmatched, account_names, config.identity.fuzzy_name_threshold)
    frame = pd.DataFrame(
        {"norm": list(fuzzy), "account_id": list(fuzzy.values())}, columns=["norm", "account_id"]
    ).astype("object")
    _register(connection, "fuzzy_name", frame)
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE account_by_raw_name AS
        SELECT n.raw, COALESCE(e.account_id, f.account_id) AS account_id,
               CASE WHEN e.account_id IS NOT NULL THEN 'company name' ELSE 'fuzzy company name' END
                   AS method
        FROM name_norm n
        LEFT JOIN account_by_name e ON e.norm = n.norm
        LEFT JOIN fuzzy_name f ON f.norm = n.norm
        WHERE COALESCE(e.account_id, f.account_id) IS NOT NULL
        """
    )
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE account_by_raw_domain AS
        SELECT n.raw, d.account_id, n.norm IN (SELECT norm FROM free_mail) AS free_mail
        FROM domain_norm n LEFT JOIN account_by_domain d ON d.norm = n.norm
        """
    )


def _resolve(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    steps: list[tuple[str, str, str]],
    report: LoadReport,
    keep: tuple[str, ...] | None = None,
) -> None:
    """Add `account_key` and `matched_by` to a table from the first step that finds an account.

    `keep` names the columns to carry on; by default all contract columns are kept.

    Each step is (method, join clause, expression for the account id found). A method in
    parentheses is an SQL expression, such as the column recording a fuzzy name match.
    """
    joins = " ".join(join for _, join, _ in steps)
    found = ", ".join(expression for _, _, expression in steps)
    methods = " ".join(
        f"WHEN {expression} IS NOT NULL THEN "
        + (method if method.startswith("(") else f"'{method}'")
        for method, _, expression in steps
    )
    helpers = [
        quote(name)
        for (name,) in connection.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
            "AND (starts_with(column_name, '_text_') OR starts_with(column_name, '_mixed_') "
            "OR starts_with(column_name, '_range_') OR starts_with(column_name, ?))",
            [table, CLEAN_PREFIX],
        ).fetchall()
    ]
    if keep is not None:
        columns = ", ".join(f"t.{quote(column)}" for column in keep)
    elif helpers:
        columns = f"t.* EXCLUDE ({', '.join(helpers)})"
    else:
        columns = "t.*"
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT {columns}, COALESCE({found}) AS account_key, CASE {methods} END AS matched_by
        FROM {table} t {joins}
        """
    )
    rows = connection.execute(
        f"SELECT matched_by, count(*) FROM {table} GROUP BY matched_by"
    ).fetchall()
    table_report = report.tables[table]
    for method, count in rows:
        if method is None:
            table_report.unmatched += count
        else:
            table_report.matched_by[method] += count


def resolve_identities(
    connection: duckdb.DuckDBPyConnection, config: ScoringConfig, report: LoadReport
) -> None:
    """Give every row of contacts, activities, intent and opportunities an `account_key`."""
    _build_lookups(connection, config)
    (ambiguous,) = connection.execute(
        "SELECT coalesce(sum(accounts - 1), 0) FROM account_by_domain"
    ).fetchone()
    if ambiguous:
        report.warnings.append(
            f"{ambiguous} accounts share a domain with another account; rows matched by that "
            "domain go to the lowest account_id"
        )
    known = "LEFT JOIN accounts a ON a.account_id = t.account_id"
    by_domain = (
        "LEFT JOIN account_by_raw_domain dd ON dd.raw = t.domain",
        "dd.account_id",
    )
    by_email_domain = (
        "LEFT JOIN account_by_raw_domain ed ON ed.raw = lower(split_part(t.email, '@', 2)) "
        "AND NOT ed.free_mail",
        "ed.account_id",
    )
    by_company = (
        "(cn.method)",
        "LEFT JOIN account_by_raw_name cn ON cn.raw = t.company",
        "cn.account_id",
    )

    _resolve(
        connection,
        "contacts",
        [
            ("account_id", known, "a.account_id"),
            ("email domain", *by_email_domain),
            by_company,
        ],
        report,
    )
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE contact_by_email AS
        SELECT lower(email) AS email, min(account_key) AS account_key
        FROM contacts WHERE email IS NOT NULL AND account_key IS NOT NULL GROUP BY 1
        """
    )
    _resolve(
        connection,
        "activities",
        [
            ("account_id", known, "a.account_id"),
            ("contact_id", "LEFT JOIN contacts c ON c.contact_id = t.contact_id", "c.account_key"),
            (
                "contact email",
                "LEFT JOIN contact_by_email ce ON ce.email = lower(t.email)",
                "ce.account_key",
            ),
            ("domain", *by_domain),
            ("email domain", *by_email_domain),
            by_company,
        ],
        report,
        # Scoring reads only these, and copying ten million free-text details costs seconds.
        keep=ACTIVITY_COLUMNS_SCORED,
    )
    _resolve(
        connection,
        "intent",
        [
            ("account_id", known, "a.account_id"),
            ("domain", *by_domain),
            by_company,
        ],
        report,
    )
    _resolve(
        connection,
        "opportunities",
        [
            ("account_id", known, "a.account_id"),
            (
                "company name",
                "LEFT JOIN account_by_raw_name cn ON cn.raw = t.account_id",
                "cn.account_id",
            ),
        ],
        report,
    )
