"""``smtpsim plot`` and ``smtpsim report``: pictures of results already on disk.

Both read what ``smtpsim run --out`` wrote (a CSV or Parquet file, or a dataset directory:
``smtpsim.analysis.results``); matplotlib is imported only when one of them runs, so
``smtpsim --help`` stays light. The figure's format follows the output's extension (PNG,
SVG or PDF, matplotlib's ``savefig``).
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from smtpsim.cli.app import app
from smtpsim.cli.errors import fail, user_errors
from smtpsim.cli.figure_files import REPORT_SUFFIXES, check_figure_path, save_figure
from smtpsim.cli.options import MetricOpt

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from smtpsim.analysis.results import Results

__all__ = ["PlotKind", "draw", "plot", "report", "select"]

class PlotKind(StrEnum):
    cdf = "cdf"
    bars = "bars"
    line = "line"
    heatmap = "heatmap"
    phases = "phases"
    cache = "cache"
    breakeven = "breakeven"
    ladder = "ladder"


ResultsArg = Annotated[Path, typer.Argument(
    metavar="RESULTS", help="what smtpsim run --out wrote: a .csv or .parquet file or a"
                            " dataset directory")]
FigureOut = Annotated[Path, typer.Option(
    "--output", "-o", metavar="FILE", help="the figure file: .png, .svg or .pdf")]
XOpt = Annotated[str | None, typer.Option(
    "--x", metavar="COLUMN", help="the axis along which to draw (a sweep axis such as"
                                  " workload.size_bytes, or size)")]
YOpt = Annotated[str | None, typer.Option(
    "--y", metavar="COLUMN", help="heatmap: the second axis; breakeven: the axis along which"
                                  " the variant starts to pay (default: size)")]
PlotVariantOpt = Annotated[str | None, typer.Option(
    "--variant", metavar="NAME", help="heatmap, breakeven: the variant against the reference;"
                                      " ladder: the run to draw")]
WhereOpt = Annotated[list[str] | None, typer.Option(
    "--where", metavar="COLUMN=VALUE", help="keep only the rows where COLUMN has VALUE (a"
    " profile, a sweep point's axis value...); repeat it for several columns")]
ReferenceOpt = Annotated[str | None, typer.Option(
    "--reference", metavar="NAME", help="the variant the others are compared with (default:"
                                        " baseline when present)")]


def _read(path: Path) -> Results:
    from smtpsim.analysis.results import read_results

    with user_errors():
        return read_results(path)


def _needs(value: str | None, option: str, kind: PlotKind, df: pd.DataFrame) -> str:
    """A column option the kind needs, checked against the results' columns."""
    if value is None:
        fail(f"--kind {kind.value} needs {option} COLUMN")
    if value not in df.columns:
        axes = _axis_choices(df)
        fail(f"{option} {value}: no such column in the results; allowed: " + ", ".join(axes))
    return value


def select(df: pd.DataFrame, where: list[str]) -> pd.DataFrame:
    """The rows of ``df`` where each ``COLUMN=VALUE`` of ``where`` holds (the value compared
    as the column's values print)."""
    for condition in where:
        column, sep, value = condition.partition("=")
        if not sep or not column:
            fail(f"--where {condition}: give COLUMN=VALUE")
        if column not in df.columns:
            fail(f"--where {condition}: no column {column}; allowed: "
                 + ", ".join(["profile", "variant", *_axis_choices(df)]))
        values = df[column].astype(str)
        if not (values == value).any():
            taken = ", ".join(dict.fromkeys(values))
            fail(f"--where {condition}: no row has that value; {column} takes {taken}")
        df = df[values == value]
    return df


def _variant(value: str | None, kind: PlotKind, df: pd.DataFrame) -> str:
    """The variant the kind compares with the reference, checked against the results."""
    variants = list(dict.fromkeys(df["variant"]))
    if value is None:
        fail(f"--kind {kind.value} needs --variant NAME; allowed: " + ", ".join(variants))
    if value not in variants:
        fail(f"--variant {value}: not in the results; allowed: " + ", ".join(variants))
    return value


def _axis_choices(df: pd.DataFrame) -> list[str]:
    from smtpsim.analysis.statistics import sweep_axes

    return [*sweep_axes(df), *(c for c in ("size", "recipients", "iw") if c in df.columns)]


