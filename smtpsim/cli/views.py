"""The words of the metrics (the tables' titles and notes, ``--metric --help``), the ladder
of one session (``smtpsim trace``) and ``--dry-run``'s estimate; the run's tables are in
``smtpsim.cli.summaries``.

Display only: nothing here simulates, and nothing heavy is imported (``--help``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from rich.text import Text

from smtpsim.model.records import METRICS

__all__ = ["METRIC_CAPTIONS", "METRIC_TITLES", "ladder_text", "metric_help", "print_estimate"]

#: Per metric (the keys of ``METRICS``, in order): its title and what it measures.
_METRIC_WORDS: dict[str, tuple[str, str]] = {
    "accept": ("accept time", "the server's final 250 for the message"),
    "done": ("done time", "accepted, and saved to Sent when the variant saves"),
    "user": ("user time", 'until the user is told "sent": after the 221 when the client waits'
             " for it, and the save to Sent when the variant saves"),
    "occupancy": ("server occupancy", "how long the server held the connection"),
}
if list(_METRIC_WORDS) != list(METRICS):  # pragma: no cover - a metric added to the model
    raise ImportError(f"cli.views describes metrics {list(_METRIC_WORDS)}, not {list(METRICS)}")

#: The single-case table's title per metric, and what its median and p95 are (its caption).
METRIC_TITLES = {m: title for m, (title, _) in _METRIC_WORDS.items()}
METRIC_CAPTIONS = {m: f"{title} ({what})" for m, (title, what) in _METRIC_WORDS.items()}


def metric_help() -> str:
    """The metrics for ``--metric --help``: ``accept (the server's final 250 ...), ...``."""
    return ", ".join(f"{m} ({what})" for m, (_, what) in _METRIC_WORDS.items())


def ladder_text(lines: Iterable[tuple[str, dict[str, Any] | None]]) -> list[Text]:
    """The ladder's lines (``smtpsim.analysis.ladder.ladder_lines``), coloured: headings
    bold, lost packets red, retransmissions yellow, the client's packets green and the
    server's cyan."""
    out = []
    for line, row in lines:
        if row is None:
            style = "bold"
        elif row["lost"]:
            style = "red"
        elif row["retransmit"]:
            style = "yellow"
        else:
            style = "green" if row["direction"] == "up" else "cyan"
        out.append(Text(line, style=style))
    return out


def print_estimate(est: Any) -> None:
    """``--dry-run``: the run's size (an ``smtpsim.execution.estimate.Estimate``), the
    calibration and the estimated wall time."""
    t = est.totals
    minutes = est.estimated_s / 60
    lines = [
        f"points      {t.points}",
        f"runs        {t.runs}  (case x replication)",
        f"sessions    {t.sessions}",
        f"chunks      {t.chunks}",
        f"workers     {est.workers}",
        f"calibration {est.calibration_sessions} sessions in {est.calibration_s:.2f} s "
        f"({est.calibration_sessions / max(est.calibration_s, 1e-9):,.0f} sessions/s on one "
        "core)",
        f"estimate    {est.estimated_s:,.0f} s ({minutes:,.1f} min) on {est.workers} "
        f"worker{'s' if est.workers != 1 else ''}",
    ]
    typer.echo("\n".join(lines))
