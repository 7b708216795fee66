"""Hostile input (issue 10, "Bad input and limits"): each is refused before anything is
simulated, with exit status 2 and one line naming the file and key (or the option) and what
is allowed, never a traceback; or, for input that is fine (a byte-order mark, markup-like
text, upper-case choices), read and printed as written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from smtpsim.cli import app
from smtpsim.scenarios.errors import ScenarioError
from smtpsim.scenarios.loader import load, loads

runner = CliRunner()

BASE = ('[scenario]\nname = "t"\n[[profile]]\npreset = "dsl"\n'
        '[[variant]]\npreset = "baseline"\n')


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _one_line(result: Result) -> str:
    """The only stderr line of a refused command (status 2, no traceback, nothing on
    stdout)."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


SIZE_ALLOWED = ("allowed: a size <= 100000000 bytes (100 MB, twice Exim's default "
                "message_size_limit; a lognormal's median and an exponential's mean too): "
                "larger messages do not finish simulating")


# ---------------------------------------------------------------- sizes and counts
@pytest.mark.usefixtures("nothing_runs")
def test_huge_size_option_is_refused() -> None:
    """10^15 bytes: 7·10^11 segments; the limit is 100 MB, twice Exim's default
    message_size_limit (50M) and ten times Postfix's (10240000)."""
    line = _one_line(_invoke("run", "--size", "1000000000000000"))
    assert line == f"error: --size: bad value 1000000000000000; {SIZE_ALLOWED}"
    line = _one_line(_invoke("trace", "--size", "100000001"))
    assert line == f"error: --size: bad value 100000001; {SIZE_ALLOWED}"


def test_size_limit_in_files(tmp_path: Path) -> None:
    """``size_bytes = 1e15`` and a lognormal whose median is over the limit are refused at
    their keys; exactly 100,000,000 bytes is allowed."""
    result = _invoke("check", str(_write(tmp_path, BASE + "[workload]\nsize_bytes = 1e15\n")))
    assert _one_line(result) == (f"{tmp_path / 's.toml'}: workload.size_bytes.value: bad value "
                                 f"1000000000000000.0; {SIZE_ALLOWED}")
    with pytest.raises(ScenarioError) as info:
        loads(BASE + '[workload]\nsize_bytes = {dist = "lognormal", median = 2e8, sigma = 1}\n',
              "f.toml")
    assert info.value.problems == (
        f"f.toml: workload.size_bytes.median: bad value 200000000; {SIZE_ALLOWED}",)
    assert loads(BASE + "[workload]\nsize_bytes = 100_000_000\n").workload.size_bytes.value == (
        100_000_000)


def test_sessions_per_run_and_per_study(tmp_path: Path) -> None:
    """clients x messages of one run at most 10^6 (arrival_sessions' bound); a study at most
    10^9 sessions: 1000 clients x 1000 messages x 1001 replications is 1.001·10^9, refused
    at its largest factor (the sessions per run: [workload])... and by --replications when
    the option makes it so."""
    over_run = BASE + "[workload]\nclients = 1000\nmessages = 1001\n"
    assert _one_line(_invoke("check", str(_write(tmp_path, over_run)))) == (
        f"{tmp_path / 's.toml'}: workload.messages: bad value 1001; allowed: clients x "
        "messages <= 1000000 (sessions in one run, here 1000 x 1001)")
    study = BASE.replace('name = "t"', 'name = "t"\nreplications = 1001') + (
        "[workload]\nclients = 1000\nmessages = 1000\n")
    allowed = ("allowed: at most 1000000000 sessions in a study (here 1 points x 1 profiles "
               "x 1 variants x 1001 replications x 1000000 sessions per run = 1001000000: "
               "points x profiles x variants x replications x sessions per run)")
    assert _one_line(_invoke("check", str(_write(tmp_path, study)))) == (
        f"{tmp_path / 's.toml'}: workload: bad value 1000000; {allowed}")
    fine = study.replace("replications = 1001", "replications = 1000")
    path = _write(tmp_path, fine)
    assert load(path).scenario.replications == 1000
    line = _one_line(_invoke("run", str(path), "--replications", "1001"))
    assert line == f"error: --replications: bad value 1001; {allowed}"


@pytest.mark.usefixtures("nothing_runs")
def test_trace_width_is_capped() -> None:
    """Each ladder line is built ``--width`` wide: at most 1000 columns."""
    line = _one_line(_invoke("trace", "--width", "100000000"))
    assert line == ("error: --width: bad value 100000000; allowed: a whole number in [1, 1000]"
                    " (columns; the ladder needs 76 or more)")


