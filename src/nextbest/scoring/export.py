"""Write scored accounts to CSV, Parquet or JSON, replacing the target only once it is complete."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from nextbest.scoring.errors import ConfigError

EXPORT_COLUMNS = [
    "account_id", "name", "rank", "score", "tier", "qualified", "fit", "intent", "relationship",
    "engagement", "negative", "reasons", "disqualified_because", "domain", "industry", "country",
    "owner", "top_lead_id", "top_lead_name", "top_lead_score", "top_product",
    "top_product_probability",
]  # fmt: skip
FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json"}


def check_output(path: Path, data_dir: Path | None = None) -> str:
    """Return the format for an output path, or raise if it cannot or must not be written.

    Called before scoring, so a bad path fails in a second instead of after the work.
    """
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise ConfigError(
            f"{path}: unsupported output type {path.suffix or '(none)'!r}; "
            "expected a file ending in .csv, .parquet or .json"
        )
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; expected a file name")
    parent = next((folder for folder in path.absolute().parents if folder.exists()), None)
    if parent is not None and not parent.is_dir():
        raise ConfigError(f"{path}: {parent} is a file, not a folder")
    if parent is not None and not os.access(parent, os.W_OK):
        raise ConfigError(f"{path}: folder {parent} is not writable")
    if data_dir is not None and path.exists() and path.resolve().parent == data_dir.resolve():
        raise ConfigError(
            f"{path}: would overwrite a file in the data folder; write the output elsewhere"
        )
    return file_format


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    subset = frame[EXPORT_COLUMNS].astype(object)
    subset = subset.where(subset.notna(), None)
    return subset.to_dict("records")


def stage_accounts(frame: pd.DataFrame, path: Path) -> Path:
    """Write all accounts in rank order to a temporary file beside `path` and return it.

    In CSV the reasons column contains a JSON array. `publish` moves the file into place.
    """
    file_format = check_output(path)
    ordered = frame.sort_values("rank")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        if file_format == "csv":
            csv_frame = ordered[EXPORT_COLUMNS].assign(reasons=ordered["reasons"].map(json.dumps))
            csv_frame.to_csv(temporary, index=False)
        elif file_format == "parquet":
            pq.write_table(pa.Table.from_pylist(_records(ordered)), temporary)
        else:
            with temporary.open("w", encoding="utf-8") as sink:
                json.dump(_records(ordered), sink, ensure_ascii=False, indent=1)
                sink.write("\n")
        # mkstemp creates the file readable by its owner only; give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        temporary.chmod(0o666 & ~umask)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def publish(temporary: Path, path: Path) -> None:
    """Replace `path` with a staged file in one step."""
    os.replace(temporary, path)
