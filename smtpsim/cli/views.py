"""What ``smtpsim run`` and ``smtpsim trace`` print: the records (table, JSON or CSV) and the
ladder of one session.

Display only: every number shown comes from the records or from
``smtpsim.analysis.summary``; nothing here simulates. pandas is imported where a frame is
built, so importing this module (``--help``) stays light.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from smtpsim.model.records import METRICS
from smtpsim.scenarios.show import cell

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "METRIC_CAPTIONS", "METRIC_TITLES", "ladder_text", "metric_help", "print_records",
    "print_scenario", "summary_table",
]

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


def _states(df: pd.DataFrame) -> str:
    """What the caption says of the clients' caches: ``warm``, ``cold`` or both."""
    if "state" not in df.columns or not len(df):
        return ""
    states = [str(s) for s in dict.fromkeys(df["state"])]
    words = {"warm": "warm (holding what one earlier connection left)",
             "cold": "cold (empty caches)"}
    return " and ".join(words.get(s, s) for s in states)


def summary_table(
    summary: pd.DataFrame, title: str, reference: str, metric: str, caption: bool = True,
    states: str = "",
) -> Table:
    """Median/p95 of the ``metric`` time in ms, its mean round trips and the ratio to
    ``reference``."""
    table = Table(
        title=Text(title),  # user text (a scenario's description): never rich markup
        title_justify="left",
        caption=f"median, p95: {METRIC_CAPTIONS[metric]} in ms; ratio: median / median of "
        f"{reference} on the same profile; RTT: mean round trips on the critical path to that "
        "time; server: median server occupancy in ms (how long the server held the "
        "connection); all over accepted messages; failed: messages not accepted (counted here, "
        "left out of the times)"
        + (f"; clients {states}" if states else "")
        if caption else None,
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("profile", "variant"):
        table.add_column(name, no_wrap=True)
    # with one run per group the p95 is the median: leave it out (80-column terminals)
    with_p95 = bool((summary["n"] > 1).any())
    # the server's cost beside the user's time, and the round trips on that time's critical
    # path (neither when occupancy, a duration at the server, is what is ranked)
    with_server = metric != "occupancy"
    numbers = ["n", "failed", "median", "p95", "RTT", "server", "ratio"]
    if not with_p95:
        numbers.remove("p95")
    if not with_server:
        numbers.remove("RTT")
        numbers.remove("server")
    for name in numbers:
        table.add_column(name, justify="right", min_width=len(name), no_wrap=True)
    previous = None
    for r in summary.itertuples():
        if previous is not None and r.profile != previous:
            table.add_section()
        cells = [
            str(r.profile) if r.profile != previous else "",
            str(r.variant),
            str(r.n),
            str(r.failed),
            cell(r.median_s * 1e3),
            cell(r.p95_s * 1e3),
            cell(r.mean_rtt),
            cell(r.median_occupancy_s * 1e3),
            cell(r.ratio, 2),
        ]
        if not with_server:
            del cells[6:8]
        if not with_p95:
            del cells[5]
        table.add_row(*map(Text, cells))
        previous = r.profile
    return table


def print_records(df: pd.DataFrame, fmt: str, title: str, reference: str, metric: str) -> None:
    """The records as JSON or CSV on stdout, or their summary table (``fmt`` ``"table"``)."""
    if fmt == "json":
        typer.echo(df.to_json(orient="records", double_precision=15))
    elif fmt == "csv":
        typer.echo(df.to_csv(index=False), nl=False)
    else:
        from smtpsim.analysis.summary import summarize

        summary = summarize(df, reference=reference, metric=metric)
        Console().print(summary_table(summary, title, reference, metric, states=_states(df)))


def print_scenario(df: pd.DataFrame, title: str, reference: str, metric: str) -> None:
    """A scenario's records: one summary table per sweep point, headed by the point's axis
    values (``smtpsim.scenarios.sweep.label``); the caption under the last."""
    from smtpsim.analysis.summary import summarize
    from smtpsim.scenarios.sweep import label

    axes = list(df.columns[2:df.columns.get_loc("profile")])
    groups = [group for _, group in df.groupby("point", sort=True)] or [df]
    console = Console()
    for i, group in enumerate(groups):
        values = group.iloc[0][axes].tolist() if len(group) else []
        point = label(dict(zip(axes, values, strict=True)))
        head = f"{title}\n{point}" if i == 0 and point else point or title
        summary = summarize(group, reference=reference, metric=metric)
        last = i == len(groups) - 1
        console.print(summary_table(summary, head, reference, metric, caption=last,
                                    states=_states(df)))


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
