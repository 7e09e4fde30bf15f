"""Write scored accounts to CSV, Parquet or JSON, replacing the target only once it is complete."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from nextbest.scoring.errors import NextbestError

EXPORT_COLUMNS = [
    "account_id",
    "name",
    "rank",
    "score",
    "tier",
    "qualified",
    "fit",
    "intent",
    "relationship",
    "engagement",
    "negative",
    "reasons",
    "disqualified_because",
    "domain",
    "industry",
    "country",
    "owner",
    "top_lead_id",
    "top_lead_name",
    "top_lead_score",
]
FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json"}


def export_format(path: Path) -> str:
    """Return the format for an output path, or raise if its suffix is not supported."""
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise NextbestError(
            f"{path}: unsupported output type {path.suffix or '(none)'!r}; "
            "expected a file ending in .csv, .parquet or .json"
        )
    return file_format


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    subset = frame[EXPORT_COLUMNS].astype(object)
    subset = subset.where(subset.notna(), None)
    return subset.to_dict("records")


def write_accounts(frame: pd.DataFrame, path: Path) -> None:
    """Write all accounts in rank order. In CSV the reasons column holds a JSON array."""
    file_format = export_format(path)
    ordered = frame.sort_values("rank")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        if file_format == "csv":
            csv_frame = ordered[EXPORT_COLUMNS].assign(reasons=ordered["reasons"].map(json.dumps))
            csv_frame.to_csv(temporary, index=False)
        elif file_format == "parquet":
            table = pa.Table.from_pylist(_records(ordered))
            pq.write_table(table, temporary)
        else:
            with open(temporary, "w", encoding="utf-8") as sink:
                json.dump(_records(ordered), sink, ensure_ascii=False, indent=1)
                sink.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
