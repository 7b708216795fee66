"""One self-contained HTML report of a run: the scenario, the summary tables with their
intervals, the comparison against the reference, and the standard plots.

Everything is inside the one file: the figures are PNG images embedded as ``data:`` URIs
(RFC 2397), the style sheet is inline, and there is no script and no link to anything, so the
file opens anywhere, offline, and can be mailed. User text (the scenario, variant and profile
names) is escaped (``html.escape``), never interpreted.
"""

from __future__ import annotations

import base64
import html
import io
import tomllib
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from smtpsim.analysis.results import Results
from smtpsim.analysis.statistics import compare, summarize, sweep_axes
from smtpsim.model.records import METRICS

__all__ = ["render_report", "standard_figures", "write_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: right; }
th { background: #eee; } td.key { text-align: left; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
figure { margin: 1.5em 0; } figcaption { font-size: 0.85em; color: #555; }
img { max-width: 100%; }
"""


def format_seconds(value: float) -> str:
    """A time in µs, ms or s as its size asks, with three significant digits."""
    size = abs(value)
    if size >= 1.0 or size == 0.0:
        return f"{value:.3g} s"
    if size >= 1e-3:
        return f"{value * 1e3:.3g} ms"
    return f"{value * 1e6:.3g} µs"


def _png(fig: Figure) -> str:
    """``fig`` as a ``data:`` URI of a PNG image."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _numeric_axes(df: pd.DataFrame) -> list[str]:
    """The sweep axes whose values are numbers and that take more than one value."""
    return [a for a in sweep_axes(df)
            if pd.api.types.is_numeric_dtype(df[a]) and df[a].nunique() > 1]


#: At most this many figures of one kind; the caption says how many more slices there are.
FIGURES_PER_KIND = 6


def _slices(df: pd.DataFrame, shown: Sequence[str]) -> tuple[list[tuple[str, pd.DataFrame]], int]:
    """``df`` cut into the slices a figure that shows ``shown`` may draw without pooling: one
    per combination of the profile and the sweep axes it does not show (those with more than
    one value), in order of appearance, at most ``FIGURES_PER_KIND``; and their number."""
    keys = [c for c in ("profile", *sweep_axes(df)) if c not in shown and df[c].nunique() > 1]
    if not keys:
        return [("", df)], 1
    groups = list(df.groupby(keys, sort=False))
    named = [(", ".join(f"{k} = {v}" for k, v in zip(keys, key, strict=True)), group)
             for key, group in groups[:FIGURES_PER_KIND]]
    return named, len(groups)


def standard_figures(df: pd.DataFrame, reference: str | None, metric: str = "user"
                     ) -> list[tuple[str, Figure]]:
    """The report's plots of ``df``, as (caption, figure): the latency CDF per variant and
    the phases per variant, for each profile (and sweep point); bars per profile and variant
    with their intervals; along each numeric sweep axis a line per variant; over the first
    two numeric axes the saving of every other variant against ``reference``. A figure never
    pools what it does not show (``smtpsim.plots`` refuses to): it is drawn per slice, at
    most ``FIGURES_PER_KIND`` of each kind."""
    from smtpsim import plots

    label = f"the '{metric}' time"
    axes = _numeric_axes(df)
    kinds: list[tuple[str, Sequence[str], Callable[[pd.DataFrame], Figure]]] = [
        (f"Distribution of {label} per variant", ("variant",),
         lambda d: plots.cdf(d, metric=metric)),
        (f"Mean of {label} per profile and variant, with 95 % intervals",
         ("profile", "variant"), lambda d: plots.bars(d, metric=metric)),
        ("Where the time goes: mean phase durations per variant (accepted messages)",
         ("variant",), lambda d: plots.phases(d)),
    ]
    for axis in axes:
        kinds.append((f"Mean of {label} along {axis}, with 95 % bands", (axis, "variant"),
                      partial(plots.line, x=axis, metric=metric)))
    variants = list(dict.fromkeys(df["variant"]))
    if len(axes) >= 2 and reference is not None and reference in variants:
        for variant in variants:
            if variant != reference:
                kinds.append((f"{variant} against {reference} over {axes[0]} and {axes[1]}",
                              (axes[0], axes[1], "variant"),
                              partial(plots.heatmap, x=axes[0], y=axes[1], variant=variant,
                                      reference=reference, metric=metric)))
    figures: list[tuple[str, Figure]] = []
    for caption, shown, make in kinds:
        slices, total = _slices(df, shown)
        for where, part in slices:
            text = f"{caption} ({where})" if where else caption
            figures.append((text, make(part)))
        if total > len(slices):
            figures[-1] = (f"{figures[-1][0]}; {total - len(slices)} more slices not shown"
                           " (draw them with smtpsim plot)", figures[-1][1])
    return figures


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:.4g}"
    return html.escape(str(value))


def _interval(row: pd.Series, stem: str) -> str:
    value, low, high = row[f"{stem}_s"], row[f"{stem}_low_s"], row[f"{stem}_high_s"]
    if value != value:
        return ""
    if low != low:
        return format_seconds(value)
    return f"{format_seconds(value)} [{format_seconds(low)}, {format_seconds(high)}]"


def _table(header: Sequence[str], rows: list[list[str]], keys: int) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="key">{c}</td>' if i < keys else f"<td>{c}</td>"
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary_table(df: pd.DataFrame, metric: str) -> str:
    stats = summarize(df, metric=metric)
    keys = [c for c in stats.columns if c in (*sweep_axes(df), "profile", "variant")]
    header = [*keys, "n", "failed", "mean [95 %]", "median [95 %]", "p95 [95 %]",
              "round trips"]
    rows = [[_cell(row[k]) for k in keys]
            + [str(row["n"]), str(row["failed"]), _interval(row, "mean"),
               _interval(row, "median"), _interval(row, "p95"), _cell(row["mean_rtt"])]
            for _, row in stats.iterrows()]
    return _table(header, rows, len(keys))


def _compare_table(df: pd.DataFrame, reference: str, metric: str) -> str:
    diffs = compare(df, reference=reference, metric=metric)
    keys = [c for c in diffs.columns if c in (*sweep_axes(df), "profile", "variant")]
    header = [*keys, "pairs", "difference [95 %]", "ratio", "round trips saved"]
    rows = []
    for _, row in diffs.iterrows():
        diff = row["diff_s"]
        text = "" if diff != diff else format_seconds(diff)
        if diff == diff and row["diff_low_s"] == row["diff_low_s"]:
            text += f" [{format_seconds(row['diff_low_s'])}, {format_seconds(row['diff_high_s'])}]"
        rows.append([_cell(row[k]) for k in keys]
                    + [str(row["pairs"]), text, _cell(row["ratio"]), _cell(row["rtt_saved"])])
    return _table(header, rows, len(keys))


def _reference(df: pd.DataFrame, reference: str | None) -> str | None:
    variants = list(dict.fromkeys(df["variant"]))
    if reference is not None:
        if reference not in variants:
            raise ValueError(f"reference variant {reference!r} is not in the results "
                             f"(they hold: {', '.join(map(str, variants))})")
        return reference
    if "baseline" in variants:
        return "baseline"
    return variants[0] if len(variants) > 1 else None


def _scenario_name(results: Results) -> str:
    """The scenario's ``[scenario] name`` when the results kept its text, else the name of
    the file or directory they came from."""
    if results.scenario:
        try:
            name = tomllib.loads(results.scenario).get("scenario", {}).get("name")
        except tomllib.TOMLDecodeError:
            name = None
        if isinstance(name, str) and name:
            return name
    return results.path.name or "results"


def render_report(results: Results | pd.DataFrame, reference: str | None = None,
                  metric: str = "user", title: str | None = None) -> str:
    """The report of ``results`` as one HTML document (a string). ``reference``: the
    variant the others are compared with (default ``baseline`` when present, else the first
    variant); ``metric``: a key of ``METRICS``. Raises ``ValueError`` for an unknown metric
    or reference, or results without any row."""
    from smtpsim.version import __version__

    if isinstance(results, pd.DataFrame):
        results = Results(Path("."), results)
    df = results.records
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (allowed: {', '.join(METRICS)})")
    if df.empty:
        raise ValueError(f"{results.path}: no results to report (0 rows)")
    ref = _reference(df, reference)
    name = title or f"smtpsim report: {_scenario_name(results)}"
    outcomes = ", ".join(f"{html.escape(str(k))} {v}"
                         for k, v in df["outcome"].value_counts().items())
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(name)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(name)}</h1>",
        f"<p>{len(df)} messages ({outcomes}); metric <b>{html.escape(metric)}</b>"
        f" ({html.escape(METRICS[metric])}); smtpsim {html.escape(__version__)}.</p>",
    ]
    if not results.complete:
        parts.append("<p><b>This run was interrupted</b>: the results are partial "
                     "(continue it with <code>smtpsim run --resume</code>).</p>")
    if results.scenario:
        parts += ["<h2>Scenario</h2>", f"<pre>{html.escape(results.scenario)}</pre>"]
    parts += ["<h2>Summary</h2>", _summary_table(df, metric)]
    if ref is not None:
        parts += [f"<h2>Against {html.escape(ref)}, message by message</h2>",
                  "<p>Paired differences (variant minus reference; negative is faster), "
                  "with t intervals.</p>", _compare_table(df, ref, metric)]
    parts.append("<h2>Figures</h2>")
    import matplotlib.pyplot as plt

    for caption, fig in standard_figures(df, ref, metric):
        parts.append(f'<figure><img src="{_png(fig)}" alt="{html.escape(caption)}">'
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        plt.close(fig)
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(results: Results | pd.DataFrame, path: str | Path,
                 reference: str | None = None, metric: str = "user",
                 title: str | None = None) -> Path:
    """Write ``render_report(...)`` to ``path`` (under a temporary name, then renamed, so
    an interrupted write leaves no half file); returns the path."""
    path = Path(path)
    text = render_report(results, reference, metric, title)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
