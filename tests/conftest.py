"""Shared fixtures: small hand-made data folders and the real exports beside the checkout."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get("NEXTBEST_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
AS_OF = date(2026, 12, 1)

ACCOUNTS = """account_id,name,domain,industry,employees,annual_revenue,country,owner,is_customer
A1,Acme Inc.,https://www.acme.com,Software,"1,200",$90000000,United States,Ann,no
A2,Globex GmbH,globex.de,Manufacturing,300,,Germany,Bob,Select
A3,Initech Ltd,initech.co.uk,Education,40,5000000,UK,Ann,yes
"""
CONTACTS = """contact_id,account_id,email,first_name,last_name,title,lead_source,created_at
C1,A1,jane@acme.com,Jane,Doe,Chief Information Security Officer,Demo Request,2026-01-05
C2,,bob@globex.de,Bob,Roe,IT Manager,Webinar,01/20/2026
C3,,x@gmail.com,X,Y,Student Intern,Select,
"""
ACTIVITIES = """occurred_at,type,contact_id,email,domain
2026-11-28,demo_request,C1,,
2026-11-20,Pricing Page View,,jane@acme.com,
2026-11-02,web_visit,,,https://globex.de/products
2026-10-01,email_open,C2,,
2026-12-10,meeting,C1,,
"""
INTENT = """domain,topic,score,week
acme.com,Zero Trust,82,2026-11-23
WWW.ACME.COM,Payroll Software,90,2026-11-23
globex.de,Cloud Security,55,2026-11-16
"""
OPPORTUNITIES = """opportunity_id,account_id,created_at,outcome,closed_at,amount,product
O1,A1,2026-10-01,open,,50000,Sentinel Cloud
O2,A2,2025-01-01,won,2025-03-01,20000,Sentinel Data
O3,Initech,2026-06-01,lost,2026-09-01,0,
"""
SMALL_TABLES = {
    "accounts.csv": ACCOUNTS,
    "contacts.csv": CONTACTS,
    "activities.csv": ACTIVITIES,
    "intent.csv": INTENT,
    "opportunities.csv": OPPORTUNITIES,
}


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


@pytest.fixture
def small_dir(tmp_path: Path) -> Path:
    """Three accounts with contacts, activities, intent and opportunities."""
    return write_files(tmp_path / "data", SMALL_TABLES)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real exports not found at {SHARED_DATA}; set NEXTBEST_SHARED_DATA")
    return SHARED_DATA


SAMPLE_END = date(2026, 11, 30)
SAMPLE_AS_OF = date(2026, 12, 1)


@pytest.fixture(scope="session")
def scored_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A 200-account sample scored as of 2026-12-01 into a SQLite store: (data folder, URL)."""
    from nextbest.samples.generator import generate_sample
    from nextbest.scoring.config import load_config
    from nextbest.scoring.runs import score_folder
    from nextbest.scoring.store import RunStore

    root = tmp_path_factory.mktemp("scored-sample")
    data_dir = root / "data"
    generate_sample(data_dir, accounts=200, seed=11, end_date=SAMPLE_END)
    url = f"sqlite:///{root / 'runs.db'}"
    RunStore(url).save(score_folder(data_dir, load_config(), as_of=SAMPLE_AS_OF))
    return data_dir, url


@pytest.fixture(scope="session")
def sample_library(scored_sample: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory):
    """The sample's content library indexed with the bundled embedding model."""
    from nextbest.content import ContentLibrary, LocalEmbedder

    library = ContentLibrary(tmp_path_factory.mktemp("chroma"), "content", LocalEmbedder())
    library.index(scored_sample[0] / "content")
    return library


@pytest.fixture
def deps(scored_sample: tuple[Path, str], sample_library):
    """Tool dependencies over the scored sample and its library, contact details hidden."""
    from nextbest.scoring.store import RunStore
    from nextbest.tools import ToolDeps

    return ToolDeps.latest(RunStore(scored_sample[1]), sample_library)
