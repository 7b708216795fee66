"""Results read back from disk: what ``smtpsim run --out`` wrote, for plots and reports.

``smtpsim run --out`` writes one of three things (``smtpsim.execution.sinks``): a CSV file, a
Parquet file, or a Parquet dataset directory (one part file per chunk, a ``_manifest.json``
with the scenario's canonical TOML text, and ``_packets/`` when traced). ``read_results``
takes any of them and returns the records with whatever the file says of itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["Results", "ResultsError", "read_results"]

#: The columns without which a table is not a table of smtpsim records.
_NEEDED = ("profile", "variant", "outcome")
_MANIFEST = "_manifest.json"


class ResultsError(ValueError):
    """A path that holds no smtpsim results (the message is one line, and names it)."""


@dataclass(frozen=True)
class Results:
    """A run's records (one row per message), read from ``path``; ``scenario``: the
    scenario's canonical TOML text when the output kept it (a dataset directory), else
    None; ``complete``: False for a dataset whose run was interrupted (``--resume`` it)."""

    path: Path
    records: pd.DataFrame
    scenario: str | None = None
    complete: bool = True


def read_results(path: str | Path) -> Results:
    """Read a CSV file, a Parquet file or a dataset directory written by ``smtpsim run
    --out``. Raises ``ResultsError`` when the path is missing, unreadable, or holds a table
    without the columns of smtpsim's records."""
    path = Path(path)
    if not path.exists():
        raise ResultsError(f"{path}: no such file or directory")
    scenario: str | None = None
    complete = True
    try:
        if path.is_dir():
            manifest = path / _MANIFEST
            if manifest.exists():
                meta = json.loads(manifest.read_text())
                scenario = meta.get("scenario")
                complete = bool(meta.get("complete", True))
            if not any(path.glob("*.parquet")):
                raise ResultsError(f"{path}: a directory without Parquet part files "
                                   "(give a dataset directory written by smtpsim run --out)")
            records = pd.read_parquet(path)
        elif path.suffix.lower() == ".csv":
            records = pd.read_csv(path)
        elif path.suffix.lower() in (".parquet", ".pq"):
            records = pd.read_parquet(path)
        else:
            raise ResultsError(f"{path}: not a results file (allowed: a .csv or .parquet "
                               "file, or a dataset directory)")
    except ResultsError:
        raise
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ResultsError(f"{path}: cannot be read ({first})") from None
    missing = [c for c in _NEEDED if c not in records.columns]
    if missing:
        raise ResultsError(f"{path}: not smtpsim records (no column {', '.join(missing)})")
    return Results(path, records, scenario, complete)
