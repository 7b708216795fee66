"""The `smtpsim` command.

Most tests replace ``smtpsim.api`` with a recording fake, so they check what the CLI passes to
the API and how it prints what comes back. The tests at the end use the real API and the
real scenario modules.
"""

from __future__ import annotations

import io
import json
import math
import sys
import types
import typing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import smtpsim
from smtpsim.cli import app
from smtpsim.model.trace import PacketEvent, Trace
from smtpsim.scenarios import profiles as builtin
from smtpsim.scenarios import variants as variant_tokens
from smtpsim.scenarios.loader import load_example
from smtpsim.scenarios.runner import RunResult
from smtpsim.scenarios.schema import Scenario

COLUMNS = [
    "profile", "variant", "seed", "replication", "size", "recipients", "iw", "server",
    "outcome", "accept_s", "saved_s", "done_s", "user_s", "close_s", "occupancy_s",
    "greeting_s", "waits", "bytes_up", "bytes_down",
    "packets_up", "packets_down", "retransmits", "phase_connect_s", "phase_greeting_s",
    "phase_tls_s", "phase_ehlo_s", "phase_auth_s", "phase_envelope_s", "phase_data_s",
    "phase_quit_s",
]  # fmt: skip

runner = CliRunner()


def _frame() -> pd.DataFrame:
    """3g: baseline 2.0 s, pipelining 1.0 s (+1 failure); lte: baseline 0.4 s, pipelining 0.3 s.

    Accept times; nothing is saved, so ``done_s`` is the accept time; the user waits 0.1 s
    longer (``user_s``); the server holds the connection 0.05 s less (``occupancy_s``)."""
    cases = [
        ("3g", "baseline", "accepted", 2.0, 8),
        ("3g", "pipelining", "accepted", 1.0, 5),
        ("3g", "pipelining", "failed", math.nan, 1),
        ("lte", "baseline", "accepted", 0.4, 8),
        ("lte", "pipelining", "accepted", 0.3, 5),
    ]
    rows = []
    for i, (profile, variant, outcome, accept, waits) in enumerate(cases):
        row: dict[str, Any] = {c: 0.0 for c in COLUMNS if c.endswith("_s")}
        row.update(
            profile=profile, variant=variant, seed=0, replication=i, size=10_000,
            recipients=1, iw=10, server="typical", outcome=outcome, accept_s=accept,
            saved_s=math.nan, done_s=accept, user_s=accept + 0.1, close_s=accept + 0.1,
            occupancy_s=accept - 0.05, waits=waits, bytes_up=11_000, bytes_down=3_000,
            packets_up=12, packets_down=10, retransmits=0,
        )  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _trace() -> Trace:
    packets = [
        PacketEvent("up", 0.0, 0.05, 52, 0, "S", 0, 0, ""),
        PacketEvent("down", 0.05, 0.1, 52, 0, "SA", 0, 1, ""),
        PacketEvent("down", 0.1, None, 80, 28, "PA", 1, 1, "220 mx ESMTP\r\n"),
    ]
    return Trace(packets=packets, rtt_s=0.1, profile="lte", variant="baseline")


