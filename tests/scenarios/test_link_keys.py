"""A profile's buffers, capacity traces and outages in scenario files: what they build, and
the one-line errors (file, key, what is allowed; exit status 2) when they are wrong."""

from __future__ import annotations

import importlib.util
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smtpsim.cli import app
from smtpsim.model import Outage, TcpConfig
from smtpsim.scenarios.cases import build_cases
from smtpsim.scenarios.errors import ScenarioError
from smtpsim.scenarios.loader import load, loads
from smtpsim.scenarios.sweep import points
from smtpsim.scenarios.traces import TraceError, load_trace, parse_trace, shipped_traces

HEAD = '[scenario]\nname = "t"\n[[variant]]\npreset = "baseline"\n'
TRACES = resources.files("smtpsim.scenarios").joinpath("data", "traces")


def _path(profile: str, source: str = "t.toml"):
    (case,) = build_cases(loads(HEAD + "[[profile]]\n" + profile, source))
    return case.network.path


def _problem(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        loads(HEAD + "[[profile]]\n" + text, "bad.toml")
    (line,) = info.value.problems
    return line


# ------------------------------------------------------------------ buffers
def test_the_preset_buffers_and_the_bdp_multiples() -> None:
    """dsl (RTT 50 ms, 384 / 1500 kbit/s) keeps its 128 KiB buffers; ``queue_bdp = 2`` makes
    them 2 x 384000 / 8 x 0.05 = 4800 B up and 2 x 1500000 / 8 x 0.05 = 18750 B down; a
    direction's own key wins over the both-ways key; gprs's BDP up, 20000 / 8 x 0.5 =
    1250 B, is raised to one 1500-B packet."""
    path = _path('preset = "dsl"\n')
    assert (path.up.queue_bytes, path.down.queue_bytes) == (131_072, 131_072)
    path = _path('preset = "dsl"\nqueue_bdp = 2\n')
    assert (path.up.queue_bytes, path.down.queue_bytes) == (4800, 18_750)
    path = _path('preset = "dsl"\nqueue_bdp = 2\nup_queue_bytes = 5000\n')
    assert (path.up.queue_bytes, path.down.queue_bytes) == (5000, 18_750)
    path = _path('preset = "gprs"\nup_queue_bdp = 1\n')
    assert (path.up.queue_bytes, path.down.queue_bytes) == (1500, 65_536)


def test_a_profile_without_preset_or_buffer_is_unbounded() -> None:
    path = _path('name = "x"\nrtt_ms = 10\nup_kbps = 100\ndown_kbps = 100\n')
    assert path.up.queue_bytes is None and path.down.queue_bytes is None


def test_bad_buffer_values_name_the_key_and_what_is_allowed() -> None:
    assert _problem('preset = "dsl"\nqueue_bytes = 1000\n') == (
        "bad.toml: profile[0].queue_bytes: bad value 1000; allowed: a whole number in [1500,"
        " 10000000000] (bytes, at least one 1500-byte packet)")
    assert _problem('preset = "dsl"\nup_queue_bdp = 0\n') == (
        "bad.toml: profile[0].up_queue_bdp: bad value 0; allowed: a number in (0, 1000]"
        " (times the bandwidth-delay product)")
    line = _problem('preset = "dsl"\ndown_queue_bytes = 4000\ndown_queue_bdp = 1\n')
    assert line.startswith("bad.toml: profile[0].down_queue_bdp: bad value 1; allowed: "
                           "down_queue_bytes or down_queue_bdp")


def test_every_built_in_profile_has_both_buffers() -> None:
    from smtpsim.scenarios.profiles import builtin_profiles, queue_setting

    for name, p in builtin_profiles().items():
        for direction in ("up", "down"):
            assert queue_setting(p, None, direction) is not None, (name, direction)
        assert "buffer" in p.source, name


# ------------------------------------------------------------------ disciplines
def test_the_queue_keys_choose_each_direction_s_discipline() -> None:
    """Drop-tail by default (every built-in profile); ``queue`` sets both directions,
    ``up_queue`` / ``down_queue`` one, the direction's own key winning; the buffer stays
    (fq_codel's shared limit)."""
    path = _path('preset = "dsl"\n')
    assert (path.up.queue, path.down.queue) == ("droptail", "droptail")
    path = _path('preset = "dsl"\nqueue = "fq_codel"\n')
    assert (path.up.queue, path.down.queue) == ("fq_codel", "fq_codel")
    assert path.up.queue_bytes == 131_072
    path = _path('preset = "dsl"\nqueue = "FQ_CoDel"\ndown_queue = "droptail"\n')
    assert (path.up.queue, path.down.queue) == ("fq_codel", "droptail")
    path = _path('preset = "dsl"\nup_queue = "fq_codel"\n')
    assert (path.up.queue, path.down.queue) == ("fq_codel", "droptail")


def test_a_bad_discipline_is_one_line_with_status_2(tmp_path: Path) -> None:
    assert _problem('preset = "dsl"\nup_queue = "red"\n') == (
        "bad.toml: profile[0].up_queue: bad value 'red'; allowed: one of droptail, fq_codel"
        " (bottleneck disciplines)")
    scenario = tmp_path / "s.toml"
    scenario.write_text(HEAD + '[[profile]]\npreset = "dsl"\nqueue = "codel"\n')
    result = CliRunner().invoke(app, ["check", str(scenario)], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line == (f"{scenario}: profile[0].queue: bad value 'codel' (did you mean"
                    " 'fq_codel'?); allowed: one of droptail, fq_codel (bottleneck disciplines)")


# ------------------------------------------------------------------ outages
def test_outages_apply_to_both_directions_in_time_order() -> None:
    path = _path('preset = "lte"\n[[profile.outage]]\nat_s = 20\nfor_s = 3\n'
                 '[[profile.outage]]\nat_s = 5\nfor_s = 1.5\n')
    assert path.up.outages == path.down.outages == (Outage(5.0, 1.5), Outage(20.0, 3.0))


def test_overlapping_and_bad_outages_are_refused() -> None:
    line = _problem('preset = "lte"\n[[profile.outage]]\nat_s = 5\nfor_s = 10\n'
                    '[[profile.outage]]\nat_s = 12\nfor_s = 1\n')
    assert line == ("bad.toml: profile[0].outage[1].at_s: bad value 12; allowed: outages that"
                    " do not overlap (this one starts before the one at 5 s ends)")
    line = _problem('preset = "lte"\n[[profile.outage]]\nat_s = 5\nfor_s = 0\n')
    assert line == "bad.toml: profile[0].outage[0].for_s: bad value 0; allowed: a number in " \
                   "(0, 172800] (s)"


# ------------------------------------------------------------------ traces
def test_a_trace_file_is_read_relative_to_the_scenario_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``up_trace = "links/up.trace"`` next to the scenario, read from another directory:
    the stamps of the file; the link's rate is the trace's mean, 3 opportunities in 4 ms =
    3 x 1500 x 8 / 0.004 = 9 Mbit/s."""
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "up.trace").write_text("1\n1\n4\n", "ascii")
    scenario = tmp_path / "s.toml"
    scenario.write_text(HEAD + '[[profile]]\npreset = "dsl"\nup_trace = "links/up.trace"\n'
                        'down_trace = "3g-down"\n')
    monkeypatch.chdir(tmp_path / "links")
    (case,) = build_cases(load(scenario))
    up, down = case.network.path.up, case.network.path.down
    assert up.trace is not None and up.trace.stamps_ms == (1, 1, 4)
    assert up.bandwidth_bps == pytest.approx(9e6)
    assert down.trace is not None and down.trace.name == "3g-down"


def test_a_missing_trace_file_is_one_line_with_status_2(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(HEAD + '[[profile]]\npreset = "dsl"\nup_trace = "nope.trace"\n')
    result = CliRunner().invoke(app, ["check", str(scenario)], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{scenario}: profile[0].up_trace: bad value 'nope.trace'; "
                           "allowed: a Mahimahi trace file")
    assert f"{tmp_path / 'nope.trace'}: no such file" in line
    assert "3g-down, 3g-up, edge-down" in line


def test_a_swept_trace_file_is_read_relative_to_the_scenario_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``[sweep] "profile.up_trace" = ["links/a.trace", "links/b.trace", <absolute>]`` next
    to the scenario, loaded and run from another directory (which holds a ``links/a.trace``
    of its own, the file a path resolved against the current directory would find): each
    point reads the file beside the scenario, as ``up_trace`` written in ``[[profile]]`` does
    (module docstring of ``smtpsim.scenarios.traces``: "relative to the scenario file's
    folder"); an absolute path is kept as it is; the point values stay as written.
    Rates: a.trace 2 opportunities in 2 ms = 2 x 1500 x 8 / 0.002 = 12 Mbit/s; b.trace
    1 in 4 ms = 1500 x 8 / 0.004 = 3 Mbit/s; the absolute c.trace 1 in 1 ms = 12 Mbit/s."""
    (tmp_path / "study" / "links").mkdir(parents=True)
    (tmp_path / "study" / "links" / "a.trace").write_text("1\n2\n", "ascii")
    (tmp_path / "study" / "links" / "b.trace").write_text("4\n", "ascii")
    (tmp_path / "elsewhere" / "links").mkdir(parents=True)
    (tmp_path / "elsewhere" / "links" / "a.trace").write_text("1000\n", "ascii")
    (tmp_path / "c.trace").write_text("1\n", "ascii")
    scenario = tmp_path / "study" / "s.toml"
    scenario.write_text(HEAD + '[[profile]]\npreset = "dsl"\n[sweep]\n"profile.up_trace" = '
                        f'["links/a.trace", "links/b.trace", "{tmp_path / "c.trace"}"]\n')
    monkeypatch.chdir(tmp_path / "elsewhere")
    loaded = load(Path("..") / "study" / "s.toml")
    got = []
    for point in points(loaded):
        (case,) = build_cases(point.scenario)
        up = case.network.path.up
        assert up.trace is not None
        got.append((point.values["profile.up_trace"], up.trace.stamps_ms, up.bandwidth_bps))
    assert got == [("links/a.trace", (1, 2), pytest.approx(12e6)),
                   ("links/b.trace", (4,), pytest.approx(3e6)),
                   (str(tmp_path / "c.trace"), (1,), pytest.approx(12e6))]


def test_a_missing_swept_trace_file_names_file_key_and_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A swept trace path naming no file beside the scenario: one line (exit status 2) with
    the scenario file, the sweep key and value, and the path looked for (beside the
    scenario file, not in the current directory, where the file does exist)."""
    (tmp_path / "study").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "up.trace").write_text("1\n", "ascii")
    scenario = tmp_path / "study" / "s.toml"
    scenario.write_text(HEAD + '[[profile]]\npreset = "dsl"\n[sweep]\n'
                        '"profile.up_trace" = ["3g-up", "up.trace"]\n')
    monkeypatch.chdir(tmp_path / "elsewhere")
    result = CliRunner().invoke(app, ["check", str(scenario)], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f'{scenario}: sweep."profile.up_trace"[1]: bad value \'up.trace\'; '
                           "allowed: a Mahimahi trace file")
    assert f"({tmp_path / 'study' / 'up.trace'}: no such file)" in line


@pytest.mark.parametrize(("text", "why"), [
    ("1\n\n2\n", "line 2: an empty line is not a whole number of ms"),
    ("5\n3\n", "line 2: 3 ms comes before 5 ms (timestamps must be non-decreasing)"),
    ("0\n0\n", "the trace lasts 0 ms (its last timestamp must be > 0)"),
    ("", "no timestamps"),
    ("1.5\n", "line 1: '1.5' is not a whole number of ms"),
])
def test_mahimahi_s_rules(text: str, why: str) -> None:
    """Mahimahi's ``LinkQueue`` refuses an empty line, a decreasing timestamp, a trace
    lasting 0 ms, and a file without timestamps."""
    with pytest.raises(TraceError) as info:
        parse_trace(text, "x")
    assert str(info.value) == why


def test_a_bad_trace_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "bad.trace").write_text("3\n2\n")
    line = _problem(f'preset = "dsl"\ndown_trace = "{tmp_path / "bad.trace"}"\n')
    assert line.startswith("bad.toml: profile[0].down_trace: bad value ")
    assert "line 2: 2 ms comes before 3 ms" in line


# ------------------------------------------------------------------ shipped traces
def test_each_shipped_trace_has_its_source_and_the_generator_remakes_it() -> None:
    """``traces.toml`` describes every shipped trace (description, source, model), and
    ``make_traces.py`` writes each file again byte for byte from its model; the mean rate
    is within 10 % of the model's (a 300 s sample of a lognormal per second)."""
    spec = tomllib.loads(TRACES.joinpath("traces.toml").read_text("utf-8"))["traces"]
    assert sorted(spec) == list(shipped_traces())
    where = Path(str(TRACES.joinpath("make_traces.py")))
    loader = importlib.util.spec_from_file_location("make_traces", where)
    assert loader is not None and loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    for name, entry in spec.items():
        assert entry["description"] and entry["source"], name
        m = entry["model"]
        stamps = module.opportunities(m["mean_kbps"], m["cv"], m["up_s"], m["stall_s"],
                                      m["period_s"], m["seed"])
        assert TRACES.joinpath(f"{name}.trace").read_text("ascii") == "".join(
            f"{s}\n" for s in stamps), name
        trace = load_trace(name)
        assert trace.period_ms == m["period_s"] * 1000
        assert trace.mean_bps == pytest.approx(m["mean_kbps"] * 1000, rel=0.10), name


# ------------------------------------------------------------------ receive buffer
def test_rmem_and_rmem_autotune_go_to_both_endpoints() -> None:
    """``rmem`` (Linux ``net.ipv4.tcp_rmem``) and ``rmem_autotune`` set both ends' TCP;
    without them Linux's defaults, ip-sysctl.rst: [4096, 131072, 6291456], autotuning
    on."""
    (case,) = build_cases(loads(HEAD + '[[profile]]\npreset = "lte"\n'
                                'rmem = [4096, 65536, 1048576]\nrmem_autotune = false\n'))
    want = TcpConfig(rmem=(4096, 65536, 1048576), rmem_autotune=False)
    assert case.client.tcp.rmem == case.server.tcp.rmem == want.rmem
    assert not case.client.tcp.rmem_autotune and not case.server.tcp.rmem_autotune
    (default,) = build_cases(loads(HEAD + '[[profile]]\npreset = "lte"\n'))
    assert default.client.tcp.rmem == (4096, 131072, 6291456)
    assert default.client.tcp.rmem_autotune


def test_bad_rmem_names_the_key_and_what_is_allowed() -> None:
    """min <= default <= max, three whole numbers: [4096, 131072, 65536] is refused."""
    line = _problem('preset = "lte"\nrmem = [4096, 131072, 65536]\n')
    assert line.startswith("bad.toml: profile[0].rmem: bad value")
    assert "allowed: three whole numbers of bytes [min, default, max]" in line
    line = _problem('preset = "lte"\nrmem_autotune = 1\n')
    assert line.startswith("bad.toml: profile[0].rmem_autotune: bad value 1; allowed: true or")
