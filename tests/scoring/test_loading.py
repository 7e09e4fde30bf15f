from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nextbest.scoring.config import load_config
from nextbest.scoring.errors import InputError
from nextbest.scoring.runs import score_folder
from tests.conftest import AS_OF, write_files


def _score(folder: Path, config: Path | None = None):  # type: ignore[no-untyped-def]
    return score_folder(folder, load_config(config), AS_OF)


def _problems(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        _score(folder)
    return [str(problem) for problem in caught.value.problems]


def test_csv_dialects_load_the_same(tmp_path: Path) -> None:
    plain = 'account_id,name,employees\nA1,"Acme, Inc.",10\nA2,Beta,20\n'
    variants: dict[str, bytes] = {
        "comma": plain.encode(),
        "semicolon_crlf": plain.replace(",", ";")
        .replace(";", ",", 0)
        .replace("\n", "\r\n")
        .replace('"Acme; Inc."', '"Acme, Inc."')
        .encode(),
        "bom": b"\xef\xbb\xbf" + plain.encode(),
        "tab": plain.replace(",", "\t").replace('"Acme\t Inc."', '"Acme, Inc."').encode(),
        "utf16": plain.encode("utf-16"),
    }
    for label, content in variants.items():
        folder = write_files(tmp_path / label, {"accounts.csv": content})
        accounts = _score(folder).accounts.sort_values("account_id")
        assert list(accounts["name"]) == ["Acme, Inc.", "Beta"], label


def test_quoted_newline_and_cp1252(tmp_path: Path) -> None:
    text = 'account_id,name,industry\nA1,"Müller\nGmbH",Software\nA2,Café Olé,Retail\n'
    folder = write_files(tmp_path, {"accounts.csv": text.encode("cp1252")})
    accounts = _score(folder).accounts.sort_values("account_id")
    assert list(accounts["name"]) == ["Müller\nGmbH", "Café Olé"]


def test_parquet_loads_with_native_types(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame(
        {"account_id": ["A1"], "name": ["Acme"], "employees": [250], "annual_revenue": [6e7]}
    ).to_parquet(folder / "accounts.parquet")
    pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(["2026-11-25 10:00"]),
            "type": ["demo_request"],
            "account_id": ["A1"],
        }
    ).to_parquet(folder / "activities.parquet")
    run = _score(folder)
    account = run.accounts.iloc[0]
    assert account["engagement"] > 0
    assert "250 employees is a 90% ICP match" in account["signals"]


def test_placeholders_and_mixed_dates_are_counted(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name,industry,country\nA1,Acme,Select,N/A\nA2,Beta,  ,US\n",
            "contacts.csv": "contact_id,account_id,created_at\n"
            "C1,A1,2026-01-05\nC2,A1,2026-01-06\nC3,A2,01/20/2026\nC4,A2,25/01/2026\n",
        },
    )
    run = _score(folder)
    # "Select", "N/A" and a cell of spaces.
    assert run.report.tables["accounts"].normalised["placeholder or blank values"] == 3
    contacts = run.report.tables["contacts"]
    assert contacts.normalised["created_at in another date format"] == 2
    assert contacts.rows_loaded == 4


def test_employee_ranges_become_midpoints(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {"accounts.csv": 'account_id,name,employees\nA1,Acme,"1,001-5,000"\nA2,Beta,"10,000+"\n'},
    )
    run = _score(folder)
    signals = dict(zip(run.accounts["account_id"], run.accounts["signals"], strict=True))
    assert "3,001 employees" in signals["A1"]
    assert "10,000 employees" in signals["A2"]
    assert run.report.tables["accounts"].normalised["employees ranges set to their midpoint"] == 2


def test_rows_missing_required_values_are_rejected(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name\nA1,Acme\n",
            "activities.csv": "occurred_at,type,account_id\n"
            "2026-11-01,web_visit,A1\n,web_visit,A1\n"
            "2026-11-02,,A1\n",
        },
    )
    report = _score(folder).report.tables["activities"]
    assert dict(report.rejected) == {"missing occurred_at": 1, "missing type": 1}
    assert report.rows_loaded == 1


def test_exact_duplicate_rows_are_dropped(tmp_path: Path) -> None:
    folder = write_files(tmp_path, {"accounts.csv": "account_id,name\nA1,Acme\nA1,Acme\nA2,Beta\n"})
    run = _score(folder)
    assert len(run.accounts) == 2
    assert run.report.tables["accounts"].normalised["duplicate rows removed"] == 1


def test_missing_required_column(tmp_path: Path) -> None:
    folder = write_files(tmp_path, {"accounts.csv": "account_id,company\nA1,Acme\n"})
    assert _problems(folder) == [
        "accounts.csv, column 'name': missing required column (expected a column named 'name' "
        "in the accounts table, or a mapping for it under the config's sources)"
    ]