def draw(results: Results, kind: PlotKind, metric: str, x: str | None, y: str | None,
         variant: str | None, reference: str | None) -> Figure:
    """The figure of ``kind`` for ``results`` (the ``plot`` command's work, callable)."""
    from smtpsim import plots

    df = results.records
    if kind is PlotKind.ladder:
        return plots.ladder(_one_trace(results, variant))
    ref = reference or "baseline"
    calls: dict[PlotKind, Any] = {
        PlotKind.cdf: lambda: plots.cdf(df, metric=metric),
        PlotKind.bars: lambda: plots.bars(df, metric=metric),
        PlotKind.phases: lambda: plots.phases(df),
        PlotKind.line: lambda: plots.line(df, x=_needs(x, "--x", kind, df), metric=metric),
        PlotKind.heatmap: lambda: plots.heatmap(
            df, x=_needs(x, "--x", kind, df), y=_needs(y, "--y", kind, df),
            variant=_variant(variant, kind, df), reference=ref, metric=metric),
        PlotKind.cache: lambda: plots.cache_hits(df, x=_needs(x, "--x", kind, df)),
        PlotKind.breakeven: lambda: plots.breakeven_map(
            df, x=_needs(x, "--x", kind, df), axis=_needs(y or "size", "--y", kind, df),
            variant=_variant(variant, kind, df), reference=ref, metric=metric),
    }
    with user_errors():
        figure: Figure = calls[kind]()
        return figure


def _one_trace(results: Results, variant: str | None) -> Any:
    """The packets of one traced session of ``results`` (``[output] traces = true``)."""
    import pandas as pd

    from smtpsim.model.trace import PacketEvent, Trace

    folder = results.path / "_packets"
    if not folder.is_dir():
        fail(f"{results.path}: no packets (--kind ladder needs a dataset directory of a run"
             " with [output] traces = true; or use smtpsim trace --plot FILE)")
    packets = pd.read_parquet(folder)
    if variant is not None:
        if variant not in set(packets["variant"]):
            fail(f"--variant {variant}: not among the traced runs; allowed: "
                 + ", ".join(dict.fromkeys(packets["variant"])))
        packets = packets[packets["variant"] == variant]
    run = packets.iloc[0][["point", "profile", "variant", "replication"]]
    mask = ((packets["point"] == run["point"]) & (packets["profile"] == run["profile"])
            & (packets["variant"] == run["variant"])
            & (packets["replication"] == run["replication"]))
    rows = packets[mask].drop(columns=["point", "profile", "variant", "replication"])
    events = []
    for row in rows.to_dict("records"):
        values: dict[str, Any] = {str(k): v for k, v in row.items()}
        if values["arrived_s"] != values["arrived_s"]:  # NaN: the packet was lost
            values["arrived_s"] = None
        events.append(PacketEvent(**values))
    return Trace(packets=events, profile=str(run["profile"]), variant=str(run["variant"]))


@app.command()
def plot(
    results: ResultsArg,
    output: FigureOut,
    kind: Annotated[PlotKind, typer.Option(
        "--kind", case_sensitive=False, help="what to draw")] = PlotKind.cdf,
    metric: MetricOpt = None,
    x: XOpt = None,
    y: YOpt = None,
    variant: PlotVariantOpt = None,
    reference: ReferenceOpt = None,
    where: WhereOpt = None,
) -> None:
    """Draw results written by smtpsim run --out: a latency CDF, bars per profile and
    variant, a metric along a sweep axis, a heatmap of the saving, the phases, cache hits
    against affinity, the break-even map, or one traced session's ladder."""
    check_figure_path(output)
    found = _read(results)
    if where:
        found = replace(found, records=select(found.records, where))
    fig = draw(found, kind, metric or "user", x, y, variant, reference)
    save_figure(fig, output)
    typer.echo(f"wrote {output}", err=True)


@app.command()
def report(
    results: ResultsArg,
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="FILE", help="the HTML file to write")] = Path("report.html"),
    metric: MetricOpt = None,
    reference: ReferenceOpt = None,
) -> None:
    """One self-contained HTML file of results written by smtpsim run --out: the scenario,
    the summary with intervals, each variant against the reference, the standard plots."""
    if output.suffix.lower() not in REPORT_SUFFIXES:
        fail(f"--output {output}: a report is an .html file")
    if not output.parent.is_dir():
        fail(f"--output {output}: directory {output.parent} does not exist")
    found = _read(results)
    from smtpsim.plots.report import write_report

    with user_errors():
        try:
            write_report(found, output, reference=reference, metric=metric or "user")
        except OSError as exc:
            fail(f"--output {output}: cannot write it ({exc.strerror})")
    typer.echo(f"wrote {output}", err=True)
