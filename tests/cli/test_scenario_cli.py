"""`smtpsim run SCENARIO.toml`, `run --example`, `check` and `examples`, against the real API."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from smtpsim.cli import app
from smtpsim.scenarios.cases import build_cases
from smtpsim.scenarios.loader import example_names, load_example
from smtpsim.scenarios.sweep import points

from .tables import rich_tables, shows

runner = CliRunner()

GOOD = """\
[scenario]
name = "cli-test"
description = "two profiles, two variants"
seed = 3
replications = 2

[[profile]]
preset = "dsl"

[[profile]]
name = "dead"
rtt_ms = 100
up_kbps = 100
down_kbps = 100
loss = 1.0

[[variant]]
preset = "baseline"

[[variant]]
preset = "tfo"
"""

BAD = """\
[scenario]
name = "cli-test"
replications = 0

[[profile]]
preset = "ltee"

[[variant]]
preset = "baseline"

[workload]
sise_bytes = 100
"""


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _assert_problems(result: Result, lines: list[str]) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == lines


def test_check_prints_the_resolved_scenario(tmp_path: Path) -> None:
    result = _invoke("check", str(_write(tmp_path, GOOD)))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "scenario cli-test: two profiles, two variants" in out
    assert "1 sweep point(s) x 2 profile(s) x 2 variant(s) x 2 replication(s) = 8 runs" in out
    assert '[scenario]\nname = "cli-test"' in out and "idle_timeout_s = 300.0" in out
    # dsl's one-way delays (its 50 ms RTT halved) and rates, resolved: up and down in ms,
    # then up and down in kbit/s
    (dsl,) = [r for r in rich_tables(out)[0] if r["name"] == "dsl"]
    assert (dsl["up ms"], dsl["down ms"]) == ("25", "25")
    assert (dsl["up kbit/s"], dsl["down kbit/s"]) == ("384", "1500")
    assert "fast_open=tfo" in out and "reference: baseline" in out


@pytest.mark.parametrize("command", ["check", "run"])
def test_bad_file_one_line_per_problem_status_2(tmp_path: Path, command: str) -> None:
    path = _write(tmp_path, BAD)
    _assert_problems(_invoke(command, str(path)), [
        f"{path}: scenario.replications: bad value 0; allowed: a whole number in [1, 1000000]",
        f"{path}: profile[0].preset: bad value 'ltee' (did you mean 'lte'?); allowed: one of lan,"
        " wifi, dsl, cable, fibre, gprs, edge, 3g, hspa, lte, 5g, geo-satellite, leo-satellite,"
        " intercontinental (built-in profiles)",
        f"{path}: workload.sise_bytes: unknown key (did you mean 'size_bytes'?); allowed:"
        " clients, messages, gap_s, size_bytes, recipients, state, arrival_rate_per_s,"
        " arrival_sessions, client_idle_s",
    ])


@pytest.mark.parametrize("command", ["check", "run"])
def test_bad_metric_names_the_file_and_key_status_2(tmp_path: Path, command: str) -> None:
    text = GOOD.replace("replications = 2\n", 'replications = 2\nmetric = "bogus"\n')
    path = _write(tmp_path, text)
    _assert_problems(_invoke(command, str(path)), [
        f"{path}: scenario.metric: bad value 'bogus'; allowed: one of accept, done, user,"
        " occupancy (summary metrics)",
    ])


def _caption(out: str) -> str:
    return " ".join(out[out.index("median, p95:"):].split())


SAVE = """\
[scenario]
name = "save-test"
replications = 1
{metric}
[[profile]]
preset = "dsl"

[[variant]]
preset = "baseline"

[[variant]]
name = "cold-save"
features = ["pipelining", "save", "imap-cold"]
"""


def _median_ms(out: str, variant: str) -> str:
    """The variant's median, under the header ``median`` with the unit ``ms``."""
    (row,) = [r for r in rich_tables(out)[0] if r["variant"] == variant]
    return row["median ms"]


@pytest.mark.parametrize(
    ("line", "args", "shown"),
    [
        ("", [], "user"),  # the default
        ('metric = "accept"', [], "accept"),  # the file's
        ('metric = "accept"', ["--metric", "done"], "done"),  # --metric overrides it
        ("", ["--metric", "accept"], "accept"),
    ],
)
def test_file_metric_and_its_override(
    tmp_path: Path, line: str, args: list[str], shown: str
) -> None:
    """cold-save's APPEND waits for a new IMAP connection and login: its done time is after
    its accept time, so the table's median says which one it shows."""
    path = _write(tmp_path, SAVE.format(metric=line))
    records = pd.read_json(io.StringIO(_invoke("run", str(path), "--format", "json").stdout))
    cold = records[records["variant"] == "cold-save"].iloc[0]
    assert cold["done_s"] > cold["accept_s"]
    result = _invoke("run", str(path), *args)
    assert result.exit_code == 0, result.output
    phrase = {"done": "done time (accepted, and saved to Sent when the variant saves)",
              "user": 'user time (until the user is told "sent": after the 221 when the'
                      " client waits for it, and the save to Sent when the variant saves)",
              "accept": "accept time (the server's final 250 for the message)"}[shown]
    assert _caption(result.stdout).startswith(f"median, p95: {phrase};")
    # dsl's times are seconds: in ms with four significant digits ("3075", not "3075.3")
    median = _median_ms(result.stdout, "cold-save")
    assert shows(median, cold[f"{shown}_s"], 1e3, digits=4) and len(median) <= 5


