"""What ``smtpsim run`` prints for its records: per sweep point, the summary of each profile
and variant (``smtpsim.analysis.summary.summarize``) and, with ``--reference``, each variant
paired against that reference (``smtpsim.analysis.statistics.compare``), as ``Grid``s.

Display only: every number shown is a number of those frames, its times in the unit their
column's size asks for (``smtpsim.cli.figures``); nothing here simulates. pandas and the
analysis modules are imported where a frame is summarised, so importing this module stays
light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smtpsim.cli.figures import RATIO_DIGITS, count, significant, time_unit
from smtpsim.cli.grid import Column, Grid
from smtpsim.cli.render import print_grids
from smtpsim.cli.views import METRIC_CAPTIONS, METRIC_TITLES

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compare_grid", "print_summaries", "summary_grid"]


def _states(df: pd.DataFrame) -> str:
    """What the notes say of the clients' caches: ``warm``, ``cold`` or both."""
    if "state" not in df.columns or not len(df):
        return ""
    states = [str(s) for s in dict.fromkeys(df["state"])]
    words = {"warm": "warm (holding what one earlier connection left)",
             "cold": "cold (empty caches)"}
    return " and ".join(words.get(s, s) for s in states)


def _keys() -> list[Column]:
    return [Column("profile", key=True), Column("variant", key=True)]


def summary_grid(summary: pd.DataFrame, title: str, reference: str, metric: str,
                 notes: bool = True, states: str = "") -> Grid:
    """Per profile and variant (``summarize``'s rows): messages, failures, the median (and
    with more than one run per group the p95) of the ``metric`` time, its mean round trips,
    the server's median occupancy and the ratio to ``reference``."""
    with_p95 = bool((summary["n"] > 1).any())  # one run per group: the p95 is the median
    # the round trips to that time and the server's cost beside it (neither when occupancy,
    # a duration at the server, is what is ranked)
    with_server = metric != "occupancy"
    times = {name: time_unit(summary[column]) for name, column in
             (("median", "median_s"), ("p95", "p95_s"), ("server", "median_occupancy_s"))}
    columns = [*_keys(), Column("n", numeric=True), Column("failed", numeric=True),
               Column("median", times["median"][0], numeric=True)]
    if with_p95:
        columns.append(Column("p95", times["p95"][0], numeric=True))
    if with_server:
        columns += [Column("RTT", numeric=True),
                    Column("server", times["server"][0], numeric=True)]
    columns.append(Column("ratio", numeric=True))
    text = (f"median, p95: {METRIC_CAPTIONS[metric]}; ratio: median / median of {reference} on "
            "the same profile; RTT: mean round trips on the critical path to that time; "
            "server: median server occupancy (how long the server held the connection); all "
            "over accepted messages, times in the unit under each header; failed: messages "
            "not accepted (counted here, left out of the times)"
            + (f"; clients {states}" if states else ""))
    grid = Grid(columns, title=title, notes=text if notes else "", group="profile")
    for r in summary.itertuples():
        cells = [str(r.profile), str(r.variant), count(r.n), count(r.failed),
                 significant(r.median_s * times["median"][1])]
        if with_p95:
            cells.append(significant(r.p95_s * times["p95"][1]))
        if with_server:
            cells += [significant(r.mean_rtt, RATIO_DIGITS),
                      significant(r.median_occupancy_s * times["server"][1])]
        cells.append(significant(r.ratio, RATIO_DIGITS))
        grid.add(*cells)
    return grid


def compare_grid(paired: pd.DataFrame, title: str, reference: str, metric: str,
                 notes: bool = True) -> Grid:
    """Per profile and variant (``compare``'s rows): the pairs, the variant's messages left
    unpaired, the mean difference of the ``metric`` time with its interval, the ratio of the
    means and the round trips saved with their interval."""
    level = f"{paired.attrs.get('confidence', 0.95) * 100:g} %"
    unit, factor = time_unit([*paired["diff_s"], *paired["diff_low_s"],
                              *paired["diff_high_s"]])
    with_rtt = metric != "occupancy"
    columns = [*_keys(), Column("pairs", numeric=True), Column("unpaired", numeric=True),
               Column("diff", unit, numeric=True), Column("low", unit, numeric=True),
               Column("high", unit, numeric=True), Column("ratio", numeric=True)]
    if with_rtt:
        columns += [Column("saved", "RTT", numeric=True), Column("low", "RTT", numeric=True),
                    Column("high", "RTT", numeric=True)]
    text = (f"each message paired with {reference}'s same message (same profile, seed, "
            f"replication, client and message): diff: mean of the variant's "
            f"{METRIC_TITLES[metric]} minus {reference}'s (negative: faster), low-high its "
            f"{level} t interval (— with fewer than two pairs); ratio: the variant's mean / "
            f"{reference}'s; saved: mean round trips {reference}'s minus the variant's, with "
            "its interval; unpaired: the variant's messages without an accepted pair")
    grid = Grid(columns, title=title, notes=text if notes else "", group="profile")
    for r in paired.itertuples():
        cells = [str(r.profile), str(r.variant), count(r.pairs), count(r.unpaired),
                 *(significant(x * factor) for x in (r.diff_s, r.diff_low_s, r.diff_high_s)),
                 significant(r.ratio, RATIO_DIGITS)]
        if with_rtt:
            cells += [significant(x, RATIO_DIGITS)
                      for x in (r.rtt_saved, r.rtt_saved_low, r.rtt_saved_high)]
        grid.add(*cells)
    return grid


def _points(df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """``(label, rows)`` per sweep point (``smtpsim.scenarios.sweep.label`` of its axis
    values, the columns between ``point`` and ``profile``); one unlabelled group of every
    row for a frame without points."""
    if "point" not in df.columns or "profile" not in df.columns:
        return [("", df)]
    from smtpsim.scenarios.sweep import label

    cols = list(df.columns)
    axes = cols[cols.index("point") + 1:cols.index("profile")]
    groups = [group for _, group in df.groupby("point", sort=True)] or [df]
    return [(label(dict(zip(axes, group.iloc[0][axes].tolist(), strict=True)))
             if len(group) else "", group) for group in groups]


def print_summaries(df: pd.DataFrame, title: str, reference: str, metric: str,
                    fmt: str = "table", paired: bool = False) -> None:
    """The records' summary per sweep point, headed by the point's axis values (and the
    title above the first), the notes under the last; with ``paired``, each point's
    comparison against ``reference`` after its summary. ``fmt``: ``table`` or
    ``markdown``."""
    from smtpsim.analysis.summary import summarize

    points = _points(df)
    grids = []
    for i, (point, group) in enumerate(points):
        head = f"{title}\n{point}" if i == 0 and title and point else point or title
        last = i == len(points) - 1
        summary = summarize(group, reference=reference, metric=metric)
        grids.append(summary_grid(summary, head, reference, metric, last, _states(df)))
        if paired:
            from smtpsim.analysis.statistics import compare

            against = f"{METRIC_TITLES[metric]} paired against {reference}"
            grids.append(compare_grid(compare(group, reference=reference, metric=metric),
                                      f"{against}: {point}" if point else against, reference,
                                      metric, last))
    print_grids(grids, fmt)
