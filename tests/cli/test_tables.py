"""Tables that fit (issue 11): at 80 columns no number is cut, times are in the unit their
size asks for, `--format markdown` gives the same cells, `--reference` pairs each variant
with the reference, the preset lists are one line per preset, and `--version`."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from smtpsim.analysis.statistics import compare
from smtpsim.analysis.summary import summarize
from smtpsim.cli import app
from smtpsim.cli.summaries import summary_grid
from smtpsim.scenarios.profiles import builtin_profiles
from smtpsim.scenarios.servers import server_presets
from smtpsim.scenarios.variants import variant_table
from smtpsim.version import __version__

from . import fake_api
from .fake_api import COLUMNS, FakeApi, assert_user_error
from .tables import FACTORS, markdown_tables, rich_tables, shows

#: Variant names as long as the presets' (23 characters) and a profile name as long.
LONG = "baseline+auth-pipelined"
PROFILES = ("intercontinental", "lan")
#: User times in s per (profile, variant), two replications each: from 0.4 ms to 1371.6 s,
#: a ratio of 0.93 (0.93 / 1.0), and a number past 10^6 ms; 95th percentiles in between.
TIMES: dict[tuple[str, str], tuple[float, float]] = {
    ("intercontinental", "baseline"): (1.0, 1.2),
    ("intercontinental", LONG): (0.93, 1.1),
    ("intercontinental", "burl"): (1371.556, 1371.6),
    ("lan", "baseline"): (0.000_43, 0.000_47),
    ("lan", LONG): (0.030_211, 0.030_25),
    ("lan", "burl"): (7.231_1, 7.3),
}
#: Round trips to the user (baseline 11, the others fewer) per replication.
RTTS = {"baseline": (11, 11), LONG: (10, 9), "burl": (10, 10)}


def records() -> pd.DataFrame:
    """Two replications per case, paired across variants (same seed and replication)."""
    rows = []
    for (profile, variant), times in TIMES.items():
        for rep, user in enumerate(times):
            row: dict[str, Any] = {c: 0.0 for c in COLUMNS if c.endswith("_s")}
            rtt = RTTS[variant][rep]
            row.update(profile=profile, variant=variant, seed=0, replication=rep, size=10_000,
                       recipients=1, iw=10, server="typical", outcome="accepted",
                       accept_s=user / 2, saved_s=math.nan, done_s=user / 2, user_s=user,
                       close_s=user, occupancy_s=user * 0.75, rtt_accept=rtt - 1,
                       rtt_done=rtt - 1, rtt_user=rtt, bytes_up=11_000, bytes_down=3_000,
                       packets_up=12, packets_down=10, retransmits=0)
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _invoke(*args: str, columns: int = 80) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


@pytest.fixture
def wide_range(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    """The fake API's ``simulate`` returns ``records()``."""
    monkeypatch.setattr(fake_api, "frame", records)
    return api


def _assert_fits(out: str, width: int = 80) -> None:
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)
    assert "…" not in out


def _by_row(tables: list[list[dict[str, str]]]) -> dict[tuple[str, str], dict[str, str]]:
    """The cells of each (profile, variant) over every part of a split table."""
    merged: dict[tuple[str, str], dict[str, str]] = {}
    for rows in tables:
        for row in rows:
            merged.setdefault((row["profile"], row["variant"]), {}).update(row)
    return merged


def _unit(header: str) -> float:
    return FACTORS[header.rsplit(" ", 1)[1]]


