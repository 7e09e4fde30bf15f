from __future__ import annotations

from pathlib import Path

import pytest

from nextbest.scoring.config import load_config
from nextbest.scoring.identity import normalize_company_name, normalize_domain
from nextbest.scoring.runs import score_folder
from tests.conftest import AS_OF, write_files


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("acme.com", "acme.com"),
        ("https://www.acme.com/pricing?x=1", "acme.com"),
        ("HTTP://WWW.ACME.COM", "acme.com"),
        ("shop.eu.acme.com", "acme.com"),
        ("acme.co.uk", "acme.co.uk"),
        ("https://www.shop.acme.co.uk/x", "acme.co.uk"),
        ("www.acme.com.au", "acme.com.au"),
        ("acme.com:8080/path", "acme.com"),
        ("jane.doe@Mail.Acme.de", "acme.de"),
        ("co.uk", None),
        ("localhost", None),
        ("not a domain", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_domain(value: str | None, expected: str | None) -> None:
    assert normalize_domain(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Acme Inc.", "acme"),
        ("ACME, Inc", "acme"),
        ("Acme Holdings Ltd", "acme"),
        ("The Acme Company", "acme"),
        ("Société Générale S.A.", "societe generale"),
        ("Johnson & Johnson", "johnson and johnson"),
        ("Globex GmbH & Co. KG", "globex"),
        ("Inc.", None),
        (None, None),
    ],
)
def test_normalize_company_name(value: str | None, expected: str | None) -> None:
    assert normalize_company_name(value) == expected


def test_rows_match_by_each_kind_of_evidence(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name,domain\nA1,Acme Inc.,https://www.acme.co.uk\n"
            "A2,Globex Industries,globex.com\n",
            "contacts.csv": "contact_id,account_id,email,company\n"
            "C1,A1,,\n"
            "C2,,bob@acme.co.uk,\n"
            'C3,,x@gmail.com,"Globex Industries, Inc."\n'
            "C4,,y@gmail.com,Globex Industires\n"
            "C5,,z@hotmail.com,Unknown Co\n",
            "activities.csv": "occurred_at,type,account_id,contact_id,email,domain,company\n"
            "2026-11-01,web_visit,A1,,,,\n"
            "2026-11-01,web_visit,,C2,,,\n"
            "2026-11-01,web_visit,,,bob@acme.co.uk,,\n"
            "2026-11-01,web_visit,,,,WWW.GLOBEX.COM/x,\n"
            "2026-11-01,web_visit,,,new.person@globex.com,,\n"
            "2026-11-01,web_visit,,,,,Acme Inc\n"
            "2026-11-01,web_visit,,,someone@gmail.com,,\n",
        },
    )
    run = score_folder(folder, load_config(), AS_OF)

    contacts = run.report.tables["contacts"]
    assert dict(contacts.matched_by) == {
        "account_id": 1,
        "email domain": 1,
        "company name": 1,
        "fuzzy company name": 1,
    }
    assert contacts.unmatched == 1
    activities = run.report.tables["activities"]
    assert dict(activities.matched_by) == {
        "account_id": 1,
        "contact_id": 1,
        "contact email": 1,
        "domain": 1,
        "email domain": 1,
        "company name": 1,
    }
    assert activities.unmatched == 1


def test_free_mail_never_matches_by_domain(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name,domain\nA1,Google,gmail.com\n",
            "contacts.csv": "contact_id,email\nC1,someone@gmail.com\n",
        },
    )
    run = score_folder(folder, load_config(), AS_OF)
    assert run.report.tables["contacts"].unmatched == 1
