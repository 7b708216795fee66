"""Where the CLI's pictures go: figure files (PNG, SVG or PDF, by extension) and HTML
reports, checked before anything is simulated or drawn, and written under a temporary name
then renamed. ``run --plot`` and ``trace --plot`` draw here what they just simulated; the
``plot`` and ``report`` commands (``plotting``) what is on disk. matplotlib is imported only
when a picture is made."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from smtpsim.cli.errors import fail, user_errors

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["FIGURE_SUFFIXES", "REPORT_SUFFIXES", "PlotOpt", "check_figure_path",
           "check_plot_path", "plot_run", "save_figure"]

#: The figure formats a picture file may have, by extension.
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
#: A report's extensions.
REPORT_SUFFIXES = (".html", ".htm")

PlotOpt = Annotated[Path | None, typer.Option(
    "--plot", metavar="FILE",
    help="also draw the result: a .png, .svg or .pdf figure, or an .html report")]


def _check_parent(option: str, path: Path) -> None:
    if not path.parent.is_dir():
        fail(f"{option} {path}: directory {path.parent} does not exist")


def check_figure_path(path: Path, option: str = "--output") -> None:
    """Refuse a figure file that cannot be written, before anything is drawn."""
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        fail(f"{option} {path}: the extension says the format; allowed: "
             + ", ".join(FIGURE_SUFFIXES))
    _check_parent(option, path)


def check_plot_path(path: Path, sweep_points: int = 1) -> None:
    """``--plot``: a figure or a report, checked before the run. A figure of a run with
    several sweep points would pool them: it is refused (draw them with ``smtpsim plot
    --where``, or give an .html report, which draws each slice)."""
    suffix = path.suffix.lower()
    if suffix not in FIGURE_SUFFIXES + REPORT_SUFFIXES:
        fail(f"--plot {path}: the extension says what to draw; allowed: "
             + ", ".join(FIGURE_SUFFIXES + REPORT_SUFFIXES))
    if suffix in FIGURE_SUFFIXES and sweep_points > 1:
        fail(f"--plot {path}: one figure would pool the run's {sweep_points} sweep points;"
             " give --plot FILE.html (a report draws each), or --out and then smtpsim plot"
             " --where")
    _check_parent("--plot", path)


def save_figure(fig: Figure, path: Path, option: str = "--output") -> None:
    """Write ``fig`` to ``path`` under a temporary name, then rename it."""
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        fig.savefig(tmp, bbox_inches="tight", dpi=150)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"{option} {path}: cannot write it ({exc.strerror})")


def plot_run(df: pd.DataFrame, path: Path, reference: str | None, metric: str,
             scenario: str | None = None) -> None:
    """``run --plot``: the report of ``df`` to an .html ``path``, else the bars of the
    ``metric`` per profile and variant, with their intervals."""
    if path.suffix.lower() in REPORT_SUFFIXES:
        from smtpsim.analysis.results import Results
        from smtpsim.plots.report import write_report

        with user_errors():
            try:
                write_report(Results(path, df, scenario), path, reference=reference,
                             metric=metric)
            except OSError as exc:
                fail(f"--plot {path}: cannot write it ({exc.strerror})")
    else:
        from smtpsim import plots

        with user_errors():
            fig = plots.bars(df, metric=metric)
        save_figure(fig, path, "--plot")
    typer.echo(f"wrote {path}", err=True)