class FakeApi(types.ModuleType):
    """Stands in for ``smtpsim.api``: records each call, returns canned results."""

    def __init__(self) -> None:
        super().__init__("smtpsim.api")
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.error: Exception | None = None

    def _call(self, name: str, kwargs: dict[str, Any]) -> None:
        self.calls.append((name, kwargs))
        if self.error is not None:
            raise self.error

    def simulate(self, profile: Any = None, **kwargs: Any) -> pd.DataFrame:
        self._call("simulate", {"profile": profile, **kwargs})
        return _frame()

    def load_scenario(self, path: Any = None, **kwargs: Any) -> Scenario:
        self._call("load_scenario", {"path": path, **kwargs})
        return load_example(kwargs["example"])

    def run_scenario_result(self, scenario: Scenario, replications: Any, progress: bool,
                            **kwargs: Any) -> RunResult:
        self._call("run_scenario_result", {"scenario": scenario.scenario.name,
                                           "replications": replications, **kwargs})
        records = _frame()
        records.insert(0, "point", 0)
        records.insert(0, "scenario", scenario.scenario.name)
        return RunResult(records, None, scenario.reference, scenario.scenario.metric)

    def trace(self, profile: Any = None, **kwargs: Any) -> Trace:
        self._call("trace", {"profile": profile, **kwargs})
        return _trace()


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    """The CLI imports ``from smtpsim import api`` inside its commands: the fake takes the
    module's place in ``sys.modules`` and as the package's attribute."""
    fake = FakeApi()
    monkeypatch.setitem(sys.modules, "smtpsim.api", fake)
    monkeypatch.setattr(smtpsim, "api", fake, raising=False)
    return fake


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def _assert_user_error(result: Result, *needles: str) -> str:
    """Status 2, nothing on stdout, one ``error: ...`` line on stderr; returns that line."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


# --- run: which API call, with which arguments -------------------------------------------


DEFAULT_RUN = [("load_scenario", {"path": None, "example": "default"}),
               ("run_scenario_result", {"scenario": "default", "replications": None,
                                        "seed": None})]


def test_run_without_options_runs_the_default_scenario(api: FakeApi) -> None:
    """The built-in default scenario is the shipped example ``default``."""
    result = _invoke("run")
    assert result.exit_code == 0, result.output
    assert api.calls == DEFAULT_RUN
    assert " ".join(result.stdout.split()).startswith(
        "default: every variant preset, and baseline+save beside burl, on every built-in"
        " profile, warm clients")
    out = result.stdout
    # medians in ms and ratios to baseline, by hand: 1.0/2.0 and 0.3/0.4
    assert "2000.0" in out and "1000.0" in out and "400.0" in out and "300.0" in out
    assert "0.50" in out and "0.75" in out and "1.00" in out


def _caption(out: str) -> str:
    """The table's caption, on one line (rich wraps it)."""
    return " ".join(out[out.index("median, p95:"):].split())


def test_table_shows_done_time_by_default(api: FakeApi) -> None:
    result = _invoke("run", "--profile", "3g")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("done time per profile and variant")
    assert _caption(result.stdout).startswith(
        "median, p95: done time (accepted, and saved to Sent when the variant saves) in ms; "
        "ratio: median / median of baseline on the same profile;"
    )


@pytest.mark.parametrize(
    ("metric", "caption", "medians", "ratios"),
    [
        # the medians of _frame's columns in ms, and their ratios to baseline, by hand
        ("accept", "accept time (the server's final 250 for the message)",
         ["2000.0", "1000.0", "400.0", "300.0"], ["1.00", "0.50", "1.00", "0.75"]),
        ("done", "done time (accepted, and saved to Sent when the variant saves)",
         ["2000.0", "1000.0", "400.0", "300.0"], ["1.00", "0.50", "1.00", "0.75"]),
        # user_s = accept + 0.1: 2.1, 1.1, 0.5, 0.4 s; 1.1 / 2.1 = 0.524, 0.4 / 0.5 = 0.8
        ("user", 'user time (until the user is told "sent", e.g. after the 221 with '
         "quit-wait)", ["2100.0", "1100.0", "500.0", "400.0"], ["1.00", "0.52", "1.00", "0.80"]),
        # occupancy_s = accept - 0.05: 1.95, 0.95, 0.35, 0.25 s; 0.95 / 1.95 = 0.487,
        # 0.25 / 0.35 = 0.714
        ("occupancy", "server occupancy (how long the server held the connection)",
         ["1950.0", "950.0", "350.0", "250.0"], ["1.00", "0.49", "1.00", "0.71"]),
    ],
)
def test_metric_option_chooses_the_time(
    api: FakeApi, metric: str, caption: str, medians: list[str], ratios: list[str]
) -> None:
    result = _invoke("run", "--profile", "3g", "--metric", metric)
    assert result.exit_code == 0, result.output
    assert api.calls == [("simulate", {"profile": "3g"})]  # the API is not told: display only
    assert _caption(result.stdout).startswith(f"median, p95: {caption} in ms; ratio:")
    table = result.stdout[:result.stdout.index("median, p95:")]
    rows = [cells for cells in map(str.split, table.splitlines())
            if "baseline" in cells or "pipelining" in cells]
    # [profile] variant n failed median waits ratio (one run per group: no p95 column)
    assert [r[-3] for r in rows] == medians
    assert [r[-1] for r in rows] == ratios