@pytest.mark.parametrize("width", [80, 200])
def test_every_summary_number_survives_80_columns(wide_range: FakeApi, width: int) -> None:
    """Every number of ``summarize``'s frame is printed with all of its shown digits right
    and at least 3 significant ones (1371.6 s is not ``1371…`` or ``1.372e+06``, 0.93 not
    ``0.9``), times in the unit named under their header, no line over the width and no
    ellipsis; at 80 columns the profile becomes a heading over its variants."""
    result = _invoke("run", "--profile", "lan", "--replications", "2", columns=width)
    assert result.exit_code == 0, result.output
    _assert_fits(result.stdout, width)
    summary = summarize(records(), reference="baseline", metric="user")
    shown = _by_row(rich_tables(result.stdout))
    assert set(shown) == set(TIMES)
    for r in summary.itertuples():
        cells = shown[(r.profile, r.variant)]
        assert cells["n"] == "2" and cells["failed"] == "0"
        for name, value in (("median", r.median_s), ("p95", r.p95_s),
                            ("server", r.median_occupancy_s)):
            (header,) = [h for h in cells if h.split()[0] == name]
            assert shows(cells[header], value, _unit(header)), (header, cells[header], value)
        assert shows(cells["RTT"], r.mean_rtt)
        assert shows(cells["ratio"], r.ratio)
    # by hand: intercontinental's LONG median (0.93 + 1.1) / 2 = 1.015 s over baseline's
    # 1.1 s is 0.923; 1371.578 s is the largest median, wider than 30.23 ms in s: ms
    assert shown[("intercontinental", LONG)]["ratio"] == "0.923"
    assert shown[("intercontinental", "burl")]["median ms"] == "1371578"
    headings = [line.strip() for line in result.stdout.splitlines()
                if line.strip() in PROFILES]
    assert headings == (list(PROFILES) if width == 80 else [])


