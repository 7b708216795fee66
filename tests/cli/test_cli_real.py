"""The `smtpsim` command against the real API and the real scenario modules: listings, real
runs, and bad input refused before anything is simulated."""


from __future__ import annotations

import json
from pathlib import Path

import pytest

from smtpsim.scenarios import profiles as builtin
from smtpsim.scenarios import variants as variant_tokens

from .fake_api import COLUMNS, FakeApi, assert_user_error, invoke, table_caption
from .tables import shows

# --- against the real API and scenario modules ---------------------------------------------


def test_profiles_lists_every_builtin_profile() -> None:
    result = invoke("profiles")
    assert result.exit_code == 0, result.output
    for name, p in builtin.builtin_profiles().items():
        assert name in result.stdout
        assert f"{p.round_trip_ms:g}" in result.stdout


def test_variants_lists_every_token_and_preset() -> None:
    result = invoke("variants")
    assert result.exit_code == 0, result.output
    for info in variant_tokens.variant_table():
        assert info.name in result.stdout
    for name in variant_tokens.PRESETS:
        assert name in result.stdout


def test_variants_resolves_expressions() -> None:
    """``smtpsim variants EXPR...``: what each expression means (issue 9 §1): the first name
    as the preset, later names as tokens."""
    result = invoke("variants", "implicit-tls+tfo", "config-token+tls1.3", "tls1.3")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # the table may wrap a cell
    assert "preset implicit-tls = pipelining+data+tls1.3+auth-plain+implicit-tls" in out
    assert "pipelining=True tls=1.3 auth=plain implicit_tls=True fast_open=tfo" in out
    assert "pipelining=True tls=1.3 auth=plain auth_pipelined=True early_pipelining=True" in out
    assert "token tls1.3" in out



def test_real_single_case_json() -> None:
    result = invoke("run", "--profile", "lte", "--variant", "baseline", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == 1
    assert set(COLUMNS) <= set(records[0])
    assert records[0]["profile"] == "lte" and records[0]["outcome"] == "accepted"
    assert records[0]["accept_s"] > 0


def test_real_table_and_default_scenario() -> None:
    result = invoke("run", "--profile", "dsl", "--variant", "baseline", "--variant", "rfc5321")
    assert result.exit_code == 0, result.output
    assert "dsl" in result.stdout and "rfc5321" in result.stdout
    result = invoke("run")
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


def test_real_metric_accept_and_default_user_on_send_and_save() -> None:
    """baseline+save and burl send and save; with a cold IMAP session (a new connection and
    login before the APPEND) the save of pipelining+save+imap-cold ends after the accept, so
    its done time is later, and the user (told after the 221 and the save) later still than
    the 221 alone. Each table's medians are the records' own columns, in ms."""
    variants = ["baseline", "baseline+save", "burl", "pipelining+save+imap-cold"]
    args = ["run", "--profile", "dsl"] + [a for v in variants for a in ("--variant", v)]
    records = json.loads(invoke(*args, "--format", "json").stdout)
    by = {r["variant"]: r for r in records}
    assert set(by) == set(variants) and all(r["outcome"] == "accepted" for r in records)
    cold = by["pipelining+save+imap-cold"]
    assert cold["done_s"] > cold["accept_s"]  # the case shows the difference
    assert by["baseline"]["saved_s"] is None  # nothing saved: NaN
    for r in records:
        later = r["accept_s"] if r["saved_s"] is None else max(r["accept_s"], r["saved_s"])
        assert r["done_s"] == pytest.approx(later)
        # quit-wait (every variant here): the user is told after the 221 and the save
        told = r["close_s"] if r["saved_s"] is None else max(r["close_s"], r["saved_s"])
        assert r["user_s"] == pytest.approx(told)

    default = invoke(*args)
    accept = invoke(*args, "--metric", "accept")
    assert default.exit_code == 0 and accept.exit_code == 0, default.output + accept.output
    assert default.stdout.startswith("user time per profile and variant")
    assert accept.stdout.startswith("accept time per profile and variant")
    assert "median, p95: user time (until the user is told" in table_caption(default.stdout)
    assert "median, p95: accept time (the server's" in table_caption(accept.stdout)
    for out, column, rtt in ((default.stdout, "user_s", "rtt_user"),
                             (accept.stdout, "accept_s", "rtt_accept")):
        rows = _rows_by_variant(out, variants)
        base = by["baseline"][column]
        for v in variants:
            # variant n failed median RTT server ratio: times in ms (dsl's are about a second)
            # to four significant digits, round trips and ratios to three
            assert shows(rows[v][3], by[v][column], 1e3, digits=4)
            assert shows(rows[v][4], by[v][rtt], digits=3)  # that time's round trips
            assert shows(rows[v][5], by[v]["occupancy_s"], 1e3, digits=4)
            assert shows(rows[v][6], by[v][column] / base, digits=3)
    assert (_rows_by_variant(default.stdout, variants)["pipelining+save+imap-cold"][3]
            != _rows_by_variant(accept.stdout, variants)["pipelining+save+imap-cold"][3])


def test_realfake_trace() -> None:
    result = invoke("trace", "--profile", "dsl", "--variant", "baseline")
    assert result.exit_code == 0, result.output
    assert "dsl" in result.stdout.splitlines()[0]
    assert "▶|" in result.stdout and "|◀" in result.stdout


def test_partial_custom_path_is_a_user_error(nothing_runs: None) -> None:
    result = invoke("run", "--rtt-ms", "120", "--up-kbps", "384")
    line = assert_user_error(result, "--down-kbps")
    assert line == ("error: --down-kbps: missing; required: --rtt-ms, --up-kbps and"
                    " --down-kbps together (a custom path)")
    assert_user_error(invoke("trace", "--up-kbps", "384"), "--rtt-ms")


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
    assert assert_user_error(invoke(*args)) == line


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--profile", "no-such-profile"],
        ["run", "--profile", "lte", "--variant", "no-such-token"],
        ["run", "--profile", "lte", "--loss", "1.5"],
        ["run", "--profile", "lte", "--server", "no-such-server"],
        ["trace", "--profile", "no-such-profile"],
        ["variants", "tls1.3+baseline"],
        ["variants", "baseline+no-such-token"],
        ["run", "--profile", "lte", "--variant", "tls1.3+baseline"],
    ],
)
def test_real_bad_input_is_one_line_status_2(args: list[str]) -> None:
    assert_user_error(invoke(*args))


def test_out_into_missing_directory_is_a_user_error(api: FakeApi, tmp_path: Path) -> None:
    assert_user_error(invoke("run", "--out", str(tmp_path / "nope" / "r.csv")), "nope")
    assert api.calls == []
