"""Training sets: point in time for accounts, every other column a candidate for leads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nextbest.learning.datasets import (
    account_training_set,
    lead_training_set,
    month_starts,
    typed_features,
)
from nextbest.scoring.config import load_config
from nextbest.scoring.errors import InputError
from tests.conftest import write_files
from tests.learning.conftest import deal_folder


def _by_deal(training) -> pd.DataFrame:
    frame = training.features.copy()
    frame["opportunity"] = [f"D{index:03d}" for index in range(len(frame))]
    return frame


def test_month_starts_inclusive() -> None:
    assert [
        str(day)
        for day in month_starts(
            pd.Timestamp("2025-11-20").date(), pd.Timestamp("2026-02-01").date()
        )
    ] == [
        "2025-11-01",
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
    ]


def test_account_set_deal_rows(tmp_path: Path, learning_config: Path) -> None:
    config = load_config(learning_config)
    training = account_training_set(deal_folder(tmp_path / "data"), config)

    # 40 hot accounts, of which 8 lost, and 16 cold ones that won.
    assert (len(training.labels), training.positives) == (120, 48)
    assert training.notes[0] == (
        "120 won or lost opportunities at 6 monthly snapshots (2026-01 to 2026-06)"
    )
    # A hot account's single view, 3 days before its deal's month, at the configured 30-day
    # half-life: 12 points x 2^(-3/30).
    first_hot = training.features["engagement:activity:pricing_page_view"].iloc[0]
    assert first_hot == pytest.approx(12 * 2 ** (-3 / 30), rel=1e-6)
    assert training.left_out["opportunity:amount"].startswith("an opportunity's amount")
    # The export flags every winner as a customer, but each first win closes after its deal's
    # snapshot, so at every snapshot no account was a customer yet.
    assert training.left_out["relationship:customer"] == "a single value (0.0)"
    assert set(training.decay) == {"pricing_page_view"}


def test_account_set_ignores_future_rows(tmp_path: Path, learning_config: Path) -> None:
    config = load_config(learning_config)
    before = account_training_set(deal_folder(tmp_path / "before"), config)
    after = account_training_set(deal_folder(tmp_path / "after", future=True), config)

    dates = pd.to_datetime(after.dates)
    original = after.features.index[[str(date.date()) != "2026-04-20" for date in dates]]
    changed = after.features.loc[original].reset_index(drop=True)
    created = pd.to_datetime(before.dates)
    months = created.dt.month.to_numpy()
    # The same deals, in the same order, once the added April deals are set aside.
    assert len(changed) == len(before.features)
    columns = before.features.columns
    up_to_april = months <= 4
    pd.testing.assert_frame_equal(
        changed.loc[up_to_april, columns].reset_index(drop=True),
        before.features.loc[up_to_april, columns].reset_index(drop=True),
    )
    # The meeting on 2 April does reach the May and June snapshots, so the check can fail.
    assert (changed.loc[months >= 5, "relationship:meetings"] > 0).all()


def test_lead_set_candidate_columns(tmp_path: Path) -> None:
    header = "Lead Id,Email,First Name,Reached At,Origin,Visits,Status Tag,Converted,Always\n"
    leads = header + "".join(
        f"L{row},p{row}@example.com,Ann{row % 5},p{row}@mail.example,"
        f"{'Form' if row % 2 else 'API'},{row % 7},"
        f"{'won' if row % 3 == 0 else 'open'},{1 if row % 3 == 0 else 0},x\n"
        for row in range(60)
    )
    folder = write_files(tmp_path / "data", {"leads.csv": leads})
    config_file = tmp_path / "leads.yaml"
    config_file.write_text(
        "sources:\n  - table: contacts\n    files: leads.csv\n    columns:\n"
        "      contact_id: Lead Id\n      email: Email\n      converted: Converted\n",
        encoding="utf-8",
    )
    training = lead_training_set(folder, load_config(config_file), exclude=("Status Tag",))

    assert training.label == "Converted"
    assert list(training.features.columns) == ["Origin", "Visits"]
    assert training.features["Origin"].iloc[:2].tolist() == ["api", "form"]
    assert training.features["Visits"].dtype == float
    assert training.left_out == {
        "Lead Id": "names the lead or holds personal data",
        "Email": "names the lead or holds personal data",
        "First Name": "names the lead or holds personal data",
        "Reached At": "names the lead or holds personal data",
        "Converted": "the label",
        "Status Tag": "excluded in the config or with --exclude",
        "Always": "a single value (x)",
    }
    assert (training.positives, training.negatives) == (20, 40)
    assert training.dates is None


def test_lead_set_invalid_label_row(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path / "data",
        {"contacts.csv": "contact_id,Outcome,Size\nC1,yes,3\nC2,no,4\nC3,maybe,5\n"},
    )
    with pytest.raises(InputError) as raised:
        lead_training_set(folder, load_config(), label="Outcome")
    assert str(raised.value) == (
        "contacts.csv, row 4, column 'Outcome': invalid yes/no value: 'maybe' "
        "(expected 1/0, yes/no, true/false or a value listed in normalize.true_values and "
        "normalize.false_values)"
    )


def test_lead_set_unknown_label_column(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "data", {"contacts.csv": "contact_id,Won,Size\nC1,1,3\n"})
    with pytest.raises(InputError) as raised:
        lead_training_set(folder, load_config(), label="Converted")
    assert str(raised.value) == (
        "contacts.csv: no column named 'Converted' for --label "
        "(expected one of contact_id, Won, Size)"
    )


def test_lead_set_missing_label(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "data", {"contacts.csv": "contact_id,Size\nC1,3\n"})
    with pytest.raises(InputError) as raised:
        lead_training_set(folder, load_config())
    assert str(raised.value) == (
        "contacts.csv, column 'converted': no label column (expected a column mapped to "
        "converted in the config, or --label COLUMN)"
    )


def test_typed_features_commas() -> None:
    frame = pd.DataFrame(
        {
            "Pages": ["2,5", "3,25", "4"],
            "Revenue": ["1,200", "3,400,000", "5"],
            "Either": ["1,234", "2,000", None],
        }
    )
    typed = typed_features(frame, [])
    assert typed["Pages"].tolist() == [2.5, 3.25, 4.0]
    assert typed["Revenue"].tolist() == [1200.0, 3400000.0, 5.0]
    # "1,234" reads as 1234 or as 1.234: left as text rather than guessed.
    assert typed["Either"].tolist() == ["1,234", "2,000", None]


def test_lead_set_rejects_infinite_numbers(tmp_path: Path) -> None:
    rows = [f"C{index},{index % 2},{index}" for index in range(40)]
    rows[3] = "C3,1,inf"
    rows[7] = "C7,1,1e400"
    rows[8] = "C8,0,-2e15"
    folder = write_files(
        tmp_path / "data", {"contacts.csv": "contact_id,Won,Visits\n" + "\n".join(rows) + "\n"}
    )

    with pytest.raises(InputError) as raised:
        lead_training_set(folder, load_config(), label="Won")

    expected = "(expected a finite number between -1e+15 and 1e+15)"
    assert str(raised.value).splitlines() == [
        f"contacts.csv, row 5, column 'Visits': invalid number: 'inf' {expected}",
        f"contacts.csv, row 9, column 'Visits': invalid number: '1e400' {expected}",
        f"contacts.csv, row 10, column 'Visits': invalid number: '-2e15' {expected}",
    ]


def test_lead_set_counts_unlisted_labels(tmp_path: Path) -> None:
    rows = "".join(f"C{index},maybe,{index}\n" for index in range(25))
    folder = write_files(tmp_path / "data", {"contacts.csv": "contact_id,Won,Visits\n" + rows})

    with pytest.raises(InputError) as raised:
        lead_training_set(folder, load_config(), label="Won")

    problems = raised.value.problems
    assert len(problems) == 11
    assert (
        str(problems[-1])
        == "contacts.csv: 15 more rows with an invalid yes/no value in column 'Won'"
    )
    assert sum(problem.count for problem in problems) == 25
