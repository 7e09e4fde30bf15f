"""Tests for the sample data generator and its content library."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from nextbest.samples.content import CONTENT_TYPES, FUNNEL_STAGES, build_content_assets
from nextbest.samples.generator import (
    FREE_MAIL_DOMAINS,
    IN_MARKET_SHARE,
    INTENT_TOPICS,
    PERSONAS,
    PRODUCT_TOPICS,
    PRODUCTS,
    SAMPLE_TABLES,
    TOPIC_CATEGORIES,
    TOPICS_BY_PRODUCT,
    SampleSummary,
    generate_sample,
)
from nextbest.scoring.contract import ACTIVITY_TYPES, OUTCOMES, TABLES

END = date(2025, 6, 16)
ACCOUNTS = 400
FRONT_MATTER_FIELDS = ("id", "title", "url", "type", "topics", "personas", "stage", "industries")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    out_dir = tmp_path_factory.mktemp("sample") / "out"
    return generate_sample(out_dir, accounts=ACCOUNTS, seed=11, end_date=END)


def read(summary: SampleSummary, table: str) -> pd.DataFrame:
    """Read a CSV table as text, with blank cells as empty strings."""
    return pd.read_csv(summary.out_dir / f"{table}.csv", dtype=str, keep_default_na=False)


def truth(summary: SampleSummary) -> pd.DataFrame:
    return pd.read_csv(summary.out_dir / "truth" / "in_market.csv")


def activities_by_account(summary: SampleSummary) -> pd.DataFrame:
    """Return activities with the account reached through account_id or the contact."""
    activities = read(summary, "activities")
    contacts = read(summary, "contacts")[["contact_id", "account_id"]]
    contact_account = contacts.set_index("contact_id")["account_id"]
    via_contact = activities["contact_id"].map(contact_account).fillna("")
    activities["resolved"] = activities["account_id"].where(
        activities["account_id"] != "", via_contact
    )
    return activities[activities["resolved"] != ""]


def all_files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_sample_is_deterministic(tmp_path: Path) -> None:
    first = generate_sample(tmp_path / "a", accounts=60, seed=3, end_date=END)
    second = generate_sample(tmp_path / "b", accounts=60, seed=3, end_date=END)

    first_files = all_files(first.out_dir)
    second_files = all_files(second.out_dir)
    assert sorted(first_files) == sorted(second_files)
    for name, content in first_files.items():
        assert second_files[name] == content, name
    assert first.rows == second.rows


def test_different_seed_changes_sample(tmp_path: Path) -> None:
    first = generate_sample(tmp_path / "a", accounts=60, seed=3, end_date=END)
    second = generate_sample(tmp_path / "b", accounts=60, seed=4, end_date=END)

    for table in SAMPLE_TABLES:
        first_bytes = (first.out_dir / f"{table}.csv").read_bytes()
        second_bytes = (second.out_dir / f"{table}.csv").read_bytes()
        assert first_bytes != second_bytes, table


def test_summary_matches_files(sample: SampleSummary) -> None:
    for table in SAMPLE_TABLES:
        assert sample.rows[table] == len(read(sample, table)), table
    assert sample.content_assets == len(list((sample.out_dir / "content").glob("*.md")))
    assert sample.in_market_accounts == int(truth(sample)["in_market"].sum())


def test_row_counts_are_plausible(sample: SampleSummary) -> None:
    rows = sample.rows
    assert rows["accounts"] == ACCOUNTS
    assert 4 * ACCOUNTS <= rows["contacts"] <= 10 * ACCOUNTS
    assert 60 * ACCOUNTS <= rows["activities"] <= 150 * ACCOUNTS
    assert 5 * ACCOUNTS <= rows["intent"] <= 16 * ACCOUNTS
    assert 0.2 * ACCOUNTS <= rows["opportunities"] <= ACCOUNTS


def test_accounts_have_two_to_fifteen_contacts(sample: SampleSummary) -> None:
    contacts = read(sample, "contacts")
    accounts = read(sample, "accounts")
    # Contacts without account_id belong to the account of their work email or, for free-mail
    # addresses, of their company name, with or without its legal suffix.
    domain_of_account = accounts.set_index("domain")["account_id"]
    company_of_account: dict[str, str] = {}
    for account_id, name in zip(accounts["account_id"], accounts["name"], strict=True):
        words = name.split(" ")
        for cut in range(3):
            company_of_account.setdefault(" ".join(words[: len(words) - cut]), account_id)
    by_email = contacts["email"].str.split("@").str[1].map(domain_of_account)
    by_company = contacts["company"].map(company_of_account)
    account = contacts["account_id"].where(
        contacts["account_id"] != "", by_email.fillna(by_company).fillna("")
    )
    per_account = account.value_counts()

    assert (account != "").all()
    assert len(per_account) == ACCOUNTS
    assert per_account.min() >= 2
    assert per_account.max() <= 15


def test_columns_follow_contract(sample: SampleSummary) -> None:
    for table in SAMPLE_TABLES:
        columns = list(read(sample, table).columns)
        contract = TABLES[table]
        assert set(columns) <= set(contract.column_names), table
        assert columns == [name for name in contract.column_names if name in columns], table
        required = [column.name for column in contract.columns if column.required]
        assert set(required) <= set(columns), table


def test_activity_types_are_in_contract(sample: SampleSummary) -> None:
    types = set(read(sample, "activities")["type"])

    assert types <= set(ACTIVITY_TYPES)
    assert {"demo_request", "pricing_page_view", "unsubscribe", "meeting"} <= types


def test_values_use_the_vocabulary(sample: SampleSummary) -> None:
    activities = read(sample, "activities")
    intent = read(sample, "intent")
    opportunities = read(sample, "opportunities")
    contacts = read(sample, "contacts")

    assert set(activities["channel"]) <= {"web", "email", "event", "phone", "social", "ads"}
    assert set(activities["topic"]) - {""} <= set(PRODUCT_TOPICS)
    assert set(intent["topic"]) <= set(INTENT_TOPICS)
    assert (intent["category"] == intent["topic"].map(TOPIC_CATEGORIES)).all()
    assert set(opportunities["outcome"]) == set(OUTCOMES)
    assert set(opportunities["product"]) <= set(PRODUCTS)
    assert set(contacts["persona"]) - {""} == set(PERSONAS)
    assert set(contacts["seniority"]) == {"c_level", "vp", "director", "manager", "individual"}


def test_ids_have_expected_format(sample: SampleSummary) -> None:
    patterns = {
        ("accounts", "account_id"): r"ACC-\d{6}",
        ("contacts", "contact_id"): r"C-\d{7}",
        ("activities", "activity_id"): r"ACT-\d{8}",
        ("opportunities", "opportunity_id"): r"OPP-\d{5}",
    }
    for (table, column), pattern in patterns.items():
        values = read(sample, table)[column]
        assert values.str.fullmatch(pattern).all(), (table, column)
        assert values.is_unique, (table, column)


def test_dates_fall_before_end_date(sample: SampleSummary) -> None:
    activities = read(sample, "activities")
    intent = read(sample, "intent")
    opportunities = read(sample, "opportunities")
    contacts = read(sample, "contacts")
    occurred = pd.to_datetime(activities["occurred_at"], format="%Y-%m-%dT%H:%M:%S")
    weeks = pd.to_datetime(intent["week"], format="%Y-%m-%d")
    created = pd.to_datetime(opportunities["created_at"], format="%Y-%m-%d")
    closed = pd.to_datetime(opportunities["closed_at"], format="%Y-%m-%d", errors="coerce")
    end = pd.Timestamp(END)

    assert occurred.max() < end
    assert occurred.min() >= end - pd.Timedelta(days=370)
    assert occurred.is_monotonic_increasing
    assert weeks.max() < end
    assert weeks.min() >= end - pd.Timedelta(weeks=17)
    assert (weeks.dt.day_of_week == 0).all()
    assert created.max() < end
    assert created.min() >= end - pd.Timedelta(days=3 * 366)
    assert closed.max() < end
    assert (closed.dropna() >= created[closed.notna()]).all()
    assert pd.to_datetime(contacts["created_at"], format="%Y-%m-%d").max() < end


def test_open_opportunities_have_no_close_date(sample: SampleSummary) -> None:
    opportunities = read(sample, "opportunities")
    is_open = opportunities["outcome"] == "open"

    assert (opportunities.loc[is_open, "closed_at"] == "").all()
    assert (opportunities.loc[~is_open, "closed_at"] != "").all()
    stage_of_outcome = {"won": {"Closed Won"}, "lost": {"Closed Lost"}}
    for outcome, stages in stage_of_outcome.items():
        assert set(opportunities.loc[opportunities["outcome"] == outcome, "stage"]) == stages
    assert set(opportunities.loc[is_open, "stage"]) <= {
        "Discovery",
        "Evaluation",
        "Proposal",
        "Negotiation",
    }


def test_truth_marks_top_propensity(sample: SampleSummary) -> None:
    frame = truth(sample)
    in_market = frame["in_market"] == 1

    assert list(frame.columns) == ["account_id", "propensity", "in_market"]
    assert in_market.sum() == round(IN_MARKET_SHARE * ACCOUNTS)
    assert frame.loc[in_market, "propensity"].min() > frame.loc[~in_market, "propensity"].max()
    assert frame["propensity"].between(0, 1).all()
    assert list(frame["account_id"]) == list(read(sample, "accounts")["account_id"])


def test_in_market_accounts_show_buying_activity(sample: SampleSummary) -> None:
    activities = activities_by_account(sample)
    in_market = set(truth(sample).query("in_market == 1")["account_id"])
    high_value = activities[activities["type"].isin(["demo_request", "pricing_page_view"])]
    counts = (
        high_value["resolved"]
        .value_counts()
        .reindex(read(sample, "accounts")["account_id"], fill_value=0)
    )
    is_in_market = counts.index.isin(in_market)

    in_market_mean = counts[is_in_market].mean()
    other_mean = counts[~is_in_market].mean()
    assert in_market_mean > 2.5 * other_mean


def test_in_market_accounts_engage_buying_groups(sample: SampleSummary) -> None:
    activities = activities_by_account(sample)
    last_30_days = (END - timedelta(days=30)).isoformat()
    recent = activities[
        (activities["contact_id"] != "") & (activities["occurred_at"] >= last_30_days)
    ]
    persona = read(sample, "contacts").set_index("contact_id")["persona"]
    recent = recent.assign(persona=recent["contact_id"].map(persona))
    account_ids = read(sample, "accounts")["account_id"]
    contacts = recent.groupby("resolved")["contact_id"].nunique().reindex(account_ids, fill_value=0)
    named = recent[recent["persona"] != ""]
    personas = named.groupby("resolved")["persona"].nunique().reindex(account_ids, fill_value=0)
    in_market = set(truth(sample).query("in_market == 1")["account_id"])
    is_in_market = account_ids.isin(in_market).to_numpy()

    assert contacts[is_in_market].mean() > 1.5 * contacts[~is_in_market].mean()
    assert personas[is_in_market].mean() > 1.3 * personas[~is_in_market].mean()


def test_in_market_accounts_show_product_intent(sample: SampleSummary) -> None:
    intent = read(sample, "intent")
    accounts = read(sample, "accounts")
    domain_of_account = accounts.set_index("domain")["account_id"]
    intent["resolved"] = intent["account_id"].where(
        intent["account_id"] != "", intent["domain"].map(domain_of_account).fillna("")
    )
    product = intent[intent["topic"].isin(PRODUCT_TOPICS) & (intent["resolved"] != "")]
    mean_score = product.assign(score=product["score"].astype(int)).groupby("resolved")["score"]
    mean_score = mean_score.mean()
    in_market = set(truth(sample).query("in_market == 1")["account_id"])
    is_in_market = mean_score.index.isin(in_market)

    assert mean_score[is_in_market].mean() > mean_score[~is_in_market].mean() + 5


def test_activities_identify_accounts_in_several_ways(sample: SampleSummary) -> None:
    activities = read(sample, "activities")
    account_domains = set(read(sample, "accounts")["domain"])
    has = {column: activities[column] != "" for column in ("account_id", "contact_id")}
    with_account = (has["account_id"] & has["contact_id"]).mean()
    contact_only = (~has["account_id"] & has["contact_id"]).mean()
    email_only = (activities["email"] != "").mean()
    domain_only = (activities["domain"] != "").mean()
    email_domains = activities.loc[activities["email"] != "", "email"].str.split("@").str[1]
    orphan_emails = ~email_domains.isin(account_domains | set(FREE_MAIL_DOMAINS))

    assert 0.5 <= with_account <= 0.7
    assert 0.15 <= contact_only <= 0.25
    assert 0.07 <= email_only <= 0.14
    assert 0.07 <= domain_only <= 0.14
    assert orphan_emails.sum() > 0
    assert activities["domain"].str.startswith("https://www.").any()
    assert activities["domain"].str.fullmatch(r"[A-Z0-9.\-]+").any()


def test_contact_emails_use_account_domains(sample: SampleSummary) -> None:
    contacts = read(sample, "contacts")
    accounts = read(sample, "accounts")
    domain_of_account = accounts.set_index("account_id")["domain"]
    with_account = contacts[contacts["account_id"] != ""]
    email_domain = with_account["email"].str.split("@").str[1]
    free_mail = email_domain.isin(FREE_MAIL_DOMAINS)

    assert 0.02 <= free_mail.mean() <= 0.09
    expected = with_account["account_id"].map(domain_of_account)
    assert (email_domain[~free_mail] == expected[~free_mail]).all()
    assert 0.15 <= (contacts["persona"] == "").mean() <= 0.25


def test_intent_arrives_by_id_or_domain(sample: SampleSummary) -> None:
    intent = read(sample, "intent")
    by_domain = intent["account_id"] == ""
    scores = intent["score"].astype(int)

    assert 0.35 <= by_domain.mean() <= 0.65
    assert (intent.loc[by_domain, "domain"] != "").all()
    assert (intent.loc[~by_domain, "domain"] == "").all()
    assert scores.between(0, 100).all()
    assert (scores >= 60).any()
    assert not intent.duplicated(["account_id", "domain", "topic", "week"]).any()


def test_accounts_look_realistic(sample: SampleSummary) -> None:
    accounts = read(sample, "accounts")
    ids = set(accounts["account_id"])
    parents = accounts.loc[accounts["parent_account_id"] != "", "parent_account_id"]
    customers = accounts["is_customer"] == "true"

    assert accounts["domain"].is_unique
    assert accounts["name"].is_unique
    assert set(parents) <= ids
    assert (accounts["parent_account_id"] != accounts["account_id"]).all()
    assert 0.01 <= customers.mean() <= 0.2
    assert set(accounts["is_customer"]) == {"true", "false"}
    assert accounts["domain"].str.endswith(".co.uk").any()
    assert accounts["employees"].astype(int).min() >= 1


def test_rejects_too_few_accounts(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as raised:
        generate_sample(tmp_path / "out", accounts=0)

    assert str(raised.value) == "accounts must be at least 1, got 0."


def test_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as raised:
        generate_sample(tmp_path / "out", accounts=5, file_format="xlsx")  # type: ignore[arg-type]

    assert str(raised.value) == "file_format must be 'csv' or 'parquet', got 'xlsx'."


def test_rejects_folder_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")

    with pytest.raises(ValueError) as raised:
        generate_sample(tmp_path, accounts=5)

    assert str(raised.value) == (
        f"Output folder {tmp_path} contains files that are not nextbest sample files "
        "(notes.txt). Choose a new or empty folder."
    )
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_rejects_unknown_markdown_in_content(tmp_path: Path) -> None:
    generate_sample(tmp_path, accounts=5, end_date=END)
    (tmp_path / "content" / "our-own-notes.md").write_text("# Notes\n", encoding="utf-8")

    with pytest.raises(ValueError) as raised:
        generate_sample(tmp_path, accounts=5, end_date=END)

    assert str(raised.value) == (
        f"Output folder {tmp_path} contains files that are not nextbest sample files "
        "(content/our-own-notes.md). Choose a new or empty folder."
    )


def test_rejects_file_as_folder(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("", encoding="utf-8")

    with pytest.raises(ValueError) as raised:
        generate_sample(target, accounts=5)

    assert str(raised.value) == f"Output folder {target} is a file. Choose a new or empty folder."


def test_overwrites_its_own_output(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    generate_sample(out_dir, accounts=20, seed=1, end_date=END)
    summary = generate_sample(out_dir, accounts=30, seed=2, end_date=END, file_format="parquet")

    assert summary.rows["accounts"] == 30
    assert not list(out_dir.glob("*.csv"))
    assert len(list(out_dir.glob("*.parquet"))) == len(SAMPLE_TABLES)


def test_parquet_output_is_readable(tmp_path: Path) -> None:
    summary = generate_sample(tmp_path / "out", accounts=40, end_date=END, file_format="parquet")

    for table in SAMPLE_TABLES:
        data = pq.read_table(summary.out_dir / f"{table}.parquet")
        assert data.num_rows == summary.rows[table], table
        assert set(data.column_names) <= set(TABLES[table].column_names), table
    activities = pq.read_table(summary.out_dir / "activities.parquet")
    # Parquet has no second unit, so pyarrow stores timestamp[s] as timestamp[ms].
    assert pa.types.is_timestamp(activities.schema.field("occurred_at").type)
    intent = pq.read_table(summary.out_dir / "intent.parquet")
    assert intent.schema.field("week").type == pa.date32()


def test_progress_reports_every_table(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate_sample(
        tmp_path / "out",
        accounts=20,
        end_date=END,
        progress=lambda step, done, total: calls.append((step, done, total)),
    )

    finished = {step for step, done, total in calls if done == total}
    assert set(SAMPLE_TABLES) <= finished
    assert all(0 <= done <= total for _, done, total in calls)


def test_end_date_defaults_to_today(tmp_path: Path) -> None:
    summary = generate_sample(tmp_path / "out", accounts=10)
    occurred = read(summary, "activities")["occurred_at"]

    assert occurred.max() < date.today().isoformat()
    assert occurred.max() >= (date.today() - timedelta(days=40)).isoformat()


def test_content_library_has_front_matter(sample: SampleSummary) -> None:
    files = sorted((sample.out_dir / "content").glob("*.md"))
    bodies: set[str] = set()

    assert len(files) >= 48
    for path in files:
        _, front_matter, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front_matter)
        assert tuple(meta) == FRONT_MATTER_FIELDS, path.name
        assert meta["id"] == path.stem
        assert meta["url"].startswith("https://example.com/")
        assert meta["type"] in CONTENT_TYPES
        assert meta["stage"] in FUNNEL_STAGES
        assert meta["topics"] and set(meta["topics"]) <= set(PRODUCT_TOPICS), path.name
        assert meta["personas"] and set(meta["personas"]) <= set(PERSONAS), path.name
        assert isinstance(meta["industries"], list)
        assert 150 <= len(body.split()) <= 400, path.name
        bodies.add(body)
    assert len(bodies) == len(files)


def test_content_covers_every_topic_and_type() -> None:
    assets = build_content_assets()
    covered_topics = {topic for asset in assets for topic in asset.topics}

    assert covered_topics == set(PRODUCT_TOPICS)
    assert {asset.type for asset in assets} == set(CONTENT_TYPES)
    assert len({asset.id for asset in assets}) == len(assets)
    assert len({asset.url for asset in assets}) == len(assets)
    for asset in assets:
        assert asset.topics[0].lower() in asset.body.lower(), asset.id


def test_products_cover_product_topics() -> None:
    topics = [topic for product in PRODUCTS for topic in TOPICS_BY_PRODUCT[product]]

    assert sorted(topics) == sorted(PRODUCT_TOPICS)
    assert not set(PRODUCT_TOPICS) & set(INTENT_TOPICS[len(PRODUCT_TOPICS) :])


def test_activity_details_name_content_assets(sample: SampleSummary) -> None:
    activities = read(sample, "activities")
    downloads = activities.loc[activities["type"] == "content_download", "detail"]
    titles = {asset.title for asset in build_content_assets()}

    assert downloads.isin(titles).mean() > 0.5
    assert re.fullmatch(
        r"/\S*", activities.loc[activities["type"] == "web_visit", "detail"].iloc[0]
    )


def test_sample_never_overwrites_real_exports(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text("account_id,name\nMINE,precious\n")
    with pytest.raises(ValueError) as raised:
        generate_sample(tmp_path, accounts=5, seed=1, end_date=date(2026, 11, 30))
    assert str(raised.value) == (
        f"Output folder {tmp_path} contains accounts.csv but no truth/in_market.csv, so it is "
        "not a nextbest sample. Choose a new or empty folder."
    )
    assert (tmp_path / "accounts.csv").read_text() == "account_id,name\nMINE,precious\n"