# ---------------------------------------------------------------- shapes
def test_deeply_nested_toml_is_refused_quickly(tmp_path: Path) -> None:
    """5000 nested arrays overflow tomllib's recursive parser; 20 parse but are deeper than
    any scenario key (5 levels, limit 16): both one line, status 2."""
    deep = BASE + "[workload]\nsize_bytes = " + "[" * 5000 + "]" * 5000 + "\n"
    start = time.perf_counter()
    for command in ("check", "run"):
        line = _one_line(_invoke(command, str(_write(tmp_path, deep))))
        assert line == (f"{tmp_path / 's.toml'}: line 8: nested deeper than 16 arrays and "
                        "tables; allowed: at most 16 levels (a scenario's deepest key is 5 "
                        "levels down)")
    assert time.perf_counter() - start < 20
    twenty = BASE + "[workload]\nsize_bytes = " + "{a = " * 20 + "1" + "}" * 20 + "\n"
    line = _one_line(_invoke("check", str(_write(tmp_path, twenty))))
    # the first value 17 levels down: workload (1), size_bytes (2), then 15 tables a
    assert line.startswith(f"{tmp_path / 's.toml'}: workload.size_bytes{'.a' * 15}: nested "
                           "deeper than 16")


def test_huge_sweep_is_refused_quickly(tmp_path: Path) -> None:
    """Five axes of 40 values (1.024·10^8 points) against the 10^6 limit."""
    values = "[" + ", ".join(str(i / 40) for i in range(40)) + "]"
    axes = ("server.farm.affinity", "profile.loss", "profile.jitter_ms", "server.dc_path.loss",
            "server.dc_path.jitter_ms")
    text = BASE + "[sweep]\n" + "".join(f'"{a}" = {values}\n' for a in axes)
    start = time.perf_counter()
    line = _one_line(_invoke("check", str(_write(tmp_path, text))))
    assert time.perf_counter() - start < 10
    assert line == (f"{tmp_path / 's.toml'}: sweep: bad value 102400000 points; allowed: at "
                    "most 1000000 sweep points (a grid of 40 x 40 x 40 x 40 x 40 = 102400000 "
                    "points)")


# ---------------------------------------------------------------- read as written
def test_byte_order_mark_is_read(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark (EF BB BF, what some Windows editors write first) is not
    part of the TOML document."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    result = _invoke("check", str(path))
    assert result.exit_code == 0, result.output
    assert load(path).scenario.name == "t"


@pytest.mark.parametrize("description", ["latency [/] study", "see RFC [x]",
                                         "[bold]not bold[/bold]"])
def test_description_is_printed_as_text(tmp_path: Path, description: str) -> None:
    """The table's title is ``name: description`` exactly as written: rich markup in user
    text is neither parsed (``[/]`` crashed the run) nor dropped (``[x]`` vanished)."""
    text = BASE.replace('name = "t"', f'name = "t"\ndescription = "{description}"')
    result = _invoke("run", str(_write(tmp_path, text)))
    assert result.exit_code == 0, result.output
    assert f"t: {description}" in result.stdout


def test_choices_are_case_insensitive_everywhere(tmp_path: Path) -> None:
    """One rule: a choice (a name from a fixed list) is accepted in any case and kept as the
    list spells it, in files (state, metric, dist, presets, programs, design) and options
    (--state, --server, --metric, --format) alike."""
    s = loads(BASE.replace('"dsl"', '"DSL"').replace('"baseline"', '"Baseline"')
              + '[workload]\nstate = "COLD"\ngap_s = {dist = "Exponential", mean = 5}\n'
              + '[client]\nsoftware = "Generic"\n[server]\nsoftware = "Postfix"\n')
    assert (s.profile[0].preset, s.variant[0].preset) == ("dsl", "baseline")
    assert (s.workload.state, s.workload.gap_s.dist) == ("cold", "exponential")
    assert (s.client.software, s.server.software) == ("generic", "postfix")
    result = _invoke("run", "--state", "WARM", "--server", "Ideal", "--metric", "USER",
                     "--format", "CSV")
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()[:2]
    record = dict(zip(header.split(","), row.split(","), strict=True))
    assert (record["state"], record["server"]) == ("warm", "ideal")