def test_metric_choices_are_the_summary_metrics() -> None:
    from smtpsim.analysis.summary import METRICS
    from smtpsim.cli.options import MetricName
    from smtpsim.cli.views import METRIC_CAPTIONS, METRIC_TITLES

    assert list(typing.get_args(MetricName)) == list(METRICS)
    assert list(METRIC_CAPTIONS) == list(METRIC_TITLES) == list(METRICS)


def test_unknown_metric_is_a_user_error(api: FakeApi) -> None:
    _assert_user_error(_invoke("run", "--metric", "latency"), "--metric", "latency")
    assert api.calls == []


def test_seed_and_replications_alone_keep_the_default_scenario(api: FakeApi) -> None:
    result = _invoke("run", "--seed", "7", "--replications", "3")
    assert result.exit_code == 0, result.output
    assert api.calls == [DEFAULT_RUN[0], ("run_scenario_result", {
        "scenario": "default", "replications": 3, "seed": 7})]


def test_single_case_options_call_simulate(api: FakeApi) -> None:
    result = _invoke(
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
    result = _invoke("run", "--profile", "3g", "--profile", "lte", "--variant", "chunking")
    assert result.exit_code == 0, result.output
    assert api.calls == [("simulate", {"profile": ["3g", "lte"], "variant": "chunking"})]


def test_custom_path_passes_its_numbers(api: FakeApi) -> None:
    result = _invoke(
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
    result = _invoke("run", "--profile", "3g", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert isinstance(records, list) and len(records) == 5
    assert set(COLUMNS) <= set(records[0])
    failed = [r for r in records if r["outcome"] == "failed"]
    assert len(failed) == 1 and failed[0]["accept_s"] is None
    assert records[0]["accept_s"] == 2.0


def test_csv_goes_to_stdout(api: FakeApi) -> None:
    """The default scenario's rows, as any scenario's: its name and sweep point first."""
    result = _invoke("run", "--format", "csv")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(io.StringIO(result.stdout))
    assert list(df.columns) == ["scenario", "point", *COLUMNS]
    assert set(df["scenario"]) == {"default"}
    assert df["accept_s"].isna().sum() == 1
    assert df["accept_s"].sum() == pytest.approx(3.7)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_out_writes_a_readable_file(api: FakeApi, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"result{suffix}"
    result = _invoke("run", "--profile", "3g", "--out", str(path))
    assert result.exit_code == 0, result.output
    df = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    assert list(df.columns) == COLUMNS
    assert len(df) == 5
    assert df["outcome"].tolist() == _frame()["outcome"].tolist()
    assert df["accept_s"].tolist()[:2] == [2.0, 1.0]


def test_bad_out_extension_is_a_user_error_before_simulating(api: FakeApi, tmp_path: Path) -> None:
    result = _invoke("run", "--out", str(tmp_path / "result.xlsx"))
    _assert_user_error(result, ".parquet", ".csv")
    assert api.calls == []


# --- run: bad input -----------------------------------------------------------------------


def test_api_value_error_is_one_line_status_2(api: FakeApi) -> None:
    api.error = ValueError("unknown profile 'ltee' (did you mean 'lte'?); allowed: 3g, lte")
    line = _assert_user_error(_invoke("run", "--profile", "ltee"))
    assert line == "error: unknown profile 'ltee' (did you mean 'lte'?); allowed: 3g, lte"


def test_api_value_error_from_default_scenario(api: FakeApi) -> None:
    api.error = ValueError("bad")
    assert _assert_user_error(_invoke("run")) == "error: bad"


def test_unknown_format_is_a_user_error(api: FakeApi) -> None:
    _assert_user_error(_invoke("run", "--format", "xml"), "--format", "xml")
    assert api.calls == []


def test_scenario_file_with_single_case_options_is_refused(api: FakeApi, tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("")
    _assert_user_error(_invoke("run", str(path), "--iw", "3"), "--iw", "single-case options")
    assert api.calls == []


def test_unknown_command_is_a_user_error() -> None:
    _assert_user_error(_invoke("frobnicate"), "frobnicate")


def test_no_command_shows_help() -> None:
    result = _invoke()
    assert "run" in result.output and "trace" in result.output
    assert "Traceback" not in result.output


# --- trace --------------------------------------------------------------------------------


def test_trace_prints_the_ladder(api: FakeApi) -> None:
    result = _invoke("trace", "--profile", "lte", "--variant", "pipelining", "--seed", "2")
    assert result.exit_code == 0, result.output
    assert api.calls == [("trace", {"profile": "lte", "variant": "pipelining", "seed": 2})]
    lines = result.stdout.splitlines()
    assert "lte" in lines[0] and "100.0 ms" in lines[0]
    assert "▶|" in lines[2] and "[SYN]" in lines[2]
    assert "|◀" in lines[3]
    assert "220 mx ESMTP" in lines[4] and "✗ lost" in lines[4]
    assert max(len(line) for line in lines) <= 100


def test_trace_width_option(api: FakeApi) -> None:
    result = _invoke("trace", "--profile", "lte", "--width", "140")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) > 100
    _assert_user_error(_invoke("trace", "--profile", "lte", "--width", "20"), "width")


def test_trace_api_error_is_one_line(api: FakeApi) -> None:
    api.error = ValueError("unknown variant 'x'; allowed: baseline")
    _assert_user_error(_invoke("trace", "--variant", "x"), "unknown variant 'x'")


# --- against the real API and scenario modules ---------------------------------------------


def test_profiles_lists_every_builtin_profile() -> None:
    result = _invoke("profiles")
    assert result.exit_code == 0, result.output
    for name, p in builtin.builtin_profiles().items():
        assert name in result.stdout
        assert f"{p.round_trip_ms:g}" in result.stdout


def test_variants_lists_every_token_and_preset() -> None:
    result = _invoke("variants")
    assert result.exit_code == 0, result.output
    for info in variant_tokens.variant_table():
        assert info.name in result.stdout
    for name in variant_tokens.PRESETS:
        assert name in result.stdout


def test_real_single_case_json() -> None:
    result = _invoke("run", "--profile", "lte", "--variant", "baseline", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == 1
    assert set(COLUMNS) <= set(records[0])
    assert records[0]["profile"] == "lte" and records[0]["outcome"] == "accepted"
    assert records[0]["accept_s"] > 0


def test_real_table_and_default_scenario() -> None:
    result = _invoke("run", "--profile", "dsl", "--variant", "baseline", "--variant", "rfc5321")
    assert result.exit_code == 0, result.output
    assert "dsl" in result.stdout and "rfc5321" in result.stdout
    result = _invoke("run")
    assert result.exit_code == 0, result.output
    assert "baseline" in result.stdout


def _rows_by_variant(out: str, variants: list[str]) -> dict[str, list[str]]:
    """The table's cells per variant (a table of one profile; the caption left out)."""
    rows = {}
    for line in out[:out.index("median, p95:")].splitlines():
        cells = line.split()
        for v in variants:
            if v in cells:
                rows[v] = cells[cells.index(v):]
    return rows


def test_real_metric_accept_and_default_done_on_send_and_save() -> None:
    """baseline+save and burl send and save; with a cold IMAP session (a new connection and
    login before the APPEND) the save of pipelining+save+imap-cold ends after the accept, so
    its done time is later. Each table's medians are the records' own columns, in ms."""
    variants = ["baseline", "baseline+save", "burl", "pipelining+save+imap-cold"]
    args = ["run", "--profile", "dsl"] + [a for v in variants for a in ("--variant", v)]
    records = json.loads(_invoke(*args, "--format", "json").stdout)
    by = {r["variant"]: r for r in records}
    assert set(by) == set(variants) and all(r["outcome"] == "accepted" for r in records)
    cold = by["pipelining+save+imap-cold"]
    assert cold["done_s"] > cold["accept_s"]  # the case shows the difference
    assert by["baseline"]["saved_s"] is None  # nothing saved: NaN
    for r in records:
        later = r["accept_s"] if r["saved_s"] is None else max(r["accept_s"], r["saved_s"])
        assert r["done_s"] == pytest.approx(later)

    default = _invoke(*args)
    accept = _invoke(*args, "--metric", "accept")
    assert default.exit_code == 0 and accept.exit_code == 0, default.output + accept.output
    assert default.stdout.startswith("done time per profile and variant")
    assert accept.stdout.startswith("accept time per profile and variant")
    assert "median, p95: done time (accepted, and saved" in _caption(default.stdout)
    assert "median, p95: accept time (the server's" in _caption(accept.stdout)
    for out, column in ((default.stdout, "done_s"), (accept.stdout, "accept_s")):
        rows = _rows_by_variant(out, variants)
        base = by["baseline"][column]
        for v in variants:
            # variant n failed median waits ratio
            assert rows[v][3] == f"{by[v][column] * 1e3:.1f}"
            assert rows[v][5] == f"{by[v][column] / base:.2f}"
    assert (_rows_by_variant(default.stdout, variants)["pipelining+save+imap-cold"][3]
            != _rows_by_variant(accept.stdout, variants)["pipelining+save+imap-cold"][3])


def test_real_trace() -> None:
    result = _invoke("trace", "--profile", "dsl", "--variant", "baseline")
    assert result.exit_code == 0, result.output
    assert "dsl" in result.stdout.splitlines()[0]
    assert "▶|" in result.stdout and "|◀" in result.stdout


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails the test if anything is simulated (bad input must be refused before)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("simulated despite bad input")

    monkeypatch.setattr("smtpsim.scenarios.runner.run_messages", refuse)
    monkeypatch.setattr("smtpsim.api.run_session", refuse)


def test_partial_custom_path_is_a_user_error(nothing_runs: None) -> None:
    result = _invoke("run", "--rtt-ms", "120", "--up-kbps", "384")
    line = _assert_user_error(result, "--down-kbps")
    assert line == ("error: --down-kbps: missing; required: --rtt-ms, --up-kbps and"
                    " --down-kbps together (a custom path)")
    _assert_user_error(_invoke("trace", "--up-kbps", "384"), "--rtt-ms")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["run", "--size", "0"],
         "error: --size: bad value 0; allowed: a whole number >= 1 (bytes)"),
        (["run", "--size", "-1"], "error: --size: bad value -1; allowed: a number >= 0"),
        (["run", "--recipients", "0"],
         "error: --recipients: bad value 0; allowed: a whole number in [1, 1000] (recipients)"),
        (["run", "--iw", "0"],
         "error: --iw: bad value 0; allowed: a whole number in [1, 1000] (segments)"),
        (["trace", "--delack-ms", "600"], "error: --delack-ms: bad value 600; allowed: a number"
         " in (0, 500] (ms, delayed-ACK timer, RFC 1122)"),
        (["run", "--replications", "0"],
         "error: --replications: bad value 0; allowed: a whole number in [1, 1000000]"),
        (["run", "--example", "busy-server", "--seed", "-3"],
         "error: --seed: bad value -3; allowed: a whole number in [0, 9223372036854775807]"),
        (["run", "--profile", "lte", "--state", "hot"],
         "error: --state: bad value 'hot'; allowed: one of cold, warm (client caches)"),
    ],
)
def test_bad_option_values_are_refused_before_simulating(
    nothing_runs: None, args: list[str], line: str
) -> None:
    assert _assert_user_error(_invoke(*args)) == line


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--profile", "no-such-profile"],
        ["run", "--profile", "lte", "--variant", "no-such-token"],
        ["run", "--profile", "lte", "--loss", "1.5"],
        ["run", "--profile", "lte", "--server", "no-such-server"],
        ["trace", "--profile", "no-such-profile"],
    ],
)
def test_real_bad_input_is_one_line_status_2(args: list[str]) -> None:
    _assert_user_error(_invoke(*args))


def test_out_into_missing_directory_is_a_user_error(api: FakeApi, tmp_path: Path) -> None:
    _assert_user_error(_invoke("run", "--out", str(tmp_path / "nope" / "r.csv")), "nope")
    assert api.calls == []
