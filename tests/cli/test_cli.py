"""The `smtpsim` command against a recording fake of ``smtpsim.api``: what the CLI passes to
the API and how it prints what comes back (``test_cli_real`` runs it against the real API)."""


from __future__ import annotations

import io
import json
import typing
from pathlib import Path

import pandas as pd
import pytest

from .fake_api import COLUMNS, FakeApi, assert_user_error, frame, invoke, table_caption

# --- run: which API call, with which arguments -------------------------------------------


DEFAULT_RUN = [("load_scenario", {"path": None, "example": "default"}),
               ("run_scenario_result", {"scenario": "default", "replications": None,
                                        "seed": None})]


def test_run_without_options_runs_the_default_scenario(api: FakeApi) -> None:
    """The built-in default scenario is the shipped example ``default``."""
    result = invoke("run")
    assert result.exit_code == 0, result.output
    assert api.calls == DEFAULT_RUN
    assert " ".join(result.stdout.split()).startswith(
        "default: baseline and baseline plus one proposal, and the streamlined sets, on every"
        " built-in profile, warm clients")
    out = result.stdout
    # the user's time (accept + 0.1 s) in ms, four significant digits, and ratios to
    # baseline, three, by hand: 1.1/2.1 = 0.5238 and 0.4/0.5; the server's occupancy beside
    # it (accept - 0.05 s)
    assert "  2100  " in out and "1100" in out and "500.0" in out and "400.0" in out
    assert "0.524" in out and "0.800" in out and "1.00" in out
    assert "1950" in out and "950.0" in out and "350.0" in out and "250.0" in out


def test_table_shows_the_users_time_by_default(api: FakeApi) -> None:
    """Issue 9 §6: the default metric is the user's time, the server's occupancy beside it."""
    result = invoke("run", "--profile", "3g")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("user time per profile and variant")
    caption = table_caption(result.stdout)
    assert caption.startswith(
        'median, p95: user time (until the user is told "sent": after the 221 when the client'
        " waits for it, and the save to Sent when the variant saves); "
        "ratio: median / median of baseline on the same profile;"
    )
    assert "server: median server occupancy (how long" in caption
    assert "times in the unit under each header" in caption


@pytest.mark.parametrize(
    ("metric", "caption", "medians", "ratios", "rtts"),
    [
        # the medians of _frame's columns in ms (0.3 to 2.1 s: "300.0" to "2000", five
        # characters at most, where s would need six for "0.3000"), four significant digits,
        # and their ratios to baseline, three, by hand; the RTT column: the mean round trips
        # of that metric over the accepted rows (baseline 8, pipelining 5 to the 250, one
        # more to the user; the failure left out)
        ("accept", "accept time (the server's final 250 for the message)",
         ["2000", "1000", "400.0", "300.0"], ["1.00", "0.500", "1.00", "0.750"],
         ["8.00", "5.00", "8.00", "5.00"]),
        ("done", "done time (accepted, and saved to Sent when the variant saves)",
         ["2000", "1000", "400.0", "300.0"], ["1.00", "0.500", "1.00", "0.750"],
         ["8.00", "5.00", "8.00", "5.00"]),
        # user_s = accept + 0.1: 2.1, 1.1, 0.5, 0.4 s; 1.1 / 2.1 = 0.524, 0.4 / 0.5 = 0.8
        ("user", 'user time (until the user is told "sent": after the 221 when the client'
         " waits for it, and the save to Sent when the variant saves)",
         ["2100", "1100", "500.0", "400.0"], ["1.00", "0.524", "1.00", "0.800"],
         ["9.00", "6.00", "9.00", "6.00"]),
        # occupancy_s = accept - 0.05: 1.95, 0.95, 0.35, 0.25 s; 0.95 / 1.95 = 0.487,
        # 0.25 / 0.35 = 0.714; a duration at the server has no round trips of its own (no
        # RTT column)
        ("occupancy", "server occupancy (how long the server held the connection)",
         ["1950", "950.0", "350.0", "250.0"], ["1.00", "0.487", "1.00", "0.714"], []),
    ],
)
def test_metric_option_chooses_the_time(
    api: FakeApi, metric: str, caption: str, medians: list[str], ratios: list[str],
    rtts: list[str],
) -> None:
    result = invoke("run", "--profile", "3g", "--metric", metric)
    assert result.exit_code == 0, result.output
    assert api.calls == [("simulate", {"profile": "3g"})]  # the API is not told: display only
    assert table_caption(result.stdout).startswith(f"median, p95: {caption}; ratio:")
    table = result.stdout[:result.stdout.index("median, p95:")]
    rows = [cells for cells in map(str.split, table.splitlines())
            if "baseline" in cells or "pipelining" in cells]
    # [profile] variant n failed median p95 RTT server ratio (3g pipelining has two rows, so
    # there is a p95; neither RTT nor server when the server's occupancy is the metric), each
    # time's unit under its name
    lines = table.splitlines()
    at = next(i for i, line in enumerate(lines) if "failed" in line.split())
    header = lines[at - 1].split() + lines[at].split()
    assert "waits" not in header
    assert header.count("ms") == (2 if metric == "occupancy" else 3)
    if metric == "occupancy":
        assert "RTT" not in header and "server" not in header
        assert [r[-2] for r in rows] == medians
    else:
        assert "RTT" in header
        assert [r[-4] for r in rows] == medians
        assert [r[-3] for r in rows] == rtts
    assert [r[-1] for r in rows] == ratios
    if metric != "occupancy":  # accept - 0.05 s, by hand
        assert [r[-2] for r in rows] == ["1950", "950.0", "350.0", "250.0"]