def test_times_take_the_unit_their_size_asks_for(api: FakeApi,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """One profile's column: 1371.556 s and 1371.6 s are ``1372`` s (4 digits, not 1371578
    ms); lan alone: 0.43 and 0.47 ms are 450.0 µs (the median) and 468.0 µs (the p95, 0.43 +
    0.95 x 0.04 ms)."""
    big = records()
    monkeypatch.setattr(fake_api, "frame", lambda: big[big["variant"] == "burl"].iloc[:2])
    out = _invoke("run", "--profile", "lan").stdout
    (row,) = _by_row(rich_tables(out)).values()
    assert row["median s"] == "1372" and row["p95 s"] == "1372"
    small = records()
    monkeypatch.setattr(fake_api, "frame",
                        lambda: small[small["user_s"] < 1e-3].reset_index(drop=True))
    out = _invoke("run", "--profile", "lan").stdout
    (row,) = _by_row(rich_tables(out)).values()
    assert row["median µs"] == "450.0" and row["p95 µs"] == "468.0"


def test_markdown_is_the_same_cells(wide_range: FakeApi) -> None:
    """``--format markdown``: a GitHub pipe table whose header and cells read back are the
    summary grid's, every row whole (the profile on each), whatever the terminal width."""
    result = _invoke("run", "--profile", "lan", "--format", "markdown", columns=40)
    assert result.exit_code == 0, result.output
    (table,) = markdown_tables(result.stdout)
    summary = summarize(records(), reference="baseline", metric="user")
    grid = summary_grid(summary, "", "baseline", "user")
    assert table[0] == [c.header for c in grid.columns]
    assert table[1:] == grid.rows
    assert table[0] == ["profile", "variant", "n", "failed", "median ms", "p95 ms", "RTT",
                        "server ms", "ratio"]
    assert [tuple(row[:2]) for row in table[1:]] == list(TIMES)
    assert result.stdout.startswith("user time per profile and variant\n\n| profile |")


def test_reference_pairs_each_variant_with_it(api: FakeApi,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """``--reference pipelining``: pipelining 1.0 and 1.4 s, baseline 2.0 and 2.2 s in
    replications 0 and 1, round trips 5, 6 and 8, 8. baseline - pipelining: 1.0 and 0.8 s,
    mean 0.9 s, sample sd 0.1414, t(0.975, 1) = 12.706: ± 12.706 x 0.1414 / √2 = 1.2706 s,
    so [-0.3706, 2.1706] s; ratio 2.1 / 1.2 = 1.75; round trips saved 5 - 8, 6 - 8: -3 and
    -2, mean -2.5, sd 0.7071: ± 6.353, [-8.853, 3.853]. The summary's ratio is to
    pipelining: 2.1 / 1.2 = 1.75."""
    def frame() -> pd.DataFrame:
        rows = []
        for variant, times, rtts in (("baseline", (2.0, 2.2), (8, 8)),
                                     ("pipelining", (1.0, 1.4), (5, 6))):
            for rep in (0, 1):
                row: dict[str, Any] = {c: 0.0 for c in COLUMNS if c.endswith("_s")}
                row.update(profile="3g", variant=variant, seed=0, replication=rep,
                           outcome="accepted", user_s=times[rep], rtt_user=rtts[rep],
                           rtt_accept=rtts[rep], rtt_done=rtts[rep], occupancy_s=0.5)
                rows.append(row)
        return pd.DataFrame(rows).reindex(columns=COLUMNS, fill_value=0)

    monkeypatch.setattr(fake_api, "frame", frame)
    result = _invoke("run", "--profile", "3g", "--variant", "baseline", "--variant",
                     "pipelining", "--reference", "pipelining")
    assert result.exit_code == 0, result.output
    _assert_fits(result.stdout)
    summary, *paired = rich_tables(result.stdout)
    assert {r["variant"]: r["ratio"] for r in summary} == {"baseline": "1.75",
                                                           "pipelining": "1.00"}
    (row,) = _by_row(paired).values()
    assert row["variant"] == "baseline" and row["pairs"] == "2" and row["unpaired"] == "0"
    assert row["diff ms"] == "900.0" and row["low ms"] == "-370.6"
    assert row["high ms"] == "2171" and row["ratio"] == "1.75"
    assert row["saved RTT"] == "-2.50"
    assert row["low RTT"] == "-8.85" and row["high RTT"] == "3.85"
    assert "user time paired against pipelining" in result.stdout
    # the same figures as compare's, with all their digits
    (c,) = compare(frame(), reference="pipelining").itertuples()
    assert shows(row["diff ms"], c.diff_s, 1e3) and shows(row["low ms"], c.diff_low_s, 1e3)


def test_reference_in_markdown_every_compare_number(wide_range: FakeApi) -> None:
    """``compare``'s frame in markdown: every number there, the diff's interval in one
    unit."""
    result = _invoke("run", "--profile", "lan", "--reference", "baseline", "--format",
                     "markdown")
    assert result.exit_code == 0, result.output
    _, paired = markdown_tables(result.stdout)
    header, *rows = paired
    assert header == ["profile", "variant", "pairs", "unpaired", "diff ms", "low ms",
                      "high ms", "ratio", "saved RTT", "low RTT", "high RTT"]
    expected = compare(records(), reference="baseline")
    assert len(rows) == len(expected) == 4
    for cells, r in zip(rows, expected.itertuples(), strict=True):
        assert cells[:4] == [r.profile, r.variant, str(r.pairs), str(r.unpaired)]
        for cell, value, factor in zip(cells[4:], (r.diff_s, r.diff_low_s, r.diff_high_s,
                                                   r.ratio, r.rtt_saved, r.rtt_saved_low,
                                                   r.rtt_saved_high),
                                       (1e3, 1e3, 1e3, 1, 1, 1, 1), strict=True):
            assert shows(cell, value, factor), (cell, value)


def test_unknown_reference_is_refused_before_running(api: FakeApi) -> None:
    """The clear-error convention: status 2, one line naming the option, the value and the
    run's variants, nothing simulated."""
    line = assert_user_error(
        _invoke("run", "--profile", "3g", "--variant", "baseline", "--variant", "tfo",
                "--reference", "burl"), "--reference")
    assert line == ("error: --reference: bad value 'burl'; allowed: one of the run's "
                    "variants: baseline, tfo")
    assert api.calls == []
    line = assert_user_error(_invoke("run", "--example", "default", "--reference", "nope"),
                             "--reference: bad value 'nope'; allowed: one of the run's "
                             "variants: baseline, baseline+tls1.3,")
    assert [name for name, _ in api.calls] == ["load_scenario"]


def test_reference_is_case_insensitive(api: FakeApi) -> None:
    """``Baseline`` names the variant baseline, as every choice is case-insensitive."""
    result = _invoke("run", "--profile", "3g", "--variant", "baseline", "--variant",
                     "pipelining", "--reference", "Baseline")
    assert result.exit_code == 0, result.output
    assert "user time paired against baseline" in result.stdout


# --- the preset lists ------------------------------------------------------------------


def test_variants_is_one_line_each_at_80_columns() -> None:
    """A title, the frame's blank top line, the header, the rule, a line per token and
    preset and the blank bottom line (``variant_table``: 55 tokens and 13 presets)."""
    result = _invoke("variants")
    assert result.exit_code == 0, result.output
    _assert_fits_listing(result.stdout)
    (rows,) = rich_tables(result.stdout)
    infos = variant_table()
    assert [(r["name"], r["kind"]) for r in rows] == [(t.name, t.kind) for t in infos]
    for r, t in zip(rows, infos, strict=True):
        assert t.description.startswith(r["description"].rstrip("…"))
    assert len(result.stdout.splitlines()) <= len(infos) + 6


def _assert_fits_listing(out: str) -> None:
    """No line over 80 characters (a shortened description ends in ``…``)."""
    assert max(len(line) for line in out.splitlines()) <= 80


def test_variants_details_and_formats() -> None:
    """``--details`` (``-l``): wrapped in 80 columns, never cut; wide enough, every field
    whole on the item's line; ``--format markdown`` and ``csv``: the whole descriptions,
    one row each."""
    result = _invoke("variants", "-l")
    assert result.exit_code == 0, result.output
    _assert_fits(result.stdout)
    wide = _invoke("variants", "--details", columns=1000).stdout.splitlines()
    for t in variant_table():
        (line,) = [x for x in wide if x.split()[:2] == [t.name, t.kind]]
        assert all(f"  {field}" in line for field in (t.sets, t.description, t.source))
    md = _invoke("variants", "--details", "--format", "markdown").stdout
    (table,) = markdown_tables(md)
    assert table[1:] == [[t.name, t.kind, t.sets, t.description, t.source]
                         for t in variant_table()]
    md = _invoke("variants", "--format", "markdown").stdout
    (table,) = markdown_tables(md)
    assert table[0] == ["name", "kind", "description"]
    assert table[1:] == [[t.name, t.kind, t.description] for t in variant_table()]
    csv = pd.read_csv(__import__("io").StringIO(_invoke("variants", "--format", "csv").stdout))
    assert list(csv["name"]) == [t.name for t in variant_table()]


def test_profiles_is_one_line_each_at_80_columns() -> None:
    """Every profile's round trip, rates and loss whole; then each server preset; two
    tables of one line per item."""
    result = _invoke("profiles")
    assert result.exit_code == 0, result.output
    _assert_fits_listing(result.stdout)
    profiles, servers = rich_tables(result.stdout)
    assert [r["name"] for r in profiles] == list(builtin_profiles())
    for r, p in zip(profiles, builtin_profiles().values(), strict=True):
        assert float(r["RTT ms"]) == pytest.approx(p.round_trip_ms)
        assert float(r["down kbit/s"]) == p.down_kbps and float(r["up kbit/s"]) == p.up_kbps
        assert float(r["loss %"]) == pytest.approx(p.loss * 100)
    assert [r["name"] for r in servers] == list(server_presets())
    assert len(result.stdout.splitlines()) <= len(profiles) + len(servers) + 12
    details = _invoke("profiles", "--details")
    assert details.exit_code == 0 and len(details.stdout.splitlines()) > 3 * len(profiles)
    _assert_fits(details.stdout)
    wide = _invoke("profiles", "-l", columns=2000).stdout.splitlines()
    for name, p in builtin_profiles().items():
        (line,) = [x for x in wide if x.split()[:1] == [name]]
        assert f"  {p.description}  " in line and line.rstrip().endswith(f"  {p.source}")


def test_version() -> None:
    result = _invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"smtpsim {__version__}\n"


def test_check_profiles_keep_every_digit_at_80_columns() -> None:
    """``check``'s resolved profiles (was ``1000…`` for lan's 1000000 kbit/s): each one-way
    delay is half the preset's round trip, each rate the preset's, whole, over the parts the
    table is split into at 80 columns."""
    result = _invoke("check", "--example", "default")
    assert result.exit_code == 0, result.output
    _assert_fits(result.stdout)
    first, second, *_ = rich_tables(result.stdout)
    assert [r["name"] for r in first] == [r["name"] for r in second] == list(builtin_profiles())
    for r, p in zip(first, builtin_profiles().values(), strict=True):
        assert float(r["up ms"]) + float(r["down ms"]) == pytest.approx(p.round_trip_ms)
        assert float(r["up kbit/s"]) == p.up_kbps and float(r["down kbit/s"]) == p.down_kbps
