"""Scenario files: round trips through the loader, and the mapping onto simulator Cases."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from smtpsim.model import (
    Distribution,
    FarmConfig,
    GilbertElliott,
    LinkConfig,
    PathConfig,
    ServerTiming,
    TcpConfig,
)
from smtpsim.scenarios.cases import build_cases
from smtpsim.scenarios.loader import dump, dumps, example_names, load, load_example, loads
from smtpsim.scenarios.profiles import builtin_profiles
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.sweep import points
from smtpsim.scenarios.toml_writer import dumps as toml_dumps
from smtpsim.scenarios.variants import parse_variant

EXAMPLES = ["big-attachments", "busy-server", "lemonade-2006", "mobile-today", "server-farm"]
HEAD = '[scenario]\nname = "t"\n'
VAR = '[[variant]]\npreset = "baseline"\n'


def _raw_profiles() -> dict[str, dict]:
    path = resources.files("smtpsim.scenarios").joinpath("data/profiles.toml")
    return tomllib.loads(path.read_text("utf-8"))["profiles"]


def test_the_shipped_examples() -> None:
    assert example_names() == EXAMPLES


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_round_trips(name: str) -> None:
    scenario = load_example(name)
    text = dumps(scenario)
    again = loads(text, "dumped.toml")
    assert again == scenario
    assert dumps(again) == text
    assert build_cases(points(again)[0].scenario) == build_cases(points(scenario)[0].scenario)


def _expected(raw: dict) -> tuple[PathConfig, float, float]:
    """The path and (promotion, tail) in seconds a profiles.toml table stands for, computed
    here from its ms and kbit/s."""
    if "rtt_ms" in raw:
        up_s = down_s = raw["rtt_ms"] / 2.0 / 1000.0
    else:
        up_s, down_s = raw["delay_up_ms"] / 1000.0, raw["delay_down_ms"] / 1000.0
    jitter_s = raw["jitter_ms"] / 1000.0

    def buffer(direction: str) -> int:  # bytes, or a multiple of rate x RTT (>= 1500 B)
        if f"{direction}_queue_bytes" in raw:
            return raw[f"{direction}_queue_bytes"]
        bdp = raw[f"{direction}_kbps"] * 1000.0 / 8.0 * (up_s + down_s)
        return max(1500, round(raw[f"{direction}_queue_bdp"] * bdp))

    path = PathConfig(LinkConfig(up_s, raw["up_kbps"] * 1000.0, jitter_s, raw["loss"],
                                 queue_bytes=buffer("up")),
                      LinkConfig(down_s, raw["down_kbps"] * 1000.0, jitter_s, raw["loss"],
                                 queue_bytes=buffer("down")))
    return path, raw["radio_promotion_ms"] / 1000.0, raw["radio_tail_ms"] / 1000.0


@pytest.mark.parametrize("name", sorted(builtin_profiles()))
def test_builtin_profile_round_trips_as_preset(name: str) -> None:
    scenario = loads(HEAD + f'[[profile]]\npreset = "{name}"\n' + VAR)
    assert loads(dumps(scenario)) == scenario
    (case,) = build_cases(scenario)
    path, promotion_s, tail_s = _expected(_raw_profiles()[name])
    assert case.network.path == path
    assert case.client.tcp == case.server.tcp == TcpConfig()  # no built-in profile sets an MSS
    net = case.network
    assert (net.radio_promotion_s, net.radio_tail_s) == (promotion_s, tail_s)
    assert case.network.profile == name


@pytest.mark.parametrize("name", sorted(builtin_profiles()))
def test_builtin_profile_written_inline_is_the_same_path(name: str) -> None:
    """The profile's own numbers from profiles.toml, written inline in a scenario, give the
    very Case values the preset gives."""
    table = {k: v for k, v in _raw_profiles()[name].items() if k not in ("description", "source")}
    doc = {"scenario": {"name": "t"}, "profile": [{"name": name, **table}],
           "variant": [{"preset": "baseline"}]}
    scenario = loads(toml_dumps(doc))
    assert loads(dumps(scenario)) == scenario
    (case,) = build_cases(scenario)
    (preset,) = build_cases(loads(HEAD + f'[[profile]]\npreset = "{name}"\n' + VAR))
    assert case.network == preset.network
    assert case.client.tcp == preset.client.tcp


def test_preset_with_overrides() -> None:
    scenario = loads(HEAD + '[[profile]]\npreset = "lte"\nname = "lte-2006"\niw = 3\n'
                     "delack_ms = 200\nmss = 1380\nloss = 0.05\ndelay_down_ms = 100\n" + VAR)
    (case,) = build_cases(scenario)
    lte, _, _ = _expected(_raw_profiles()["lte"])
    assert case.network.profile == "lte-2006"
    assert case.network.path.up.delay_s == lte.up.delay_s == 0.035
    assert case.network.path.down.delay_s == 0.1
    assert case.network.path.up.loss == case.network.path.down.loss == 0.05
    up = case.network.path.up
    assert up.bandwidth_bps == lte.up.bandwidth_bps and up.jitter_s == lte.up.jitter_s
    assert case.client.tcp == TcpConfig(mss=1380, iw=3, delack_s=0.2)
    assert case.network.radio_promotion_s == 0.26 and case.network.radio_tail_s == 10.12


def test_profile_sack_and_congestion() -> None:
    """``sack`` and ``congestion`` go to both TCP endpoints; Linux's defaults (SACK on,
    CUBIC) without them."""
    (case,) = build_cases(loads(HEAD + '[[profile]]\npreset = "lte"\nsack = false\n'
                                'congestion = "NewReno"\n' + VAR))
    assert case.client.tcp == case.server.tcp == TcpConfig(sack=False, congestion="newreno")
    (default,) = build_cases(loads(HEAD + '[[profile]]\npreset = "lte"\n' + VAR))
    assert (default.client.tcp.sack, default.client.tcp.congestion) == (True, "cubic")


def test_profile_rack() -> None:
    """``rack = false`` turns RACK-TLP off at both endpoints (Linux ``tcp_recovery`` 0,
    ``tcp_early_retrans`` 0); on by default, as in Linux."""
    (case,) = build_cases(loads(HEAD + '[[profile]]\npreset = "lte"\nrack = false\n' + VAR))
    assert case.client.tcp == case.server.tcp == TcpConfig(rack=False)
    (default,) = build_cases(loads(HEAD + '[[profile]]\npreset = "lte"\n' + VAR))
    assert default.client.tcp.rack and default.server.tcp.rack


def test_profile_hystart() -> None:
    """``hystart = false`` turns CUBIC's HyStart off at both endpoints (Linux ``tcp_cubic``
    module parameter ``hystart`` 0); on by default, as in Linux (``hystart`` 1)."""
    (case,) = build_cases(loads(HEAD + '[[profile]]\npreset = "lte"\nhystart = false\n' + VAR))
    assert case.client.tcp == case.server.tcp == TcpConfig(hystart=False)
    (default,) = build_cases(loads(HEAD + '[[profile]]\npreset = "lte"\n' + VAR))
    assert default.client.tcp.hystart and default.server.tcp.hystart


def test_inline_profile_with_burst_loss_and_radio() -> None:
    scenario = loads(
        HEAD + '[[profile]]\nname = "train"\ndelay_up_ms = 40\ndelay_down_ms = 60\n'
        "up_kbps = 500\ndown_kbps = 2000\njitter_ms = 5\n"
        "burst = {p_gb = 0.01, p_bg = 0.25, loss_bad = 0.8}\n"
        "radio_promotion_ms = 300\nradio_tail_ms = 10000\n" + VAR
    )
    (case,) = build_cases(scenario)
    ge = GilbertElliott(0.01, 0.25, 0.0, 0.8)
    assert case.network.path.up.burst == case.network.path.down.burst == ge
    assert case.network.path.up.loss == 0.0
    assert (case.network.path.up.delay_s, case.network.path.down.delay_s) == (0.04, 0.06)
    path = case.network.path
    assert (path.up.bandwidth_bps, path.down.bandwidth_bps) == (500e3, 2000e3)
    assert case.network.path.up.jitter_s == 0.005
    assert (case.network.radio_promotion_s, case.network.radio_tail_s) == (0.3, 10.0)
    assert case.client.tcp == TcpConfig()


def test_burst_replaces_a_presets_loss() -> None:
    scenario = loads(HEAD + '[[profile]]\npreset = "gprs"\nburst = {p_gb = 0.1, p_bg = 0.5}\n'
                     + VAR)
    (case,) = build_cases(scenario)
    up = case.network.path.up
    assert up.loss == 0.0 and up.burst == GilbertElliott(0.1, 0.5)


def test_variants_map_to_features_and_names() -> None:
    scenario = loads(
        HEAD + '[[profile]]\npreset = "dsl"\n' + VAR + '[[variant]]\npreset = "tfo"\n'
        'name = "fast-open"\n[[variant]]\nname = "bl13"\nfeatures = ["baseline", "tls1.3"]\n'
    )
    cases = build_cases(scenario)
    assert [c.client.variant for c in cases] == ["baseline", "fast-open", "bl13"]
    assert [c.client.features for c in cases] == [
        parse_variant("baseline"), parse_variant("tfo"), parse_variant("baseline+tls1.3")
    ]
    assert scenario.reference == "baseline"


def test_metric_defaults_to_the_users_time() -> None:
    """Issue 9 §6: the default metric is the user's time (the 221 where the client waits for
    it, the save to Sent where the variant saves)."""
    scenario = loads(HEAD + '[[profile]]\npreset = "dsl"\n' + VAR)
    assert scenario.scenario.metric == "user"
    assert 'metric = "user"' in dumps(scenario).split("[[profile]]")[0]  # written out


@pytest.mark.parametrize("metric", ["accept", "done", "user", "occupancy"])
def test_metric_round_trips(metric: str) -> None:
    scenario = loads(HEAD + f'metric = "{metric}"\n[[profile]]\npreset = "dsl"\n' + VAR)
    assert scenario.scenario.metric == metric
    assert loads(dumps(scenario)) == scenario


def test_reference_defaults_to_the_first_variant_without_baseline() -> None:
    scenario = loads(HEAD + '[[profile]]\npreset = "dsl"\n[[variant]]\npreset = "tfo"\n')
    assert scenario.reference == "tfo"


def test_workload_defaults_and_fixed_values() -> None:
    (case,) = build_cases(loads(HEAD + '[[profile]]\npreset = "dsl"\n' + VAR))
    w = case.workload
    assert (w.size, w.recipients, w.gap_s, w.messages, w.clients) == (10_000, 1, 60.0, 1, 1)
    assert case.workload.size_dist is case.workload.recipients_dist is case.workload.gap is None
    # issue 9 §6: one default state for every entry point, warm
    assert case.client.state == "warm" and case.workload.arrival_rate is None
    assert case.server.timing == ServerTiming.typical() and case.server.name == "typical"
    server = case.server
    assert server.farm == FarmConfig() and server.workers is None and server.idle_s == 300.0
    assert case.server.dc_path == PathConfig.symmetric_rtt(0.001, 10e9, 10e9)
    assert case.server.burl_pooled is True


def test_workload_distributions() -> None:
    scenario = loads(
        HEAD + '[[profile]]\npreset = "dsl"\n' + VAR + "[workload]\nclients = 3\nmessages = 4\n"
        'state = "warm"\nclient_idle_s = 30\n'
        'gap_s = {dist = "exponential", mean = 600}\n'
        'size_bytes = {dist = "lognormal", median = 20000, sigma = 1.5}\n'
        'recipients = {dist = "empirical", quantiles = [[0, 1], [0.9, 1], [1, 5]]}\n'
    )
    (case,) = build_cases(scenario)
    w, client = case.workload, case.client
    assert (w.clients, w.messages, client.state, client.idle_s) == (3, 4, "warm", 30)
    assert case.workload.gap == Distribution("exponential", 600.0)
    assert case.workload.size_dist == Distribution("lognormal", 20000.0, 1.5)
    assert case.workload.recipients_dist == Distribution(
        "empirical", quantiles=((0.0, 1.0), (0.9, 1.0), (1.0, 5.0)))
    assert case.workload.size == round(Distribution("lognormal", 20000.0, 1.5).mean)


def test_open_loop_arrivals() -> None:
    scenario = loads(HEAD + '[[profile]]\npreset = "dsl"\n' + VAR
                     + "[workload]\narrival_rate_per_s = 2.5\narrival_sessions = 40\n")
    (case,) = build_cases(scenario)
    assert (case.workload.arrival_rate, case.workload.arrival_sessions) == (2.5, 40)


def test_server_section() -> None:
    scenario = loads(
        HEAD + '[[profile]]\npreset = "dsl"\n' + VAR
        + '[server]\ntiming = "ideal"\nworkers = 8\nidle_timeout_s = 30\nburl_pooled = false\n'
        '[server.timing_ms]\nrcpt = 20\nauth = {dist = "lognormal", median = 10, sigma = 0.5}\n'
        "[server.farm]\nfrontends = 4\naffinity = 0.25\nshared_tfo_key = true\n"
        "config_changes_s = [100, 500]\nrolling_interval_s = 30\n"
        "[server.dc_path]\nrtt_ms = 20\nup_kbps = 1000\ndown_kbps = 2000\nloss = 0.01\n"
    )
    (case,) = build_cases(scenario)
    ideal = ServerTiming.ideal()
    timing = case.server.timing
    assert timing.rcpt == 0.02 and timing.auth == Distribution("lognormal", 0.01, 0.5)
    assert case.server.timing.mail == ideal.mail == 0.0
    assert case.server.name == "ideal+custom"
    assert (case.server.workers, case.server.idle_s, case.server.burl_pooled) == (8, 30.0, False)
    assert case.server.farm == FarmConfig(4, 0.25, False, True, False, (100.0, 500.0), 30.0)
    assert case.server.dc_path == PathConfig(LinkConfig(0.01, 1e6, 0.0, 0.01),
                                      LinkConfig(0.01, 2e6, 0.0, 0.01))
    assert loads(dumps(scenario)) == scenario


def test_cases_are_profile_major() -> None:
    scenario = loads(HEAD + '[[profile]]\npreset = "dsl"\n[[profile]]\npreset = "3g"\n' + VAR
                     + '[[variant]]\npreset = "tfo"\n')
    assert [(c.network.profile, c.client.variant) for c in build_cases(scenario)] == [
        ("dsl", "baseline"), ("dsl", "tfo"), ("3g", "baseline"), ("3g", "tfo")]


def test_sweep_grid() -> None:
    scenario = loads(
        HEAD + '[[profile]]\npreset = "dsl"\n[[profile]]\npreset = "3g"\n' + VAR
        + '[sweep]\n"server.farm.affinity" = [0, 1]\n"workload.size_bytes" = [1000, 5000, 9000]\n'
        '"profile.loss" = [0.02]\n'
    )
    grid = points(scenario)
    assert [pt.values for pt in grid] == [
        {"server.farm.affinity": a, "workload.size_bytes": s, "profile.loss": 0.02}
        for a in (0, 1) for s in (1000, 5000, 9000)
    ]
    assert grid[4].label == "affinity=1 size_bytes=5000 loss=0.02"
    cases = build_cases(grid[4].scenario)
    assert all(c.server.farm.affinity == 1.0 and c.workload.size == 5000 for c in cases)
    assert all(c.network.path.up.loss == c.network.path.down.loss == 0.02 for c in cases)
    assert grid[4].scenario.sweep.axes == ()


def test_no_sweep_is_one_point() -> None:
    scenario = loads(HEAD + '[[profile]]\npreset = "dsl"\n' + VAR)
    (pt,) = points(scenario)
    assert pt.index == 0 and pt.values == {} and pt.scenario is scenario and pt.label == ""


def test_models_are_frozen() -> None:
    scenario = load_example("server-farm")
    with pytest.raises(ValidationError):
        scenario.scenario.replications = 3  # type: ignore[misc]
    assert isinstance(scenario.profile, tuple) and isinstance(scenario.sweep.axes, tuple)
    assert isinstance(scenario.server.farm.config_changes_s, tuple)


def test_dump_writes_every_default_in_file_units() -> None:
    doc = dump(loads(HEAD + '[[profile]]\npreset = "dsl"\n' + VAR))
    assert doc["workload"]["size_bytes"] == {"dist": "fixed", "value": 10_000}
    assert doc["server"]["idle_timeout_s"] == 300.0
    assert doc["server"]["dc_path"]["rtt_ms"] == 1.0
    assert doc["sweep"] == {}


def test_load_reads_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.toml"
    path.write_text(HEAD + '[[profile]]\npreset = "dsl"\n' + VAR, encoding="utf-8")
    assert load(path) == load(str(path))
    assert isinstance(load(path), Scenario)


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=40
)


@settings(max_examples=50, deadline=None)
@given(description=_TEXT, seed=st.integers(0, 2**63 - 1),
       loss=st.floats(0, 1, allow_nan=False), rtt=st.floats(0.001, 10_000, allow_nan=False))
def test_round_trip_property(description: str, seed: int, loss: float, rtt: float) -> None:
    doc = {"scenario": {"name": "p", "description": description, "seed": seed},
           "profile": [{"name": "x", "rtt_ms": rtt, "up_kbps": 1.5, "down_kbps": 3,
                        "loss": loss}],
           "variant": [{"preset": "baseline"}]}
    scenario = Scenario.model_validate(doc)
    assert loads(dumps(scenario)) == scenario