def test_metric_choices_are_the_summary_metrics() -> None:
    from smtpsim.analysis.summary import METRICS
    from smtpsim.cli.options import MetricName
    from smtpsim.cli.views import METRIC_CAPTIONS, METRIC_TITLES

    assert list(typing.get_args(MetricName)) == list(METRICS)
    assert list(METRIC_CAPTIONS) == list(METRIC_TITLES) == list(METRICS)


def test_unknown_metric_is_a_user_error(api: FakeApi) -> None:
    assert_user_error(invoke("run", "--metric", "latency"), "--metric", "latency")
    assert api.calls == []


def test_seed_and_replications_alone_keep_the_default_scenario(api: FakeApi) -> None:
    result = invoke("run", "--seed", "7", "--replications", "3")
    assert result.exit_code == 0, result.output
    assert api.calls == [DEFAULT_RUN[0], ("run_scenario_result", {
        "scenario": "default", "replications": 3, "seed": 7})]


def test_single_case_options_call_simulate(api: FakeApi) -> None:
    result = invoke(
        "run", "--profile", "3g", "--variant", "baseline", "--variant", "pipelining",
        "--size", "2000", "--recipients", "3", "--iw", "4", "--server", "ideal",
        "--seed", "5", "--replications", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert api.calls == [
        (
            "simulate",
            {
                "profile": "3g",
                "variant": ["baseline", "pipelining"],
                "size": 2000,
                "recipients": 3,
                "iw": 4,
                "server": "ideal",
                "seed": 5,
                "replications": 2,
            },
        )
    ]


def test_repeated_profile_is_a_list_and_one_variant_a_string(api: FakeApi) -> None:
    result = invoke("run", "--profile", "3g", "--profile", "lte", "--variant", "chunking")
    assert result.exit_code == 0, result.output
    assert api.calls == [("simulate", {"profile": ["3g", "lte"], "variant": "chunking"})]


def test_custom_path_passes_its_numbers(api: FakeApi) -> None:
    result = invoke(
        "run", "--rtt-ms", "120", "--up-kbps", "384", "--down-kbps", "1500", "--loss", "0.01"
    )
    assert result.exit_code == 0, result.output
    assert api.calls == [
        (
            "simulate",
            {"profile": None, "rtt_ms": 120.0, "up_kbps": 384.0, "down_kbps": 1500.0, "loss": 0.01},
        )
    ]




# --- run: output formats and files --------------------------------------------------------


def test_json_is_an_array_of_records_with_null_for_nan(api: FakeApi) -> None:
    result = invoke("run", "--profile", "3g", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert isinstance(records, list) and len(records) == 5
    assert set(COLUMNS) <= set(records[0])
    failed = [r for r in records if r["outcome"] == "failed"]
    assert len(failed) == 1 and failed[0]["accept_s"] is None
    assert records[0]["accept_s"] == 2.0


def test_csv_goes_to_stdout(api: FakeApi) -> None:
    """The default scenario's rows, as any scenario's: its name and sweep point first."""
    result = invoke("run", "--format", "csv")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(io.StringIO(result.stdout))
    assert list(df.columns) == ["scenario", "point", *COLUMNS]
    assert set(df["scenario"]) == {"default"}
    assert df["accept_s"].isna().sum() == 1
    assert df["accept_s"].sum() == pytest.approx(3.7)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_out_writes_a_readable_file(api: FakeApi, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"result{suffix}"
    result = invoke("run", "--profile", "3g", "--out", str(path))
    assert result.exit_code == 0, result.output
    df = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    assert list(df.columns) == COLUMNS
    assert len(df) == 5
    assert df["outcome"].tolist() == frame()["outcome"].tolist()
    assert df["accept_s"].tolist()[:2] == [2.0, 1.0]


def test_bad_out_extension_is_a_user_error_before_simulating(api: FakeApi, tmp_path: Path) -> None:
    result = invoke("run", "--out", str(tmp_path / "result.xlsx"))
    assert_user_error(result, ".parquet", ".csv")
    assert api.calls == []


# --- run: bad input -----------------------------------------------------------------------


def test_api_value_error_is_one_line_status_2(api: FakeApi) -> None:
    api.error = ValueError("unknown profile 'ltee' (did you mean 'lte'?); allowed: 3g, lte")
    line = assert_user_error(invoke("run", "--profile", "ltee"))
    assert line == "error: unknown profile 'ltee' (did you mean 'lte'?); allowed: 3g, lte"


def test_api_value_error_from_default_scenario(api: FakeApi) -> None:
    api.error = ValueError("bad")
    assert assert_user_error(invoke("run")) == "error: bad"


def test_unknown_format_is_a_user_error(api: FakeApi) -> None:
    assert_user_error(invoke("run", "--format", "xml"), "--format", "xml")
    assert api.calls == []


def test_scenario_file_with_single_case_options_is_refused(api: FakeApi, tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("")
    assert_user_error(invoke("run", str(path), "--iw", "3"), "--iw", "single-case options")
    assert api.calls == []


def test_unknown_command_is_a_user_error() -> None:
    assert_user_error(invoke("frobnicate"), "frobnicate")


def test_no_command_shows_help() -> None:
    result = invoke()
    assert "run" in result.output and "trace" in result.output
    assert "Traceback" not in result.output


# --- trace --------------------------------------------------------------------------------


def test_trace_prints_the_ladder(api: FakeApi) -> None:
    result = invoke("trace", "--profile", "lte", "--variant", "pipelining", "--seed", "2")
    assert result.exit_code == 0, result.output
    assert api.calls == [("trace", {"profile": "lte", "variant": "pipelining", "seed": 2})]
    lines = result.stdout.splitlines()
    assert "lte" in lines[0] and "100.0 ms" in lines[0]
    assert "▶|" in lines[2] and "[SYN]" in lines[2]
    assert "|◀" in lines[3]
    assert "220 mx ESMTP" in lines[4] and "✗ lost" in lines[4]
    assert max(len(line) for line in lines) <= 100


def test_trace_width_option(api: FakeApi) -> None:
    result = invoke("trace", "--profile", "lte", "--width", "140")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) > 100
    assert_user_error(invoke("trace", "--profile", "lte", "--width", "20"), "width")


def test_trace_api_error_is_one_line(api: FakeApi) -> None:
    api.error = ValueError("unknown variant 'x'; allowed: baseline")
    assert_user_error(invoke("trace", "--variant", "x"), "unknown variant 'x'")