def test_unparseable_number(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path, {"accounts.csv": "account_id,name,annual_revenue\nA1,Acme,12x\nA2,Beta,5\n"}
    )
    assert _problems(folder) == [
        "accounts.csv, row 2, column 'annual_revenue': invalid number: '12x' "
        "(expected a number from 0 to 1e+15, written with a decimal point)"
    ]


def test_unparseable_dates_are_listed_with_a_count(tmp_path: Path) -> None:
    rows = "".join(f"2026-13-{day:02d},web_visit,A1\n" for day in range(1, 6))
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name\nA1,Acme\n",
            "activities.csv": "occurred_at,type,account_id\n2026-11-01,web_visit,A1\n" + rows,
        },
    )
    expected = (
        "(expected a date such as 2026-03-31 or in this column's format %Y-%m-%d; "
        "set date_format on the source for another)"
    )
    assert _problems(folder) == [
        f"activities.csv, row 3, column 'occurred_at': invalid date: '2026-13-01' {expected}",
        f"activities.csv, row 4, column 'occurred_at': invalid date: '2026-13-02' {expected}",
        f"activities.csv, row 5, column 'occurred_at': invalid date: '2026-13-03' {expected}",
        "activities.csv: 2 more rows with an invalid date in column 'occurred_at'",
    ]


def test_duplicate_account_id(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path, {"accounts.csv": "account_id,name\nA1,Acme\nA2,Beta\nA1,Other\n"}
    )
    assert _problems(folder) == [
        "accounts.csv, row 4, column 'account_id': duplicate account_id "
        "(first seen at accounts.csv row 2): 'A1' (expected each account_id once)"
    ]


def test_unknown_activity_type(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name\nA1,Acme\n",
            "activities.csv": "occurred_at,type,account_id\n2026-11-01,Podcast Listen,A1\n",
        },
    )
    (problem,) = _problems(folder)
    assert problem.startswith(
        "activities.csv, row 2, column 'type': unknown activity type: 'Podcast Listen' "
        "(expected an activity type: web_visit, pricing_page_view,"
    )
    assert problem.endswith("map other labels under the source's values.type)")


def test_activity_type_mapping_in_config(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name\nA1,Acme\n",
            "events.csv": "when,what,company_id\n11/01/2026,Podcast Listen,A1\n",
        },
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "sources:\n"
        "  - table: activities\n"
        "    files: events.csv\n"
        "    columns: {occurred_at: when, type: what, account_id: company_id}\n"
        "    values: {type: {podcast listen: content_download}}\n"
    )
    run = _score(folder, config)
    assert "1 content download, latest 30 days ago" in run.accounts.iloc[0]["signals"]


def test_empty_file(tmp_path: Path) -> None:
    folder = write_files(tmp_path, {"accounts.csv": ""})
    assert _problems(folder) == [
        "accounts.csv: file is empty (expected a header row and at least one data row)"
    ]


def test_header_only_accounts_file(tmp_path: Path) -> None:
    folder = write_files(tmp_path, {"accounts.csv": "account_id,name\n"})
    assert _problems(folder) == [
        "accounts.csv: file has no data rows (expected at least one account)"
    ]


def test_header_only_optional_table_is_a_warning(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name\nA1,Acme\n",
            "intent.csv": "account_id,topic,score,week\n",
        },
    )
    run = _score(folder)
    assert "intent.csv: no data rows, only a header" in run.report.warnings
    assert run.report.tables["intent"].rows_loaded == 0


def test_wrong_file_types(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.xlsx": b"PK\x03\x04rest of a workbook",
            "contacts.csv": b"PK\x03\x04rest of a workbook",
            "activities.csv": b"\x00\x01\x02binary\x00",
            "intent.parquet": "week,topic\n",
        },
    )
    assert _problems(folder) == [
        "accounts.xlsx: wrong file type for the accounts table: '.xlsx' "
        "(expected a .csv, .tsv, .txt or .parquet file)",
        "activities.csv: is a binary file, not CSV or Parquet (expected text in CSV format)",
        "contacts.csv: is a ZIP archive or an Excel workbook, not CSV or Parquet "
        "(expected CSV; export the sheet as CSV)",
        "intent.parquet: is not a Parquet file (expected Parquet data)",
    ]


def test_folder_without_accounts(tmp_path: Path) -> None:
    folder = write_files(tmp_path, {"notes.csv": "a,b\n1,2\n"})
    (problem,) = _problems(folder)
    assert problem.endswith(
        "no accounts table found (expected a file named accounts.csv (or .parquet), a recognised "
        "export, or a source mapped to the accounts table in the config)"
    )