def test_check_shows_the_metric(tmp_path: Path) -> None:
    result = _invoke("check", str(_write(tmp_path, SAVE.format(metric='metric = "user"'))))
    assert result.exit_code == 0, result.output
    assert 'metric = "user"' in result.stdout
    assert "reference: baseline, summary metric: user" in result.stdout
    result = _invoke("check", str(_write(tmp_path, SAVE.format(metric=""))))
    assert 'metric = "user"' in result.stdout  # the default, written out


def test_toml_syntax_error_status_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "[scenario\n")
    _assert_problems(_invoke("run", str(path)), [
        f"{path}: line 1, column 10: invalid TOML: Expected ']' at the end of a table declaration"
    ])


def test_missing_file_status_2(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    _assert_problems(_invoke("check", str(path)),
                     [f"{path}: cannot read: No such file or directory"])


def test_unknown_example_is_a_user_error() -> None:
    result = _invoke("run", "--example", "lemonade-2007")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: unknown example 'lemonade-2007' (did you mean")
    assert result.stderr.endswith("; allowed: big-attachments, busy-server, default,"
                                  " lemonade-2006, mobile-today, server-farm\n")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--profile", "lte"], "--profile: single-case options do not apply to a scenario"),
        (["--variant", "tfo", "--size", "5"], "--variant, --size: single-case options"),
        (["--example", "busy-server"], "not both"),
    ],
)
def test_scenario_with_single_case_options_is_refused(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    result = _invoke("run", str(_write(tmp_path, GOOD)), *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and needle in result.stderr


def test_check_needs_a_file_or_an_example() -> None:
    result = _invoke("check")
    assert result.exit_code == 2 and "--example NAME" in result.stderr


def test_run_file_table_counts_failures(tmp_path: Path) -> None:
    result = _invoke("run", str(_write(tmp_path, GOOD)))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "cli-test: two profiles, two variants" in out
    dead = [line for line in out.splitlines() if line.strip().startswith("dead")]
    assert dead and dead[0].split()[2:4] == ["2", "2"]  # n = 2, failed = 2: counted
    assert "median / median of baseline" in out


def test_run_example_json_carries_client_message_frontend() -> None:
    result = _invoke("run", "--example", "server-farm", "--replications", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    expected = sum(c.workload.messages * c.workload.clients
                   for pt in points(load_example("server-farm")) for c in build_cases(pt.scenario))
    assert len(records) == expected
    first = records[0]
    assert {"scenario", "point", "server.farm.affinity", "server.farm.frontends", "client",
            "message", "frontend", "outcome"} <= set(first)
    assert first["scenario"] == "server-farm" and first["frontend"]
    used = {r["frontend"] for r in records if r["server.farm.frontends"] == 16}
    assert len(used) > 1 and all(fe.startswith("fe") for fe in used)
    assert {r["replication"] for r in records} == {0}


def test_run_example_csv_to_stdout() -> None:
    result = _invoke("run", "--example", "lemonade-2006", "--replications", "1", "--format", "csv")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(io.StringIO(result.stdout))
    assert len(df) == 4 * 14 and set(df["profile"]) == {"gprs", "edge", "3g", "dsl"}


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_out_writes_records_and_packets(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path, GOOD + "\n[output]\ntraces = true\n")
    out = tmp_path / f"r{suffix}"
    result = _invoke("run", str(path), "--replications", "1", "--format", "json", "--out",
                     str(out))
    assert result.exit_code == 0, result.output
    read = pd.read_parquet if suffix == ".parquet" else pd.read_csv
    records = read(out)
    assert len(records) == 4 and list(records.columns[:2]) == ["scenario", "point"]
    packets = read(tmp_path / f"r.packets{suffix}")
    assert set(packets["profile"]) == {"dsl", "dead"} and len(packets) > 20
    assert f"wrote 4 rows to {out}" in result.stderr


def test_output_path_of_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, GOOD + '\n[output]\npath = "results.csv"\n')
    result = _invoke("run", str(path), "--replications", "1")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "results.csv")) == 4


def test_sweep_points_are_labelled(tmp_path: Path) -> None:
    text = GOOD.replace('name = "dead"', 'name = "slow"').replace("loss = 1.0", "loss = 0")
    path = _write(tmp_path, text + '\n[sweep]\n"server.farm.affinity" = [0, 1]\n')
    result = _invoke("run", str(path), "--replications", "1")
    assert result.exit_code == 0, result.output
    assert "affinity=0" in result.stdout and "affinity=1" in result.stdout


def test_examples_lists_every_shipped_example() -> None:
    """The default scenario (what `smtpsim run` runs) first, then the studies."""
    result = _invoke("examples")
    assert result.exit_code == 0, result.output
    names = example_names(default=True)
    assert names[0] == "default" and names[1:] == example_names()
    assert result.stdout.index("default") < result.stdout.index(names[1])
    for name in names:
        assert name in result.stdout
        assert load_example(name).scenario.description[:30] in result.stdout


def test_check_every_example() -> None:
    for name in example_names(default=True):
        result = _invoke("check", "--example", name)
        assert result.exit_code == 0, result.output
        assert f"scenario {name}" in result.stdout
