"""The HTML report: one self-contained file with the scenario, the tables and the plots, and
the ``smtpsim plot`` / ``smtpsim report`` commands that draw results already on disk.

The results are a real run streamed to a dataset directory (two variants on the ideal
``rfc5321`` path of 100 ms and on ``dsl``, three replications), so the columns and the
manifest are what ``smtpsim run --out`` writes.
"""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import pytest
from typer.testing import CliRunner

from smtpsim.analysis.results import read_results
from smtpsim.api import run_scenario_result, single_scenario
from smtpsim.cli import app
from smtpsim.plots.report import render_report, write_report

matplotlib.use("Agg")

VARIANTS = ["baseline", "streamlined"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "study"
    scenario = single_scenario(["dsl", "lte"], variant=VARIANTS, replications=3)
    run_scenario_result(scenario, workers=1, executor="serial", out=out)
    return out


def _images(text: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', text)]


def test_the_report_holds_scenario_tables_and_figures(dataset: Path) -> None:
    """The manifest's scenario text, one summary row per profile x variant (2 x 2), one
    comparison row per profile for the one non-reference variant, and the standard figures
    of a run without sweep axes, none pooling the two profiles: a CDF and a phase chart per
    profile, one bar chart with the profiles on its axis (2 + 2 + 1), each a PNG inside the
    file, captioned with its profile."""
    results = read_results(dataset)
    text = render_report(results)
    assert "[scenario]" in text and "single-case" in text
    summary = text.split("<h2>Summary</h2>")[1].split("</table>")[0]
    assert summary.count("<tr>") == 1 + 4  # header + rows
    against = text.split("<h2>Against baseline")[1].split("</table>")[0]
    assert against.count("<tr>") == 1 + 2 and "streamlined" in against
    images = _images(text)
    assert len(images) == 5
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", text)
    assert [c.endswith("(profile = dsl)") for c in captions] == [True, False, False, True, False]
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in images)


def test_the_report_needs_nothing_outside_itself(dataset: Path) -> None:
    """No script, no link or image fetched from anywhere: every src is a data: URI."""
    text = render_report(read_results(dataset))
    assert "<script" not in text.lower()
    assert not re.search(r"(src|href)=\"(?!data:)", text)
    assert "http://" not in text and "https://" not in text


def test_user_text_is_escaped(dataset: Path) -> None:
    """A title (or a variant name) with markup is shown as text, never interpreted."""
    results = read_results(dataset)
    text = render_report(results, title="<b>latency</b> [/] study")
    assert "&lt;b&gt;latency&lt;/b&gt; [/] study" in text and "<b>latency" not in text


def test_an_unknown_reference_is_refused_naming_the_variants(dataset: Path) -> None:
    with pytest.raises(ValueError, match="'burl' is not in the results.*baseline, streamlined"):
        render_report(read_results(dataset), reference="burl")


def test_write_report_leaves_no_temporary_file(dataset: Path, tmp_path: Path) -> None:
    out = write_report(read_results(dataset), tmp_path / "r.html")
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


runner = CliRunner()


def test_report_command_writes_the_file(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(dataset), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(_images(out.read_text())) == 5


@pytest.mark.parametrize(("suffix", "magic"), [
    (".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF"),
])
def test_plot_command_writes_the_format_its_extension_names(
        dataset: Path, tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"cdf{suffix}"
    result = runner.invoke(app, ["plot", str(dataset), "--kind", "cdf", "--where", "profile=dsl",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize(("args", "says"), [
    (["--kind", "cdf", "-o", "{tmp}/x.gif"], "allowed: .png, .svg, .pdf"),
    (["--kind", "line", "-o", "{tmp}/x.png"], "--kind line needs --x COLUMN"),
    (["--kind", "line", "--x", "nope", "-o", "{tmp}/x.png"], "--x nope: no such column"),
    (["--kind", "heatmap", "--x", "size", "--y", "recipients", "--variant", "burl",
      "-o", "{tmp}/x.png"], "--variant burl: not in the results; allowed: baseline"),
    (["--kind", "ladder", "-o", "{tmp}/x.png"], "no packets"),
    (["--kind", "cdf", "--where", "size", "-o", "{tmp}/x.png"], "--where size: give COLUMN=VALUE"),
    (["--kind", "cdf", "--where", "size=7", "-o", "{tmp}/x.png"],
     "--where size=7: no row has that value; size takes 10000"),
    (["--kind", "cdf", "-o", "{tmp}/x.png"], "cdf would pool profile = dsl, lte"),
    (["--kind", "cdf", "-o", "{tmp}/missing/x.png"], "does not exist"),
])
def test_plot_command_refuses_bad_input_in_one_line(
        dataset: Path, tmp_path: Path, args: list[str], says: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(app, ["plot", str(dataset), *args])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], lines
    assert not any(p.suffix == ".png" for p in tmp_path.iterdir())


def test_report_command_refuses_what_is_not_results(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path / "none.csv"), "-o",
                                 str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "no such file" in result.output and "Traceback" not in result.output


@pytest.mark.debian_tools
def test_the_report_renders_in_a_real_browser(dataset: Path, tmp_path: Path) -> None:
    """Headless Chromium (the Debian package) opens the report from disk, with the network
    off: every image decodes (``complete`` and a natural width, read from the DOM after the
    load event by a probe appended to a copy of the file), and the screenshot is not blank
    (far more than one colour, and dark text pixels on the white page)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is not installed (.ci/run installs the Debian package)"
    page = write_report(read_results(dataset), tmp_path / "report.html")
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace(
        "</body>", "<script>window.addEventListener('load', () => { document.body.dataset"
                   ".loaded = [...document.images].map(i => i.complete && i.naturalWidth > 0)"
                   ".join(','); });</script></body>"))
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", "--proxy-server=127.0.0.1:9",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*flags, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    loaded = re.search(r'data-loaded="([^"]*)"', dom)
    assert loaded, "the page's load event never ran"
    assert loaded.group(1).split(",") == ["true"] * 5
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    import numpy as np
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    colours = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50
    assert (pixels.mean(axis=2) < 0.3).mean() > 0.001  # text and lines drawn


SWEEP = """
[scenario]
name = "size-by-uplink"
seed = 3
replications = 2

[[profile]]
name = "slow"
rtt_ms = 200
up_kbps = 256
down_kbps = 1000

[[variant]]
name = "send-and-save"
features = ["baseline", "save"]

[[variant]]
preset = "burl"

[output]
traces = true

[sweep]
"workload.size_bytes" = [2000, 200000]
"profile.up_kbps" = [128, 512]
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "study.toml").write_text(SWEEP)
    out = folder / "study"
    result = runner.invoke(app, ["run", str(folder / "study.toml"), "--workers", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("args", [
    ["--kind", "line", "--x", "workload.size_bytes", "--metric", "done",
     "--where", "profile.up_kbps=128"],
    ["--kind", "cdf", "--where", "profile.up_kbps=512", "--where", "workload.size_bytes=2000"],
    ["--kind", "heatmap", "--x", "workload.size_bytes", "--y", "profile.up_kbps",
     "--variant", "burl", "--reference", "send-and-save"],
    ["--kind", "breakeven", "--x", "profile.up_kbps", "--y", "workload.size_bytes",
     "--variant", "burl", "--reference", "send-and-save", "--metric", "done"],
    ["--kind", "ladder", "--variant", "burl"],
])
def test_plot_command_draws_every_kind_of_a_sweep(sweep: Path, tmp_path: Path,
                                                  args: list[str]) -> None:
    """A grid of 2 sizes x 2 uplink rates with packets kept: each kind that needs axes,
    a variant or packets is drawn from the dataset (a non-empty PNG)."""
    out = tmp_path / "f.png"
    result = runner.invoke(app, ["plot", str(sweep), *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG") and out.stat().st_size > 5000


def test_the_ladder_of_a_dataset_has_the_packets_of_one_run(sweep: Path) -> None:
    """``--kind ladder`` draws the first traced run of the variant asked for: one arrow per
    packet of that run (point 0, replication 0), none of any other run."""
    import pandas as pd

    from smtpsim.analysis.results import read_results
    from smtpsim.cli.plotting import PlotKind, draw

    packets = pd.read_parquet(sweep / "_packets")
    mine = packets[(packets["variant"] == "burl") & (packets["point"] == 0)
                   & (packets["replication"] == 0)]
    fig = draw(read_results(sweep), PlotKind.ladder, "user", None, None, "burl", None)
    arrows = fig.findobj(lambda a: (a.get_gid() or "").startswith("packet-"))
    assert len(arrows) == len(mine) > 0


def test_a_sweep_report_draws_lines_and_heatmaps(sweep: Path) -> None:
    """Two numeric axes: besides CDF, bars and phases per slice, a line along each axis
    (one per value of the other axis: 2 + 2) and the one non-reference variant's heatmap."""
    text = render_report(read_results(sweep), reference="send-and-save", metric="done")
    captions = [html.unescape(c) for c in re.findall(r"<figcaption>([^<]*)</figcaption>", text)]
    assert sum(c.startswith("Mean of the 'done' time along") for c in captions) == 4
    assert sum(c.startswith("burl against send-and-save over") for c in captions) == 1
    assert "<h1>smtpsim report: size-by-uplink</h1>" in text  # the scenario's name