def test_unknown_files_and_columns_are_warned_about(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {"accounts.csv": "account_id,name,favourite_colour\nA1,Acme,blue\n", "README.md": "hi"},
    )
    warnings = _score(folder).report.warnings
    assert "README.md: skipped, not a CSV or Parquet file" in warnings
    assert "accounts.csv: ignored columns not in the accounts table: favourite_colour" in warnings


def test_row_with_extra_fields(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {"accounts.csv": "account_id,name,industry\nA1,Acme,Software\nA2,Beta,Retail,EXTRA\n"},
    )
    assert _problems(folder) == [
        "accounts.csv, row 3: row has more fields than the header (expected 3 fields, as in the "
        "header; quote values that contain the delimiter)"
    ]


def test_short_rows_are_padded(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path, {"accounts.csv": "account_id,name,industry\nA1,Acme,Software\nA2,Beta\n"}
    )
    accounts = _score(folder).accounts.set_index("account_id")
    assert accounts.loc["A2", "name"] == "Beta"
    assert pd.isna(accounts.loc["A2", "industry"])


def test_numbers_that_would_mislead_are_rejected(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id;name;employees;annual_revenue\n"
            "A1;Acme;1200;50000000,50\nA2;Beta;-5;NaN\nA3;Gamma;10;inf\n"
            'A4;Delta;"1,000";"$1,234,567.89"\n'
        },
    )
    assert _problems(folder) == [
        "accounts.csv, row 3, column 'employees': invalid whole number: '-5' "
        "(expected a whole number from 0 to 1e+15)",
        "accounts.csv, row 2, column 'annual_revenue': invalid number: '50000000,50' "
        "(expected a number from 0 to 1e+15, written with a decimal point)",
        "accounts.csv, row 3, column 'annual_revenue': invalid number: 'NaN' "
        "(expected a number from 0 to 1e+15, written with a decimal point)",
        "accounts.csv, row 4, column 'annual_revenue': invalid number: 'inf' "
        "(expected a number from 0 to 1e+15, written with a decimal point)",
    ]


def test_intent_score_out_of_range(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name\nA1,Acme\n",
            "intent.csv": "account_id,topic,score,week\nA1,SIEM,180,2026-11-02\n",
        },
    )
    assert _problems(folder) == [
        "intent.csv, row 2, column 'score': invalid or out-of-range score: '180' "
        "(expected a score from 0 to 100)"
    ]


def test_short_cp1252_text_is_read_as_cp1252(tmp_path: Path) -> None:
    folder = write_files(tmp_path, {"accounts.csv": b"account_id,name\nA1,B\xe8ta\n"})
    run = _score(folder)
    assert run.accounts.iloc[0]["name"] == "Bèta"
    assert (
        "accounts.csv: not UTF-8, read as cp1252; set encoding on its source in the config if "
        "the text looks wrong"
    ) in run.report.warnings


def test_timestamps_with_offsets_become_utc(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name\nA1,Acme\n",
            "activities.csv": "occurred_at,type,account_id\n2026-11-30T23:30:00-02:00,meeting,A1\n",
        },
    )
    # 23:30 at UTC-2 is 01:30 UTC on 1 December, the as-of date, so the row is excluded.
    assert _score(folder).report.tables["activities"].after_as_of == 1


def test_data_folder_that_is_a_file(tmp_path: Path) -> None:
    folder = write_files(tmp_path, {"accounts.csv": "account_id,name\nA1,Acme\n"})
    assert _problems(folder / "accounts.csv") == [
        f"{folder / 'accounts.csv'}: is a file, not a folder (expected the folder that contains "
        f"it, {folder})"
    ]


def test_corrupt_parquet(tmp_path: Path) -> None:
    folder = write_files(tmp_path, {"accounts.parquet": b"PAR1 truncated"})
    (problem,) = _problems(folder)
    assert problem.startswith("accounts.parquet: is not a readable Parquet file: ")


def test_foreign_currency_needs_a_unit(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path, {"accounts.csv": 'account_id,name,annual_revenue\nA1,Acme,"€5,000"\n'}
    )
    assert _problems(folder) == [
        "accounts.csv, row 2, column 'annual_revenue': invalid number: '€5,000' "
        "(expected a number from 0 to 1e+15, written with a decimal point)"
    ]


def test_numbers_beyond_1e15_are_rejected(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "accounts.csv": "account_id,name,annual_revenue\nA1,Acme,2e15\n",
            "opportunities.csv": "opportunity_id,account_id,created_at,outcome,amount\n"
            "O1,A1,2026-01-01,won,1e308\nO2,A1,2026-01-02,lost,-1e15\n",
        },
    )
    assert _problems(folder) == [
        "accounts.csv, row 2, column 'annual_revenue': invalid number: '2e15' "
        "(expected a number from 0 to 1e+15, written with a decimal point)",
        "opportunities.csv, row 2, column 'amount': invalid number: '1e308' "
        "(expected a number between -1e+15 and 1e+15, written with a decimal point)",
    ]
