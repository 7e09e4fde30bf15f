"""Shared fixtures: small hand-made data folders, the real exports beside the checkout, the
scored sample, and run stores on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.postgres import PostgresServer, PostgresUnavailableError, start_postgres

if TYPE_CHECKING:
    from nextbest.scoring.runs import ScoredRun

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
def scored_sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScoredRun]:
    """A 200-account sample scored once, as of 2026-12-01: (data folder, run)."""
    from nextbest.samples.generator import generate_sample
    from nextbest.scoring.config import load_config
    from nextbest.scoring.runs import score_folder

    data_dir = tmp_path_factory.mktemp("scored-sample") / "data"
    generate_sample(data_dir, accounts=200, seed=11, end_date=SAMPLE_END)
    return data_dir, score_folder(data_dir, load_config(), as_of=SAMPLE_AS_OF)


@pytest.fixture(scope="session")
def scored_sample(scored_sample_run: tuple[Path, ScoredRun]) -> tuple[Path, str]:
    """The scored sample saved into a SQLite store beside its data: (data folder, URL)."""
    from nextbest.scoring.store import RunStore

    data_dir, run = scored_sample_run
    url = f"sqlite:///{data_dir.parent / 'runs.db'}"
    RunStore(url).save(run)
    return data_dir, url


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session; the tests that use it skip when none can be had."""
    try:
        server = start_postgres()
    except PostgresUnavailableError as error:
        pytest.skip(f"no PostgreSQL server: {error}")
    yield server
    server.close()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
)
def backend(request: pytest.FixtureRequest) -> str:
    """The run store's database: a test that uses it runs once on each."""
    return request.param


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty run store of the test's own, on `backend`."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'runs.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with server.schema() as url:
        yield url


@pytest.fixture
def scored_url(
    backend: str,
    scored_sample_run: tuple[Path, ScoredRun],
    request: pytest.FixtureRequest,
) -> Iterator[str]:
    """The URL of a store holding the scored sample, on `backend`.

    On SQLite it is the session's shared store. On PostgreSQL each test gets a schema of its own,
    into which the session's run is saved without scoring it again.
    """
    if backend == "sqlite":
        yield request.getfixturevalue("scored_sample")[1]
        return
    from nextbest.scoring.store import RunStore

    server: PostgresServer = request.getfixturevalue("postgres")
    with server.schema() as url:
        store = RunStore(url)
        store.save(scored_sample_run[1])
        store.engine.dispose()
        yield url


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
