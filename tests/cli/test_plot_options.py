"""``smtpsim run --plot FILE`` and ``smtpsim trace --plot FILE``: the result just simulated,
drawn; a file that cannot be drawn is refused before anything is simulated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smtpsim.cli import app

runner = CliRunner()
CASE = ["run", "--profile", "dsl", "--profile", "lte", "--variant", "baseline", "--variant",
        "tfo", "--replications", "2", "--workers", "1"]


def test_run_plot_draws_bars_of_the_run(tmp_path: Path) -> None:
    out = tmp_path / "bars.png"
    result = runner.invoke(app, [*CASE, "--plot", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_run_plot_html_is_the_report_even_when_streamed(tmp_path: Path) -> None:
    """With --out the rows are read back whole: the report's phase charts need them. Two
    profiles: a CDF and a phase chart each, and one bar chart (5 figures)."""
    out = tmp_path / "run.html"
    result = runner.invoke(app, [*CASE, "--out", str(tmp_path / "rows.parquet"),
                                 "--plot", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert len(re.findall(r'<img src="data:image/png;base64,', text)) == 5


@pytest.mark.parametrize(("args", "says"), [
    ([*CASE, "--plot", "{tmp}/x.gif"], "--plot {tmp}/x.gif: the extension says what to draw"),
    ([*CASE, "--plot", "{tmp}/no/x.png"], "does not exist"),
    (["run", "--example", "server-farm", "--plot", "{tmp}/x.png"],
     "one figure would pool the run's 12 sweep points"),
    (["trace", "--profile", "lan", "--plot", "{tmp}/x.html"], "allowed: .png, .svg, .pdf"),
])
def test_a_plot_that_cannot_be_drawn_is_refused_before_the_run(
        tmp_path: Path, args: list[str], says: str) -> None:
    """The server-farm example sweeps 4 affinities x 3 farm sizes: 12 points. Refused at
    once: nothing simulated, no progress, no table, one error line."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [lines[0]] and says.replace("{tmp}", str(tmp_path)) in lines[0]


def test_trace_plot_draws_the_ladder_picture(tmp_path: Path) -> None:
    """The text ladder on stdout, and the picture: the packets that carry a payload (the
    text ladder's rows whose payload is not ``0 B``) are exactly those labelled in the
    picture (SVG groups with the gid ``label-N``, N the packet's row)."""
    out = tmp_path / "ladder.svg"
    result = runner.invoke(app, ["trace", "--profile", "lan", "--variant", "rfc5321",
                                 "--plot", str(out)])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if re.match(r"\s+\d+\.\d+\s", line)]
    carrying = {n for n, line in enumerate(rows) if not re.search(r"\s0 B", line)}
    labelled = {int(n) for n in re.findall(r'id="label-(\d+)"', out.read_text())}
    assert len(rows) > 20 and len(carrying) > 10
    assert labelled == carrying
